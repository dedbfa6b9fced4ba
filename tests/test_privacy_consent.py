"""Consent: record and withdraw, as easy as each other; SMS gating reads it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Consent, ConsentMethod, ConsentPurpose, UserRole
from rekruttering.privacy import service
from rekruttering.privacy.anonymise import anonymise_people
from rekruttering.privacy.consent import has_active_consent
from rekruttering.transaction import transaction


def test_withdrawing_consent_ends_sms_consent(app: Any, make: Any) -> None:
    """Withdrawing makes has_active_consent false; giving again makes it true again."""
    centre = make.centre()
    person = make.person(centre)
    staff = make.user(centre)
    with transaction():
        service.record_consent(
            centre.id, person.id, ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff.id
        )
    assert has_active_consent(person.id, ConsentPurpose.SMS)
    assert not has_active_consent(person.id, ConsentPurpose.REGISTER)
    with transaction():
        assert service.revoke_consent(centre.id, person.id, ConsentPurpose.SMS, staff.id) == 1
    assert not has_active_consent(person.id, ConsentPurpose.SMS)
    with transaction():
        service.record_consent(
            centre.id, person.id, ConsentPurpose.SMS, ConsentMethod.IN_PERSON, staff.id
        )
    assert has_active_consent(person.id, ConsentPurpose.SMS)
    history = db.session.scalars(select(Consent).order_by(Consent.id)).all()
    assert len(history) == 2 and history[0].withdrawn_at is not None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["consent_given", "consent_withdrawn", "consent_given"]


def test_consent_service_refuses_other_centre_and_anonymised(app: Any, make: Any) -> None:
    """A person of another centre is not found; an anonymised person takes no consent."""
    mine, other = make.centre(), make.centre()
    stranger = make.person(other)
    with pytest.raises(NotFound), transaction():
        service.record_consent(mine.id, stranger.id, ConsentPurpose.SMS, ConsentMethod.IN_PERSON)
    person = make.person(mine)
    with transaction():
        anonymise_people([person.id])
    with pytest.raises(ServiceError, match="anonymisert"), transaction():
        service.record_consent(mine.id, person.id, ConsentPurpose.SMS, ConsentMethod.IN_PERSON)
    assert db.session.scalar(select(Consent.id)) is None


def test_consent_page_gives_and_withdraws(client: Any, make: Any, login: Any) -> None:
    """The consent page shows the state, and one POST gives or withdraws consent."""
    centre = make.centre()
    staff = make.user(centre, name="Kari Ansatt")
    person = make.person(centre)
    login(staff)
    url = f"/privacy/people/{person.id}/consents"
    html = client.get(url).get_data(as_text=True)
    assert 'data-consent="sms:none"' in html and "<h1" in html
    response = client.post(f"{url}/give", data={"purpose": "sms", "method": "in_person"})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'data-consent="sms:given"' in html and "Kari Ansatt" in html
    assert has_active_consent(person.id, ConsentPurpose.SMS)
    client.post(f"{url}/withdraw", data={"purpose": "sms"})
    assert not has_active_consent(person.id, ConsentPurpose.SMS)
    html = client.get(url).get_data(as_text=True)
    assert 'data-consent="sms:withdrawn"' in html
    assert 'data-consent="register:none"' in html


def test_consent_page_refuses_bad_input(client: Any, make: Any, login: Any) -> None:
    """An unknown purpose or method records nothing and says so."""
    centre = make.centre()
    person = make.person(centre)
    login(make.user(centre))
    url = f"/privacy/people/{person.id}/consents"
    for data in ({"purpose": "email", "method": "in_person"}, {"purpose": "sms", "method": "x"}):
        response = client.post(f"{url}/give", data=data, follow_redirects=True)
        assert "kunne ikke registreres" in response.get_data(as_text=True)
    assert db.session.scalar(select(Consent.id)) is None


def test_person_page_shows_withdrawn_consent(client: Any, make: Any, login: Any, app: Any) -> None:
    """After withdrawal the person page (people.detail) shows no SMS consent any more."""
    from flask_babel import force_locale, gettext

    with force_locale("nb"):
        given, missing = gettext("SMS consent"), gettext("No SMS consent")
    centre = make.centre()
    person = make.person(centre)
    login(make.user(centre, role=UserRole.STAFF))
    url = f"/privacy/people/{person.id}/consents"
    client.post(f"{url}/give", data={"purpose": "sms", "method": "in_person"})
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f">{given}<" in html and f">{missing}<" not in html
    client.post(f"{url}/withdraw", data={"purpose": "sms"})
    assert not has_active_consent(person.id, ConsentPurpose.SMS)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f">{missing}<" in html and f">{given}<" not in html
