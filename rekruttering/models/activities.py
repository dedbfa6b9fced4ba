"""Activities, their weekly schedule and the sessions generated from it."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime


class Activity(CentreOwned, Model):
    __tablename__ = "activity"
    __table_args__ = (sa.UniqueConstraint("centre_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    target_group: Mapped[str | None] = mapped_column(sa.String(40))
    #: Maximum participants per session; None means no limit.
    capacity: Mapped[int | None] = mapped_column()
    #: Only Ferieaktiviteter needs sign-up in advance (with a waiting list when full).
    signup_required: Mapped[bool] = mapped_column(default=False)
    #: Wished volunteers per participant (Språkkafe: e.g. 0.5 = one volunteer per two).
    wished_volunteer_ratio: Mapped[float | None] = mapped_column()
    season_start: Mapped[date | None] = mapped_column()
    season_end: Mapped[date | None] = mapped_column()
    #: Reminder default: this many days before the session, at this Oslo time.
    reminder_days_before: Mapped[int] = mapped_column(default=1)
    reminder_time: Mapped[time] = mapped_column(default=time(18, 0))
    active: Mapped[bool] = mapped_column(default=True)
    #: Shown on the centre's public programme, its calendar feed and printed programme.
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schedules: Mapped[list[WeeklySlot]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="WeeklySlot.weekday"
    )
    cancelled_dates: Mapped[list[CancelledDate]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Activity {self.slug}>"


class WeeklySlot(CentreOwned, Model):
    """One weekly occurrence: weekday (0 = Monday), start and end in Oslo time, place."""

    __tablename__ = "weekly_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column()
    start_time: Mapped[time] = mapped_column()
    end_time: Mapped[time] = mapped_column()
    place: Mapped[str] = mapped_column(sa.String(120), default="")

    activity: Mapped[Activity] = relationship(back_populates="schedules")


class CancelledDate(CentreOwned, Model):
    __tablename__ = "cancelled_date"
    __table_args__ = (sa.UniqueConstraint("activity_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(200), default="")

    activity: Mapped[Activity] = relationship(back_populates="cancelled_dates")


class Session(CentreOwned, Model):
    """One occurrence of an activity."""

    __tablename__ = "session"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "starts_at"),
        sa.Index("ix_session_centre_starts", "centre_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    cancelled: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship()


class SessionSignup(CentreOwned, Model):
    """Sign-up for an activity that needs it; beyond capacity, the waiting list."""

    __tablename__ = "session_signup"
    __table_args__ = (sa.UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    waitlisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("Session")
    person = relationship("Person")
