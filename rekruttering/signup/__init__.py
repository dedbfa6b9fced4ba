"""Self sign-up through QR codes on posters, brochures and places."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.signup import routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "signup.sources", _l("QR codes"), STAFF, order=64, menu="partners")
