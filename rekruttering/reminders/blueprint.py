"""The reminders blueprint, the state and status labels its pages and filters share.

The views live by subject: reminder_routes (the list, scheduling with preview, one
reminder), message_routes (the outbox, unknown senders, a person's messages and SMS
status) and template_routes (the centre's reminder texts). Each adds its views to ``bp``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

STATE_LABELS: dict[str, Any] = {
    "pending": _l("Scheduled"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
    "uncertain": _l("Uncertain"),
    "cancelled": _l("Cancelled"),
}
MESSAGE_STATUS_LABELS: dict[str, Any] = {
    "pending": _l("Being sent"),
    "unknown": _l("Unknown"),
    "stored": _l("Stored, not sent"),
    "received": _l("Received"),
    "accepted": _l("Accepted"),
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "undelivered": _l("Not delivered"),
    "failed": _l("Failed"),
    "canceled": _l("Cancelled"),
    "read": _l("Read"),
}
_REASON_WITH_CODE = re.compile(r"^(?P<reason>.+) \((?P<code>\d{3,6})\)$")


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.app_template_filter("reminder_state")
def reminder_state_label(state: Any) -> str:
    return str(STATE_LABELS.get(str(state), state))


@bp.app_template_filter("message_status")
def message_status_label(status: str | None) -> str:
    return str(MESSAGE_STATUS_LABELS.get(status or "", status or ""))


@bp.app_template_filter("sms_reason")
def sms_reason(reason: str | None) -> str:
    """A stored reason (English, maybe with a provider code) in the reader's language."""
    if not reason:
        return ""
    match = _REASON_WITH_CODE.match(reason)
    if match:
        return f"{_(match['reason'])} ({match['code']})"
    return _(reason)
