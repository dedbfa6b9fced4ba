"""``sms.send_gate``: the gate is asked when the request is handed to the transport,
after the HTTP client's own work; if it says no, no request is made and ``NotSent`` is
raised. A gateway whose client has no requests session asks it before the call."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from rekruttering.sms.gateway import OutgoingSms, SmsFailure
from rekruttering.sms.send_gate import NotSent, gate_session, gated
from rekruttering.sms.twilio_gateway import TwilioGateway
from tests.sms_fakes import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, MESSAGES_URL, PUBLIC_BASE_URL

SMS = OutgoingSms(to="+4791234567", body="Hei", message_id=7)


def _answer(request: Any) -> Any:
    body = {"sid": "SM" + "1" * 32, "status": "queued", "to": SMS.to, "from": FROM_NUMBER}
    return 201, {"Content-Type": "application/json"}, json.dumps(body)


def test_the_gate_is_asked_once_when_the_request_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate is asked after the request was prepared (the client's own work), once."""
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    assert gateway.gates_requests
    order: list[str] = []
    prepare = requests.Session.prepare_request

    def prepared(self: requests.Session, request: Any) -> Any:
        order.append("prepared")
        return prepare(self, request)

    def gate() -> bool:
        order.append("gate")
        return True

    monkeypatch.setattr(requests.Session, "prepare_request", prepared)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=_answer)
        result = gateway.send(SMS, gate=gate)
        assert len(mock.calls) == 1
    assert result.status == "queued"
    assert order == ["prepared", "gate"]


def test_a_gate_that_says_no_makes_no_request() -> None:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=_answer)
        with pytest.raises(NotSent):
            gateway.send(SMS, gate=lambda: False)
        assert len(mock.calls) == 0
        gateway.send(SMS)  # no gate: sent, and the gate of the previous send is gone
        assert len(mock.calls) == 1


def test_without_a_requests_session_the_gate_is_asked_before_the_call() -> None:
    """A client whose HTTP client has no requests session: asked before the call."""
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    gateway.client.http_client.session = None
    gateway.gates_requests = False
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=_answer)
        with pytest.raises(NotSent):
            gateway.send(SMS, gate=lambda: False)
        assert len(mock.calls) == 0
        assert gateway.send(SMS, gate=lambda: True).status == "queued"


def test_answered_is_called_once_the_answer_has_arrived(monkeypatch: pytest.MonkeyPatch) -> None:
    """``answered`` is called after the request was made (the provider has it), before
    the client reads what the answer says; once."""
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    order: list[str] = []
    text = requests.Response.text

    def read(self: requests.Response) -> str:
        order.append("read")
        return text.fget(self)  # type: ignore[attr-defined]  # text is a property

    monkeypatch.setattr(requests.Response, "text", property(read))

    def answer(request: Any) -> Any:
        order.append("request")
        return _answer(request)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=answer)
        result = gateway.send(
            SMS,
            gate=lambda: order.append("gate") is None,
            answered=lambda: order.append("answered"),
        )
    assert result.status == "queued"
    assert order == ["gate", "request", "answered", "read"]


def test_answered_is_not_called_when_nothing_was_answered() -> None:
    """Not when the gate said no (no request), nor when the transport failed (no answer)."""
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    called: list[str] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, MESSAGES_URL, body=requests.exceptions.ConnectionError("down"))
        with pytest.raises(NotSent):
            gateway.send(SMS, gate=lambda: False, answered=lambda: called.append("no"))
        with pytest.raises(SmsFailure):
            gateway.send(SMS, gate=lambda: True, answered=lambda: called.append("down"))
    assert called == []


def test_answered_waits_for_the_answer_after_a_redirect() -> None:
    """A redirect followed is not the answer: ``answered`` is called once, after the
    request it leads to has been answered (a session that follows redirects; the
    twilio client does not, and a redirect is then its answer, an error)."""
    session = requests.Session()
    gate_session(session)
    order: list[str] = []
    url = "https://sms.example.org/send"
    moved = "https://sms.example.org/moved"

    def redirect(request: Any) -> Any:
        order.append("redirect")
        return 307, {"Location": moved}, ""

    def answer(request: Any) -> Any:
        order.append("request")
        return 201, {}, "{}"

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, url, callback=redirect)
        mock.add_callback(responses.POST, moved, callback=answer)
        with gated(lambda: order.append("gate") is None, lambda: order.append("answered")):
            assert session.post(url, data={"x": "1"}).status_code == 201
    assert order == ["gate", "redirect", "request", "answered"]


def test_a_failure_after_the_answer_does_not_change_the_send(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The message has left when ``answered`` is called: its failure is logged, and the
    send's result stands."""
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)

    def broken() -> None:
        raise RuntimeError("the next check could not start")

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=_answer)
        result = gateway.send(SMS, gate=lambda: True, answered=broken)
    assert result.provider_sid == "SM" + "1" * 32
    assert "the call after the answer failed" in caplog.text
