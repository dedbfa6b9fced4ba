"""Check-in at the door: the people expected at a session, one tap each, walk-ins."""

from __future__ import annotations

from flask import Flask

from rekruttering.activities.filters import register_filters
from rekruttering.checkin import routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    register_filters(app)
