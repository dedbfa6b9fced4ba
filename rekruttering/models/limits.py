"""Counters of the rate limits, when they are kept in the database (``limits.storage_uri =
"database://"``), so every gunicorn worker counts against the same limit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rekruttering.extensions import Model
from rekruttering.models.types import UTCDateTime


class RateLimitCounter(Model):
    """One fixed window of one limit for one key (e.g. an address on /login)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
