"""Check-in at the door: the people expected at a session, one tap each, walk-ins."""

from __future__ import annotations

from flask import Flask

from rekruttering.activities.filters import register_filters


def init_app(app: Flask) -> None:
    # Imported here: the check-in service is used by the demo and tests without the views.
    from rekruttering.checkin import routes

    app.register_blueprint(routes.bp)
    register_filters(app)
