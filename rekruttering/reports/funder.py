"""The funder report: what the centre did in a period, per activity and target group.

Definitions (also on the first sheet of the spreadsheet):

* sessions held: sessions of the activity that started in the period (and before
  now), were not cancelled, and where at least one person checked in
  (``domain.activity_figures``); cancelled sessions and empty ones (not cancelled, no
  check-ins) are counted apart;
* total attendance: check-ins at those sessions, participants and volunteers;
* volunteer hours: for each held session, its length times the volunteers checked in;
* unique participants: different people checked in as participant;
* new participants: of those, the people whose first check-in as participant in the
  activity (in the target group / at the centre, for those rows) was in the period;
* volunteers: different people checked in as volunteer.

A person who came to two activities is one person in the target-group and total rows,
so those rows are counted on their own, not summed from the activity rows.

The figures of a period are computed live once and stored
(``rekruttering.reports.snapshots``): served again until a check-in, session or
activity of the centre changes in a month up to the period's end, or a session of the
period starts. Check-ins made or undone since are folded into them
(``rekruttering.reports.funder_fold``); anything else computes them again.
``FIGURES_KIND`` names the definitions above (and the stored layout: volunteer time in
whole microseconds beside the hours): change it with them, so figures stored under the
old ones are not served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from rekruttering.domain.activity_figures import (
    SessionOutcome,
    hours,
    session_outcome,
    volunteer_time,
)
from rekruttering.domain.clock import start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Role
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, Attendance, Centre, Session
from rekruttering.reports.funder_fold import VOLUNTEER_TIME, fold_checkins
from rekruttering.reports.snapshots import stored_or_computed

#: The stored figures' kind: the report and the version of its definitions.
FIGURES_KIND = "funder:2"


@dataclass(frozen=True)
class FunderRow:
    key: Any  # activity id, target group value, or None for the total
    label: str
    target_group: str | None
    sessions: int = 0  # held (see the module's definitions)
    attendance: int = 0
    participants: int = 0
    new_participants: int = 0
    volunteers: int = 0
    volunteer_hours: float = 0.0
    cancelled_sessions: int = 0
    empty_sessions: int = 0


@dataclass(frozen=True)
class FunderReport:
    centre_name: str
    start: date
    end: date
    activities: list[FunderRow]
    target_groups: list[FunderRow]
    total: FunderRow
    generated_at: datetime


def _check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise ServiceError(_("Choose the first and the last day of the period."), field="start")
    if end < start:
        raise ServiceError(_("The period ends before it starts."), field="end")
    return start, end


def funder_report(
    centre_id: int, start: date | None, end: date | None, *, stored: bool = True
) -> FunderReport:
    """The figures for ``start`` to ``end`` (Oslo days, both included).

    With ``stored`` (the default) figures stored earlier are used while they are still
    true, and figures computed are stored (the caller commits); without, all is live.
    """
    start, end = _check_period(start, end)
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        raise ServiceError(_("Unknown centre."))
    since = start_of_oslo_day(start)
    until = start_of_oslo_day(end + timedelta(days=1))
    now = utcnow()

    names = {
        row.id: row
        for row in db.session.execute(
            sa.select(Activity.id, Activity.name, Activity.target_group).where(
                Activity.centre_id == centre_id
            )
        )
    }
    group_of = {key: row.target_group for key, row in names.items()}
    held_until = min(until, now)

    def compute() -> dict[str, Any]:
        by_activity, by_group, total = _figures(centre_id, since, held_until, group_of)
        return {
            "activities": list(by_activity.items()),
            "groups": list(by_group.items()),
            "total": total,
        }

    def fold(stored_figures: dict[str, Any], versions: dict[str, int]) -> Any:
        return fold_checkins(centre_id, end, since, held_until, stored_figures, versions)

    if stored:
        figures = stored_or_computed(
            FIGURES_KIND, centre_id, f"{start}/{end}", end, held_until, compute, fold=fold
        )
    else:
        figures = compute()
    by_activity = {int(key): _shown(values) for key, values in figures["activities"]}
    by_group = {key: _shown(values) for key, values in figures["groups"]}
    total = _shown(figures["total"])

    activities = [
        FunderRow(
            key,
            names[key].name,
            names[key].target_group,
            **figures,
        )
        for key, figures in by_activity.items()
        if key in names
    ]
    activities.sort(key=lambda r: (r.target_group or "~", r.label.lower()))
    groups = [FunderRow(key, key or "", key, **figures) for key, figures in by_group.items()]
    groups.sort(key=lambda r: r.key or "~")
    return FunderReport(
        centre.name,
        start,
        end,
        activities,
        groups,
        FunderRow(None, "", None, **total),
        now,
    )


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != VOLUNTEER_TIME}


def _figures(
    centre_id: int, since: datetime, held_until: datetime, groups: dict[int, str | None]
) -> tuple[dict[int, dict[str, Any]], dict[str | None, dict[str, Any]], dict[str, Any]]:
    """Figures per activity, per target group and in total, from three queries.

    The sessions of the period are read one row each with their check-in and volunteer
    counts (a centre has a few thousand a year), to tell held from cancelled and empty
    and to add up volunteer hours.

    One pass over the centre's check-ins, grouped by activity, person and role, gives
    each person's first check-in ever and their check-ins in the period. The distinct
    counts of a target group and of the total are unions of those people, worked out
    here, so the check-ins are read once (not once per grouping, as the counts in SQL
    would need: at 20,000 people that is 400,000 rows a time).
    """
    in_period = sa.and_(Session.starts_at >= since, Session.starts_at < held_until)
    volunteer = sa.case((Attendance.role == Role.VOLUNTEER, 1), else_=0)
    per_session = db.session.execute(
        sa.select(
            Session.activity_id,
            Session.cancelled,
            Session.starts_at,
            Session.ends_at,
            sa.func.count(Attendance.id).label("checkins"),
            sa.func.coalesce(sa.func.sum(volunteer), 0).label("volunteers"),
        )
        .select_from(Session)
        .outerjoin(Attendance, Attendance.session_id == Session.id)
        .where(Session.centre_id == centre_id, in_period)
        .group_by(
            Session.id, Session.activity_id, Session.cancelled, Session.starts_at, Session.ends_at
        )
    )
    by_activity: dict[int, _Tally] = {}
    for activity_id, cancelled, starts_at, ends_at, checkins, volunteers in per_session:
        tally = by_activity.setdefault(activity_id, _Tally())
        # Sessions in the period started before ``held_until`` (at most now).
        outcome = session_outcome(cancelled=cancelled, checkins=int(checkins), started=True)
        if outcome == SessionOutcome.HELD:
            tally.sessions += 1
            tally.volunteer_time += volunteer_time(starts_at, ends_at, int(volunteers))
        elif outcome == SessionOutcome.CANCELLED:
            tally.cancelled_sessions += 1
        else:
            tally.empty_sessions += 1
    # Core, not the ORM session: tens of thousands of plain rows, no objects to build.
    # Fetched at once (row by row was a fifth of the report's time on PostgreSQL at
    # 100k). Each person's first check-in is read as where it falls against the period
    # (BEFORE, IN or AFTER): the earliest of several is the one that falls earliest, so
    # the rows merge as the moments did, without a datetime a row.
    first_at = sa.func.min(Session.starts_at)
    checkins = (
        db.session.connection()
        .execute(
            sa.select(
                Session.activity_id,
                Attendance.person_id,
                sa.type_coerce(Attendance.role, sa.String()),
                sa.case((first_at < since, _BEFORE), (first_at < held_until, _IN), else_=_AFTER),
                sa.func.sum(sa.case((in_period, 1), else_=0)),
            )
            .select_from(Attendance)
            .join(Session, Session.id == Attendance.session_id)
            .where(Attendance.centre_id == centre_id, Session.cancelled.is_(False))
            .group_by(Session.activity_id, Attendance.person_id, Attendance.role)
        )
        .all()
    )
    participant = Role.PARTICIPANT.value
    for activity_id, person_id, role, first, period_count in checkins:
        found = by_activity.get(activity_id)
        if found is None:  # no session in the period: not reported
            continue
        if period_count:
            found.attendance += period_count
            (found.participants if role == participant else found.volunteers).add(person_id)
        if role == participant:
            firsts = found.firsts
            earlier = firsts.get(person_id)
            if earlier is None or first < earlier:
                firsts[person_id] = first
    by_group: dict[str | None, _Tally] = {}
    for activity_id, tally in by_activity.items():
        by_group.setdefault(groups.get(activity_id), _Tally()).merge(tally)
    total = _Tally()
    for tally in by_group.values():
        total.merge(tally)
    return (
        {k: t.figures() for k, t in by_activity.items()},
        {k: t.figures() for k, t in by_group.items()},
        total.figures() if by_activity else {},
    )


#: Where a first check-in falls against the period, in the order of time.
_BEFORE, _IN, _AFTER = 0, 1, 2


@dataclass
class _Tally:
    """The figures of one row of the report while the check-ins are read."""

    sessions: int = 0
    cancelled_sessions: int = 0
    empty_sessions: int = 0
    volunteer_time: timedelta = timedelta(0)
    attendance: int = 0
    participants: set[int] = field(default_factory=set)
    volunteers: set[int] = field(default_factory=set)
    #: person -> where their first check-in as participant (ever) in the row's
    #: activities falls against the period (_BEFORE, _IN, _AFTER)
    firsts: dict[int, int] = field(default_factory=dict)

    def merge(self, other: _Tally) -> None:
        """Add another row's figures: people are counted once however often they occur."""
        self.sessions += other.sessions
        self.cancelled_sessions += other.cancelled_sessions
        self.empty_sessions += other.empty_sessions
        self.volunteer_time += other.volunteer_time
        self.attendance += other.attendance
        self.participants |= other.participants
        self.volunteers |= other.volunteers
        firsts = self.firsts
        for person_id, first in other.firsts.items():
            earlier = firsts.get(person_id)
            if earlier is None or first < earlier:
                firsts[person_id] = first

    def figures(self) -> dict[str, Any]:
        participants = self.participants
        new = sum(
            1
            for person_id, first in self.firsts.items()
            if first == _IN and person_id in participants
        )
        return {
            "sessions": self.sessions,
            "cancelled_sessions": self.cancelled_sessions,
            "empty_sessions": self.empty_sessions,
            "volunteer_hours": hours(self.volunteer_time),
            VOLUNTEER_TIME: self.volunteer_time // timedelta(microseconds=1),
            "attendance": self.attendance,
            "participants": len(self.participants),
            "volunteers": len(self.volunteers),
            "new_participants": new,
        }
