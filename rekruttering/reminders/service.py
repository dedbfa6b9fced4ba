"""Reminder use cases: preview, schedule, cancel, decide an uncertain one, staff opt-out.

Services never commit (callers use ``transaction()``), take ``centre_id`` explicitly
and load ids through ``tenancy.fetch``. The text of each reminder is rendered when it
is scheduled (what staff previewed is what is sent); whether it may be sent is checked
again when it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from rekruttering import audit
from rekruttering.centre_settings.service import add_reminder_language
from rekruttering.checkin.service import session_overview
from rekruttering.config import Settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.reminder_text import template_problems
from rekruttering.domain.reminder_time import default_due_at, plan_due_at
from rekruttering.domain.sms_segments import SegmentCount, count_segments
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Direction,
    Message,
    MessageTemplate,
    Person,
    Reminder,
    ReminderState,
    Session,
    User,
)
from rekruttering.reminders.eligibility import reasons_not_textable
from rekruttering.reminders.texts import KIND, TemplateBook, normalise_language
from rekruttering.sms.opt_out import opt_in_person, opt_out_person
from rekruttering.sms.provider_errors import _l
from rekruttering.sms.reminder_outcomes import quiet_hours
from rekruttering.tenancy import fetch
from rekruttering.transaction import execute_dml

ALREADY_SCHEDULED = _l("Already has a reminder for this session")
TOO_LATE = _l("Too late: it could not be sent before the session starts")
TOO_LONG = _l("The text is too long: shorten the template")

#: A reminder in one of these states counts as "this person has one for the session".
ACTIVE_STATES = (
    ReminderState.PENDING,
    ReminderState.SENDING,
    ReminderState.SENT,
    ReminderState.DELIVERED,
    ReminderState.UNCERTAIN,
)


@dataclass(frozen=True)
class ScheduleRequest:
    """What staff asked for: one person or everyone expected, a session or the next
    session of an activity, the activity's default time or a chosen one (aware)."""

    person_id: int | None = None
    everyone: bool = False
    session_id: int | None = None
    activity_id: int | None = None
    at: datetime | None = None


@dataclass
class PlannedReminder:
    person: Person
    body: str
    language: str
    segments: SegmentCount
    due_at: datetime
    problem: str | None = None  # English reason (translated when shown), None = will schedule
    moved_by_quiet_hours: bool = False


@dataclass
class Plan:
    session: Session
    items: list[PlannedReminder]
    wanted_at: datetime
    price_per_segment_ore: int = 0

    @property
    def ready(self) -> list[PlannedReminder]:
        return [item for item in self.items if item.problem is None]

    @property
    def skipped(self) -> list[PlannedReminder]:
        return [item for item in self.items if item.problem is not None]

    @property
    def total_segments(self) -> int:
        return sum(item.segments.segments for item in self.ready)

    @property
    def cost_kroner(self) -> float:
        return self.total_segments * self.price_per_segment_ore / 100


@dataclass
class ScheduleResult:
    created: list[Reminder] = field(default_factory=list)
    skipped: list[PlannedReminder] = field(default_factory=list)


def upcoming_sessions(centre_id: int, now: datetime, weeks: int = 8) -> list[Session]:
    """Sessions not cancelled starting within ``weeks``, soonest first (for the form)."""
    return list(
        db.session.scalars(
            sa.select(Session)
            .options(joinedload(Session.activity))
            .where(
                Session.centre_id == centre_id,
                Session.cancelled.is_(False),
                Session.starts_at > now,
                Session.starts_at <= now + timedelta(weeks=weeks),
            )
            .order_by(Session.starts_at, Session.id)
        )
    )


def next_session(centre_id: int, activity_id: int, now: datetime) -> Session | None:
    return db.session.scalar(
        sa.select(Session)
        .where(
            Session.centre_id == centre_id,
            Session.activity_id == activity_id,
            Session.cancelled.is_(False),
            Session.starts_at > now,
        )
        .order_by(Session.starts_at)
        .limit(1)
    )


def resolve_session(centre_id: int, request: ScheduleRequest, now: datetime) -> Session:
    session: Session | None
    if request.session_id is not None:
        session = fetch(Session, request.session_id, centre_id)
    elif request.activity_id is not None:
        activity = fetch(Activity, request.activity_id, centre_id)
        session = next_session(centre_id, activity.id, now)
        if session is None:
            raise ServiceError(
                _("%(activity)s has no upcoming session.", activity=activity.name),
                field="activity_id",
            )
    else:
        raise ServiceError(_("Choose an activity or a session."), field="activity_id")
    if session.cancelled:
        raise ServiceError(_("That session is cancelled."), field="session_id")
    if session.starts_at <= now:
        raise ServiceError(_("That session has already started."), field="session_id")
    return session


def expected_people(centre_id: int, session: Session) -> list[Person]:
    """Everyone on the session's expected list (asked or further, or signed up)."""
    # The check-in page's list is the one definition of "expected at a session".
    overview = session_overview(centre_id, session.id)
    ids = [
        row.person_id
        for row in overview.people
        if row.stage is not None or row.signup == "confirmed"
    ]
    if not ids:
        return []
    people = db.session.scalars(
        sa.select(Person).where(Person.id.in_(ids), Person.centre_id == centre_id)
    ).all()
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.id))


def _people(centre_id: int, request: ScheduleRequest, session: Session) -> list[Person]:
    if request.everyone:
        people = expected_people(centre_id, session)
        if not people:
            raise ServiceError(_("Nobody is expected at this session yet."), field="who")
        return people
    if request.person_id is None:
        raise ServiceError(_("Choose a person."), field="person_id")
    return [fetch(Person, request.person_id, centre_id)]


def _already_scheduled(session_id: int, person_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Reminder.person_id).where(
                Reminder.session_id == session_id,
                Reminder.person_id.in_(person_ids),
                Reminder.state.in_(ACTIVE_STATES),
            )
        )
    )


def preview(
    centre_id: int,
    request: ScheduleRequest,
    staff_name: str,
    settings: Settings,
    now: datetime | None = None,
) -> Plan:
    """What would be scheduled: each person's text, segments, due time, or why not."""
    now = now or utcnow()
    session = resolve_session(centre_id, request, now)
    activity = session.activity
    if request.at is not None:
        if request.at <= now:
            raise ServiceError(_("Choose a time in the future."), field="at")
        if request.at >= session.starts_at:
            raise ServiceError(_("Choose a time before the session starts."), field="at")
        wanted = request.at
    else:
        wanted = default_due_at(
            session.starts_at, activity.reminder_days_before, activity.reminder_time
        )
    due = plan_due_at(wanted, now, quiet_hours(settings))
    people = _people(centre_id, request, session)
    existing = _already_scheduled(session.id, [p.id for p in people])
    reasons = reasons_not_textable(people)
    book = TemplateBook(centre_id)
    items = []
    for person in people:
        body, language = book.text_for(person, session, staff_name)
        segments = count_segments(body)
        problem = ALREADY_SCHEDULED if person.id in existing else reasons[person.id]
        if problem is None and due >= session.starts_at:
            problem = TOO_LATE
        if problem is None and segments.segments > settings.sms.max_segments:
            problem = TOO_LONG
        items.append(
            PlannedReminder(
                person=person,
                body=body,
                language=language,
                segments=segments,
                due_at=due,
                problem=problem,
                moved_by_quiet_hours=due != max(wanted, now),
            )
        )
    return Plan(session, items, wanted, settings.sms.segment_price_ore)


def schedule(
    centre_id: int,
    request: ScheduleRequest,
    created_by: User | None,
    settings: Settings,
    now: datetime | None = None,
) -> ScheduleResult:
    """Schedule the reminders ``preview`` shows as ready. A repeated request (a double
    click) finds them already scheduled and creates nothing new."""
    plan = preview(centre_id, request, created_by.name if created_by else "", settings, now)
    result = ScheduleResult(skipped=plan.skipped)
    for item in plan.ready:
        reminder = Reminder(
            centre_id=centre_id,
            person_id=item.person.id,
            session_id=plan.session.id,
            body=item.body,
            language=item.language,
            due_at=item.due_at,
            state=ReminderState.PENDING,
            attempts=0,
            created_by_id=created_by.id if created_by else None,
        )
        db.session.add(reminder)
        result.created.append(reminder)
    db.session.flush()
    if result.created:
        audit.record(
            "reminders.schedule",
            centre_id=centre_id,
            person_id=result.created[0].person_id if len(result.created) == 1 else None,
            detail=f"session {plan.session.id}: {len(result.created)} scheduled",
        )
    return result


def cancel(centre_id: int, reminder_id: int) -> Reminder:
    """Cancel a scheduled reminder (only one not yet being sent)."""
    reminder = fetch(Reminder, reminder_id, centre_id)
    if reminder.state != ReminderState.PENDING:
        raise Conflict(_("Only a scheduled reminder can be cancelled."))
    reminder.state = ReminderState.CANCELLED
    reminder.last_error = None
    audit.record("reminders.cancel", centre_id=centre_id, person_id=reminder.person_id)
    return reminder


class Decision(StrEnum):
    RESEND = "resend"  # staff checked: it did not arrive; send it again now
    SENT = "sent"  # staff checked: it did arrive
    FAILED = "failed"  # give up


def decide_uncertain(
    centre_id: int,
    reminder_id: int,
    decision: Decision,
    settings: Settings,
    now: datetime | None = None,
) -> Reminder:
    """A person decides what became of an uncertain reminder."""
    now = now or utcnow()
    reminder = fetch(Reminder, reminder_id, centre_id)
    if reminder.state != ReminderState.UNCERTAIN:
        raise Conflict(_("This reminder is not uncertain any more."))
    if decision is Decision.RESEND:
        session = reminder.session
        if session is not None and (session.cancelled or session.starts_at <= now):
            raise ServiceError(_("Too late to resend: the session has started or was cancelled."))
        reminder.state = ReminderState.PENDING
        reminder.due_at = quiet_hours(settings).next_allowed(now)
    elif decision is Decision.SENT:
        reminder.state = ReminderState.SENT
    else:
        reminder.state = ReminderState.FAILED
    reminder.claimed_at = None
    reminder.claimed_by = None
    audit.record(
        "reminders.decide",
        centre_id=centre_id,
        person_id=reminder.person_id,
        detail=f"reminder {reminder.id}: {decision}",
    )
    return reminder


def state_counts(centre_id: int) -> dict[str, int]:
    """Reminders per state in one GROUP BY."""
    rows = db.session.execute(
        sa.select(Reminder.state, sa.func.count())
        .where(Reminder.centre_id == centre_id)
        .group_by(Reminder.state)
    ).all()
    return {str(state): count for state, count in rows}


def opt_out_by_staff(centre_id: int, person_id: int) -> Person:
    """Staff opt someone out by hand (they asked in person or by phone)."""
    person = fetch(Person, person_id, centre_id)
    opt_out_person(person, "staff")
    audit.record("sms.opt_out", centre_id=centre_id, person_id=person.id, detail="by staff")
    return person


def opt_in_by_staff(centre_id: int, person_id: int) -> Person:
    """Staff opt someone back in, at the person's request."""
    person = fetch(Person, person_id, centre_id)
    opt_in_person(person)
    audit.record("sms.opt_in", centre_id=centre_id, person_id=person.id, detail="by staff")
    return person


def clear_not_textable(centre_id: int, person_id: int) -> Person:
    """Staff say the phone can take SMS again (e.g. the number was corrected)."""
    person = fetch(Person, person_id, centre_id)
    person.phone_not_textable_reason = None
    audit.record("sms.textable", centre_id=centre_id, person_id=person.id)
    return person


def save_template(centre_id: int, language: str, body: str) -> MessageTemplate:
    """Create or change the centre's reminder template in ``language``."""
    language = normalise_language(language)
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write the text of the reminder."), field="body")
    for problem in template_problems(body):
        if problem.kind == "syntax":
            raise ServiceError(
                _("Curly brackets must surround a placeholder, like {first_name}."), field="body"
            )
        if problem.kind == "form":
            raise ServiceError(
                _(
                    "%(placeholder)s: placeholders take no format, attribute or index; "
                    "write {%(name)s}.",
                    placeholder=problem.placeholder,
                    name=problem.name,
                ),
                field="body",
            )
        raise ServiceError(
            _("Unknown placeholder %(placeholder)s.", placeholder=problem.placeholder),
            field="body",
        )
    template = db.session.scalar(
        sa.select(MessageTemplate).where(
            MessageTemplate.centre_id == centre_id,
            MessageTemplate.kind == KIND,
            MessageTemplate.language == language,
        )
    )
    if template is None:
        template = MessageTemplate(centre_id=centre_id, kind=KIND, language=language, body=body)
        db.session.add(template)
    else:
        template.body = body
    add_reminder_language(centre_id, language)
    db.session.flush()
    return template


def delete_template(centre_id: int, language: str) -> bool:
    """Go back to the built-in text for ``language``."""
    deleted = execute_dml(
        sa.delete(MessageTemplate).where(
            MessageTemplate.centre_id == centre_id,
            MessageTemplate.kind == KIND,
            MessageTemplate.language == normalise_language(language),
        )
    )
    return bool(deleted)


def delete_unknown_sender_message(centre_id: int, message_id: int) -> None:
    """Delete a text from an unknown number received on the centre's number (NotFound
    for any other message: a person's, an outbound one, another centre's)."""
    message = db.session.scalar(
        sa.select(Message).where(
            Message.id == message_id,
            Message.centre_id == centre_id,
            Message.person_id.is_(None),
            Message.direction == Direction.INBOUND,
        )
    )
    if message is None:
        raise NotFound(_("No such item in this centre."))
    db.session.delete(message)
