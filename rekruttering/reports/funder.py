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

from dataclasses import dataclass
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
    by_activity = _aggregate(centre_id, since, min(until, now), Session.activity_id)
    by_group = _aggregate(centre_id, since, min(until, now), Activity.target_group)
    total = _aggregate(centre_id, since, min(until, now), None).get(None, {})

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


def _aggregate(
    centre_id: int, since: datetime, held_until: datetime, key: Any
) -> dict[Any, dict[str, int]]:
    """Figures grouped by ``key`` (a column of Session/Activity, or None for one total)."""
    key_column = key if key is not None else sa.literal_column("NULL")
    participant = Attendance.role == Role.PARTICIPANT
    volunteer = Attendance.role == Role.VOLUNTEER
    query = (
        sa.select(
            key_column.label("key"),
            sa.func.count(sa.distinct(Session.id)).label("sessions"),
            sa.func.count(Attendance.id).label("attendance"),
            sa.func.count(sa.distinct(sa.case((participant, Attendance.person_id)))).label(
                "participants"
            ),
            sa.func.count(sa.distinct(sa.case((volunteer, Attendance.person_id)))).label(
                "volunteers"
            ),
        )
        .select_from(Session)
        .join(Activity, Activity.id == Session.activity_id)
        .outerjoin(Attendance, Attendance.session_id == Session.id)
        .where(
            Session.centre_id == centre_id,
            Session.cancelled.is_(False),
            Session.starts_at >= since,
            Session.starts_at < held_until,
        )
    )
    if key is not None:
        query = query.group_by(key_column)
    figures: dict[Any, dict[str, int]] = {
        row.key: {
            "sessions": int(row.sessions),
            "attendance": int(row.attendance),
            "participants": int(row.participants),
            "volunteers": int(row.volunteers),
            "new_participants": 0,
        }
        for row in db.session.execute(query)
        if row.sessions
    }

    # New: the first check-in as participant (ever, in this key) lies in the period.
    firsts_query = (
        sa.select(
            key_column.label("key"),
            Attendance.person_id,
            sa.func.min(Session.starts_at).label("first_at"),
        )
        .select_from(Attendance)
        .join(Session, Session.id == Attendance.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Attendance.centre_id == centre_id, participant, Session.cancelled.is_(False))
        .group_by(*([key_column] if key is not None else []), Attendance.person_id)
    )
    firsts = firsts_query.subquery("firsts")
    in_period = sa.and_(firsts.c.first_at >= since, firsts.c.first_at < held_until)
    if key is not None:
        new_query = (
            sa.select(firsts.c.key, sa.func.count().label("new"))
            .where(in_period)
            .group_by(firsts.c.key)
        )
    else:
        new_query = sa.select(
            sa.literal_column("NULL").label("key"), sa.func.count().label("new")
        ).where(in_period)
    for row in db.session.execute(new_query):
        if row.key in figures:
            figures[row.key]["new_participants"] = int(row.new)
    return figures
