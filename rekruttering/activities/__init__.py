"""Activities: weekly schedules, sessions generated ahead, sign-up and waiting lists."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import STAFF
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    # Imported here, not at module level: services of this package are used by other
    # features (check-in, import, demo) without pulling in the blueprint and its imports.
    from rekruttering.activities import closed_routes, commands, filters, routes

    assert closed_routes.bp is routes.bp  # the closed-period views are on this blueprint
    app.register_blueprint(routes.bp)
    app.cli.add_command(commands.generate_sessions_command)
    filters.register_filters(app)
    add_nav_item(app, "activities.index", _l("Activities"), STAFF, order=40)
    add_nav_item(
        app, "activities.closed_periods", _l("Closed periods"), STAFF, order=82, menu="admin"
    )
