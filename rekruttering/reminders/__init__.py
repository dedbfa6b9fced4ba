"""Personal SMS reminders: schedule with preview, dispatch, follow up, templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    # Importing the view modules adds their views to ``bp``.
    from rekruttering.reminders import message_routes, reminder_routes, template_routes  # noqa: F401
    from rekruttering.reminders.blueprint import bp

    app.register_blueprint(bp)
    add_nav_item(app, "reminders.index", _l("Reminders"), STAFF, order=50)
