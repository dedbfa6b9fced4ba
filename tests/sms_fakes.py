"""Shared pieces for the SMS tests: Twilio settings, a recording gateway, the Twilio API
intercepted with ``responses`` (the real ``twilio`` library runs; no network)."""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import responses

from rekruttering.sms.gateway import OutgoingSms, SendResult, SmsFailure
from rekruttering.sms.message_status import STORED
from rekruttering.sms.provider_errors import Failure

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+4759440000"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
PUBLIC_BASE_URL = "https://rekruttering.example.org"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

TWILIO_SETTINGS: dict[str, Any] = {
    "sms.gateway": "twilio",
    "twilio.account_sid": ACCOUNT_SID,
    "twilio.auth_token": AUTH_TOKEN,
    "twilio.from_number": FROM_NUMBER,
    "app.public_base_url": PUBLIC_BASE_URL,
}


def textable_person(make: Any, centre: Any, **kw: Any) -> Any:
    """A person with a phone and SMS consent."""
    person = make.person(centre, **kw)
    make.sms_consent(person)
    return person


@dataclass
class RecordingGateway:
    """A gateway that records what it was asked to send; ``fail_with`` makes it fail."""

    name: str = "outbox"
    sent: list[OutgoingSms] = field(default_factory=list)
    fail_with: Failure | None = None
    raise_error: Exception | None = None

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        if self.raise_error is not None:
            raise self.raise_error
        if self.fail_with is not None:
            raise SmsFailure(self.fail_with)
        return SendResult(provider_sid=None, status=STORED)


@dataclass
class TwilioApi:
    """The intercepted Twilio REST API: every create call, parsed."""

    calls: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def by_recipient(self) -> Counter[str]:
        return Counter(call["To"] for call in self.calls)


def twilio_error(code: int, status: int = 400, message: str = "error") -> tuple[int, dict, str]:
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return status, {"Content-Type": "application/json"}, json.dumps(body)


@contextmanager
def twilio_api(error: tuple[int, dict, str] | None = None) -> Iterator[TwilioApi]:
    """Intercept Twilio's Messages endpoint; answer 201 (or ``error``) and record calls."""
    api = TwilioApi()

    def create(request: Any) -> tuple[int, dict, str]:
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        form = {k: v[0] for k, v in parse_qs(raw or "").items()}
        with api.lock:
            api.calls.append(form)
            n = next(api.counter)
        if error is not None:
            return error
        sid = f"SM{n:032x}"
        body = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From") or FROM_NUMBER,
            "body": form.get("Body"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_segments": "1",
        }
        return 201, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        yield api
