"""``sms.send_gate``: the gate is asked when the request is handed to the transport,
after the HTTP client's own work; if it says no, no request is made and ``NotSent`` is
raised. A gateway whose client has no requests session asks it before the call."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from rekruttering.sms.gateway import OutgoingSms
from rekruttering.sms.send_gate import NotSent
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
