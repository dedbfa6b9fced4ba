"""The funder report: what the centre did in a period, per activity and target group.

Definitions (also on the first sheet of the spreadsheet):

* sessions held: sessions of the activity that started in the period (and before
  now) and were not cancelled;
* total attendance: check-ins at those sessions, participants and volunteers;
* unique participants: different people checked in as participant;
* new participants: of those, the people whose first check-in as participant in the
  activity (in the target group / at the centre, for those rows) was in the period;
* volunteers: different people checked in as volunteer.

A person who came to two activities is one person in the target-group and total rows,
so those rows are counted on their own, not summed from the activity rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from rekruttering.domain.clock import start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Role
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, Attendance, Centre, Session


@dataclass(frozen=True)
class FunderRow:
    key: Any  # activity id, target group value, or None for the total
    label: str
    target_group: str | None
    sessions: int = 0
    attendance: int = 0
    participants: int = 0
    new_participants: int = 0
    volunteers: int = 0


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


def funder_report(centre_id: int, start: date | None, end: date | None) -> FunderReport:
    """The figures for ``start`` to ``end`` (Oslo days, both included)."""
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
    by_activity, by_group, total = _figures(centre_id, since, min(until, now), group_of)

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


def _figures(
    centre_id: int, since: datetime, held_until: datetime, groups: dict[int, str | None]
) -> tuple[dict[int, dict[str, int]], dict[str | None, dict[str, int]], dict[str, int]]:
    """Figures per activity, per target group and in total, from two queries.

    One pass over the centre's check-ins, grouped by activity, person and role, gives
    each person's first check-in ever and their check-ins in the period. The distinct
    counts of a target group and of the total are unions of those people, worked out
    here, so the check-ins are read once (not once per grouping, as the counts in SQL
    would need: at 20,000 people that is 400,000 rows a time).
    """
    in_period = sa.and_(Session.starts_at >= since, Session.starts_at < held_until)
    sessions: dict[int, int] = {
        row.activity_id: int(row.n)
        for row in db.session.execute(
            sa.select(Session.activity_id, sa.func.count(Session.id).label("n"))
            .where(Session.centre_id == centre_id, Session.cancelled.is_(False), in_period)
            .group_by(Session.activity_id)
        )
    }
    # Core, not the ORM session: tens of thousands of plain rows, no objects to build.
    checkins = db.session.connection().execute(
        sa.select(
            Session.activity_id,
            Attendance.person_id,
            Attendance.role,
            sa.func.min(Session.starts_at).label("first_at"),
            sa.func.sum(sa.case((in_period, 1), else_=0)).label("in_period"),
        )
        .select_from(Attendance)
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.centre_id == centre_id, Session.cancelled.is_(False))
        .group_by(Session.activity_id, Attendance.person_id, Attendance.role)
    )
    by_activity: dict[int, _Tally] = {aid: _Tally(sessions=n) for aid, n in sessions.items()}
    for activity_id, person_id, role, first_at, period_count in checkins:
        tally = by_activity.get(activity_id)
        if tally is not None:  # no session in the period: not reported
            tally.add(person_id, role, first_at, int(period_count or 0))
    by_group: dict[str | None, _Tally] = {}
    for activity_id, tally in by_activity.items():
        by_group.setdefault(groups.get(activity_id), _Tally()).merge(tally)
    total = _Tally()
    for tally in by_group.values():
        total.merge(tally)
    return (
        {k: t.figures(since, held_until) for k, t in by_activity.items()},
        {k: t.figures(since, held_until) for k, t in by_group.items()},
        total.figures(since, held_until) if by_activity else {},
    )


@dataclass
class _Tally:
    """The figures of one row of the report while the check-ins are read."""

    sessions: int = 0
    attendance: int = 0
    participants: set[int] = field(default_factory=set)
    volunteers: set[int] = field(default_factory=set)
    #: person -> first check-in as participant (ever) in the row's activities
    firsts: dict[int, datetime] = field(default_factory=dict)

    def add(self, person_id: int, role: Role, first_at: datetime, in_period: int) -> None:
        self.attendance += in_period
        participant = role == Role.PARTICIPANT
        if in_period:
            (self.participants if participant else self.volunteers).add(person_id)
        if participant:
            earlier = self.firsts.get(person_id)
            if earlier is None or first_at < earlier:
                self.firsts[person_id] = first_at

    def merge(self, other: _Tally) -> None:
        """Add another row's figures: people are counted once however often they occur."""
        self.sessions += other.sessions
        self.attendance += other.attendance
        self.participants |= other.participants
        self.volunteers |= other.volunteers
        firsts = self.firsts
        for person_id, first in other.firsts.items():
            earlier = firsts.get(person_id)
            if earlier is None or first < earlier:
                firsts[person_id] = first

    def figures(self, since: datetime, held_until: datetime) -> dict[str, int]:
        new = sum(
            1
            for person_id, first in self.firsts.items()
            if person_id in self.participants and since <= first < held_until
        )
        return {
            "sessions": self.sessions,
            "attendance": self.attendance,
            "participants": len(self.participants),
            "volunteers": len(self.volunteers),
            "new_participants": new,
        }
