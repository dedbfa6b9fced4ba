"""Log a contact: the staff's most frequent use case. Never commits (transaction.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.extensions import db
from rekruttering.funnel.service import apply_outcome, enrol, touch
from rekruttering.models import Activity, Channel, Contact, Person, Source
from rekruttering.tenancy import fetch


@dataclass(frozen=True)
class ContactInput:
    """What a staff member (or a partner, a form, an import) reports about one touch."""

    person_id: int
    outcome: Outcome
    activity_id: int | None = None
    channel_id: int | None = None
    role: Role = Role.PARTICIPANT
    occurred_at: datetime | None = None
    by_user_id: int | None = None
    note: str = ""
    follow_up_on: date | None = None
    recruited_by_id: int | None = None
    source_id: int | None = None
    referral_id: int | None = None
    partner_id: int | None = None
    #: A random token rendered into the form: the same token twice logs one contact.
    form_token: str | None = None


def log_contact(centre_id: int, data: ContactInput) -> Contact:
    """Record the contact and move the person's enrolment forward (never backwards)."""
    if data.form_token:
        existing = db.session.scalar(select(Contact).where(Contact.form_token == data.form_token))
        if existing is not None and existing.centre_id == centre_id:
            return existing  # a double-submitted form
    person = fetch(Person, data.person_id, centre_id)
    if data.activity_id is not None:
        fetch(Activity, data.activity_id, centre_id)
    if data.channel_id is not None:
        fetch(Channel, data.channel_id, centre_id)
    if data.source_id is not None:
        fetch(Source, data.source_id, centre_id)
    if data.recruited_by_id is not None:
        fetch(Person, data.recruited_by_id, centre_id)
    at = data.occurred_at or utcnow()
    contact = Contact(
        centre_id=centre_id,
        person_id=person.id,
        activity_id=data.activity_id,
        channel_id=data.channel_id,
        role=data.role,
        outcome=data.outcome,
        occurred_at=at,
        by_user_id=data.by_user_id,
        note=data.note or "",
        follow_up_on=data.follow_up_on,
        recruited_by_id=data.recruited_by_id,
        source_id=data.source_id,
        referral_id=data.referral_id,
        form_token=data.form_token,
    )
    db.session.add(contact)
    if data.recruited_by_id not in (None, person.id) and person.recruited_by_id is None:
        person.recruited_by_id = data.recruited_by_id
    if data.activity_id is not None:
        enrolment = enrol(centre_id, person.id, data.activity_id, data.role)
        apply_outcome(enrolment, data.outcome, at, data.channel_id, data.partner_id)
    touch(person, at)
    db.session.flush()
    return contact
