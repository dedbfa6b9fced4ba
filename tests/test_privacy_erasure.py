"""Erasure on request: anonymise with a reason, after a confirmation; counts stay."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    AuditEvent,
    ConsentPurpose,
    Person,
    Reminder,
    ReminderState,
    UserRole,
)
from rekruttering.privacy.anonymise import erase_person
from rekruttering.privacy.consent import has_active_consent
from rekruttering.transaction import transaction
from tests.privacy_fixtures import full_person, report_counts, text_of_person_rows


def test_erasure_removes_personal_text_and_keeps_counts(app: Any, make: Any) -> None:
    """Names, phone, notes and message texts go; stages, attendance and who-brought-whom stay."""
    centre = make.centre()
    holder = full_person(make, centre)
    admin = make.user(centre, role=UserRole.ADMIN)
    before = report_counts()
    with transaction():
        erase_person(
            centre.id,
            holder.person.id,
            "asked_by_phone",
            "Amina Haugland ringte fra 912 34 567",
            by_user_id=admin.id,
        )
    assert report_counts() == before
    person = db.session.get(Person, holder.person.id)
    assert person.first_name == "Anonymisert" and person.last_name == ""
    assert person.phone is None and person.note == "" and person.anonymised_at is not None
    assert person.language == "nb"  # kept: not identifying, reports group by it
    left = text_of_person_rows(holder.person.id)
    for secret in holder.secrets:
        assert secret not in left, secret
    recruit = db.session.get(Person, holder.recruit.id)
    assert recruit.recruited_by_id == holder.person.id and recruit.first_name == "Nabo"
    reminder = db.session.scalar(select(Reminder))
    assert reminder.state == ReminderState.CANCELLED
    assert not has_active_consent(holder.person.id, ConsentPurpose.SMS)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person_erased"))
    assert (event.person_id, event.user_id, event.detail) == (
        holder.person.id,
        admin.id,
        "asked_by_phone: [name] [name] ringte fra [number]",
    )


def test_erasure_needs_a_reason_and_happens_once(app: Any, make: Any) -> None:
    """No reason, a free-text reason, "other" without a note, a too long note, a second
    erasure, another centre: refused, nothing written."""
    mine, other = make.centre(), make.centre()
    person = make.person(mine)
    for reason, note, field in (
        ("", "", "reason"),
        ("Ba om det selv", "", "reason"),
        ("other", "  ", "note"),
        ("asked_in_person", "x" * 201, "note"),
    ):
        with pytest.raises(ServiceError) as info, transaction():
            erase_person(mine.id, person.id, reason, note)
        assert info.value.field == field
    assert db.session.get(Person, person.id).anonymised_at is None
    with pytest.raises(NotFound), transaction():
        erase_person(mine.id, make.person(other).id, "asked_in_person")
    with transaction():
        erase_person(mine.id, person.id, "other", "Flyttet, ba om sletting")
    with pytest.raises(ServiceError), transaction():
        erase_person(mine.id, person.id, "asked_in_person")
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person_erased"))


def test_erase_page_confirms_before_it_erases(client: Any, make: Any, login: Any) -> None:
    """GET shows a confirmation page; POST without the tick or reason changes nothing."""
    centre = make.centre()
    person = make.person(centre, first_name="Olga")
    login(make.user(centre, role=UserRole.ADMIN))
    url = f"/privacy/people/{person.id}/erase"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Olga" in html and 'name="reason"' in html
    assert "data-confirm=" in html
    assert 'name="note"' in html
    assert client.post(url, data={"reason": "asked_in_person"}).status_code == 200
    assert client.post(url, data={"confirm": "y"}).status_code == 200
    assert client.post(url, data={"reason": "Ba om det", "confirm": "y"}).status_code == 200
    assert db.session.get(Person, person.id).anonymised_at is None
    done = client.post(
        url, data={"reason": "other", "note": "Ba om det, tlf 912 34 567", "confirm": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).first_name == "Anonymisert"
    detail = db.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "person_erased")
    )
    assert "912" not in detail and detail.startswith("other: Ba om det")


def test_only_admins_erase(client: Any, make: Any, login: Any) -> None:
    """Staff may see the data but not erase it: erasure is the manager's decision."""
    centre = make.centre()
    person = make.person(centre)
    login(make.user(centre, role=UserRole.STAFF))
    url = f"/privacy/people/{person.id}/erase"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "other", "confirm": "y"}).status_code == 403
    assert db.session.get(Person, person.id).anonymised_at is None
