"""A partner works with another centre only when it agrees. Never commits.

The centre asks by the e-mail address of someone at the organisation: it learns
nothing about who has a login (the answer is the same for every address). The login
with that address sees "Heggedal wants to work with you" on its start page and
accepts or declines; the installation's operator can accept on the partner's behalf
from the command line. Accepting links the login's organisation to the centre, under
the name the centre gave it, and gives that login (no other) access to the centre.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering import audit
from rekruttering.domain.clock import utcnow
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Centre,
    Membership,
    Partner,
    PartnerKind,
    PartnerLinkRequest,
    User,
    UserRole,
)
from rekruttering.partners.organisations import (
    centre_ids_of,
    link_partner,
    record_for_partner,
)
from rekruttering.tenancy import fetch

ACCEPTED, DECLINED, CANCELLED = "accepted", "declined", "cancelled"


def _clean_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise ServiceError(_("An email address is needed."), field="email")
    return email


def ask_partner(
    centre_id: int, email: str, name: str, kind: PartnerKind, by_user_id: int | None
) -> PartnerLinkRequest:
    """The centre asks the organisation of the login ``email`` to work with it.

    Nothing is looked up: the request waits for whoever logs in with that address.
    """
    email = _clean_email(email)
    name = (name or "").strip()[:120]
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    request = PartnerLinkRequest(
        centre_id=centre_id,
        email=email,
        name=name,
        kind=PartnerKind(kind),
        created_by_id=by_user_id,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record("partner_link_requested", centre_id=centre_id, detail=f"request={request.id}")
    return request


def pending_of_centre(centre_id: int) -> list[PartnerLinkRequest]:
    return list(
        db.session.scalars(
            select(PartnerLinkRequest)
            .where(PartnerLinkRequest.centre_id == centre_id, PartnerLinkRequest.outcome.is_(None))
            .order_by(PartnerLinkRequest.created_at.desc())
        )
    )


def cancel_request(centre_id: int, request_id: int) -> PartnerLinkRequest:
    request = fetch(PartnerLinkRequest, request_id, centre_id)
    if request.outcome is None:
        request.outcome = CANCELLED
        request.decided_at = utcnow()
        audit.record("partner_link_cancelled", centre_id=centre_id, detail=f"request={request.id}")
    return request


def pending_for_user(user: User) -> list[tuple[PartnerLinkRequest, str]]:
    """(request, centre name) addressed to this partner login and still waiting."""
    if user.partner_id is None:
        return []
    return [
        (request, centre_name)
        for request, centre_name in db.session.execute(
            select(PartnerLinkRequest, Centre.name)
            .join(Centre, Centre.id == PartnerLinkRequest.centre_id)
            .where(
                PartnerLinkRequest.email == user.email.lower(),
                PartnerLinkRequest.outcome.is_(None),
            )
            .order_by(PartnerLinkRequest.created_at)
        ).all()
    ]


def _request_for(user: User, request_id: int | None) -> PartnerLinkRequest:
    """The waiting request addressed to ``user``; NotFound for anyone else's."""
    request = db.session.get(PartnerLinkRequest, request_id) if request_id else None
    if (
        request is None
        or user.partner_id is None
        or request.outcome is not None
        or request.email != user.email.lower()
    ):
        raise NotFound("not found")
    return request


def _link(request: PartnerLinkRequest, partner: Partner, user: User | None, by: str) -> None:
    if request.centre_id not in centre_ids_of(partner.id):
        link_partner(partner, request.centre_id, request.name, request.kind, user)
    elif user is not None and user.role_in(request.centre_id) is None:
        user.memberships.append(Membership(centre_id=request.centre_id, role=UserRole.PARTNER))
    request.outcome = ACCEPTED
    request.decided_at = utcnow()
    request.partner_id = partner.id
    db.session.flush()
    record_for_partner(
        "partner_link_accepted",
        partner.id,
        request.centre_id,
        f"partner={partner.id} request={request.id} by={by}",
        user_id=user.id if user else None,
    )


def accept_request(user: User, request_id: int | None) -> PartnerLinkRequest:
    """The partner login the request was addressed to agrees."""
    request = _request_for(user, request_id)
    partner = db.session.get(Partner, user.partner_id)
    assert partner is not None
    _link(request, partner, user, f"user:{user.id}")
    return request


def decline_request(user: User, request_id: int | None) -> PartnerLinkRequest:
    request = _request_for(user, request_id)
    request.outcome = DECLINED
    request.decided_at = utcnow()
    audit.record(
        "partner_link_declined",
        user_id=user.id,
        centre_id=request.centre_id,
        detail=f"request={request.id}",
    )
    return request


def accept_for_partner(request_id: int, partner_id: int) -> None:
    """The installation's operator accepts on the partner's behalf (command line).

    No login gets access: the centre invites the people it wants.
    """
    request = db.session.get(PartnerLinkRequest, request_id)
    partner = db.session.get(Partner, partner_id)
    if request is None or request.outcome is not None or partner is None:
        raise NotFound(_("No such waiting request or partner."))
    _link(request, partner, None, "installation")
