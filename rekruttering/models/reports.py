"""Stored report figures and the change marks that say when they are out of date.

A report over a period is computed live once and stored (``ReportSnapshot``: counts
only, no person ids, so erasure has nothing to scrub here). Every write that can change
a report's figures marks the (centre, topic, month) it touched (``ReportChange``: a
counter that only goes up), in the same transaction, by the listeners in
``rekruttering.reports.freshness``. A stored report is served while the sum of the
counters of the months it depends on is the one it was computed at. Check-ins made and
undone are also logged for a few days (``ReportCheckinChange``: person, session and
role, as the check-in itself holds them) so that stored funder figures can be brought
up to date by them alone.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Role
from rekruttering.extensions import Model
from rekruttering.models.types import UTCDateTime, enum_column


class ReportChange(Model):
    """How often a centre's data of one topic and month changed (a counter).

    ``centre_id`` 0 means every centre; ``month`` ``EVERY_MONTH`` means every month
    (a bulk change whose centre or month is not known: a merge, a retention run).
    No foreign key: the row for "every centre" has no centre.
    """

    __tablename__ = "report_change"

    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    topic: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)


class ReportSnapshot(Model):
    """One report's figures for one centre and period, as computed at ``version``."""

    __tablename__ = "report_snapshot"
    __table_args__ = (sa.UniqueConstraint("kind", "centre_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The report and the version of its definitions ("funder:2").
    kind: Mapped[str] = mapped_column(sa.String(40))
    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )
    #: The period (and filters) the figures are for.
    period: Mapped[str] = mapped_column(sa.String(200))
    #: The sum of the change counters the figures depend on when they were computed.
    version: Mapped[int] = mapped_column(sa.BigInteger)
    #: Sessions that started before this moment were counted (at most "now").
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(sa.Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The counters the figures were computed at, one by one (JSON), when they are known
    #: to be exactly the data at those counters, so logged check-ins can be folded in
    #: (``rekruttering.reports.funder_fold``); NULL when they cannot.
    versions: Mapped[str | None] = mapped_column(sa.Text)


class ReportCheckinChange(Model):
    """A check-in made (+1) or undone (-1), logged with the counter it raised.

    Written by the listener in ``rekruttering.reports.freshness`` in the transaction of
    the check-in, for a (centre, month) counter raised by check-ins alone: ``version``
    is the value the counter took. The stored funder figures of a period fold these
    in rather than reading every check-in again. Kept a few days (pruned when figures
    are stored); a missing row only means the figures are computed again.
    """

    __tablename__ = "report_checkin_change"
    __table_args__ = (
        sa.Index("ix_report_checkin_change_counter", "centre_id", "month", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column()
    version: Mapped[int] = mapped_column(sa.BigInteger)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    #: A code, as the check-in's (anonymising leaves it; a person's export lists it).
    role: Mapped[Role] = mapped_column(enum_column(Role))
    delta: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
