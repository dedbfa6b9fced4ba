"""Demo sessions: a year of past sessions with attendance, eight weeks ahead, sign-ups.

Runs after the step that creates people and their funnel histories, and works from the
database: every enrolment that has showed up gets attendances at past sessions through
the real check-in service, so "regular" is reached by the rule (N in M weeks), not set
by hand. Ferieaktiviteter gets a full next session with a waiting list, Språkkafe a
cancelled date, and today's sessions a few people checked in already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from rekruttering.activities.service import add_cancelled_date
from rekruttering.activities.sessions import backfill_sessions, generate_sessions
from rekruttering.activities.signups import sign_up
from rekruttering.checkin.service import check_in
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_today, utcnow
from rekruttering.domain.funnel import RegularRule, Role, Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import regular_rule
from rekruttering.models import Activity, Centre, Enrolment, Person, Session

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

PAST_DAYS = 365


def _past_sessions(activity_id: int, before: datetime) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.activity_id == activity_id,
                Session.starts_at < before,
                Session.cancelled.is_(False),
            )
            .order_by(Session.starts_at)
        )
    )


def _try_check_in(
    centre: Centre,
    session: Session,
    person_id: int,
    rule: RegularRule,
    now: datetime,
    role: Role = Role.PARTICIPANT,
) -> None:
    """Check in through the real service; a refusal (a full holiday session) is skipped,
    as staff at the door would have."""
    try:
        check_in(centre.id, session.id, person_id, role=role, rule=rule, now=now)
    except ServiceError:
        return


def _attend(context: DemoContext, centre: Centre, now: datetime, rule: RegularRule) -> None:
    """Attendances for everyone who showed up: the people step's would-be regulars (and
    anyone already a regular) a run of weekly sessions, the others one or two, from the
    session nearest the time they first came."""
    meant_regular = {e.id for e in context.objects.get(f"enrolments:regular:{centre.slug}", [])}
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Person, Person.id == Enrolment.person_id)
        .where(
            Enrolment.centre_id == centre.id,
            Enrolment.stage.in_((Stage.SHOWED_UP, Stage.REGULAR)),
            Person.anonymised_at.is_(None),
        )
        .order_by(Enrolment.id)
    ).all()
    sessions_by_activity: dict[int, list[Session]] = {}
    for enrolment in enrolments:
        sessions = sessions_by_activity.setdefault(
            enrolment.activity_id, _past_sessions(enrolment.activity_id, now)
        )
        if not sessions:
            continue
        first = enrolment.showed_up_at or sessions[-1].starts_at
        start = next(
            (i for i, s in enumerate(sessions) if s.starts_at >= first - timedelta(days=3)),
            len(sessions) - 1,
        )
        if enrolment.id in meant_regular or enrolment.stage == Stage.REGULAR:
            count = context.rng.randint(rule.attendances, rule.attendances + 8)
            if len(sessions) - start < rule.attendances:
                start = max(0, len(sessions) - rule.attendances)
        else:
            count = context.rng.randint(1, max(1, rule.attendances - 1))
        for session in sessions[start : start + count]:
            _try_check_in(centre, session, enrolment.person_id, rule, now, enrolment.role)


def _today(context: DemoContext, centre: Centre, now: datetime, rule: RegularRule) -> None:
    """Check a few expected people in at today's sessions that have started."""
    for session in db.session.scalars(
        select(Session).where(
            Session.centre_id == centre.id,
            Session.cancelled.is_(False),
            Session.starts_at <= now,
            Session.starts_at >= now - timedelta(hours=12),
        )
    ):
        expected = db.session.scalars(
            select(Enrolment.person_id)
            .where(
                Enrolment.activity_id == session.activity_id,
                Enrolment.stage.in_((Stage.SHOWED_UP, Stage.REGULAR)),
            )
            .limit(6)
        ).all()
        for person_id in expected[: context.rng.randint(1, max(1, len(expected)))]:
            _try_check_in(centre, session, person_id, rule, now)


def _holiday_signups(context: DemoContext, centre: Centre, now: datetime) -> None:
    """Fill the next Ferieaktiviteter session and put three on its waiting list."""
    activity = db.session.scalar(
        select(Activity).where(Activity.centre_id == centre.id, Activity.signup_required.is_(True))
    )
    if activity is None or not activity.capacity:
        return
    session = db.session.scalar(
        select(Session)
        .where(
            Session.activity_id == activity.id,
            Session.starts_at > now,
            Session.cancelled.is_(False),
        )
        .order_by(Session.starts_at)
    )
    if session is None:
        return
    people = db.session.scalars(
        select(Person.id)
        .where(Person.centre_id == centre.id, Person.anonymised_at.is_(None))
        .order_by(Person.id)
        .limit(activity.capacity + 3)
    ).all()
    for i, person_id in enumerate(people):
        sign_up(centre.id, session.id, person_id, now=now - timedelta(hours=len(people) - i))


def load(context: DemoContext) -> None:
    now = utcnow()
    today = oslo_today(now)
    weeks = current_settings().funnel.sessions_ahead_weeks
    rule = regular_rule()
    for centre in db.session.scalars(select(Centre).order_by(Centre.id)).all():
        activity_ids = db.session.scalars(
            select(Activity.id).where(Activity.centre_id == centre.id)
        ).all()
        for activity_id in activity_ids:
            backfill_sessions(
                centre.id, activity_id, today - timedelta(days=PAST_DAYS), today - timedelta(days=1)
            )
        sprakkafe = db.session.scalar(
            select(Activity).where(Activity.centre_id == centre.id, Activity.slug == "sprakkafe")
        )
        if sprakkafe is not None and sprakkafe.schedules:
            # Its meeting day two to three weeks ahead: a holiday.
            later = today + timedelta(days=14)
            day = later + timedelta(days=(sprakkafe.schedules[0].weekday - later.weekday()) % 7)
            add_cancelled_date(centre.id, sprakkafe.id, day, "Vinterferie", weeks)
        generate_sessions(centre.id, None, weeks, now=now)
        _attend(context, centre, now, rule)
        _today(context, centre, now, rule)
        _holiday_signups(context, centre, now)
