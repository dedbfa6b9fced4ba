"""What the check-in pages read (query functions; no writes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from rekruttering.extensions import db
from rekruttering.models import Session


def sessions_between(centre_id: int, start: datetime, end: datetime) -> list[Session]:
    """The centre's sessions starting in [start, end), latest first, with their activity."""
    return list(
        db.session.scalars(
            select(Session)
            .options(joinedload(Session.activity))
            .where(
                Session.centre_id == centre_id,
                Session.starts_at >= start,
                Session.starts_at < end,
            )
            .order_by(Session.starts_at.desc())
        )
    )
