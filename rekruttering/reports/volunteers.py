"""Volunteers against participants over time, per activity, and the wished ratio.

Counted from check-ins (Attendance) at sessions that were not cancelled: per session
the database counts participants and volunteers, then sums them per month or week.
The ratio of a month is volunteer check-ins / participant check-ins over its sessions;
"sessions short" counts sessions with fewer volunteers than the wished ratio asks
for (participants x ratio, rounded up, as the check-in screen says).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from rekruttering.centre_settings.service import settings_of
from rekruttering.domain.clock import oslo_today, utcnow
from rekruttering.domain.funnel import Role
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, Attendance, Session
from rekruttering.reports.periods import MAX_BUCKETS, Bucket, Granularity, bucket_table, buckets
from rekruttering.tenancy import fetch


@dataclass(frozen=True)
class RatioPoint:
    bucket: Bucket
    sessions: int = 0
    participants: int = 0  # check-ins as participant
    volunteers: int = 0  # check-ins as volunteer
    sessions_short: int = 0  # sessions below the wished ratio

    @property
    def ratio(self) -> float | None:
        """Volunteers per participant; None without participants."""
        return self.volunteers / self.participants if self.participants else None


@dataclass
class ActivityRatio:
    activity_id: int
    name: str
    wished_ratio: float | None
    points: list[RatioPoint] = field(default_factory=list)

    @property
    def sessions(self) -> int:
        return sum(p.sessions for p in self.points)

    @property
    def sessions_short(self) -> int:
        return sum(p.sessions_short for p in self.points)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months, this one included."""
    today = today or oslo_today()
    first = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    return first, today


def volunteer_ratios(
    centre_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity = Granularity.MONTH,
    activity_id: int | None = None,
) -> list[ActivityRatio]:
    """Per activity that had sessions in the period: the ratio per month (or week)."""
    if start is None or end is None:
        start, end = default_period()
    if end < start:
        raise ServiceError(_("The period ends before it starts."), field="end")
    if activity_id is not None:
        try:
            fetch(Activity, activity_id, centre_id)
        except NotFound:
            raise ServiceError(_("Unknown activity."), field="activity_id") from None
    periods = buckets(start, end, granularity)
    if len(periods) > MAX_BUCKETS:
        raise ServiceError(
            _("Choose a shorter period: at most %(n)d months or weeks.", n=MAX_BUCKETS),
            field="start",
        )
    table = bucket_table(periods)
    is_volunteer = Attendance.role == Role.VOLUNTEER
    per_session = (
        sa.select(
            Session.id.label("session_id"),
            Session.activity_id.label("activity_id"),
            Session.starts_at.label("starts_at"),
            sa.func.count(sa.case((sa.not_(is_volunteer), Attendance.id))).label("participants"),
            sa.func.count(sa.case((is_volunteer, Attendance.id))).label("volunteers"),
        )
        .select_from(Session)
        .outerjoin(Attendance, Attendance.session_id == Session.id)
        .where(
            Session.centre_id == centre_id,
            Session.cancelled.is_(False),
            Session.starts_at >= periods[0].start,
            Session.starts_at < min(periods[-1].end, utcnow()),
            *([Session.activity_id == activity_id] if activity_id is not None else []),
        )
        .group_by(Session.id, Session.activity_id, Session.starts_at)
        .subquery("per_session")
    )
    # The activity's own wish, else the centre's (its settings page).
    centre_ratio = settings_of(centre_id).wished_volunteer_ratio
    wished = sa.func.coalesce(Activity.wished_volunteer_ratio, sa.literal(centre_ratio, sa.Float))
    # Volunteers wished = ceil(participants x ratio); short when fewer came. In
    # integers: volunteers < participants x ratio (the ceiling changes nothing).
    short = sa.case(
        (
            sa.and_(
                wished.is_not(None),
                wished > 0,
                per_session.c.volunteers < per_session.c.participants * wished,
            ),
            1,
        ),
        else_=0,
    )
    query = (
        sa.select(
            per_session.c.activity_id,
            table.c.label,
            sa.func.count(per_session.c.session_id).label("sessions"),
            sa.func.sum(per_session.c.participants).label("participants"),
            sa.func.sum(per_session.c.volunteers).label("volunteers"),
            sa.func.sum(short).label("short"),
        )
        .select_from(per_session)
        .join(
            table,
            sa.and_(
                per_session.c.starts_at >= table.c.starts, per_session.c.starts_at < table.c.ends
            ),
        )
        .join(Activity, Activity.id == per_session.c.activity_id)
        .group_by(per_session.c.activity_id, table.c.label)
    )
    found: dict[int, dict[str, RatioPoint]] = {}
    by_label = {b.label: b for b in periods}
    for row in db.session.execute(query):
        found.setdefault(row.activity_id, {})[row.label] = RatioPoint(
            by_label[row.label],
            int(row.sessions),
            int(row.participants or 0),
            int(row.volunteers or 0),
            int(row.short or 0),
        )
    if not found:
        return []
    activities = db.session.execute(
        sa.select(Activity.id, Activity.name, Activity.wished_volunteer_ratio)
        .where(Activity.centre_id == centre_id, Activity.id.in_(list(found)))
        .order_by(Activity.name)
    ).all()
    return [
        ActivityRatio(
            a.id,
            a.name,
            a.wished_volunteer_ratio or centre_ratio,
            [found[a.id].get(b.label, RatioPoint(b)) for b in periods],
        )
        for a in activities
    ]
