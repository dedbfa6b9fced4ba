"""Import people and contacts from the centre's old spreadsheets (CSV and XLSX)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN
from rekruttering.activities.filters import register_filters
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    # Imported here: the import services are usable without the views.
    from rekruttering.imports import routes

    app.register_blueprint(routes.bp)
    register_filters(app)
    add_nav_item(app, "imports.upload", _l("Import"), ADMIN, order=80, menu="admin")
