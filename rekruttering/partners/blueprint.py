"""The partners blueprint and the helpers its views share.

The views live by audience: staff_routes (partner organisations, link requests,
referrals, notices), invitation_routes (partner logins and the public invitation link)
and portal_routes (the partner's own pages). Each adds its views to ``bp``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, request

from rekruttering import tenancy
from rekruttering.errors import ServiceError
from rekruttering.models import Partner, ReferralStatus
from rekruttering.partners import organisations

bp = Blueprint("partners", __name__)


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _form_error(form: Any, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


def _partner_or_404(partner_id: int) -> Partner:
    """Partners are installation-wide: another centre's partner is simply not found
    (``NotFound`` answers 404, main/errors.py)."""
    return organisations.partner_in_centre(partner_id, tenancy.current_centre_id())


def _safe_back(default: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def _status_arg() -> ReferralStatus | None:
    value = request.args.get("status", "")
    return ReferralStatus(value) if value in {s.value for s in ReferralStatus} else None


def _person_endpoint() -> str | None:
    """The person page, when the people feature is installed."""
    return "people.detail" if "people.detail" in current_app.view_functions else None
