"""Use cases on people: create, find by phone. Never commit (see transaction.py)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering.domain.phone import InvalidPhoneNumber, normalise_phone
from rekruttering.errors import Conflict, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Person


class DuplicatePhone(Conflict):
    """A person with this phone exists in the centre: offer them instead of a duplicate."""

    def __init__(self, existing: Person) -> None:
        super().__init__(
            _("%(name)s already has this phone number.", name=existing.display_name),
            field="phone",
        )
        self.existing = existing


def parse_phone(text: str | None) -> str | None:
    """E.164 for a typed number, None for an empty field, ServiceError otherwise."""
    if text is None or not text.strip():
        return None
    try:
        return normalise_phone(text)
    except InvalidPhoneNumber:
        raise ServiceError(
            _(
                "%(value)s is not a phone number we can use. Write it like 912 34 567 or +47 912 34 567.",
                value=text.strip(),
            ),
            field="phone",
        ) from None


def find_by_phone(centre_id: int, e164: str) -> Person | None:
    return db.session.scalar(
        select(Person).where(Person.centre_id == centre_id, Person.phone == e164)
    )


def create_person(
    centre_id: int,
    first_name: str,
    last_name: str = "",
    phone: str | None = None,
    language: str = "nb",
    target_group: str | None = None,
    note: str = "",
    recruited_by_id: int | None = None,
) -> Person:
    """Add a person. Raises DuplicatePhone when the phone is already in this centre."""
    first_name = (first_name or "").strip()
    if not first_name:
        raise ServiceError(_("A first name is needed."), field="first_name")
    e164 = parse_phone(phone)
    if e164 is not None:
        existing = find_by_phone(centre_id, e164)
        if existing is not None:
            raise DuplicatePhone(existing)
    person = Person(
        centre_id=centre_id,
        first_name=first_name[:80],
        last_name=(last_name or "").strip()[:80],
        phone=e164,
        language=(language or "nb").strip()[:10] or "nb",
        target_group=target_group or None,
        note=note or "",
        recruited_by_id=recruited_by_id,
    )
    db.session.add(person)
    db.session.flush()
    return person
