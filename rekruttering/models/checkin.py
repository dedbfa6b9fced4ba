"""Offline check-in: each queued tap a door tablet sent, so a replay changes nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime


class OfflineTap(CentreOwned, Model):
    """One tap, undo or walk-in queued on a tablet, keyed by the id the tablet made.

    The first time a tap arrives it is applied and its outcome stored here; the same
    id sent again (a lost answer, a second sync) gets the stored outcome back.
    """

    __tablename__ = "offline_tap"
    __table_args__ = (sa.UniqueConstraint("centre_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    #: The person the tap ended up on (the surviving record after a merge), if any.
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # check_in / undo / walk_in
    outcome: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
