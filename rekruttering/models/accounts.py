"""Logins: users, their role per centre, and partner invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import Model
from rekruttering.models.types import UTCDateTime, enum_column


class UserRole(StrEnum):
    """A user's role in one centre."""

    ADMIN = "admin"  # staff, plus accounts and settings
    STAFF = "staff"  # the daily work with people
    PARTNER = "partner"  # refers people, sees only its own referrals
    MUNICIPALITY = "municipality"  # aggregate reports across its centres, no names
    DOOR = "door"  # a door tablet: the check-in pages of one centre, nothing else
    # Not a membership role: whoever runs the server, above the centres (no current
    # centre). Stored as ``User.is_installation_admin``; tenancy sets it as ``g.role``.
    INSTALLATION_ADMIN = "installation-admin"


#: Roles a user can hold in a centre (a membership); the others are set apart.
CENTRE_ROLES = (UserRole.ADMIN, UserRole.STAFF, UserRole.PARTNER, UserRole.MUNICIPALITY)


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    #: The account holder's own mobile (E.164), optional: "send a test to myself".
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="SET NULL"), index=True
    )
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Part of the id in the session cookie: raising it ends every copy of every
    #: session of this user at once (logout, password change, "log out everywhere").
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    is_installation_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: A door tablet: no person behind it, no password, check-in only.
    is_device: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The last request of a door tablet (updated at most every few minutes).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    partner = relationship("Partner")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: what the session cookie names
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        """Every session cookie of this user, and every copy of one, stops working."""
        self.session_generation = (self.session_generation or 0) + 1

    def set_password(self, password: str) -> None:
        # werkzeug's default is scrypt with a random salt: memory-hard and well reviewed.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def role_in(self, centre_id: int) -> UserRole | None:
        for membership in self.memberships:
            if membership.centre_id == centre_id:
                return membership.role
        return None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(Model):
    """A user's role in one centre: the only way a user sees a centre's data."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))

    user: Mapped[User] = relationship(back_populates="memberships")
    centre = relationship("Centre")


class LinkPurpose(StrEnum):
    """What a single-use link (an ``Invitation``) is for."""

    INVITE = "invite"  # a new account chooses its name and password
    RESET = "reset"  # an existing account chooses a new password
    DEVICE = "device"  # a door tablet logs in (opened on the tablet)


class Invitation(Model):
    """A single-use link: an invitation, a password reset or a door tablet's pairing.

    Stored as a hash, expires; a new link of the same purpose replaces the older ones.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(
        enum_column(LinkPurpose), default=LinkPurpose.INVITE, server_default="invite"
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The centre that issued the link: accepting it gives access to that centre only.
    centre_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("centre.id", ondelete="CASCADE"), index=True
    )

    user = relationship("User", foreign_keys=[user_id])
