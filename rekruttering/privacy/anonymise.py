"""Anonymise people: on request (erasure, GDPR art. 17) or when retention runs out.

The person row stays, named "Anonymisert", without phone or note; their contacts,
messages, reminders and referrals lose their free text (notes, message bodies,
numbers). Ids, stages, times and counts stay, so the funnel counts, attendance
totals and reports are the same before and after. Who recruited whom stays as ids.

Building blocks: they never commit (see transaction.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from rekruttering import audit
from rekruttering.domain.clock import utcnow
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import ConsentPurpose, Person, Reminder, ReminderState
from rekruttering.privacy.consent import withdraw_consent
from rekruttering.privacy.person_data import (
    ANONYMOUS_NAME,
    cleared_value,
    columns_to_clear,
    person_tables,
)
from rekruttering.tenancy import fetch

MAX_NOTE = 200


def anonymise_people(person_ids: Sequence[int], at: datetime | None = None) -> int:
    """Anonymise the given people (of any centre); returns how many rows changed.

    Only people not yet anonymised are touched, so running it twice is harmless.
    The caller checks the people belong where they should and records the audit.
    """
    at = at or utcnow()
    ids = list(
        db.session.scalars(
            sa.select(Person.id).where(Person.id.in_(person_ids), Person.anonymised_at.is_(None))
        )
    )
    if not ids:
        return 0
    db.session.flush()
    for pt in person_tables():
        if pt.subject is None:
            continue
        values: dict[str, object] = {c.name: cleared_value(c) for c in columns_to_clear(pt.table)}
        if pt.name == "person":
            values.update(first_name=ANONYMOUS_NAME, anonymised_at=at)
        if values:
            db.session.execute(sa.update(pt.table).where(pt.subject.in_(ids)).values(**values))
    # Nothing more is sent to them: pending reminders stop, consents end.
    db.session.execute(
        sa.update(Reminder.__table__)
        .where(Reminder.person_id.in_(ids), Reminder.state == ReminderState.PENDING)
        .values(state=ReminderState.CANCELLED, updated_at=at)
    )
    for person_id in ids:
        for purpose in ConsentPurpose:
            withdraw_consent(person_id, purpose, at=at)
    db.session.flush()
    # Core updates bypass the identity map: make loaded objects read the new values.
    db.session.expire_all()
    return len(ids)


#: Why a person is erased: a choice, so the log says why without free text.
ERASURE_REASONS = {
    "asked_in_person": _l("They asked in person"),
    "asked_by_phone": _l("They asked on the phone or by SMS"),
    "asked_in_writing": _l("They asked in writing (e-mail, letter)"),
    "asked_by_representative": _l("A parent, guardian or representative asked"),
    "registered_by_mistake": _l("Registered by mistake"),
    "other": _l("Other (say what in the note)"),
}


def scrub_person(text: str, person: Person) -> str:
    """``text`` without the person's names and phone number (in any spacing)."""
    words = {w for part in (person.first_name, person.last_name) for w in (part or "").split()}
    for word in sorted((w for w in words if len(w) >= 2), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    if person.phone:
        digits = re.sub(r"\D", "", person.phone)
        for number in {digits, digits[2:] if digits.startswith("47") else digits}:
            pattern = r"\+?" + r"[\s.-]?".join(re.escape(d) for d in number)
            text = re.sub(pattern, "[number]", text)
    return text


def erase_person(
    centre_id: int,
    person_id: int,
    reason: str,
    note: str = "",
    *,
    by_user_id: int | None = None,
) -> Person:
    """Erasure on request: anonymise one person of ``centre_id`` and record why.

    ``reason`` is one of ``ERASURE_REASONS``; the optional ``note`` is kept short and
    scrubbed of the person's names and phone number (and, by the audit log's filter,
    of anything phone-like) before it is stored, so the log does not undo the erasure.
    """
    person = fetch(Person, person_id, centre_id)
    if reason not in ERASURE_REASONS:
        raise ServiceError(_("Choose why the person is erased."), field="reason")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise ServiceError(_("Keep the note under %(n)d characters.", n=MAX_NOTE), field="note")
    if reason == "other" and not note:
        raise ServiceError(_("Say in the note why the person is erased."), field="note")
    if person.anonymised_at is not None:
        raise ServiceError(_("This person is anonymised already."))
    note = scrub_person(note, person)
    anonymise_people([person.id])
    audit.record(
        "person_erased",
        person_id=person.id,
        centre_id=centre_id,
        user_id=by_user_id,
        detail=f"{reason}: {note}" if note else reason,
    )
    return db.session.get_one(Person, person.id)
