""" "Send a test to myself": a template's text, filled with example values, to the
logged-in staff member's own mobile, through the configured SMS gateway.

The message goes through the same gateway as reminders (the outbox stores it, Twilio
sends it) and is kept as a Message without a person. The audit entry names the
template's language, never the text or the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from rekruttering import audit
from rekruttering.domain.clock import OSLO
from rekruttering.domain.phone import is_mobile
from rekruttering.domain.reminder_text import DEFAULT_TEMPLATES, placeholder_values, render
from rekruttering.domain.sms_segments import count_segments
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Direction, Message, MessageTemplate, User
from rekruttering.reminders.texts import KIND, TemplateBook, signed
from rekruttering.sms import message_status
from rekruttering.sms.gateway import Gateway, OutgoingSms, SmsFailure


def example_text(centre_id: int, language: str, user: User, now: datetime) -> str:
    """The template of ``language`` filled with the user's name and an example session."""
    row = db.session.scalar(
        db.select(MessageTemplate).where(
            MessageTemplate.centre_id == centre_id,
            MessageTemplate.kind == KIND,
            MessageTemplate.language == language,
        )
    )
    body = row.body if row else DEFAULT_TEMPLATES.get(language)
    if body is None:
        raise ServiceError(_("There is no template in this language."))
    book = TemplateBook(centre_id)
    example = (now.astimezone(OSLO) + timedelta(days=1)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    first_name = (user.name or "").split(" ")[0] or user.name
    values = placeholder_values(
        first_name=first_name,
        activity=_("Test activity"),
        starts_at=example,
        place=_("The café"),
        staff_name=signed(user.name, book.signature),
        language=language,
    )
    return render(body, values)


def send_test_to_self(
    centre_id: int, user: User, language: str, gateway: Gateway, now: datetime
) -> Message:
    """Write the Message and hand it to the gateway. The caller commits."""
    if not user.phone or not is_mobile(user.phone):
        raise ServiceError(_("Add your own mobile number on your account page first."))
    body = example_text(centre_id, language, user, now)
    message = Message(
        centre_id=centre_id,
        person_id=None,
        direction=Direction.OUTBOUND,
        to_number=user.phone,
        body=body,
        gateway=gateway.name,
        status=message_status.PENDING,
        segments=max(count_segments(body).segments, 1),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    outcome: Any
    try:
        outcome = gateway.send(OutgoingSms(to=message.to_number, body=body, message_id=message.id))
    except SmsFailure as exc:
        message.status = "failed"
        message.error_code = exc.failure.code
        audit.record(
            "reminders.test_sent", user_id=user.id, centre_id=centre_id, detail=f"{language} failed"
        )
        raise ServiceError(_("The SMS provider refused the test message.")) from exc
    message.status = outcome.status
    message.provider_sid = outcome.provider_sid
    if outcome.from_number:
        message.from_number = outcome.from_number[:40]
    audit.record("reminders.test_sent", user_id=user.id, centre_id=centre_id, detail=language)
    return message
