"""The installation admin: whoever runs the server, above the centres. Creates
centres with their first admin, municipality accounts and the centres they see."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import INSTALLATION
from rekruttering.installation import routes
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "installation.centres", _l("Centres"), INSTALLATION, order=10)
    add_nav_item(app, "installation.new_centre", _l("New centre"), INSTALLATION, order=20)
    add_nav_item(app, "installation.municipality", _l("Municipality"), INSTALLATION, order=30)
