"""Partners refer people and see whether they came; staff manage partners and are
told of new referrals and sign-ups."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from rekruttering.access import PARTNER, STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.partners import commands, notifications, organisations
from rekruttering.partners.blueprint import bp


def init_app(app: Flask) -> None:
    # Imported here: importing the view modules adds their views to ``bp``, and the
    # partner services are used without them (signup, demo).
    from rekruttering.partners import invitation_routes, portal_routes, staff_routes  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(commands.partner_password_link)
    app.cli.add_command(commands.accept_partner_request)
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

    # The centre's names are cached per request (a test's ``g`` outlives requests).
    @app.before_request
    def forget_partner_labels() -> None:
        g.pop("partner_labels", None)

    @app.context_processor
    def partner_label_context() -> dict[str, Any]:
        return {"partner_label": partner_label, "partner_kind": partner_kind}


def _labels() -> dict[int, tuple[str, Any]]:
    """This request's centre's names for its partners (one query per request)."""
    centre = g.get("centre")
    if centre is None:
        return {}
    cached = g.get("partner_labels")
    if cached is None or cached[0] != centre.id:
        cached = (centre.id, organisations.partner_labels(centre.id))
        g.partner_labels = cached
    return cached[1]


def partner_label(partner: Any) -> str:
    """A partner's name as the current centre calls it (each centre names its own link)."""
    if partner is None:
        return ""
    label = _labels().get(partner.id)
    return label[0] if label else partner.name


def partner_kind(partner: Any) -> Any:
    label = _labels().get(partner.id)
    return label[1] if label else partner.kind
