"""Sending through Twilio with the real ``twilio`` library.

Each message names its own status callback: ``<public base URL>/sms/status?m=<id>``.
The id ties a callback to our Message row even when it arrives before we have stored
Twilio's SID (Twilio can call back within milliseconds), and as part of the signed URL
it cannot be forged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from rekruttering.config import Settings
from rekruttering.domain.phone import mask_phone
from rekruttering.sms.gateway import OutgoingSms, SendResult, SmsFailure
from rekruttering.sms.provider_errors import (
    NO_ANSWER_REASON,
    TRANSIENT_REASON,
    Failure,
    FailureKind,
    classify_twilio,
)
from rekruttering.sms.send_gate import Gate, NotSent, gate_session, gated

log = logging.getLogger(__name__)

STATUS_PATH = "/sms/status"
INBOUND_PATH = "/sms/inbound"
TIMEOUT_SECONDS = 15.0

# The twilio library logs every request at INFO; keep its chatter (URLs, headers) out.
_http_log = logging.getLogger("rekruttering.sms.twilio_http")
_http_log.setLevel(logging.WARNING)


def status_callback_url(public_base_url: str, message_id: int) -> str | None:
    if not public_base_url:
        return None
    return f"{public_base_url.rstrip('/')}{STATUS_PATH}?m={message_id}"


class TwilioGateway:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        public_base_url: str = "",
        client: Client | None = None,
    ) -> None:
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.public_base_url = public_base_url
        self.client = client or Client(
            account_sid,
            auth_token,
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS, logger=_http_log),
        )
        # The dispatcher's last check runs when the request is handed to the transport
        # (send_gate); a client without a requests session is checked before the call.
        session = getattr(self.client.http_client, "session", None)
        # Each send is a round trip to Twilio, and touches no database: the dispatcher
        # sends its next batch's transaction meanwhile (dispatch._send_in_window).
        self.waits_on_network = True
        self.gates_requests = isinstance(session, requests.Session)
        if isinstance(session, requests.Session):
            gate_session(session)
        if not public_base_url:
            log.warning(
                "app.public_base_url is not set: Twilio cannot report delivery "
                "(reminders stay 'sent', never 'delivered')"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioGateway:
        return cls(
            account_sid=settings.twilio.account_sid,
            auth_token=settings.twilio.auth_token,
            from_number=settings.twilio.from_number,
            messaging_service_sid=settings.twilio.messaging_service_sid,
            public_base_url=settings.app.public_base_url,
        )

    def send(
        self,
        sms: OutgoingSms,
        gate: Gate | None = None,
        answered: Callable[[], None] | None = None,
    ) -> SendResult:
        """Send ``sms``; with a ``gate``, it is asked when the request is handed to the
        transport, and ``send_gate.NotSent`` raised (nothing sent) if it says no; then
        ``answered`` is called as soon as Twilio's answer has arrived (``send_gate``;
        only when the gate is asked there, ``gates_requests``)."""
        if gate is not None and not self.gates_requests:
            if not gate():
                raise NotSent
            gate = answered = None
        kwargs: dict[str, Any] = {"to": sms.to, "body": sms.body}
        # A messaging service picks the sender from its pool (and applies its opt-out
        # rules); otherwise our own number sends.
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        callback = status_callback_url(self.public_base_url, sms.message_id)
        if callback:
            kwargs["status_callback"] = callback
        try:
            with gated(gate, answered):
                message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            failure = classify_twilio(exc.code, exc.status)
            log.info(
                "twilio refused message %s to %s: %s %s",
                sms.message_id,
                mask_phone(sms.to),
                exc.status,
                exc.code,
            )
            raise SmsFailure(failure, f"HTTP {exc.status}") from exc
        except requests.exceptions.RequestException as exc:
            raise SmsFailure(_network_failure(exc), type(exc).__name__) from exc
        return SendResult(
            provider_sid=message.sid,
            status=str(message.status or "queued"),
            from_number=str(message.from_ or self.from_number or ""),
        )


def _network_failure(exc: requests.exceptions.RequestException) -> Failure:
    """Not connected at all: safe to retry. Anything later: it may have been sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure(FailureKind.TRANSIENT, TRANSIENT_REASON)
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.ReadTimeout
    ):
        text = repr(exc)
        if "NewConnectionError" in text or "NameResolutionError" in text:
            return Failure(FailureKind.TRANSIENT, TRANSIENT_REASON)
    return Failure(FailureKind.UNCERTAIN, NO_ANSWER_REASON)
