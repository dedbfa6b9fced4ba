"""The main menu. Each feature adds its entries in its ``init_app``.

Entries with a ``menu`` are grouped under a dropdown of that name (Partners,
Administration), so the bar stays on one line at desktop width.

The menu is derived from the access rules (rekruttering/access.py): an entry is shown
to a role only if the route's ``@allow(...)`` lets that role in, so a menu link can
never lead to a 403. ``roles`` narrows that further to the roles the entry is *for*
(an administrator's task stays out of the staff's menu even where staff may open the
page from a link); it defaults to everyone the route allows. ``verify`` (called once
the app is built) refuses an entry whose roles the route does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from rekruttering.access import ANY_USER, PUBLIC, audience_of

#: Dropdown menus, in the order they appear after the top-level entries.
MENUS: dict[str, object] = {
    "partners": _l("Partners and sign-up"),
    "admin": _l("Administration"),
}

EXTENSION = "rekruttering.nav"
#: The menus worked out for each role and language (``_menus_of_role``).
MENU_CACHE = "rekruttering.nav.menus"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    roles: frozenset[str] | None  # None: everyone the route allows
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
    roles: tuple[str, ...] | None = None,
    order: int = 100,
    menu: str | None = None,
) -> None:
    """Add a menu entry; ``roles`` (default: whoever the route allows) narrows who sees it."""
    if menu is not None and menu not in MENUS:
        raise ValueError(f"unknown menu {menu!r}; add it to navigation.MENUS")
    app.extensions.setdefault(EXTENSION, []).append(
        NavItem(
            endpoint,
            label,
            None if roles is None else frozenset(str(r) for r in roles),
            order,
            menu,
        )
    )


def item_roles(app: Flask, item: NavItem) -> frozenset[str]:
    """The roles that see ``item``: its own ``roles`` within the route's audience."""
    audience = audience_of(app, item.endpoint) or frozenset()
    if PUBLIC in audience or ANY_USER in audience:
        return item.roles or frozenset()
    return audience if item.roles is None else item.roles & audience


def menu_for(app: Flask, role: object) -> list[NavItem]:
    """Every entry ``role`` sees, in order (menus flattened)."""
    items = app.extensions.get(EXTENSION, [])
    return sorted((i for i in items if str(role) in item_roles(app, i)), key=lambda i: i.order)


def nav_items() -> list[NavItem]:
    """The entries the current user's role may see, in order (menus flattened), their
    labels in the current language."""
    return _menus_of_role()[0]


def nav_menus() -> tuple[list[NavItem], list[NavMenu]]:
    """Top-level entries, and the dropdown menus that have entries for this role."""
    _, top, menus = _menus_of_role()
    return top, menus


def _menus_of_role() -> tuple[list[NavItem], list[NavItem], list[NavMenu]]:
    """Every page draws the menu: what a role sees, in a language, is worked out once
    per app (the entries and the access rules are fixed once the app is built)."""
    role = g.get("role")
    if role is None:
        return [], [], []
    items = current_app.extensions.get(EXTENSION, [])
    key = (str(role), str(get_locale()), len(items))
    cache: dict[tuple[str, str, int], Any] = current_app.extensions[MENU_CACHE]
    found = cache.get(key)
    if found is None:
        # Labels translated now (a lazy string is translated again each time it is shown).
        shown = [replace(i, label=str(i.label)) for i in menu_for(current_app, role)]
        top = [i for i in shown if i.menu is None]
        menus = {name: NavMenu(name, str(label)) for name, label in MENUS.items()}
        for item in shown:
            if item.menu is not None:
                menus[item.menu].items.append(item)
        found = cache[key] = (shown, top, [m for m in menus.values() if m.items])
    return found


def verify(app: Flask) -> None:
    """Refuse a menu entry for an unknown endpoint or for roles its route does not allow."""
    problems = []
    for item in app.extensions.get(EXTENSION, []):
        audience = audience_of(app, item.endpoint)
        if audience is None:
            problems.append(f"{item.endpoint}: no such endpoint")
        elif item.roles is not None and PUBLIC not in audience and ANY_USER not in audience:
            extra = item.roles - audience
            if extra:
                problems.append(f"{item.endpoint}: menu for {sorted(extra)}, route refuses them")
    if problems:
        raise RuntimeError("menu entries that drift from the access rules: " + "; ".join(problems))


def init_app(app: Flask) -> None:
    # Made here, not at the first page: the app's own state is complete once it is built.
    app.extensions[MENU_CACHE] = {}
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_menus"] = nav_menus
