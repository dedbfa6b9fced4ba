"""Door tablets: logins that can only check people in, at one centre. Never commits.

An admin names a tablet ("Tablet i kafeen") and gets a single-use pairing link to
open on it; the tablet then stays logged in (a remember cookie) until it is revoked.
A tablet is a ``User`` with ``is_device`` set, no password, and a ``door`` membership
in one centre; revoking it raises its session generation, which ends its session at
once. The row stays, so check-ins it registered keep its name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.domain.clock import utcnow
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Invitation, LinkPurpose, Membership, User, UserRole

#: A tablet's last use is written at most this often (not on every tap).
SEEN_EVERY = timedelta(minutes=5)
#: Tablets get an address that can never receive mail (RFC 2606 ``.invalid``).
DEVICE_DOMAIN = "devices.invalid"


@dataclass(frozen=True)
class DeviceRow:
    device: User
    state: str  # active, waiting (link not yet opened), revoked


def device_of(centre_id: int, device_id: int) -> User:
    """A door tablet of the centre; NotFound otherwise."""
    device = db.session.scalar(
        select(User)
        .join(Membership)
        .where(
            User.id == device_id,
            User.is_device.is_(True),
            Membership.centre_id == centre_id,
            Membership.role == UserRole.DOOR,
        )
    )
    if device is None:
        raise NotFound("not found")
    return device


def devices(centre_id: int) -> list[DeviceRow]:
    rows = db.session.scalars(
        select(User)
        .join(Membership)
        .where(
            User.is_device.is_(True),
            Membership.centre_id == centre_id,
            Membership.role == UserRole.DOOR,
        )
        .order_by(User.is_active_account.desc(), func.lower(User.name))
    ).all()
    result = []
    for device in rows:
        if not device.is_active_account:
            state = "revoked"
        elif device.last_seen_at is None:
            state = "waiting"
        else:
            state = "active"
        result.append(DeviceRow(device, state))
    return result


def create_device(
    centre_id: int, name: str, by_user_id: int | None, link_hours: int
) -> tuple[User, str]:
    """A new tablet login for the centre and its pairing link."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("A name of at most 120 characters is needed."), field="name")
    device = User(
        email=f"tablet-{secrets.token_hex(8)}@{DEVICE_DOMAIN}",
        name=name,
        is_device=True,
        password_hash="",
    )
    device.memberships.append(Membership(centre_id=centre_id, role=UserRole.DOOR))
    db.session.add(device)
    db.session.flush()
    token = links.issue_link(device, LinkPurpose.DEVICE, by_user_id, timedelta(hours=link_hours))
    audit.record(
        "door_tablet_created", user_id=by_user_id, centre_id=centre_id, detail=f"user={device.id}"
    )
    return device, token


def new_pairing_link(
    centre_id: int, device_id: int, by_user_id: int | None, link_hours: int
) -> tuple[User, str]:
    """A new link (a new tablet, or the old one was logged out); the old session ends."""
    device = device_of(centre_id, device_id)
    if not device.is_active_account:
        raise ServiceError(_("This tablet is revoked. Make a new one."))
    device.end_sessions()
    token = links.issue_link(device, LinkPurpose.DEVICE, by_user_id, timedelta(hours=link_hours))
    audit.record(
        "door_tablet_link", user_id=by_user_id, centre_id=centre_id, detail=f"user={device.id}"
    )
    return device, token


def revoke(centre_id: int, device_id: int, by_user_id: int | None) -> User:
    """The tablet is logged out at once and can never log in again."""
    device = device_of(centre_id, device_id)
    device.is_active_account = False
    device.end_sessions()
    links.expire_links(device.id)
    audit.record(
        "door_tablet_revoked", user_id=by_user_id, centre_id=centre_id, detail=f"user={device.id}"
    )
    return device


def pairing(token: str) -> Invitation:
    link = links.valid_link(token, (LinkPurpose.DEVICE,))
    if link is None or not link.user.is_active_account:
        raise NotFound(_("This link has expired or has been used. Ask the centre for a new one."))
    return link


def pair(token: str, now: datetime | None = None) -> User:
    """Use the pairing link on the tablet: returns the tablet's login."""
    link = pairing(token)
    now = now or utcnow()
    link.used_at = now
    device = link.user
    device.last_login_at = now
    device.last_seen_at = now
    audit.record("door_tablet_paired", user_id=device.id)
    return device


def record_use(device: User, now: datetime | None = None) -> bool:
    """Note the tablet's last use (at most every few minutes); True when written."""
    now = now or utcnow()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return False
    device.last_seen_at = now
    return True
