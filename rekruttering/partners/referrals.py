"""Referring a person, and what partners and staff see of referrals. Never commits.

A referral puts the person into the funnel at "heard of it" through the partner's
channel (log_contact), records the consent the partner confirmed, and tells the staff
(a notice). The status comes from the funnel (see ``status.py``); the only thing staff
set by hand is "not reached".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload, with_expression

from rekruttering import audit
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.domain.person_name import clean_name
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.referral_status import status_case, status_expression
from rekruttering.models import (
    Activity,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    PartnerCentre,
    Person,
    Referral,
    ReferralStatus,
    User,
    UserRole,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.partners.notifications import NoticeKind, notify
from rekruttering.partners.organisations import partner_channel, partner_in_centre
from rekruttering.people.service import add_from_third_party, parse_phone
from rekruttering.privacy.consent import give_consent
from rekruttering.tenancy import fetch


@dataclass(frozen=True)
class ReferralInput:
    """What a partner fills in on the refer form."""

    centre_id: int
    #: The whole name as one string (split at the last word), or ``first_name`` and
    #: ``last_name`` apart as the refer form asks (last name optional).
    name: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    language: str = "nb"
    activity_id: int | None = None
    note: str = ""
    #: The partner confirms the person agreed to be contacted and registered.
    consent: bool = False
    #: A random token rendered into the form: the same token twice makes one referral.
    form_token: str | None = None


def split_name(name: str) -> tuple[str, str]:
    """'Amina Hassan Ali' -> ('Amina Hassan', 'Ali'): the last word is the last name.

    Invisible characters go first (``clean_name``): a zero-width space is no word.
    """
    name = clean_name(name)
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def refer_person(user: User, data: ReferralInput, at: datetime | None = None) -> Referral:
    """A partner user refers a person to a centre its organisation works with."""
    if user.partner_id is None or user.role_in(data.centre_id) != UserRole.PARTNER:
        raise NotFound(_("You cannot refer people to this centre."))
    partner = partner_in_centre(user.partner_id, data.centre_id)
    if data.form_token:
        earlier = db.session.scalar(
            select(Referral)
            .join(Contact, Contact.referral_id == Referral.id)
            .where(Contact.form_token == data.form_token, Referral.partner_id == partner.id)
        )
        if earlier is not None:
            return earlier  # the same form sent twice
    if data.first_name or data.last_name:
        first = " ".join(clean_name(data.first_name).split())
        last = " ".join(clean_name(data.last_name).split())
        if not first:
            raise ServiceError(_("Write the person's first name."), field="first_name")
    else:
        name = " ".join((data.name or "").split())
        if not name:
            raise ServiceError(_("Write the person's name."), field="name")
        first, last = split_name(name)
    e164 = parse_phone(data.phone)
    if e164 is None:
        raise ServiceError(_("Write the person's phone number."), field="phone")
    if not data.consent:
        raise ServiceError(
            _("Confirm that the person agreed to be contacted by the centre."), field="consent"
        )
    if data.activity_id is not None:
        try:
            fetch(Activity, data.activity_id, data.centre_id)
        except NotFound:
            raise ServiceError(
                _("That activity is not at the chosen centre."), field="activity_id"
            ) from None
    at = at or utcnow()
    # Always a new record: a known phone is held for staff to confirm (issue 12).
    person = add_from_third_party(data.centre_id, first, last, e164, data.language or "nb")
    referral = Referral(
        centre_id=data.centre_id,
        partner_id=partner.id,
        person_id=person.id,
        activity_id=data.activity_id,
        by_user_id=user.id,
        note=(data.note or "").strip(),
        name_given=" ".join(part for part in (first, last) if part)[:160],
        status=ReferralStatus.RECEIVED,
        created_at=at,
    )
    db.session.add(referral)
    db.session.flush()
    log_contact(
        data.centre_id,
        ContactInput(
            person_id=person.id,
            outcome=Outcome.HEARD,
            activity_id=data.activity_id,
            channel_id=partner_channel(data.centre_id, partner).id,
            occurred_at=at,
            by_user_id=user.id,
            note=referral.note,
            referral_id=referral.id,
            partner_id=partner.id,
            form_token=data.form_token,
        ),
    )
    for purpose in (ConsentPurpose.REGISTER, ConsentPurpose.SMS):
        give_consent(
            data.centre_id,
            person.id,
            purpose,
            ConsentMethod.PARTNER_REFERRAL,
            recorded_by_id=user.id,
            partner_id=partner.id,
            at=at,
        )
    notify(data.centre_id, NoticeKind.REFERRAL, person.id, at)
    audit.record(
        "referral_created",
        person_id=person.id,
        user_id=user.id,
        centre_id=data.centre_id,
        detail=f"referral={referral.id} partner={partner.id}",
    )
    return referral


def set_not_reached(centre_id: int, referral_id: int, not_reached: bool) -> Referral:
    """Staff mark (or unmark) that they tried but could not reach the person."""
    referral = fetch(Referral, referral_id, centre_id)
    referral.status = ReferralStatus.NOT_REACHED if not_reached else ReferralStatus.RECEIVED
    audit.record(
        "referral_marked",
        person_id=referral.person_id,
        centre_id=centre_id,
        detail=f"referral={referral.id} status={referral.status}",
    )
    return referral


def with_status(query: Select[tuple[Referral]]) -> Select[tuple[Referral]]:
    """Add the derived status (Referral.effective_status) to a query of referrals."""
    # populate_existing: an object already in the session gets its status afresh.
    return query.options(
        with_expression(Referral.effective_status, status_expression())
    ).execution_options(populate_existing=True)


def partner_referrals(
    partner_id: int, status: ReferralStatus | None = None, centre_ids: list[int] | None = None
) -> Select:
    """A partner's own referrals in every centre it (still) works with, newest first;
    with ``centre_ids`` (a login's centres) only those."""
    query = (
        with_status(select(Referral))
        .options(joinedload(Referral.activity))
        .where(
            Referral.partner_id == partner_id,
            exists(
                select(PartnerCentre.id).where(
                    PartnerCentre.partner_id == Referral.partner_id,
                    PartnerCentre.centre_id == Referral.centre_id,
                )
            ),
        )
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if centre_ids is not None:
        query = query.where(Referral.centre_id.in_(centre_ids))
    if status is not None:
        query = query.where(status_case() == status.value)
    return query


def centre_referrals(
    centre_id: int, partner_id: int | None = None, status: ReferralStatus | None = None
) -> Select:
    """The centre's referrals for staff (with person, partner and activity loaded)."""
    query = (
        with_status(select(Referral))
        .options(
            joinedload(Referral.activity),
            joinedload(Referral.partner),
            joinedload(Referral.person),
        )
        .where(Referral.centre_id == centre_id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if partner_id is not None:
        query = query.where(Referral.partner_id == partner_id)
    if status is not None:
        query = query.where(status_case() == status.value)
    return query


def outcomes_by_partner(centre_id: int) -> dict[int, dict[str, int]]:
    """partner id -> {status: count} for the centre, in one GROUP BY query."""
    inner = (
        select(Referral.partner_id, status_expression())
        .where(Referral.centre_id == centre_id)
        .subquery()
    )
    rows = db.session.execute(
        select(inner.c.partner_id, inner.c.effective_status, func.count()).group_by(
            inner.c.partner_id, inner.c.effective_status
        )
    ).all()
    result: dict[int, dict[str, int]] = {}
    for partner_id, status, count in rows:
        result.setdefault(partner_id, {})[status] = count
    return result


def anonymised_person_ids(person_ids: list[int]) -> set[int]:
    """Which of these people were anonymised (their referral shows no name then)."""
    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            select(Person.id).where(Person.id.in_(person_ids), Person.anonymised_at.is_not(None))
        )
    )


def activities_for_partner(centre_ids: list[int]) -> dict[int, list[Activity]]:
    """centre id -> its active activities, for the refer form (one query)."""
    result: dict[int, list[Activity]] = {cid: [] for cid in centre_ids}
    if centre_ids:
        for activity in db.session.scalars(
            select(Activity)
            .where(Activity.centre_id.in_(centre_ids), Activity.active.is_(True))
            .order_by(Activity.name)
        ):
            result[activity.centre_id].append(activity)
    return result
