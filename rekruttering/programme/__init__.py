"""The centre's programme as a recruitment channel: the public page, its embed and
calendar feeds, and printed programmes whose QR codes are sources of their own."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.programme import routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "programme.index", _l("Programme"), STAFF, order=42, menu="partners")
