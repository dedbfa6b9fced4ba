"""Mail the application sent (or, with the outbox, only stored)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.types import UTCDateTime


class MailMessage(Model):
    """One e-mail. With the outbox the body is kept for an admin to read and pass on;
    sent over SMTP only the envelope is kept (a reset link stays out of the database)."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The centre whose admins may read it; None: the installation admin only.
    centre_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20))  # stored, sent, failed
    error: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
