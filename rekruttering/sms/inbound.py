"""SMS replies: filed on the person's timeline, opt-out/in, and JA/NEI answers.

Building blocks: never commit. The sender is matched by phone number: the person we
last texted on that number (one number may belong to people in several centres), else
the most recently active person with it. An unknown sender's message belongs to the
centre that received it (``receiving_centre``), whose admins see it under "unknown
sender"; with no such centre it is kept with no centre and shown to no centre.
Opt-out and opt-in apply to the number whoever it belongs to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from rekruttering.domain.phone import mask_phone, try_normalise_phone
from rekruttering.domain.sms_keywords import Reply, ReplyKind, parse_reply
from rekruttering.domain.sms_segments import count_segments
from rekruttering.extensions import db
from rekruttering.funnel.service import touch
from rekruttering.models import Direction, Message, Person, Reminder, ReminderState, Session
from rekruttering.sms import message_status
from rekruttering.sms.opt_out import opt_in, opt_out

log = logging.getLogger(__name__)

RSVP_ANSWERS = {ReplyKind.YES: "yes", ReplyKind.NO: "no"}


@dataclass
class Inbound:
    message: Message
    reply: Reply
    person: Person | None
    duplicate: bool = False
    rsvp_reminder: Reminder | None = None


def match_sender(phone: str) -> Person | None:
    """The person a reply from ``phone`` most likely comes from."""
    live = sa.and_(
        Person.phone == phone, Person.anonymised_at.is_(None), Person.held_match_id.is_(None)
    )
    person = db.session.scalar(
        sa.select(Person)
        .join(Message, Message.person_id == Person.id)
        .where(live, Message.direction == Direction.OUTBOUND, Message.to_number == phone)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    if person is None:
        person = db.session.scalar(
            sa.select(Person).where(live).order_by(Person.last_activity_at.desc()).limit(1)
        )
    return person


def record_rsvp(person: Person, answer: str, now: datetime) -> Reminder | None:
    """File "yes"/"no" on the latest reminder sent to the person for a session not over."""
    reminder = db.session.scalar(
        sa.select(Reminder)
        .join(Session, Session.id == Reminder.session_id)
        .where(
            Reminder.person_id == person.id,
            Reminder.state.in_([ReminderState.SENT, ReminderState.DELIVERED]),
            Session.ends_at > now,
            Session.cancelled.is_(False),
        )
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
        .limit(1)
    )
    if reminder is not None:
        reminder.rsvp = answer
        reminder.rsvp_at = now
    return reminder


def receive(
    *,
    sid: str,
    from_number: str,
    to_number: str,
    body: str,
    now: datetime,
    receiving_centre_id: int | None = None,
) -> Inbound:
    """File one inbound SMS (idempotent by Twilio's MessageSid) and act on its keyword."""
    if sid:
        existing = db.session.scalar(sa.select(Message).where(Message.provider_sid == sid))
        if existing is not None:
            return Inbound(existing, parse_reply(existing.body), existing.person, duplicate=True)
    phone = try_normalise_phone(from_number) or (from_number or "").strip()[:40]
    person = match_sender(phone) if phone else None
    reply = parse_reply(body)
    message = Message(
        centre_id=person.centre_id if person else receiving_centre_id,
        person_id=person.id if person else None,
        direction=Direction.INBOUND,
        from_number=phone,
        to_number=(to_number or "")[:40],
        body=body or "",
        gateway="twilio",
        provider_sid=sid or None,
        status=message_status.RECEIVED,
        segments=max(count_segments(body or "").segments, 1),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()  # a duplicate SID racing us fails here, before any side effect
    result = Inbound(message, reply, person)
    if reply.kind is ReplyKind.OPT_OUT and phone:
        opt_out(phone, "keyword", now)
    elif reply.kind is ReplyKind.OPT_IN and phone:
        opt_in(phone)
    elif reply.kind in RSVP_ANSWERS and person is not None:
        result.rsvp_reminder = record_rsvp(person, RSVP_ANSWERS[reply.kind], now)
    if person is not None:
        touch(person, now)
    log.info(
        "inbound SMS %s from %s: %s, %s",
        message.id,
        mask_phone(phone),
        reply.kind,
        f"person {person.id}" if person else "unknown sender",
    )
    return result
