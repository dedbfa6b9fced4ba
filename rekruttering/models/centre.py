"""Centres, and the mixin every row that holds a centre's data uses."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.types import UTCDateTime


class Centre(Model):
    """One community centre (nærmiljøsentral / frivilligsentral)."""

    __tablename__ = "centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    municipality: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Centre {self.slug}>"


class CentreOwned:
    """Mixin: the row belongs to one centre; queries go through ``rekruttering.tenancy``."""

    @declared_attr
    def centre_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True)
