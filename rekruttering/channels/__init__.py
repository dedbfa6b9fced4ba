"""Channels: how people hear of the centre. The admin manages them; staff read the list."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    # Imported here: services of this package are used across the app (demo, reminders,
    # retention), and the routes import half the app.
    from rekruttering.channels import routes

    app.register_blueprint(routes.bp)
    add_nav_item(app, "channels.index", _l("Channels"), STAFF, order=80, menu="admin")
