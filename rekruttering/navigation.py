"""The main menu. Each feature adds its entries in its ``init_app``.

Entries with a ``menu`` are grouped under a dropdown of that name (Partners,
Administration), so the bar stays on one line at desktop width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g
from flask_babel import lazy_gettext as _l

#: Dropdown menus, in the order they appear after the top-level entries.
MENUS: dict[str, object] = {
    "partners": _l("Partners and sign-up"),
    "admin": _l("Administration"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    roles: frozenset[str]
    order: int = 100
    menu: str | None = None


@dataclass
class NavMenu:
    key: str
    label: object
    items: list[NavItem] = field(default_factory=list)


def add_nav_item(
    app: Flask,
    endpoint: str,
    label: object,
    roles: tuple[str, ...],
    order: int = 100,
    menu: str | None = None,
) -> None:
    if menu is not None and menu not in MENUS:
        raise ValueError(f"unknown menu {menu!r}; add it to navigation.MENUS")
    app.extensions.setdefault("rekruttering.nav", []).append(
        NavItem(endpoint, label, frozenset(str(r) for r in roles), order, menu)
    )


def nav_items() -> list[NavItem]:
    """The entries the current user's role may see, in order (menus flattened)."""
    role = g.get("role")
    if role is None:
        return []
    items = current_app.extensions.get("rekruttering.nav", [])
    return sorted((i for i in items if str(role) in i.roles), key=lambda i: i.order)


def nav_menus() -> tuple[list[NavItem], list[NavMenu]]:
    """Top-level entries, and the dropdown menus that have entries for this role."""
    top = [i for i in nav_items() if i.menu is None]
    menus = {key: NavMenu(key, label) for key, label in MENUS.items()}
    for item in nav_items():
        if item.menu is not None:
            menus[item.menu].items.append(item)
    return top, [m for m in menus.values() if m.items]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_menus"] = nav_menus
