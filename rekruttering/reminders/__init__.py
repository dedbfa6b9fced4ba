"""Personal SMS reminders: schedule with preview, dispatch, follow up, templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.checkin.rsvp_source import register_rsvp_source
from rekruttering.navigation import add_nav_item
from rekruttering.reminders.rsvp import answers_for_session


def init_app(app: Flask) -> None:
    from rekruttering.reminders import routes

    app.register_blueprint(routes.bp)
    register_rsvp_source(app, answers_for_session)
    add_nav_item(app, "reminders.index", _l("Reminders"), STAFF, order=50)
