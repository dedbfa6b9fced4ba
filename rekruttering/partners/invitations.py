"""Partner users: invited by staff with a link that expires, the partner sets a password.

We send no e-mail: the invite page shows the link for the staff member to pass on.
Each centre manages only its own access: an invitation from a centre gives access to
that centre, removing access removes it there, and a centre cannot set a new password
for a login that also works with another centre.
Links are the shared mechanism of ``auth/links.py`` (purpose ``invite``, the issuing
centre in ``centre_id``): only a hash of the token is stored, so a copy of the database
cannot be used to take over an account; a new link for the same user makes the older
ones useless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.service import check_password_strength, create_user
from rekruttering.domain.clock import utcnow
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Invitation, LinkPurpose, Membership, User, UserRole
from rekruttering.partners.organisations import (
    centre_ids_of,
    partner_in_centre,
    record_for_partner,
)


def issue_invitation(
    user: User,
    by_user_id: int | None,
    days: int,
    now: datetime | None = None,
    centre_id: int | None = None,
) -> str:
    """A fresh link token for ``user``; earlier unused links stop working.

    ``centre_id`` is the centre issuing it: accepting gives access to that centre only.
    """
    return links.issue_link(
        user, LinkPurpose.INVITE, by_user_id, timedelta(days=days), now, centre_id=centre_id
    )


def invite_partner_user(
    centre_id: int,
    partner_id: int,
    name: str,
    email: str,
    by_user_id: int | None,
    days: int,
    now: datetime | None = None,
) -> tuple[User, str]:
    """A login for someone at the partner, with access to this centre only."""
    partner = partner_in_centre(partner_id, centre_id)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    email = (email or "").strip()
    if "@" not in email:
        raise ServiceError(_("An email address is needed."), field="email")
    user = create_user(email, name, None, {centre_id: UserRole.PARTNER}, partner_id=partner.id)
    token = issue_invitation(user, by_user_id, days, now, centre_id=centre_id)
    record_for_partner(
        "partner_user_invited",
        partner.id,
        centre_id,
        f"partner={partner.id} user={user.id}",
        user_id=by_user_id,
    )
    return user, token


def _visible_here(users: Select, centre_id: int) -> Select:
    """Of a partner's users, those a centre may see and manage: with access here,
    invited from here, or without access anywhere (removed everywhere). A login that
    works only with other centres is theirs, not this centre's."""
    member = select(Membership.user_id).where(Membership.centre_id == centre_id)
    invited = select(Invitation.user_id).where(Invitation.centre_id == centre_id)
    anywhere = select(Membership.user_id)
    return users.where(or_(User.id.in_(member), User.id.in_(invited), User.id.not_in(anywhere)))


def partner_user(centre_id: int, partner_id: int, user_id: int) -> User:
    """A user of a partner that works with the centre, whom the centre gave access;
    NotFound otherwise (another centre's logins of a shared partner are not its own)."""
    partner = partner_in_centre(partner_id, centre_id)
    user = db.session.scalar(
        _visible_here(
            select(User).where(User.id == user_id, User.partner_id == partner.id), centre_id
        )
    )
    if user is None:
        raise NotFound("not found")
    return user


def serves_other_centres(user: User, centre_id: int) -> bool:
    """Whether the login has access to a centre other than ``centre_id``."""
    return any(m.centre_id != centre_id for m in user.memberships)


def renew_invitation(
    centre_id: int,
    partner_id: int,
    user_id: int,
    by_user_id: int | None,
    days: int,
    now: datetime | None = None,
) -> tuple[User, str]:
    """A new link (the old one expired, or the partner forgot the password).

    A link sets a new password, so a centre may issue one only for a login that serves
    no other centre; otherwise the person asks for it themselves or the installation's
    operator issues it (``rekruttering partner-password-link``).
    """
    user = partner_user(centre_id, partner_id, user_id)
    if serves_other_centres(user, centre_id):
        raise Conflict(
            _(
                "This login also works with another centre, so only the person or the "
                "installation's administrator can set a new password for it."
            )
        )
    token = issue_invitation(user, by_user_id, days, now, centre_id=centre_id)
    record_for_partner(
        "partner_user_reinvited", partner_id, centre_id, f"user={user.id}", user_id=by_user_id
    )
    return user, token


def deactivate_partner_user(
    centre_id: int, partner_id: int, user_id: int, by_user_id: int | None
) -> User:
    """The user loses access to this centre; other centres' access stays.

    A login left without any centre can no longer log in at all; a new link from this
    centre lets it back in here.
    """
    user = partner_user(centre_id, partner_id, user_id)
    for membership in [m for m in user.memberships if m.centre_id == centre_id]:
        user.memberships.remove(membership)
    db.session.flush()
    if not user.memberships:
        # No centre left: the login stops working, with every unused link.
        user.is_active_account = False
        links.expire_links(user.id)
    else:
        # Other centres' access stays, and so do the links they issued.
        links.expire_links(user.id, centre_id=centre_id)
    # A fresh session everywhere, so no page opened with this centre's access lingers.
    user.end_sessions()
    record_for_partner(
        "partner_user_deactivated", partner_id, centre_id, f"user={user.id}", user_id=by_user_id
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
    if user.partner_id is not None and invitation.centre_id is not None:
        _restore_membership(user, invitation.centre_id)
    user.set_password(password)
    user.end_sessions()
    user.is_active_account = True
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    invitation.used_at = now
    audit.record("invitation_accepted", user_id=user.id, centre_id=invitation.centre_id)
    return user


def _restore_membership(user: User, centre_id: int) -> None:
    """Access again to the centre that issued the link, if the partner still works there."""
    assert user.partner_id is not None
    if centre_id in centre_ids_of(user.partner_id) and user.role_in(centre_id) is None:
        user.memberships.append(Membership(centre_id=centre_id, role=UserRole.PARTNER))


@dataclass(frozen=True)
class PartnerUserRow:
    user: User
    state: str  # active, invited, expired, deactivated (no access here)
    expires_at: datetime | None
    #: The login also works with another centre: only the person or the installation's
    #: administrator can give it a new password.
    shared: bool = False


def partner_users(
    partner_id: int, centre_id: int, now: datetime | None = None
) -> list[PartnerUserRow]:
    """The partner's users a centre may see, with their access here (two queries)."""
    now = now or utcnow()
    users = db.session.scalars(
        _visible_here(select(User).where(User.partner_id == partner_id), centre_id)
        .options(selectinload(User.memberships))
        .order_by(User.name)
    ).all()
    latest = links.latest_links([u.id for u in users], LinkPurpose.INVITE)
    rows = []
    for user in users:
        invitation = latest.get(user.id)
        shared = serves_other_centres(user, centre_id)
        if not user.is_active_account or user.role_in(centre_id) is None:
            rows.append(PartnerUserRow(user, "deactivated", None, shared))
        elif user.password_hash:
            rows.append(PartnerUserRow(user, "active", None, shared))
        elif invitation is not None and invitation.used_at is None and invitation.expires_at > now:
            rows.append(PartnerUserRow(user, "invited", invitation.expires_at, shared))
        else:
            rows.append(PartnerUserRow(user, "expired", None, shared))
    return rows
