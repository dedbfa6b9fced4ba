"""People: the register of prospective and actual participants and volunteers."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering import languages
from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.people import list_rows, routes, select_options, timeline_rows
from rekruttering.people.forms import target_group_label


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    languages.init_app(app)
    app.jinja_env.filters["target_group_label"] = target_group_label
    app.jinja_env.globals["people_rows"] = list_rows.people_rows
    app.jinja_env.globals["people_options"] = select_options.options
    app.jinja_env.globals["timeline_entries"] = timeline_rows.timeline_entries
    add_nav_item(app, "people.index", _l("People"), STAFF, order=20)
