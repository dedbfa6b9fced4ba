"""The follow-up queue ("Å følge opp"): who needs the staff's next move, and which move.

Four sections, each one SELECT (with its count) whatever the number of rows:

* heard of an activity but not asked after ``funnel.heard_not_asked_days``;
* asked, but the next session of that activity after the ask has passed without them;
* follow-up dates that are due (the contact asked for one, nobody has done it);
* newly referred people (referrals not yet acted on) and unread sign-up notices.

"Said no" and "not now" take a person out of the first two sections; a follow-up date
brings them back when it is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from rekruttering.domain.clock import oslo_today, utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.extensions import db
from rekruttering.funnel.referral_status import newly_referred_condition
from rekruttering.models import (
    Activity,
    Contact,
    Enrolment,
    Notification,
    Person,
    Referral,
    Session,
)
from rekruttering.outreach.service import QUEUE_NOTIFICATION_KINDS


@dataclass
class Section:
    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


@dataclass
class Queue:
    heard_not_asked: Section
    asked_not_showed: Section
    follow_ups_due: Section
    referrals: Section
    notifications: Section
    heard_days: int
    today: date
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(
            s.total
            for s in (
                self.heard_not_asked,
                self.asked_not_showed,
                self.follow_ups_due,
                self.referrals,
                self.notifications,
            )
        )


def _active_person() -> list[sa.ColumnElement[bool]]:
    return [Person.merged_into_id.is_(None), Person.anonymised_at.is_(None)]


def _section(query: sa.Select, limit: int) -> Section:
    # The total rides along as COUNT(*) OVER (): one statement finds the rows and counts
    # them (a separate COUNT ran the whole filter a second time).
    counted = query.add_columns(func.count().over().label("section_total")).limit(limit)
    rows = db.session.execute(counted).unique().all()
    total = int(rows[0][-1]) if rows else 0
    items = [tuple(r)[:-1] for r in rows]
    return Section(rows=[r if len(r) > 1 else r[0] for r in items], total=total)


def _open_follow_up_later(today: date) -> sa.ColumnElement[bool]:
    """The person has a follow-up date still ahead: they are waiting for that, not us."""
    return sa.exists(
        select(Contact.id).where(
            Contact.person_id == Enrolment.person_id,
            or_(Contact.activity_id == Enrolment.activity_id, Contact.activity_id.is_(None)),
            Contact.follow_up_on > today,
            Contact.follow_up_done_at.is_(None),
        )
    )


def heard_not_asked(centre_id: int, now: datetime, days: int, today: date, limit: int) -> Section:
    query = (
        select(Enrolment)
        .join(Enrolment.person)
        .join(Enrolment.activity)
        .where(
            Enrolment.centre_id == centre_id,
            Enrolment.stage == Stage.HEARD,
            Enrolment.heard_at <= now - timedelta(days=days),
            Enrolment.declined_at.is_(None),
            Enrolment.not_now_at.is_(None),
            Activity.active.is_(True),
            ~_open_follow_up_later(today),
            *_active_person(),
        )
        .options(
            contains_eager(Enrolment.person),
            contains_eager(Enrolment.activity),
            joinedload(Enrolment.first_channel),
        )
        .order_by(Enrolment.heard_at, Enrolment.id)
    )
    return _section(query, limit)


def asked_not_showed(centre_id: int, now: datetime, today: date, limit: int) -> Section:
    """Asked, and a session of the activity after the ask has started without them."""
    missed = (
        select(func.min(Session.starts_at))
        .where(
            Session.activity_id == Enrolment.activity_id,
            Session.starts_at > Enrolment.asked_at,
            Session.starts_at <= now,
            Session.cancelled.is_(False),
        )
        .correlate(Enrolment)
        .scalar_subquery()
    )
    query = (
        select(Enrolment, missed.label("missed_session_at"))
        .join(Enrolment.person)
        .join(Enrolment.activity)
        .where(
            Enrolment.centre_id == centre_id,
            Enrolment.stage == Stage.ASKED,
            or_(Enrolment.declined_at.is_(None), Enrolment.declined_at < Enrolment.asked_at),
            or_(Enrolment.not_now_at.is_(None), Enrolment.not_now_at < Enrolment.asked_at),
            Activity.active.is_(True),
            missed.is_not(None),
            ~_open_follow_up_later(today),
            *_active_person(),
        )
        .options(contains_eager(Enrolment.person), contains_eager(Enrolment.activity))
        .order_by(Enrolment.asked_at, Enrolment.id)
    )
    return _section(query, limit)


def follow_ups_due(centre_id: int, today: date, limit: int) -> Section:
    query = (
        select(Contact)
        .join(Contact.person)
        .where(
            Contact.centre_id == centre_id,
            Contact.follow_up_on <= today,
            Contact.follow_up_done_at.is_(None),
            *_active_person(),
        )
        .options(
            contains_eager(Contact.person),
            joinedload(Contact.activity),
            joinedload(Contact.by_user),
        )
        .order_by(Contact.follow_up_on, Contact.id)
    )
    return _section(query, limit)


def new_referrals(centre_id: int, limit: int) -> Section:
    query = (
        select(Referral)
        .join(Referral.person)
        .where(
            Referral.centre_id == centre_id,
            # One definition of "nobody acted on it yet", shared with what partners see.
            newly_referred_condition(),
            *_active_person(),
        )
        .options(
            contains_eager(Referral.person),
            joinedload(Referral.partner),
            joinedload(Referral.activity),
        )
        .order_by(Referral.created_at, Referral.id)
    )
    return _section(query, limit)


def unread_notifications(centre_id: int, limit: int) -> Section:
    """Unread sign-up notices (and referral notices without a referral row to show)."""
    has_referral = sa.exists(
        select(Referral.id).where(Referral.person_id == Notification.person_id)
    )
    query = (
        select(Notification)
        .join(Notification.person)
        .where(
            Notification.centre_id == centre_id,
            Notification.kind.in_(QUEUE_NOTIFICATION_KINDS),
            Notification.read_at.is_(None),
            ~sa.and_(Notification.kind == "referral", has_referral),
            *_active_person(),
        )
        .options(contains_eager(Notification.person))
        .order_by(Notification.created_at, Notification.id)
    )
    return _section(query, limit)


def follow_up_queue(
    centre_id: int, heard_days: int, limit: int = 50, now: datetime | None = None
) -> Queue:
    now = now or utcnow()
    today = oslo_today(now)
    return Queue(
        heard_not_asked=heard_not_asked(centre_id, now, heard_days, today, limit),
        asked_not_showed=asked_not_showed(centre_id, now, today, limit),
        follow_ups_due=follow_ups_due(centre_id, today, limit),
        referrals=new_referrals(centre_id, limit),
        notifications=unread_notifications(centre_id, limit),
        heard_days=heard_days,
        today=today,
    )
