"""Twilio's webhooks, signed with twilio's own RequestValidator: signed gets 2xx,
unsigned or wrongly signed gets 403; duplicates and out-of-order callbacks do no harm;
replies are filed, opt out/in, and answer "are you coming?"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from twilio.request_validator import RequestValidator

from rekruttering import create_app
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Message, OptOut, Person, Reminder, ReminderState, UserRole
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.rsvp import answers_for_session
from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.number_hash import hash_of
from tests.sms_fakes import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    TWILIO_SETTINGS,
    RecordingGateway,
    textable_person,
)

pytestmark = pytest.mark.settings(**TWILIO_SETTINGS)

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def _signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def post_status(client: Any, message_id: int | None, params: dict[str, str], **kw: Any) -> Any:
    path = "/sms/status" + (f"?m={message_id}" if message_id is not None else "")
    headers = kw.pop("headers", None) or _signed(PUBLIC_BASE_URL + path, params)
    return client.post(path, data=params, headers=headers)


def post_inbound(client: Any, params: dict[str, str], **kw: Any) -> Any:
    headers = kw.pop("headers", None) or _signed(PUBLIC_BASE_URL + "/sms/inbound", params)
    return client.post("/sms/inbound", data=params, headers=headers)


def _sent_reminder(make: Any, sid: str = "SM" + "a" * 32, **kw: Any) -> tuple[Reminder, Message]:
    centre = make.centre()
    person = textable_person(make, centre)
    session = make.session(make.activity(centre), utcnow() + timedelta(days=2))
    message = make.message(person, gateway="twilio", status="queued", provider_sid=sid)
    reminder = make.reminder(
        person,
        session,
        state=kw.pop("state", ReminderState.SENT),
        message_id=message.id,
        attempts=kw.pop("attempts", 1),
        **kw,
    )
    return reminder, message


def _fresh(obj: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _status(sid: str, status: str, code: str | None = None) -> dict[str, str]:
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1"}
    if code:
        params["ErrorCode"] = code
    return params


# --- signatures ------------------------------------------------------------------------


def test_signed_status_callback_is_accepted(client: Any, make: Any) -> None:
    """A callback signed with the auth token for the public URL gets 204 and applies."""
    reminder, message = _sent_reminder(make)
    response = post_status(client, message.id, _status(message.provider_sid, "delivered"))
    assert response.status_code == 204
    assert _fresh(reminder).state == ReminderState.DELIVERED
    assert _fresh(message).status == "delivered"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "wrong-token",
        "wrong-url",
    ],
)
def test_unsigned_or_wrongly_signed_callback_is_refused(
    client: Any, make: Any, headers: Any
) -> None:
    """No signature, a garbage one, one made with another token or for another URL: 403,
    and nothing changes."""
    reminder, message = _sent_reminder(make)
    params = _status(message.provider_sid, "delivered")
    path = f"/sms/status?m={message.id}"
    if headers == "wrong-token":
        headers = _signed(PUBLIC_BASE_URL + path, params, token="another-token")
    elif headers == "wrong-url":
        headers = _signed("https://evil.example.com" + path, params)
    response = client.post(path, data=params, headers=headers)
    assert response.status_code == 403
    assert _fresh(reminder).state == ReminderState.SENT


def test_tampered_parameters_are_refused(client: Any, make: Any) -> None:
    """A valid signature for 'failed' does not cover a request saying 'delivered'."""
    reminder, message = _sent_reminder(make)
    headers = _signed(
        f"{PUBLIC_BASE_URL}/sms/status?m={message.id}", _status(message.provider_sid, "failed")
    )
    response = post_status(
        client, message.id, _status(message.provider_sid, "delivered"), headers=headers
    )
    assert response.status_code == 403


def test_behind_a_proxy_the_public_url_is_what_counts(client: Any, make: Any) -> None:
    """The app sees http://localhost; Twilio signed https://<public base URL>: accepted.
    A signature over the internal URL is refused."""
    _, message = _sent_reminder(make)
    params = _status(message.provider_sid, "sent")
    internal = _signed(f"http://localhost/sms/status?m={message.id}", params)
    assert post_status(client, message.id, params, headers=internal).status_code == 403
    assert post_status(client, message.id, params).status_code == 204


@pytest.mark.settings(**(TWILIO_SETTINGS | {"app.public_base_url": ""}))
def test_without_public_base_url_the_request_url_is_validated(client: Any, make: Any) -> None:
    """With no public base URL configured, the URL Flask sees is the signed one."""
    _, message = _sent_reminder(make)
    params = _status(message.provider_sid, "sent")
    headers = _signed(f"http://localhost/sms/status?m={message.id}", params)
    assert post_status(client, message.id, params, headers=headers).status_code == 204


def test_webhooks_need_no_csrf_token(app: Flask, make: Any) -> None:
    """With CSRF protection on (as in production) a signed callback is still accepted."""
    _, message = _sent_reminder(make)
    strict = create_app(current_settings(app), TESTING=True)
    assert strict.config.get("WTF_CSRF_ENABLED", True)
    response = post_status(strict.test_client(), message.id, _status(message.provider_sid, "sent"))
    assert response.status_code == 204


@pytest.mark.settings(**{"sms.gateway": "outbox"})
def test_without_an_auth_token_every_webhook_is_refused(client: Any) -> None:
    """The outbox set-up has no token: nobody can post to the webhooks."""
    params = {"MessageSid": "SM1", "From": "+4791234567", "Body": "STOP"}
    headers = _signed("http://localhost/sms/inbound", params, token="")
    assert client.post("/sms/inbound", data=params, headers=headers).status_code == 403


# --- status: duplicates and order ------------------------------------------------------


def test_duplicate_callback_does_no_harm(client: Any, make: Any) -> None:
    """The same 'delivered' twice: 2xx both times, one state change."""
    reminder, message = _sent_reminder(make)
    params = _status(message.provider_sid, "delivered")
    assert post_status(client, message.id, params).status_code == 204
    before = _fresh(reminder).updated_at
    assert post_status(client, message.id, params).status_code == 204
    after = _fresh(reminder)
    assert after.state == ReminderState.DELIVERED and after.updated_at == before


def test_late_callbacks_never_move_a_final_state_backwards(client: Any, make: Any) -> None:
    """'delivered' first, then late 'sent' and 'queued' and even 'failed': delivered stays."""
    reminder, message = _sent_reminder(make)
    sid = message.provider_sid
    for status in ("delivered", "sent", "queued", "sending"):
        assert post_status(client, message.id, _status(sid, status)).status_code == 204
    post_status(client, message.id, _status(sid, "failed", "30006"))
    assert _fresh(message).status == "delivered"
    assert _fresh(reminder).state == ReminderState.DELIVERED
    person = db.session.get(Person, reminder.person_id)
    assert person.phone_not_textable_reason is None


def test_callback_found_by_sid_when_url_has_no_message_id(client: Any, make: Any) -> None:
    """A callback without ?m= (e.g. a messaging service's own URL) is matched by SID."""
    reminder, message = _sent_reminder(make)
    assert post_status(client, None, _status(message.provider_sid, "delivered")).status_code == 204
    assert _fresh(reminder).state == ReminderState.DELIVERED


def test_callback_for_unknown_message_is_acknowledged(client: Any) -> None:
    """An unknown SID gets 2xx (so Twilio stops retrying) and changes nothing."""
    assert post_status(client, None, _status("SM" + "f" * 32, "delivered")).status_code == 204


@pytest.mark.settings(**(TWILIO_SETTINGS | {"sms.max_attempts": 3}))
def test_undelivered_unreachable_retries_once_even_if_repeated(client: Any, make: Any) -> None:
    """'undelivered' 30003 sends the reminder back to pending with backoff; the same
    callback again changes nothing."""
    reminder, message = _sent_reminder(make, attempts=1)
    params = _status(message.provider_sid, "undelivered", "30003")
    post_status(client, message.id, params)
    first = _fresh(reminder)
    assert first.state == ReminderState.PENDING and first.due_at > utcnow()
    post_status(client, message.id, params)
    again = _fresh(reminder)
    assert (again.state, again.due_at, again.attempts) == (first.state, first.due_at, 1)
    assert _fresh(message).error_code == "30003"


def test_failed_landline_marks_the_phone(client: Any, make: Any) -> None:
    """'failed' 30006 (landline / unreachable carrier): failed, phone not textable."""
    reminder, message = _sent_reminder(make)
    post_status(client, message.id, _status(message.provider_sid, "failed", "30006"))
    assert _fresh(reminder).state == ReminderState.FAILED
    person = db.session.get(Person, reminder.person_id)
    assert person.phone_not_textable_reason == "Landline or unreachable carrier: cannot receive SMS"


def test_callback_settles_an_uncertain_reminder(client: Any, make: Any) -> None:
    """An uncertain reminder whose message Twilio reports delivered is delivered."""
    reminder, message = _sent_reminder(make, state=ReminderState.UNCERTAIN)
    post_status(client, message.id, _status(message.provider_sid, "delivered"))
    assert _fresh(reminder).state == ReminderState.DELIVERED


def test_callback_before_our_own_answer_is_kept(client: Any, make: Any) -> None:
    """Twilio calls back 'delivered' before the dispatcher has stored the SID: the
    callback is matched by message id, and the dispatcher's 'queued' does not undo it."""
    centre = make.centre()
    person = textable_person(make, centre)
    session = make.session(make.activity(centre), NOW + timedelta(days=2))
    reminder = make.reminder(person, session, due_at=NOW)
    sid = "SM" + "b" * 32

    class FastCallbackGateway(RecordingGateway):
        def send(self, sms: OutgoingSms) -> SendResult:
            super().send(sms)
            response = post_status(client, sms.message_id, _status(sid, "delivered"))
            assert response.status_code == 204
            return SendResult(provider_sid=sid, status="queued")

    dispatch_due(now=NOW, gateway=FastCallbackGateway(name="twilio"))
    reminder = _fresh(reminder)
    assert reminder.state == ReminderState.DELIVERED
    message = db.session.get(Message, reminder.message_id)
    assert (message.provider_sid, message.status) == (sid, "delivered")


# --- inbound ---------------------------------------------------------------------------


def _inbound(phone: str, body: str, sid: str = "SM" + "c" * 32) -> dict[str, str]:
    return {"MessageSid": sid, "From": phone, "To": "+4759440000", "Body": body}


def test_reply_is_filed_on_the_persons_timeline(client: Any, make: Any) -> None:
    """A reply from a known number is stored inbound on that person, with TwiML back."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    response = post_inbound(client, _inbound(person.phone, "Hvor er det?"))
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert "<Response" in response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert (stored.person_id, stored.centre_id, stored.body) == (
        person.id,
        person.centre_id,
        "Hvor er det?",
    )


def test_duplicate_inbound_is_filed_once(client: Any, make: Any) -> None:
    """Twilio retrying the same inbound message (same MessageSid) files it once."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    for _ in range(2):
        assert post_inbound(client, _inbound(person.phone, "Ja")).status_code == 200
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Message).where(Message.direction == "inbound")
    )
    assert count == 1


def test_unsigned_inbound_is_refused_and_not_stored(client: Any, make: Any) -> None:
    """Without a valid signature a 'STOP' is neither stored nor obeyed."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    response = client.post("/sms/inbound", data=_inbound(person.phone, "STOP"))
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OptOut)) == 0


@pytest.mark.parametrize("body", ["Stopp takk!", "AVSLUTT", "slutt.", "STOP", "unsubscribe me"])
def test_stop_words_opt_the_number_out(client: Any, make: Any, body: str) -> None:
    """Any stop word opts the number out and cancels pending reminders; Norwegian words
    get our own confirmation (Twilio answers the English ones itself)."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    pending = make.reminder(person, reminder.session, due_at=NOW + timedelta(days=1))
    response = post_inbound(client, _inbound(person.phone, body))
    assert response.status_code == 200
    assert (
        db.session.scalar(
            sa.select(OptOut.source).where(OptOut.phone_hash == hash_of(person.phone))
        )
        == "keyword"
    )
    assert _fresh(person).sms_opted_out_at is not None
    assert _fresh(pending).state == ReminderState.CANCELLED
    text = response.get_data(as_text=True)
    norwegian = body.split()[0].strip(".!").lower() in {"stopp", "avslutt", "slutt"}
    assert ("<Message>" in text) is norwegian


def test_opted_out_person_scheduled_earlier_is_not_sent(client: Any, make: Any) -> None:
    """Scheduled first, STOPP afterwards: the dispatcher sends nothing."""
    centre = make.centre()
    person = textable_person(make, centre)
    session = make.session(make.activity(centre), NOW + timedelta(days=2))
    reminder = make.reminder(person, session, due_at=NOW)
    post_inbound(client, _inbound(person.phone, "STOPP"))
    reminder.state = ReminderState.PENDING  # even if it were still pending ...
    db.session.commit()
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    assert gateway.sent == []
    assert _fresh(reminder).state == ReminderState.CANCELLED


def test_start_opts_back_in(client: Any, make: Any) -> None:
    """START after STOPP takes the number off our list."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    post_inbound(client, _inbound(person.phone, "STOPP", sid="SM" + "1" * 32))
    post_inbound(client, _inbound(person.phone, "Start", sid="SM" + "2" * 32))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OptOut)) == 0
    assert _fresh(person).sms_opted_out_at is None


def test_yes_then_no_answers_for_the_session(client: Any, make: Any) -> None:
    """JA answers 'coming' on the session's list; a later NEI replaces it. YES counts as
    an answer, not as an opt-in."""
    reminder, _ = _sent_reminder(make)
    person = db.session.get(Person, reminder.person_id)
    post_inbound(client, _inbound(person.phone, "Ja, jeg kommer!", sid="SM" + "3" * 32))
    assert answers_for_session(reminder.session_id) == {person.id: "yes"}
    post_inbound(client, _inbound(person.phone, "nei", sid="SM" + "4" * 32))
    assert answers_for_session(reminder.session_id) == {person.id: "no"}
    post_inbound(client, _inbound(person.phone, "YES", sid="SM" + "5" * 32))
    assert answers_for_session(reminder.session_id) == {person.id: "yes"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OptOut)) == 0


def test_unknown_sender_is_kept_but_shown_to_no_centre(
    app: Flask, client: Any, make: Any, login: Any
) -> None:
    """A reply from a number nobody has, to a number no centre owns, is kept without a
    centre; no centre's admin sees it (issue 12), and staff may not open the page."""
    assert post_inbound(client, _inbound("+4791112233", "Hei, hvem er dette?")).status_code == 200
    stored = db.session.scalar(sa.select(Message))
    assert stored.centre_id is None and stored.person_id is None
    centre = make.centre()
    login(make.user(centre, role=UserRole.ADMIN))
    html = client.get("/reminders/unknown-senders").get_data(as_text=True)
    assert "Hei, hvem er dette?" not in html
    staff_client = app.test_client()
    staff = make.user(centre, role=UserRole.STAFF)
    staff_client.post("/login", data={"email": staff.email, "password": make.PASSWORD})
    assert staff_client.get("/reminders/unknown-senders").status_code == 403


def test_reply_goes_to_the_person_last_texted_on_that_number(client: Any, make: Any) -> None:
    """The same number in two centres: the reply is filed where we last texted it."""
    a, b = make.centre(), make.centre()
    phone = "+4790011223"
    in_a = textable_person(make, a, phone=phone)
    in_b = textable_person(make, b, phone=phone)
    make.message(in_a, created_at=NOW - timedelta(days=3))
    make.message(in_b, created_at=NOW - timedelta(days=1))
    post_inbound(client, _inbound(phone, "Takk"))
    stored = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert (stored.person_id, stored.centre_id) == (in_b.id, b.id)
