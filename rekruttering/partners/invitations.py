"""Partner users: invited by staff with a link that expires, the partner sets a password.

We send no e-mail: the invite page shows the link for the staff member to pass on.
Only a hash of the token is stored, so a copy of the database cannot be used to take
over an account; a new link for the same user makes the older ones useless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.service import check_password_strength, create_user
from rekruttering.domain.clock import utcnow
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Invitation, LinkPurpose, Membership, User, UserRole
from rekruttering.partners.organisations import centre_ids_of, partner_in_centre


def issue_invitation(
    user: User, by_user_id: int | None, days: int, now: datetime | None = None
) -> str:
    """A fresh link token for ``user``; earlier unused links stop working."""
    return links.issue_link(user, LinkPurpose.INVITE, by_user_id, timedelta(days=days), now)


def invite_partner_user(
    centre_id: int,
    partner_id: int,
    name: str,
    email: str,
    by_user_id: int | None,
    days: int,
    now: datetime | None = None,
) -> tuple[User, str]:
    """A login for someone at the partner, in every centre the partner works with."""
    partner = partner_in_centre(partner_id, centre_id)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    email = (email or "").strip()
    if "@" not in email:
        raise ServiceError(_("An email address is needed."), field="email")
    memberships = dict.fromkeys(centre_ids_of(partner.id), UserRole.PARTNER)
    user = create_user(email, name, None, memberships, partner_id=partner.id)
    token = issue_invitation(user, by_user_id, days, now)
    audit.record(
        "partner_user_invited",
        user_id=by_user_id,
        centre_id=centre_id,
        detail=f"partner={partner.id} user={user.id}",
    )
    return user, token


def partner_user(centre_id: int, partner_id: int, user_id: int) -> User:
    """A user of a partner that works with the centre; NotFound otherwise."""
    partner = partner_in_centre(partner_id, centre_id)
    user = db.session.get(User, user_id)
    if user is None or user.partner_id != partner.id:
        raise NotFound("not found")
    return user


def renew_invitation(
    centre_id: int,
    partner_id: int,
    user_id: int,
    by_user_id: int | None,
    days: int,
    now: datetime | None = None,
) -> tuple[User, str]:
    """A new link (the old one expired, or the partner forgot the password)."""
    user = partner_user(centre_id, partner_id, user_id)
    token = issue_invitation(user, by_user_id, days, now)
    audit.record(
        "partner_user_reinvited", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}"
    )
    return user, token


def deactivate_partner_user(
    centre_id: int, partner_id: int, user_id: int, by_user_id: int | None
) -> User:
    """The user can no longer log in; a new invitation link lets them back in."""
    user = partner_user(centre_id, partner_id, user_id)
    user.is_active_account = False
    user.end_sessions()
    # Without memberships the account sees nothing, whatever happens later.
    user.memberships.clear()
    links.expire_links(user.id)
    audit.record(
        "partner_user_deactivated",
        user_id=by_user_id,
        centre_id=centre_id,
        detail=f"user={user.id}",
    )
    return user


def valid_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """The unused, unexpired invitation (or reset link) of a partner user, or None."""
    invitation = links.valid_link(token, (LinkPurpose.INVITE, LinkPurpose.RESET), now)
    if invitation is None or invitation.user.partner_id is None:
        return None
    return invitation


def accept_invitation(
    token: str, password: str, password_again: str, now: datetime | None = None
) -> User:
    """Set the password with an invitation link; the link then stops working."""
    now = now or utcnow()
    invitation = valid_invitation(token, now)
    if invitation is None:
        raise NotFound(_("This link has expired or has been used. Ask the centre for a new one."))
    if password != password_again:
        raise ServiceError(_("The two passwords are not the same."), field="password_again")
    check_password_strength(password)
    user = invitation.user
    if user.partner_id is not None:
        _restore_partner_memberships(user)
    user.set_password(password)
    user.end_sessions()
    user.is_active_account = True
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    invitation.used_at = now
    audit.record("invitation_accepted", user_id=user.id)
    return user


def _restore_partner_memberships(user: User) -> None:
    """A partner user works in every centre its organisation works with."""
    assert user.partner_id is not None
    for centre_id in centre_ids_of(user.partner_id):
        if user.role_in(centre_id) is None:
            user.memberships.append(Membership(centre_id=centre_id, role=UserRole.PARTNER))


@dataclass(frozen=True)
class PartnerUserRow:
    user: User
    state: str  # active, invited, expired, deactivated
    expires_at: datetime | None


def partner_users(partner_id: int, now: datetime | None = None) -> list[PartnerUserRow]:
    """The partner's users with the state of their access (two queries in all)."""
    now = now or utcnow()
    users = db.session.scalars(
        select(User).where(User.partner_id == partner_id).order_by(User.name)
    ).all()
    latest = links.latest_links([u.id for u in users], LinkPurpose.INVITE)
    rows = []
    for user in users:
        invitation = latest.get(user.id)
        if not user.is_active_account:
            rows.append(PartnerUserRow(user, "deactivated", None))
        elif user.password_hash:
            rows.append(PartnerUserRow(user, "active", None))
        elif invitation is not None and invitation.used_at is None and invitation.expires_at > now:
            rows.append(PartnerUserRow(user, "invited", invitation.expires_at))
        else:
            rows.append(PartnerUserRow(user, "expired", None))
    return rows
