"""Our own list of numbers that asked not to be texted. Building blocks: never commit.

The list is per phone number (kept as a keyed hash, see number_hash.py) and shared by all centres on the installation (they send
from the same number, so a STOP is about that sender). ``Person.sms_opted_out_at``
mirrors it on each person with the number, and keeps them opted out if their number
later changes. Sending checks both, at the moment of sending.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from rekruttering.domain.phone import mask_phone
from rekruttering.extensions import db
from rekruttering.models import OptOut, Person, Reminder, ReminderState
from rekruttering.sms.number_hash import hash_of
from rekruttering.sms.provider_errors import UNSUBSCRIBED_REASON, _l
from rekruttering.transaction import execute_dml

log = logging.getLogger(__name__)

OPTED_OUT_REASON = _l("Opted out of SMS")


def is_opted_out(phone: str | None) -> bool:
    if not phone:
        return False
    entry = sa.select(OptOut.id).where(OptOut.phone_hash == hash_of(phone))
    return db.session.scalar(entry) is not None


def opt_out(phone: str, source: str, at: datetime | None = None) -> int:
    """Put ``phone`` on the list; mark its people and cancel their pending reminders.

    Returns how many pending reminders were cancelled. Idempotent.
    """
    at = at or utcnow()
    if not is_opted_out(phone):
        try:
            with db.session.begin_nested():  # another request may add it at the same time
                db.session.add(OptOut(phone_hash=hash_of(phone), source=source[:20], created_at=at))
        except sa.exc.IntegrityError:
            pass
    people = db.session.scalars(sa.select(Person).where(Person.phone == phone)).all()
    for person in people:
        if person.sms_opted_out_at is None:
            person.sms_opted_out_at = at
    cancelled = 0
    if people:
        cancelled = execute_dml(
            sa.update(Reminder)
            .where(
                Reminder.person_id.in_([p.id for p in people]),
                Reminder.state == ReminderState.PENDING,
            )
            .values(state=ReminderState.CANCELLED, last_error=OPTED_OUT_REASON, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    log.info(
        "number %s opted out (%s); %d reminders cancelled", mask_phone(phone), source, cancelled
    )
    return cancelled


def opt_in(phone: str) -> bool:
    """Take ``phone`` off the list (START, or staff at the person's request).

    Also clears "not textable" where the provider's unsubscribe was the reason: START
    resubscribes at the provider too. Returns True if the number was on the list.
    """
    removed = execute_dml(sa.delete(OptOut).where(OptOut.phone_hash == hash_of(phone)))
    people = db.session.scalars(sa.select(Person).where(Person.phone == phone)).all()
    for person in people:
        person.sms_opted_out_at = None
        if person.phone_not_textable_reason == UNSUBSCRIBED_REASON:
            person.phone_not_textable_reason = None
    log.info("number %s opted in again", mask_phone(phone))
    return bool(removed)


def opt_out_person(person: Person, source: str, at: datetime | None = None) -> int:
    """Opt one person out (staff by hand): their number too, when they have one."""
    at = at or utcnow()
    if person.phone:
        return opt_out(person.phone, source, at)
    person.sms_opted_out_at = person.sms_opted_out_at or at
    return 0


def opt_in_person(person: Person) -> None:
    if person.phone:
        opt_in(person.phone)
    person.sms_opted_out_at = None
