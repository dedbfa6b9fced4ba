"""Partners refer people and see whether they came; staff manage partners and are
told of new referrals and sign-ups."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from rekruttering.access import PARTNER, STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.partners import notifications, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    add_nav_item(app, "partners.my_referrals", _l("My referrals"), PARTNER, order=10)
    add_nav_item(app, "partners.refer", _l("Refer a person"), PARTNER, order=20)
    add_nav_item(app, "partners.referrals", _l("Referrals"), STAFF, order=60, menu="partners")
    add_nav_item(app, "partners.index", _l("Partners"), STAFF, order=62, menu="partners")

    @app.context_processor
    def notification_context() -> dict[str, Any]:
        def unread_notifications() -> int | None:
            """Unread notices of the current centre, for staff (None for others)."""
            centre = g.get("centre")
            if centre is None or str(g.get("role")) not in {str(r) for r in STAFF}:
                return None
            return notifications.unread_count(centre.id)

        return {"unread_notifications": unread_notifications}
