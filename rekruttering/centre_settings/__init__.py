"""The centre's own settings page (admin)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    # Imported here: services of this package are used across the app (demo, reminders,
    # retention), and the routes import half the app.
    from rekruttering.centre_settings import routes

    app.register_blueprint(routes.bp)
    add_nav_item(app, "centre_settings.edit", _l("Centre settings"), ADMIN, order=81, menu="admin")
