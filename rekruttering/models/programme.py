"""The centre's public programme: texts per language, and the QR sources behind it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime, enum_column


class ActivityText(CentreOwned, Model):
    """An activity's public title and short description in one language, written by
    staff (never machine-translated). An empty title means the activity's own name."""

    __tablename__ = "activity_text"
    __table_args__ = (sa.UniqueConstraint("activity_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    description: Mapped[str] = mapped_column(sa.String(600), default="")


class ProgrammeSourceKind(StrEnum):
    WEBSITE = "website"  # the public page, its embed and calendar feeds
    PRINT = "print"  # one printed run: a period in one language


class ProgrammeSource(CentreOwned, Model):
    """A QR source (``source``) that belongs to the programme: the website's (one per
    centre; its code is the public programme's address) or one print run."""

    __tablename__ = "programme_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("source.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[ProgrammeSourceKind] = mapped_column(enum_column(ProgrammeSourceKind))
    language: Mapped[str] = mapped_column(sa.String(12), default="nb")
    #: "week" or "month" for a print run; empty for the website.
    period: Mapped[str] = mapped_column(sa.String(10), default="")
    starts_on: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source = relationship("Source")
