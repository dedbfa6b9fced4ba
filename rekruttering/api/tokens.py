"""Personal API tokens: make, find, revoke. Never commit (see transaction.py).

A token is ``rk_`` and 43 random URL-safe characters (256 bits). Only its SHA-256
hash is stored: with that much randomness a slow hash adds nothing, and a stolen
database gives no working tokens. The token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from rekruttering import audit
from rekruttering.access import STAFF
from rekruttering.domain.clock import utcnow
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import ApiToken, Membership, User
from rekruttering.tenancy import fetch

PREFIX = "rk_"
MAX_NAME = 80
#: Expiry choices in days (the page offers these; the CLI takes any of them).
LIFETIMES = (30, 90, 365)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _staff_role(user_id: int, centre_id: int) -> bool:
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == user_id, Membership.centre_id == centre_id
        )
    )
    return role is not None and role in STAFF


def create_token(
    centre_id: int, user_id: int, name: str, days: int | None = 365
) -> tuple[ApiToken, str]:
    """A new token for ``user_id`` in ``centre_id``: (the row, the token to show once).

    Only staff and admins get tokens: partners and the municipality have no API access.
    """
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(
            _("Give the token a name, such as the system that will use it."), field="name"
        )
    if len(name) > MAX_NAME:
        raise ServiceError(_("Keep the name under %(n)d characters.", n=MAX_NAME), field="name")
    if days is not None and days not in LIFETIMES:
        raise ServiceError(_("Choose how long the token lasts."), field="days")
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account or not _staff_role(user_id, centre_id):
        raise ServiceError(_("Only staff of the centre can have API tokens."))
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        centre_id=centre_id,
        user_id=user_id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:10],
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token_created", user_id=user_id, centre_id=centre_id, detail=f"token {row.id}"
    )
    return row, token


def revoke_token(
    centre_id: int, token_id: int, by_user_id: int, may_revoke_others: bool
) -> ApiToken:
    """End a token now. Staff revoke their own; an admin any of the centre's."""
    row = fetch(ApiToken, token_id, centre_id)
    if row.user_id != by_user_id and not may_revoke_others:
        raise ServiceError(_("You can only revoke your own tokens."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            "api_token_revoked", user_id=by_user_id, centre_id=centre_id, detail=f"token {row.id}"
        )
    return row


def find_valid_token(token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token row for a presented token, or None (unknown, revoked, expired,
    the user inactive or no longer staff of the token's centre)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = now or utcnow()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if not row.user.is_active_account or not _staff_role(row.user_id, row.centre_id):
        return None
    return row


def touch_token(token: ApiToken, now: datetime) -> None:
    """Note that the token was used (one UPDATE; the caller's transaction commits it).

    A plain statement, not an attribute change: it is bookkeeping, not a change to
    anyone's data (the privacy access log joins only commits that change rows).
    """
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def tokens_of(centre_id: int, user_id: int | None = None) -> list[ApiToken]:
    """The centre's tokens (or one user's), newest first."""
    query = select(ApiToken).where(ApiToken.centre_id == centre_id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
