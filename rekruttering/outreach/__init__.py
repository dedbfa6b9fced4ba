"""Outreach: logging contacts, the follow-up queue."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.outreach import labels, routes


def init_app(app: Flask) -> None:
    # Imported here: it watches every ORM session once the app is made.
    from rekruttering.funnel import referral_acted_on

    referral_acted_on.init_app()
    app.register_blueprint(routes.bp)
    labels.init_app(app)
    add_nav_item(app, "outreach.follow_up", _l("Follow-up queue"), STAFF, order=10)
    add_nav_item(app, "outreach.log_contact", _l("Log a contact"), STAFF, order=30)
