"""What the activity pages read: lists, counts per activity and per session
(query functions; no writes). Ids given here were loaded through the tenancy helpers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from rekruttering.domain.funnel import Role, Stage
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Attendance,
    CancelledDate,
    Enrolment,
    Session,
    SessionSignup,
)
from rekruttering.tenancy import scoped


def activities_query(centre_id: int) -> Select[Any]:
    """The centre's activities with their weekly slots, active ones first, by name."""
    return (
        scoped(Activity, centre_id)
        .options(selectinload(Activity.schedules))
        .order_by(Activity.active.desc(), Activity.name)
    )


def next_session_starts(activity_ids: list[int], now: datetime) -> dict[int, datetime]:
    """activity id -> when its next session (not cancelled) starts."""
    rows = db.session.execute(
        select(Session.activity_id, func.min(Session.starts_at))
        .where(
            Session.activity_id.in_(activity_ids),
            Session.starts_at >= now,
            Session.cancelled.is_(False),
        )
        .group_by(Session.activity_id)
    ).tuples()
    return dict(rows.all())


def regulars_per_activity(activity_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Enrolment.activity_id, func.count(Enrolment.id))
        .where(Enrolment.activity_id.in_(activity_ids), Enrolment.stage == Stage.REGULAR)
        .group_by(Enrolment.activity_id)
    ).tuples()
    return dict(rows.all())


def sessions_between(centre_id: int, start: datetime, end: datetime) -> list[Session]:
    """The centre's sessions starting in [start, end), in order, with their activity."""
    return list(
        db.session.scalars(
            scoped(Session, centre_id)
            .options(joinedload(Session.activity))
            .where(Session.starts_at >= start, Session.starts_at < end)
            .order_by(Session.starts_at)
        )
    )


def upcoming_sessions(activity_id: int, start: datetime, limit: int) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.activity_id == activity_id, Session.starts_at >= start)
            .order_by(Session.starts_at)
            .limit(limit)
        )
    )


def funnel_counts(activity_id: int) -> dict[tuple[Stage, Role], int]:
    """(stage, role) -> how many enrolments of the activity are there."""
    return {
        (stage, role): count
        for stage, role, count in db.session.execute(
            select(Enrolment.stage, Enrolment.role, func.count(Enrolment.id))
            .where(Enrolment.activity_id == activity_id)
            .group_by(Enrolment.stage, Enrolment.role)
        )
    }


def cancelled_dates_from(activity_id: int, day: date) -> list[CancelledDate]:
    return list(
        db.session.scalars(
            select(CancelledDate)
            .where(CancelledDate.activity_id == activity_id, CancelledDate.day >= day)
            .order_by(CancelledDate.day)
        )
    )


def sessions_query(activity_id: int, boundary: datetime, *, past: bool) -> Select[Any]:
    """The activity's sessions before ``boundary`` (latest first) or from it (in order)."""
    query = select(Session).where(Session.activity_id == activity_id)
    if past:
        return query.where(Session.starts_at < boundary).order_by(Session.starts_at.desc())
    return query.where(Session.starts_at >= boundary).order_by(Session.starts_at)


def attendance_counts(session_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Attendance.session_id, func.count(Attendance.id))
        .where(Attendance.session_id.in_(session_ids))
        .group_by(Attendance.session_id)
    ).tuples()
    return dict(rows.all())


def signup_counts(session_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(signed up, waiting) per session id."""
    signed_up: dict[int, int] = {}
    waiting: dict[int, int] = {}
    for session_id, waitlisted, count in db.session.execute(
        select(SessionSignup.session_id, SessionSignup.waitlisted, func.count(SessionSignup.id))
        .where(SessionSignup.session_id.in_(session_ids))
        .group_by(SessionSignup.session_id, SessionSignup.waitlisted)
    ):
        (waiting if waitlisted else signed_up)[session_id] = count
    return signed_up, waiting


def signups_of(session_id: int) -> list[SessionSignup]:
    """The session's sign-ups and waiting list in the order they came, with the person."""
    return list(
        db.session.scalars(
            select(SessionSignup)
            .options(joinedload(SessionSignup.person))
            .where(SessionSignup.session_id == session_id)
            .order_by(SessionSignup.created_at, SessionSignup.id)
        )
    )
