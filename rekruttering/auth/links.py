"""Single-use links: invitations, password resets and door-tablet pairings.

One mechanism for every link that lets someone into an account: a random token in
the URL, only its SHA-256 in the database (a copy of the database cannot be used to
take over an account), an expiry, used once. A new link of the same purpose for the
same user makes the older unused ones useless. Callers never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Invitation, LinkPurpose, User

MAX_TOKEN_LENGTH = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(
    user: User,
    purpose: LinkPurpose,
    by_user_id: int | None,
    lifetime: timedelta,
    now: datetime | None = None,
    centre_id: int | None = None,
) -> str:
    """A fresh token for ``user``; earlier unused links of the same purpose stop working.

    ``centre_id`` is the centre issuing it, if any (a partner's invitation gives access
    to that centre only).
    """
    now = now or utcnow()
    expire_links(user.id, purpose, now)
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=now + lifetime,
            created_by_id=by_user_id,
            created_at=now,
            centre_id=centre_id,
        )
    )
    db.session.flush()
    return token


def expire_links(
    user_id: int,
    purpose: LinkPurpose | None = None,
    now: datetime | None = None,
    centre_id: int | None = None,
) -> None:
    """Unused links of the user (of one purpose, or all; issued by one centre, or by
    anyone) stop working."""
    now = now or utcnow()
    query = update(Invitation).where(
        Invitation.user_id == user_id,
        Invitation.used_at.is_(None),
        Invitation.expires_at > now,
    )
    if purpose is not None:
        query = query.where(Invitation.purpose == purpose)
    if centre_id is not None:
        query = query.where(Invitation.centre_id == centre_id)
    db.session.execute(query.values(expires_at=now))


def valid_link(
    token: str, purposes: tuple[LinkPurpose, ...], now: datetime | None = None
) -> Invitation | None:
    """The unused, unexpired link of one of ``purposes`` for a token, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    now = now or utcnow()
    if (
        link is None
        or link.purpose not in purposes
        or link.used_at is not None
        or link.expires_at <= now
    ):
        return None
    return link


def latest_links(user_ids: list[int], purpose: LinkPurpose) -> dict[int, Invitation]:
    """The newest link of ``purpose`` per user (one query)."""
    latest: dict[int, Invitation] = {}
    if user_ids:
        for link in db.session.scalars(
            select(Invitation)
            .where(Invitation.user_id.in_(user_ids), Invitation.purpose == purpose)
            .order_by(Invitation.created_at, Invitation.id)
        ):
            latest[link.user_id] = link
    return latest
