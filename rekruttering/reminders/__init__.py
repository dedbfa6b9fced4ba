"""Personal SMS reminders: schedule with preview, dispatch, follow up, templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.checkin.rsvp_source import register_rsvp_source
from rekruttering.navigation import add_nav_item
from rekruttering.reminders.rsvp import answers_for_session


def init_app(app: Flask) -> None:
    # Imported here: importing the view modules adds their views to ``bp``, and the
    # reminder services are used without them (the dispatcher, jobs).
    from rekruttering.reminders import message_routes, reminder_routes, template_routes  # noqa: F401
    from rekruttering.reminders.blueprint import bp

    app.register_blueprint(bp)
    register_rsvp_source(app, answers_for_session)
    add_nav_item(app, "reminders.index", _l("Reminders"), STAFF, order=50)
