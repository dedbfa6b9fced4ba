"""Accounts: every user's account page, staff accounts managed by a centre's admin,
invitation and password links, "Forgot password?"."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN
from rekruttering.accounts import routes
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "accounts.users", _l("Staff accounts"), ADMIN, order=90, menu="admin")
