"""Twilio's status callbacks: a message's delivery state. Building blocks: never commit.

Callbacks come in any order and may repeat; a message's status only moves forward
(see message_status), so a duplicate or a late "sent" after "delivered" changes
nothing. The reminder follows its latest message: delivered, failed (with retry or
"not textable" as the error says), or - for an uncertain one - settled by the news
that Twilio did get it.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from rekruttering.config import Settings
from rekruttering.extensions import db
from rekruttering.models import Message, Reminder, ReminderState
from rekruttering.sms import message_status
from rekruttering.sms.provider_errors import classify_twilio
from rekruttering.sms.reminder_outcomes import AWAITING_PROVIDER, record_failure

log = logging.getLogger(__name__)


def _find_message(message_id: int | None, sid: str) -> Message | None:
    query = sa.select(Message).with_for_update()
    if message_id is not None:
        query = query.where(Message.id == message_id)
    elif sid:
        query = query.where(Message.provider_sid == sid)
    else:
        return None
    return db.session.scalar(query.execution_options(populate_existing=True))


def apply_status(
    *,
    message_id: int | None,
    sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
    settings: Settings,
) -> str:
    """Apply one status callback; returns what happened (for the log and tests)."""
    message = _find_message(message_id, sid)
    if message is None:
        log.info("status callback for an unknown message (%s)", message_id or "-")
        return "unknown"
    if sid and message.provider_sid and message.provider_sid != sid:
        log.warning("status callback SID does not match message %s", message.id)
        return "mismatch"
    if sid and not message.provider_sid:
        message.provider_sid = sid  # the callback came before our own answer was stored
    status = (status or "").strip().lower()
    if not message_status.advances(message.status, status):
        return "ignored"
    message.status = status
    if error_code:
        message.error_code = str(error_code)[:10]
    reminder = db.session.scalar(
        sa.select(Reminder)
        .where(Reminder.message_id == message.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if reminder is None or reminder.state not in AWAITING_PROVIDER:
        return "message"
    if status == "delivered":
        reminder.state = ReminderState.DELIVERED
        reminder.last_error = None
    elif status in message_status.DELIVERY_FAILED:
        record_failure(reminder, message, classify_twilio(error_code), now, settings)
    elif reminder.state == ReminderState.UNCERTAIN or status == "sent":
        # Twilio has it: an uncertain reminder is settled as sent.
        reminder.state = ReminderState.SENT
        reminder.last_error = None
    else:
        return "message"
    reminder.claimed_at = None
    reminder.claimed_by = None
    return str(reminder.state)
