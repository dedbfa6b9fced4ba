"""Consent records, the audit log, and the API tokens integrations log in with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.centre import CentreOwned
from rekruttering.models.types import UTCDateTime, enum_column


class ConsentPurpose(StrEnum):
    SMS = "sms"  # being contacted by SMS
    REGISTER = "register"  # being stored in the register


class ConsentMethod(StrEnum):
    IN_PERSON = "in_person"
    PARTNER_REFERRAL = "partner_referral"
    WEB_FORM = "web_form"
    IMPORT = "import"


class Consent(CentreOwned, Model):
    __tablename__ = "consent"
    __table_args__ = (sa.Index("ix_consent_person_purpose", "person_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose))
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="SET NULL"))

    person = relationship("Person")
    recorded_by = relationship("User")
    partner = relationship("Partner")


class AuditEvent(Model):
    """Who did what to whose data. Never holds message bodies or phone numbers."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_centre_time", "centre_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centre.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    person_id: Mapped[int | None] = mapped_column(index=True)  # no FK: survives erasure
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class ApiToken(CentreOwned, Model):
    """A personal token for the JSON API: one user, one centre, revocable.

    Only a SHA-256 hash of the token is stored (the token itself is shown once, when it
    is made); ``prefix`` is its first characters, so a person can tell tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
