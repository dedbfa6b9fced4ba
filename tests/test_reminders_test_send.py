""" "Send a test to myself": the template to the staff member's own mobile, through the
gateway, rate limited, audited without the text or the number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering import create_app
from rekruttering.extensions import db, limiter
from rekruttering.models import AuditEvent, Message, UserRole
from rekruttering.reminders.test_send import send_test_to_self
from rekruttering.sms.gateway import OutgoingSms, SendResult
from tests.conftest import clean_and_close, make_settings


class RecordingGateway:
    name = "twilio"

    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        return SendResult(provider_sid="SMtest" + "1" * 26, status="queued")


def test_the_account_page_takes_an_optional_mobile(client: Any, make: Any, login: Any) -> None:
    user = make.user(make.centre(), role=UserRole.ADMIN)
    login(user)
    data = {"name": user.name, "locale": "nb", "phone": "912 34 567"}
    assert client.post("/account", data=data).status_code == 302
    db.session.refresh(user)
    assert user.phone == "+4791234567"
    assert "91 23 45 67" in client.get("/account").get_data(as_text=True)
    bad = client.post("/account", data={**data, "phone": "12"})
    assert bad.status_code == 200 and "mobilnummer" in bad.get_data(as_text=True)
    assert client.post("/account", data={**data, "phone": ""}).status_code == 302
    db.session.refresh(user)
    assert user.phone is None


def test_a_test_goes_to_my_own_phone_through_the_gateway(app: Flask, make: Any) -> None:
    centre = make.centre()
    user = make.user(centre, role=UserRole.ADMIN, name="Kari Nordmann")
    user.phone = "+4791234567"
    db.session.commit()
    gateway = RecordingGateway()
    message = send_test_to_self(
        centre.id, user, "nb", gateway, datetime(2026, 1, 12, 9, tzinfo=UTC)
    )
    db.session.commit()
    assert [sms.to for sms in gateway.sent] == ["+4791234567"]
    assert "Kari" in gateway.sent[0].body and "{" not in gateway.sent[0].body
    assert (message.person_id, message.status, message.gateway) == (None, "queued", "twilio")
    entry = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "reminders.test_sent")
    )
    assert entry.detail == "nb"
    assert "91234567" not in entry.detail and "Kari" not in entry.detail


def test_the_button_sends_to_the_outbox_and_without_a_phone_explains(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    user = make.user(centre, role=UserRole.ADMIN)
    login(user)
    page = client.get("/reminders/templates").get_data(as_text=True)
    assert "Send en test til meg selv" not in page and "/account" in page
    response = client.post("/reminders/templates/nb/test", follow_redirects=True)
    assert "Legg først inn ditt eget mobilnummer" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    user.phone = "+4791234567"
    db.session.commit()
    assert "Send en test til meg selv" in client.get("/reminders/templates").get_data(as_text=True)
    response = client.post("/reminders/templates/nb/test", follow_redirects=True)
    assert "ligger i utboksen" in response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(Message))
    assert (stored.to_number, stored.gateway, stored.person_id) == ("+4791234567", "outbox", None)
    assert client.post("/reminders/templates/zz9/test").status_code == 404


def test_staff_who_are_not_admins_cannot_send_tests(client: Any, make: Any, login: Any) -> None:
    user = make.user(make.centre(), role=UserRole.STAFF)
    user.phone = "+4791234567"
    db.session.commit()
    login(user)
    assert client.post("/reminders/templates/nb/test").status_code == 403


@pytest.fixture
def limited_app(database_url: str, _schema: None) -> Iterator[Flask]:
    app = create_app(
        make_settings(database_url), TESTING=True, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True
    )
    with app.app_context():
        limiter.reset()
        try:
            yield app
        finally:
            limiter.reset()
            clean_and_close(app)


def test_tests_are_rate_limited_per_person(limited_app: Flask) -> None:
    from tests import factories

    user = factories.user(factories.centre(), role=UserRole.ADMIN)
    user.phone = "+4791234567"
    db.session.commit()
    client = limited_app.test_client()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    codes = [client.post("/reminders/templates/nb/test").status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 5
