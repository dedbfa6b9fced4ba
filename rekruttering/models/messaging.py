"""SMS: scheduled reminders, messages sent and received, templates and opt-outs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime, enum_column


class ReminderState(StrEnum):
    PENDING = "pending"  # scheduled, waiting for its due time
    SENDING = "sending"  # claimed by a dispatcher, provider not yet answered
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNCERTAIN = "uncertain"  # crashed between claim and answer: a person decides


class Reminder(CentreOwned, Model):
    """A scheduled SMS. The database is the truth; the scheduler only ticks."""

    __tablename__ = "reminder"
    __table_args__ = (sa.Index("ix_reminder_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(10), default="nb")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[ReminderState] = mapped_column(
        enum_column(ReminderState), default=ReminderState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    #: The latest attempt's message; status callbacks find the reminder through it.
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The person's latest answer to "are you coming?" (JA/NEI/YES/NO reply): "yes"/"no".
    rsvp: Mapped[str | None] = mapped_column(sa.String(3))
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person = relationship("Person")
    session = relationship("Session")
    message = relationship("Message")
    created_by = relationship("User")


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Message(Model):
    """One SMS sent or received, with its provider status.

    ``centre_id`` is null only for an inbound message from an unknown sender that no
    centre's number explains.
    """

    __tablename__ = "message"
    __table_args__ = (sa.Index("ix_message_person_time", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    from_number: Mapped[str] = mapped_column(sa.String(40), default="")
    to_number: Mapped[str] = mapped_column(sa.String(40), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    gateway: Mapped[str] = mapped_column(sa.String(20), default="outbox")
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    error_code: Mapped[str | None] = mapped_column(sa.String(10))
    segments: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person = relationship("Person")


class MessageTemplate(CentreOwned, Model):
    """A reminder text in one language, with placeholders such as {first_name}."""

    __tablename__ = "message_template"
    __table_args__ = (sa.UniqueConstraint("centre_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), default="reminder")
    language: Mapped[str] = mapped_column(sa.String(10))
    body: Mapped[str] = mapped_column(sa.Text)


class OptOut(Model):
    """Our own list of numbers that asked not to be texted (STOPP, AVSLUTT, ...).

    Each number is kept as a keyed hash (sms/number_hash.py), never as the number.
    """

    __tablename__ = "opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    source: Mapped[str] = mapped_column(sa.String(20))  # keyword, staff, provider
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
