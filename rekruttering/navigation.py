"""The main menu. Each feature adds its entries in its ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    roles: frozenset[str]
    order: int = 100


def add_nav_item(
    app: Flask, endpoint: str, label: object, roles: tuple[str, ...], order: int = 100
) -> None:
    app.extensions.setdefault("rekruttering.nav", []).append(
        NavItem(endpoint, label, frozenset(str(r) for r in roles), order)
    )


def nav_items() -> list[NavItem]:
    """The entries the current user's role may see, in order."""
    role = g.get("role")
    if role is None:
        return []
    items = current_app.extensions.get("rekruttering.nav", [])
    return sorted((i for i in items if str(role) in i.roles), key=lambda i: i.order)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
