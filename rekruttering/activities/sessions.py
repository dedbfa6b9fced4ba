"""Sessions generated ahead from each activity's weekly schedule. Never commits.

Idempotent: a session is one (activity, start) pair, unique in the database, so running
the generator twice (or the nightly job and an edit at the same moment) adds nothing
the second time. Only sessions from today on are touched; the past is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from rekruttering.domain.clock import oslo_today, start_of_oslo_day, to_oslo, utcnow
from rekruttering.domain.schedule import Occurrence, Slot, cancelled_occurrences, occurrences
from rekruttering.extensions import db
from rekruttering.models import Activity, Attendance, Reminder, Session, SessionSignup
from rekruttering.tenancy import fetch


@dataclass
class GenerationResult:
    created: int = 0
    cancelled: int = 0
    restored: int = 0
    removed: int = 0

    def add(self, other: GenerationResult) -> None:
        self.created += other.created
        self.cancelled += other.cancelled
        self.restored += other.restored
        self.removed += other.removed


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING: a session generated concurrently is not an error."""
    if not rows:
        return 0
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert = postgresql_insert if postgresql else sqlite_insert
    table = Session.__table__
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["activity_id", "starts_at"])
        .returning(table.c.id)  # rowcount is not reliable for this on every driver
    )
    return len(db.session.execute(statement).all())


def _ids_in_use(session_ids: list[int]) -> tuple[set[int], set[int | None]]:
    """(sessions with attendance, sessions with sign-ups or reminders) among ``session_ids``."""
    if not session_ids:
        return set(), set()
    attended = set(
        db.session.scalars(
            select(Attendance.session_id).where(Attendance.session_id.in_(session_ids)).distinct()
        )
    )
    referred: set[int | None] = set(
        db.session.scalars(
            select(SessionSignup.session_id)
            .where(SessionSignup.session_id.in_(session_ids))
            .distinct()
        )
    ) | set(
        db.session.scalars(
            select(Reminder.session_id).where(Reminder.session_id.in_(session_ids)).distinct()
        )
    )
    return attended, referred


def _row(activity: Activity, occurrence: Occurrence, cancelled: bool) -> dict:
    return {
        "centre_id": activity.centre_id,
        "activity_id": activity.id,
        "starts_at": occurrence.starts_at,
        "ends_at": occurrence.ends_at,
        "place": occurrence.place,
        "cancelled": cancelled,
    }


def _generate_for(activity: Activity, today: date, last: date) -> GenerationResult:
    result = GenerationResult()
    from_start = start_of_oslo_day(today)
    existing = {
        s.starts_at: s
        for s in db.session.scalars(
            select(Session).where(
                Session.activity_id == activity.id, Session.starts_at >= from_start
            )
        )
    }
    # Sessions generated earlier further ahead (a longer horizon then) are checked too.
    check_until = max([last, *(to_oslo(t).date() for t in existing)])
    slots = (
        [Slot(s.weekday, s.start_time, s.end_time, s.place) for s in activity.schedules]
        if activity.active
        else []
    )
    cancelled_days = {c.day for c in activity.cancelled_dates}
    season = (activity.season_start, activity.season_end)
    wanted = {
        o.starts_at: o for o in occurrences(slots, today, check_until, *season, cancelled_days)
    }
    called_off = {
        o.starts_at: o
        for o in cancelled_occurrences(slots, today, check_until, cancelled_days, *season)
    }

    attended, referred = _ids_in_use([s.id for s in existing.values()])
    new_rows = []
    for starts_at, occurrence in wanted.items():
        session = existing.get(starts_at)
        if session is None:
            if occurrence.day <= last:
                new_rows.append(_row(activity, occurrence, cancelled=False))
            continue
        if session.cancelled:
            session.cancelled = False
            result.restored += 1
        session.ends_at, session.place = occurrence.ends_at, occurrence.place
    for starts_at, occurrence in called_off.items():
        session = existing.get(starts_at)
        if session is None:
            # Kept as a cancelled session, so the list says "cancelled" on that day.
            if occurrence.day <= last:
                new_rows.append(_row(activity, occurrence, cancelled=True))
        elif not session.cancelled and session.id not in attended:
            session.cancelled = True
            result.cancelled += 1
    stale = [s for t, s in existing.items() if t not in wanted and t not in called_off]
    removable = []
    for session in stale:
        if session.id in attended:
            continue  # people came: the session stays as history
        if session.id in referred:
            if not session.cancelled:
                session.cancelled = True
                result.cancelled += 1
        else:
            removable.append(session.id)
    if removable:
        db.session.execute(
            delete(Session)
            .where(Session.id.in_(removable))
            .execution_options(synchronize_session=False)
        )
        for session in stale:
            if session.id in removable:
                db.session.expunge(session)
        result.removed += len(removable)
    db.session.flush()
    result.created += _insert_ignoring_duplicates(new_rows)
    return result


def generate_sessions(
    centre_id: int,
    activity_id: int | None = None,
    weeks_ahead: int = 8,
    now: datetime | None = None,
) -> GenerationResult:
    """Make the sessions from today to ``weeks_ahead`` weeks ahead match the schedules.

    Creates missing sessions, marks sessions on cancelled dates as cancelled (and takes
    that back when the date is), and removes future sessions the schedule no longer
    has, unless someone attended, signed up or got a reminder for them: those are
    marked cancelled instead. Sessions with attendance are never changed.
    """
    if weeks_ahead < 1:
        raise ValueError("weeks_ahead must be at least 1")
    today = oslo_today(now or utcnow())
    last = today + timedelta(weeks=weeks_ahead) - timedelta(days=1)
    query = select(Activity).options(
        selectinload(Activity.schedules), selectinload(Activity.cancelled_dates)
    )
    if activity_id is not None:
        activities = [fetch(Activity, activity_id, centre_id)]
    else:
        activities = list(db.session.scalars(query.where(Activity.centre_id == centre_id)))
    result = GenerationResult()
    for activity in activities:
        result.add(_generate_for(activity, today, last))
    return result


def backfill_sessions(centre_id: int, activity_id: int, first: date, last: date) -> int:
    """Add the sessions the schedule had on Oslo dates ``first``..``last`` (for registering
    attendance from paper lists of past weeks). Adds only; never removes or cancels."""
    activity = fetch(Activity, activity_id, centre_id)
    slots = [Slot(s.weekday, s.start_time, s.end_time, s.place) for s in activity.schedules]
    found = occurrences(
        slots,
        first,
        last,
        activity.season_start,
        activity.season_end,
        {c.day for c in activity.cancelled_dates},
    )
    return _insert_ignoring_duplicates([_row(activity, o, cancelled=False) for o in found])
