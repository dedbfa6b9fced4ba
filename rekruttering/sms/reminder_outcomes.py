"""What the provider's answer does to a reminder. Building blocks: never commit.

Used by the dispatcher (the answer to our request) and by the status webhook (Twilio's
later callbacks), so both apply the same rules: transient failures retry with
exponential backoff up to ``sms.max_attempts``; a number that cannot receive SMS stops
and is marked on the person, with the reason shown; an unclear outcome becomes
"uncertain" for a person to decide. It lives in sms/ (below reminders) because the
status webhook is the SMS feature's: sms never imports the reminders feature.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from rekruttering.config import Settings
from rekruttering.domain.phone import mask_phone
from rekruttering.domain.reminder_time import QuietHours
from rekruttering.models import Message, Person, Reminder, ReminderState
from rekruttering.sms import message_status
from rekruttering.sms.opt_out import opt_out
from rekruttering.sms.provider_errors import Failure, FailureKind

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)

#: States in which the provider's news about the reminder's message still matters.
AWAITING_PROVIDER = frozenset({ReminderState.SENDING, ReminderState.SENT, ReminderState.UNCERTAIN})


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.sms.quiet_hours_start, settings.sms.quiet_hours_end)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """base, 2*base, 4*base ... after the 1st, 2nd, 3rd failed attempt (capped)."""
    delay = timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def mark_not_textable(person: Person, phone: str, reason: str) -> None:
    """Record why the phone cannot take SMS, if it is still the person's phone."""
    if person.phone == phone:
        person.phone_not_textable_reason = reason[:200]


def record_failure(
    reminder: Reminder,
    message: Message | None,
    failure: Failure,
    now: datetime,
    settings: Settings,
) -> None:
    """Apply a failed attempt to the reminder (and the person's phone)."""
    code = f" ({failure.code})" if failure.code else ""
    reminder.last_error = f"{failure.reason}{code}"[:300]
    reminder.claimed_at = None
    reminder.claimed_by = None
    if message is not None:
        message.error_code = failure.code
        new_status = message_status.UNKNOWN if failure.kind is FailureKind.UNCERTAIN else "failed"
        if message_status.advances(message.status, new_status) or (
            message.status == message_status.PENDING
        ):
            message.status = new_status
    person: Person = reminder.person
    phone = message.to_number if message is not None else (person.phone or "")
    if failure.kind is FailureKind.TRANSIENT:
        if reminder.attempts < settings.sms.max_attempts:
            retry_at = now + backoff(reminder.attempts, settings.sms.retry_base_seconds)
            reminder.state = ReminderState.PENDING
            reminder.due_at = quiet_hours(settings).next_allowed(retry_at)
        else:
            reminder.state = ReminderState.FAILED
    elif failure.kind is FailureKind.UNCERTAIN:
        reminder.state = ReminderState.UNCERTAIN
    else:
        reminder.state = ReminderState.FAILED
        if failure.kind is FailureKind.UNSUBSCRIBED and phone:
            opt_out(phone, "provider", now)
        if failure.kind in (FailureKind.RECIPIENT, FailureKind.UNSUBSCRIBED) and phone:
            mark_not_textable(person, phone, failure.reason)
    log.info(
        "reminder %s to %s: %s%s -> %s",
        reminder.id,
        mask_phone(phone),
        failure.kind,
        code,
        reminder.state,
    )


def record_accepted(reminder: Reminder, message: Message, status: str) -> None:
    """The provider took the message (or the outbox kept it)."""
    if message_status.advances(message.status, status):
        message.status = status
    if reminder.state == ReminderState.SENDING and reminder.message_id == message.id:
        reminder.state = (
            ReminderState.DELIVERED if message.status == "delivered" else ReminderState.SENT
        )
        reminder.last_error = None
        reminder.claimed_at = None
        reminder.claimed_by = None
