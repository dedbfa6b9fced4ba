"""The Twilio gateway drives the real ``twilio`` library; its HTTP is intercepted with
``responses`` (never the network): what it sends, and provider errors as states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import Message, ReminderState
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.sms.gateway import OutgoingSms, SmsFailure, build_gateway
from rekruttering.sms.provider_errors import FailureKind
from rekruttering.sms.twilio_gateway import TwilioGateway
from tests.sms_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    MESSAGES_URL,
    PUBLIC_BASE_URL,
    SERVICE_SID,
    TWILIO_SETTINGS,
    textable_person,
    twilio_api,
    twilio_error,
)

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
SESSION_AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def _gateway(**kw: Any) -> TwilioGateway:
    options = {"from_number": FROM_NUMBER, "public_base_url": PUBLIC_BASE_URL} | kw
    return TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, **options)


def test_request_names_to_from_body_and_status_callback() -> None:
    """The library posts To, From, Body and our status callback URL with the message id."""
    with twilio_api() as api:
        result = _gateway().send(
            OutgoingSms(to="+4791234567", body="Hei Åse! Velkommen", message_id=42)
        )
    assert len(api.calls) == 1
    call = api.calls[0]
    assert call["To"] == "+4791234567"
    assert call["From"] == FROM_NUMBER
    assert "MessagingServiceSid" not in call
    assert call["Body"] == "Hei Åse! Velkommen"
    assert call["StatusCallback"] == f"{PUBLIC_BASE_URL}/sms/status?m=42"
    assert result.provider_sid.startswith("SM") and result.status == "queued"


def test_messaging_service_replaces_from_number() -> None:
    """With a messaging service, the request names MessagingServiceSid and no From."""
    with twilio_api() as api:
        _gateway(from_number="", messaging_service_sid=SERVICE_SID).send(
            OutgoingSms(to="+4791234567", body="Hei", message_id=7)
        )
    assert api.calls[0]["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in api.calls[0]


def test_request_is_authenticated_with_the_account() -> None:
    """The library signs in with the account SID and auth token (HTTP basic auth)."""
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            MESSAGES_URL,
            json={"sid": "SM1", "status": "queued"},
            status=201,
            match=[
                responses.matchers.header_matcher(
                    {"Authorization": requests.auth._basic_auth_str(ACCOUNT_SID, AUTH_TOKEN)}
                )
            ],
        )
        _gateway().send(OutgoingSms(to="+4791234567", body="Hei", message_id=1))


def test_no_status_callback_without_public_base_url() -> None:
    """Without app.public_base_url there is no callback URL to give (and a warning)."""
    with twilio_api() as api:
        _gateway(public_base_url="").send(OutgoingSms(to="+4791234567", body="Hei", message_id=1))
    assert "StatusCallback" not in api.calls[0]


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        (21211, 400, FailureKind.RECIPIENT),
        (21610, 400, FailureKind.UNSUBSCRIBED),
        (21614, 400, FailureKind.RECIPIENT),
        (20429, 429, FailureKind.TRANSIENT),
        (20500, 500, FailureKind.TRANSIENT),
        (20003, 401, FailureKind.REJECTED),
        (21408, 400, FailureKind.REJECTED),
    ],
)
def test_api_errors_are_classified(code: int, status: int, kind: FailureKind) -> None:
    """Twilio's error codes from the real library become retry / stop / mark decisions."""
    with twilio_api(error=twilio_error(code, status)), pytest.raises(SmsFailure) as info:
        _gateway().send(OutgoingSms(to="+4791234567", body="Hei", message_id=1))
    assert info.value.failure.kind is kind
    assert info.value.failure.code == str(code)


def test_connection_refused_is_transient_and_read_timeout_uncertain() -> None:
    """Never connected: safe to retry. Connected but no answer: it may have been sent."""
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, MESSAGES_URL, body=requests.exceptions.ConnectTimeout("x"))
        with pytest.raises(SmsFailure) as info:
            _gateway().send(OutgoingSms(to="+4791234567", body="Hei", message_id=1))
    assert info.value.failure.kind is FailureKind.TRANSIENT
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, MESSAGES_URL, body=requests.exceptions.ReadTimeout("x"))
        with pytest.raises(SmsFailure) as info:
            _gateway().send(OutgoingSms(to="+4791234567", body="Hei", message_id=1))
    assert info.value.failure.kind is FailureKind.UNCERTAIN


@pytest.mark.settings(**TWILIO_SETTINGS)
def test_dispatch_through_twilio_records_the_sid(app: Flask, make: Any) -> None:
    """End to end: the dispatcher sends through Twilio and stores its SID and status."""
    centre = make.centre()
    person = textable_person(make, centre)
    reminder = make.reminder(person, make.session(make.activity(centre), SESSION_AT), due_at=NOW)
    gateway = build_gateway(current_settings(app))
    assert isinstance(gateway, TwilioGateway)
    with twilio_api() as api:
        dispatch_due(now=NOW, gateway=gateway)
    db.session.expire_all()
    message = db.session.get(Message, reminder.message_id)
    assert api.calls[0]["To"] == person.phone
    assert api.calls[0]["Body"] == reminder.body
    assert api.calls[0]["StatusCallback"] == f"{PUBLIC_BASE_URL}/sms/status?m={message.id}"
    assert message.provider_sid.startswith("SM") and message.status == "queued"
    assert message.gateway == "twilio" and message.from_number == FROM_NUMBER
    assert db.session.get(type(reminder), reminder.id).state == ReminderState.SENT


@pytest.mark.settings(**TWILIO_SETTINGS)
@pytest.mark.parametrize(
    ("code", "state", "not_textable"),
    [
        (21211, ReminderState.FAILED, "Not a valid phone number"),
        (21614, ReminderState.FAILED, "Landline: cannot receive SMS"),
        (21610, ReminderState.FAILED, "Unsubscribed: replied STOP to the SMS provider"),
        (20429, ReminderState.PENDING, None),
    ],
)
def test_provider_errors_map_to_reminder_states(
    app: Flask, make: Any, code: int, state: ReminderState, not_textable: str | None
) -> None:
    """Through the real library: invalid/landline/unsubscribed stop and mark the phone;
    'too many requests' goes back to pending for a retry later."""
    centre = make.centre()
    person = textable_person(make, centre)
    reminder = make.reminder(person, make.session(make.activity(centre), SESSION_AT), due_at=NOW)
    status = 429 if code == 20429 else 400
    with twilio_api(error=twilio_error(code, status)):
        dispatch_due(now=NOW, gateway=build_gateway(current_settings(app)))
    db.session.expire_all()
    reminder = db.session.get(type(reminder), reminder.id)
    assert reminder.state == state
    assert db.session.get(type(person), person.id).phone_not_textable_reason == not_textable
    if state == ReminderState.PENDING:
        assert reminder.due_at > NOW and reminder.due_at <= NOW + timedelta(minutes=5)
    assert db.session.get(Message, reminder.message_id).error_code == str(code)
