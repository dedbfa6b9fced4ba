"""The one small interface every way of sending an SMS implements.

``build_gateway(settings)`` picks the outbox (the default: stores, sends nothing) or
Twilio. A gateway either returns a ``SendResult`` or raises ``SmsFailure`` saying what
the failure means (see provider_errors); anything else it raises is treated as
"uncertain" by the dispatcher, since the message may have left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rekruttering.config import Settings
from rekruttering.sms.provider_errors import Failure


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    body: str
    message_id: int  # our Message row: the status callback names it


@dataclass(frozen=True)
class SendResult:
    provider_sid: str | None
    status: str
    from_number: str = ""


class SmsFailure(Exception):
    """The gateway could not send; ``failure`` says whether to retry, stop or ask."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure.kind}: {failure.code or '-'} {detail}".strip())
        self.failure = failure


class Gateway(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> SendResult: ...


def build_gateway(settings: Settings) -> Gateway:
    """The gateway the settings choose."""
    if settings.sms.gateway == "twilio":
        # Imported here: the Twilio SDK loads only when Twilio is the gateway.
        from rekruttering.sms.twilio_gateway import TwilioGateway

        return TwilioGateway.from_settings(settings)
    from rekruttering.sms.outbox import OutboxGateway

    return OutboxGateway()
