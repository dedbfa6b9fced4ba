"""Enrolments: one person x activity x role, and the moments each stage was reached.

Building blocks used by the use cases (log a contact, check in, refer, sign up,
import). They never commit; see ``rekruttering.transaction``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, inspect, select
from sqlalchemy.exc import IntegrityError

from rekruttering.config import current_settings
from rekruttering.domain.funnel import (
    OUTCOME_STAGE,
    Outcome,
    RegularRule,
    Role,
    Stage,
    advance,
    stages_passed,
)
from rekruttering.extensions import db
from rekruttering.models import Attendance, Enrolment, Person, Session

STAGE_COLUMN: dict[Stage, str] = {
    Stage.HEARD: "heard_at",
    Stage.ASKED: "asked_at",
    Stage.SHOWED_UP: "showed_up_at",
    Stage.REGULAR: "regular_at",
}


def regular_rule() -> RegularRule:
    """The configured rule (settings funnel.regular_attendances / regular_weeks)."""
    settings = current_settings()
    return RegularRule(settings.funnel.regular_attendances, settings.funnel.regular_weeks)


@dataclass(frozen=True)
class EnrolmentRead:
    """The enrolment of (person, activity, role) as a statement of this transaction read
    it, with other rows (``enrolment``: None when there was none): ``enrol`` does not
    read it again."""

    person_id: int
    activity_id: int
    role: Role
    enrolment: Enrolment | None


def _still_as_read(read: EnrolmentRead, person_id: int, activity_id: int, role: Role) -> bool:
    """``read`` is of this enrolment, and what it found is not deleted since."""
    if (read.person_id, read.activity_id, read.role) != (person_id, activity_id, role):
        return False
    if read.enrolment is None:
        return True
    state = inspect(read.enrolment)
    return not (state.deleted or state.was_deleted or state.detached or state.expired)


def enrol(
    centre_id: int,
    person_id: int,
    activity_id: int,
    role: Role = Role.PARTICIPANT,
    prepare: Callable[[Enrolment], None] | None = None,
    read: EnrolmentRead | None = None,
) -> Enrolment:
    """The enrolment of a person in an activity and role, created at 'heard' if new.

    A new one is written at once, in a savepoint: another transaction enrolling the same
    person at the same moment (a door tablet and a staff member logging a contact, or
    two tablets) makes the unique key refuse one of them, and that one then uses the
    enrolment the other committed instead of failing.

    ``prepare`` is applied once to the enrolment returned (found, or new): to a new one
    before it is written, so what the caller changes on it (a contact's outcome) is
    written with it rather than as an UPDATE in a flush of its own.

    ``read``: what a statement of this transaction read of this enrolment (a write
    reads it with the person: docs/performance.md, "Writes: tenth round"); used when it
    is of this person, activity and role, else the enrolment is read here. When it was
    none, a new one is written as above: one written since (by another transaction)
    makes the unique key refuse it, and the one found is used.
    """

    def query() -> Select[tuple[Enrolment]]:
        return select(Enrolment).where(
            Enrolment.person_id == person_id,
            Enrolment.activity_id == activity_id,
            Enrolment.role == role,
        )

    if read is not None and _still_as_read(read, person_id, activity_id, role):
        enrolment = read.enrolment
    else:
        enrolment = db.session.scalar(query())
    if enrolment is not None:
        if prepare is not None:
            prepare(enrolment)
        return enrolment
    enrolment = Enrolment(
        centre_id=centre_id,
        person_id=person_id,
        activity_id=activity_id,
        role=role,
        stage=Stage.HEARD,
        attendance_count=0,
    )
    if prepare is not None:
        prepare(enrolment)
    db.session.flush()  # what else is pending fails (or not) on its own, not below
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        found = db.session.scalar(query())  # committed by the other (a new statement sees it)
        if found is None:
            raise
        if prepare is not None:
            prepare(found)
        return found
    return enrolment


def reach_stage(
    enrolment: Enrolment,
    stage: Stage,
    at: datetime,
    channel_id: int | None = None,
    partner_id: int | None = None,
) -> None:
    """Record that ``stage`` was reached at ``at``; earlier stages are implied.

    The stage never moves backwards; a stage's time is the first time it was reached
    (an earlier event logged late moves it earlier). Attribution: the first channel
    through which the person heard, and the channel of the personal ask.
    """
    for passed in stages_passed(stage):
        column = STAGE_COLUMN[passed]
        current = getattr(enrolment, column)
        if current is None or at < current:
            setattr(enrolment, column, at)
    enrolment.stage = advance(enrolment.stage, stage) or stage
    if channel_id is not None:
        if enrolment.first_channel_id is None:
            enrolment.first_channel_id = channel_id
        if stage == Stage.ASKED and enrolment.ask_channel_id is None:
            enrolment.ask_channel_id = channel_id
    if partner_id is not None and enrolment.partner_id is None:
        enrolment.partner_id = partner_id


def apply_outcome(
    enrolment: Enrolment,
    outcome: Outcome,
    at: datetime,
    channel_id: int | None = None,
    partner_id: int | None = None,
) -> None:
    """Apply what happened at a contact. 'Said no' / 'not now' are kept as facts."""
    stage = OUTCOME_STAGE[outcome]
    if stage is not None:
        reach_stage(enrolment, stage, at, channel_id, partner_id)
        return
    # Declining still means the person heard of it (through this channel).
    reach_stage(enrolment, Stage.HEARD, at, channel_id, partner_id)
    if outcome == Outcome.DECLINED:
        enrolment.declined_at = at
    else:
        enrolment.not_now_at = at


def record_attendance(enrolment: Enrolment, at: datetime, rule: RegularRule) -> None:
    """A check-in: 'showed up' at the first, 'regular' once the rule is met."""
    reach_stage(enrolment, Stage.SHOWED_UP, at)
    db.session.flush()
    times = db.session.scalars(
        select(Attendance.checked_in_at)
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.person_id == enrolment.person_id,
            Session.activity_id == enrolment.activity_id,
            Attendance.role == enrolment.role,
        )
    ).all()
    enrolment.attendance_count = len(times)
    if enrolment.regular_at is None:
        regular_at = rule.became_regular_at(times)
        if regular_at is not None:
            reach_stage(enrolment, Stage.REGULAR, regular_at)


def touch(person: Person, at: datetime) -> None:
    """Note activity on a person (retention counts from the last contact/attendance)."""
    if person.last_activity_at is None or at > person.last_activity_at:
        person.last_activity_at = at
