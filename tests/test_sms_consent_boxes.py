"""Consent in one tap: every staff form that adds a person with a phone has the SMS
consent box with its text, and ticking it records consent (in person, by whom)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Consent, ConsentMethod, ConsentPurpose, Person


@pytest.fixture
def staff(make: Any, login: Any) -> dict[str, Any]:
    centre = make.centre()
    user = make.user(centre)
    login(user)
    activity = make.activity(centre, name="Mat og prat")
    return {"centre": centre, "user": user, "activity": activity}


def _consents() -> list[tuple[str, ConsentPurpose, ConsentMethod, int | None]]:
    rows = db.session.execute(
        sa.select(Person.first_name, Consent.purpose, Consent.method, Consent.recorded_by_id)
        .join(Person, Person.id == Consent.person_id)
        .order_by(Consent.id)
    )
    return [tuple(r) for r in rows]


def _log_contact(client: Any, s: dict[str, Any], name: str, phone: str, consent: bool) -> Any:
    data = {
        "new_first_name": name,
        "new_phone": phone,
        "new_language": "nb",
        "activity_id": s["activity"].id,
        "outcome": "asked",
        "role": "participant",
        "by_user_id": s["user"].id,
        "form_token": f"tok-{name}",
    }
    if consent:
        data["new_sms_consent"] = "y"
    return client.post("/contacts/new", data=data)


@pytest.mark.parametrize(
    ("page", "box"),
    [
        ("/contacts/new", "new_sms_consent"),
        ("/people/new", "sms_consent"),
        ("walk-in", "sms_consent"),
        ("sign-ups", "sms_consent"),
    ],
)
def test_each_form_shows_the_box_with_its_text(
    client: Any, make: Any, staff: dict[str, Any], page: str, box: str
) -> None:
    if page == "walk-in":
        session = make.session(staff["activity"], utcnow() - timedelta(minutes=5))
        page = f"/checkin/sessions/{session.id}/walk-in"
    elif page == "sign-ups":
        holiday = make.activity(staff["centre"], signup_required=True, capacity=5)
        session = make.session(holiday, utcnow() + timedelta(days=2))
        page = f"/sessions/{session.id}/signups"
    html = client.get(page).get_data(as_text=True)
    assert 'type="checkbox" value="y"' in html and f'id="{box}"' in html
    assert "STOPP" in html  # the consent text says how to stop


def test_log_a_contact_for_a_new_person_records_consent_when_ticked(
    client: Any, staff: dict[str, Any]
) -> None:
    assert _log_contact(client, staff, "Åse", "412 34 567", consent=True).status_code == 302
    assert _log_contact(client, staff, "Ola", "412 34 568", consent=False).status_code == 302
    assert _consents() == [("Åse", ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff["user"].id)]
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "consent_given")
    )


def test_new_person_form_records_consent_only_with_a_phone(
    client: Any, staff: dict[str, Any]
) -> None:
    base = {"language": "nb", "target_group": "", "note": ""}
    with_phone = {**base, "first_name": "Øyvind", "phone": "412 34 569", "sms_consent": "y"}
    no_phone = {**base, "first_name": "Ærø", "phone": "", "sms_consent": "y"}
    assert client.post("/people/new", data=with_phone).status_code == 302
    assert client.post("/people/new", data=no_phone).status_code == 302
    assert _consents() == [
        ("Øyvind", ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff["user"].id)
    ]


def test_walk_in_records_consent_for_someone_new(
    client: Any, make: Any, staff: dict[str, Any]
) -> None:
    session = make.session(staff["activity"], utcnow() - timedelta(minutes=5))
    data = {
        "first_name": "Hassan",
        "phone": "412 34 570",
        "language": "ar",
        "role": "participant",
        "form_token": "tok-walk-in",
        "sms_consent": "y",
    }
    assert client.post(f"/checkin/sessions/{session.id}/walk-in", data=data).status_code == 302
    assert _consents() == [
        ("Hassan", ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff["user"].id)
    ]


def test_signing_up_someone_new_for_a_session_records_consent(
    client: Any, make: Any, staff: dict[str, Any]
) -> None:
    holiday = make.activity(staff["centre"], signup_required=True, capacity=5)
    session = make.session(holiday, utcnow() + timedelta(days=2))
    data = {"first_name": "Ida", "phone": "412 34 571", "language": "nb", "sms_consent": "y"}
    assert client.post(f"/sessions/{session.id}/signups", data=data).status_code == 302
    assert _consents() == [("Ida", ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff["user"].id)]
