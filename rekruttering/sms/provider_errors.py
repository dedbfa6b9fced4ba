"""What a provider error means for the reminder and the person's phone.

Reasons are stored in English (the database outlives a language choice) and shown
translated: ``_l`` only marks them for the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def _l(message: str) -> str:
    """Mark a reason for translation; it is stored as is and translated when shown."""
    return message


class FailureKind(StrEnum):
    TRANSIENT = "transient"  # try again later, with backoff
    RECIPIENT = "recipient"  # this number cannot receive SMS: stop and mark the phone
    UNSUBSCRIBED = "unsubscribed"  # the number said STOP to the provider: opt out too
    REJECTED = "rejected"  # the provider refused this message (settings, content): stop
    UNCERTAIN = "uncertain"  # it may have been sent: a person decides, never resent silently


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    reason: str  # English, marked for translation
    code: str | None = None


UNSUBSCRIBED_REASON = _l("Unsubscribed: replied STOP to the SMS provider")
#: Not from a provider: the numbering plan says the number takes no SMS (a landline,
#: a toll-free or short number). It is kept as a phone number.
NOT_MOBILE_REASON = _l("Not a mobile number: no SMS")
NO_ANSWER_REASON = _l("No answer from the SMS provider: it may or may not have been sent")

TWILIO_ERRORS: dict[int, tuple[FailureKind, str]] = {
    21211: (FailureKind.RECIPIENT, _l("Not a valid phone number")),
    21614: (FailureKind.RECIPIENT, _l("Landline: cannot receive SMS")),
    21610: (FailureKind.UNSUBSCRIBED, UNSUBSCRIBED_REASON),
    30003: (FailureKind.TRANSIENT, _l("Phone unreachable (switched off or out of coverage)")),
    30006: (FailureKind.RECIPIENT, _l("Landline or unreachable carrier: cannot receive SMS")),
    30008: (FailureKind.TRANSIENT, _l("Unknown error at the carrier")),
    20429: (FailureKind.TRANSIENT, _l("The SMS provider asked us to slow down")),
    20003: (FailureKind.REJECTED, _l("The SMS provider refused our credentials")),
    21408: (FailureKind.REJECTED, _l("Sending to this country is not enabled at the provider")),
    21606: (FailureKind.REJECTED, _l("The sender number cannot send SMS")),
    21212: (FailureKind.REJECTED, _l("The sender number is not valid")),
    30004: (FailureKind.REJECTED, _l("The message was blocked by the carrier")),
    30007: (FailureKind.REJECTED, _l("The message was filtered as spam by the carrier")),
}

TRANSIENT_REASON = _l("The SMS provider had a temporary problem")
REJECTED_REASON = _l("The SMS provider refused the message")


def classify_twilio(code: int | str | None, http_status: int | None = None) -> Failure:
    """The meaning of a Twilio error code (from the API or a status callback)."""
    try:
        number = int(code) if code not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is not None and number in TWILIO_ERRORS:
        kind, reason = TWILIO_ERRORS[number]
        return Failure(kind, reason, str(number))
    text = str(number) if number is not None else None
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return Failure(FailureKind.TRANSIENT, TRANSIENT_REASON, text)
    return Failure(FailureKind.REJECTED, REJECTED_REASON, text)
