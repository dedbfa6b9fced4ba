"""Demo reminders for Borgen: some scheduled, sent, delivered, failed and uncertain, a
few replies (JA, a question, an unknown sender), so the reminder pages have content.

Runs after the steps that create people and sessions and finds them in the database;
does nothing when there are none. Scheduled reminders go through the real service;
the history (what a provider would have answered) is written as the dispatcher and
Twilio's callbacks would have left it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.demo_data import DEMO_PROVIDER_SID_PREFIX
from rekruttering.domain.sms_segments import count_segments
from rekruttering.extensions import db
from rekruttering.models import (
    Centre,
    ConsentMethod,
    ConsentPurpose,
    Direction,
    Message,
    Person,
    Reminder,
    ReminderState,
    Session,
    User,
)
from rekruttering.privacy.consent import give_consent
from rekruttering.reminders.service import ScheduleRequest, schedule
from rekruttering.reminders.texts import TemplateBook
from rekruttering.sms.provider_errors import TWILIO_ERRORS

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

#: The states the history shows, one person each, in this order.
HISTORY = (
    ReminderState.DELIVERED,
    ReminderState.DELIVERED,
    ReminderState.SENT,
    ReminderState.FAILED,
    ReminderState.UNCERTAIN,
    ReminderState.CANCELLED,
)


def _staff(context: DemoContext, centre: Centre) -> User | None:
    user = context.objects.get("user:staff")
    if isinstance(user, User):
        return user
    return db.session.scalar(sa.select(User).order_by(User.id).limit(1))


def load(context: DemoContext) -> None:
    borgen = db.session.scalar(sa.select(Centre).where(Centre.slug == "borgen"))
    if borgen is None:
        return
    now = utcnow()
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(
                Person.centre_id == borgen.id,
                Person.phone.is_not(None),
                Person.anonymised_at.is_(None),
            )
            .order_by(Person.id)
            .limit(16)
        )
    )
    upcoming = list(
        db.session.scalars(
            sa.select(Session)
            .where(
                Session.centre_id == borgen.id,
                Session.cancelled.is_(False),
                Session.starts_at > now + timedelta(hours=20),
            )
            .order_by(Session.starts_at)
            .limit(3)
        )
    )
    past = list(
        db.session.scalars(
            sa.select(Session)
            .where(
                Session.centre_id == borgen.id,
                Session.starts_at < now,
                Session.starts_at > now - timedelta(days=21),
            )
            .order_by(Session.starts_at.desc())
            .limit(3)
        )
    )
    if len(people) < 4 or not (upcoming or past):
        return
    staff = _staff(context, borgen)
    staff_name = staff.name if staff else ""
    for person in people:
        # Reminders need SMS consent: these demo people gave it in person.
        give_consent(
            borgen.id,
            person.id,
            ConsentPurpose.SMS,
            ConsentMethod.IN_PERSON,
            recorded_by_id=staff.id if staff else None,
            at=now - timedelta(days=30),
        )
    rng = context.rng
    settings = current_settings()
    book = TemplateBook(borgen.id)
    scheduled_people = people[:5]
    history_people = people[5 : 5 + len(HISTORY)]

    if upcoming:
        session = upcoming[0]
        for person in scheduled_people:
            schedule(
                borgen.id,
                ScheduleRequest(person_id=person.id, session_id=session.id),
                staff,
                settings,
                now=now,
            )
        # One of them already answered a reminder for the next session after that.
        if len(upcoming) > 1 and len(people) > 15:
            _answered(borgen, people[15], upcoming[1], book, staff, staff_name, now)

    if past:
        for i, (person, state) in enumerate(zip(history_people, HISTORY, strict=False)):
            session = past[i % len(past)]
            _history(borgen, person, session, state, book, staff, staff_name, rng.random())

    # A text from a number nobody here has, to Borgen's number: Borgen's admins see it
    # under "unknown sender" (sms.inbound_centres maps the number to the centre).
    db.session.add(
        Message(
            centre_id=borgen.id,
            direction=Direction.INBOUND,
            from_number="+4799887766",
            to_number=settings.twilio.from_number or "",
            body="Hei! Jeg fikk en lapp i postkassen. Når er språkkafeen?",
            gateway="twilio",
            provider_sid=DEMO_PROVIDER_SID_PREFIX + "0" * 28,
            status="received",
            created_at=now - timedelta(hours=5),
        )
    )
    db.session.flush()


def _message(
    centre: Centre, person: Person, body: str, at: datetime, status: str, n: int
) -> Message:
    message = Message(
        centre_id=centre.id,
        person_id=person.id,
        direction=Direction.OUTBOUND,
        to_number=person.phone or "",
        from_number="+4759440000",
        body=body,
        gateway="twilio",
        provider_sid=f"{DEMO_PROVIDER_SID_PREFIX}{n:028d}",
        status=status,
        segments=max(count_segments(body).segments, 1),
        created_at=at,
        updated_at=at,
    )
    db.session.add(message)
    db.session.flush()
    return message


def _history(
    centre: Centre,
    person: Person,
    session: Session,
    state: ReminderState,
    book: TemplateBook,
    staff: User | None,
    staff_name: str,
    jitter: float,
) -> None:
    body, language = book.text_for(person, session, staff_name)
    due = session.starts_at - timedelta(hours=17, minutes=int(jitter * 10))
    reminder = Reminder(
        centre_id=centre.id,
        person_id=person.id,
        session_id=session.id,
        body=body,
        language=language,
        due_at=due,
        state=state,
        attempts=0 if state == ReminderState.CANCELLED else 1,
        created_by_id=staff.id if staff else None,
        created_at=due - timedelta(days=2),
    )
    db.session.add(reminder)
    if state == ReminderState.CANCELLED:
        return
    status = {
        ReminderState.DELIVERED: "delivered",
        ReminderState.SENT: "sent",
        ReminderState.FAILED: "undelivered",
        ReminderState.UNCERTAIN: "pending",
    }[state]
    message = _message(centre, person, body, due, status, person.id)
    reminder.message_id = message.id
    if state == ReminderState.FAILED:
        _kind, reason = TWILIO_ERRORS[30006]
        message.error_code = "30006"
        reminder.last_error = f"{reason} (30006)"
        person.phone_not_textable_reason = reason
    elif state == ReminderState.UNCERTAIN:
        reminder.last_error = (
            "The worker stopped before the SMS provider answered: check and decide"
        )


def _answered(
    centre: Centre,
    person: Person,
    session: Session,
    book: TemplateBook,
    staff: User | None,
    staff_name: str,
    now: datetime,
) -> None:
    body, language = book.text_for(person, session, staff_name)
    sent_at = now - timedelta(hours=3)
    message = _message(centre, person, body, sent_at, "delivered", 90000 + person.id)
    db.session.add(
        Reminder(
            centre_id=centre.id,
            person_id=person.id,
            session_id=session.id,
            body=body,
            language=language,
            due_at=sent_at,
            state=ReminderState.DELIVERED,
            attempts=1,
            message_id=message.id,
            created_by_id=staff.id if staff else None,
            rsvp="yes",
            rsvp_at=sent_at + timedelta(minutes=12),
        )
    )
    db.session.add(
        Message(
            centre_id=centre.id,
            person_id=person.id,
            direction=Direction.INBOUND,
            from_number=person.phone or "",
            body="Ja, jeg kommer! Kan jeg ta med datteren min?",
            gateway="twilio",
            provider_sid=f"{DEMO_PROVIDER_SID_PREFIX}{80000 + person.id:028d}",
            status="received",
            created_at=sent_at + timedelta(minutes=12),
        )
    )
