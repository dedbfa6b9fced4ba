"""An admin manages the centre's staff accounts. Never commits.

Accounts are never deleted: a deactivated account keeps its name in the history
(contacts, check-ins, the audit log). A centre always keeps at least one active
admin: the last one can be neither demoted nor deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.service import create_user
from rekruttering.domain.clock import utcnow
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import LinkPurpose, Membership, User, UserRole

#: The roles an admin gives in the staff list (partners, the municipality and door
#: tablets have their own pages).
STAFF_ROLES = (UserRole.STAFF, UserRole.ADMIN)


@dataclass(frozen=True)
class StaffRow:
    user: User
    role: UserRole
    state: str  # active, invited, expired, deactivated
    expires_at: datetime | None


def staff_member(centre_id: int, user_id: int) -> tuple[User, Membership]:
    """A staff or admin account of the centre, with its membership; NotFound otherwise."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.centre_id == centre_id,
            Membership.role.in_(STAFF_ROLES),
        )
    )
    if membership is None or membership.user.is_device:
        raise NotFound("not found")
    return membership.user, membership


def staff_list(centre_id: int, now: datetime | None = None) -> list[StaffRow]:
    """The centre's staff and admins with the state of their access (two queries)."""
    now = now or utcnow()
    memberships = db.session.scalars(
        select(Membership)
        .join(User)
        .where(Membership.centre_id == centre_id, Membership.role.in_(STAFF_ROLES))
        .order_by(User.is_active_account.desc(), func.lower(User.name))
    ).all()
    latest = links.latest_links([m.user_id for m in memberships], LinkPurpose.INVITE)
    rows = []
    for membership in memberships:
        user = membership.user
        invitation = latest.get(user.id)
        if not user.is_active_account:
            rows.append(StaffRow(user, membership.role, "deactivated", None))
        elif user.password_hash:
            rows.append(StaffRow(user, membership.role, "active", None))
        elif invitation is not None and invitation.used_at is None and invitation.expires_at > now:
            rows.append(StaffRow(user, membership.role, "invited", invitation.expires_at))
        else:
            rows.append(StaffRow(user, membership.role, "expired", None))
    return rows


def _role(value: str) -> UserRole:
    try:
        role = UserRole(value)
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        raise ServiceError(_("Choose a role."), field="role")
    return role


def invite_staff(
    centre_id: int, name: str, email: str, role: str, by_user_id: int | None, days: int
) -> tuple[User, str]:
    """A new account with a role in the centre and a link to choose a password."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("A name of at most 120 characters is needed."), field="name")
    email = (email or "").strip()
    if "@" not in email or len(email) > 254:
        raise ServiceError(_("An email address is needed."), field="email")
    user = create_user(email, name, None, {centre_id: _role(role)})
    token = links.issue_link(user, LinkPurpose.INVITE, by_user_id, timedelta(days=days))
    audit.record("staff_invited", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}")
    return user, token


def renew_invitation(
    centre_id: int, user_id: int, by_user_id: int | None, days: int
) -> tuple[User, str]:
    """A new invitation link for someone who has not chosen a password yet."""
    user, _membership = staff_member(centre_id, user_id)
    if user.password_hash or not user.is_active_account:
        raise Conflict(_("This account is not waiting for an invitation."))
    _refuse_if_shared(user, centre_id)
    token = links.issue_link(user, LinkPurpose.INVITE, by_user_id, timedelta(days=days))
    audit.record(
        "staff_reinvited", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}"
    )
    return user, token


def _refuse_if_shared(user: User, centre_id: int) -> None:
    """A link that sets the password of a login another centre also uses is not one
    centre's to give: it would let that centre take the login over."""
    if any(m.centre_id != centre_id for m in user.memberships):
        raise Conflict(
            _(
                "This login also works at another centre: the person can use "
                '"Forgot password?" on the login page, or ask whoever runs the installation.'
            )
        )


def _active_admin_ids(centre_id: int) -> list[int]:
    """The centre's active admins, locked until the transaction ends (PostgreSQL), so
    two admins cannot demote each other at the same moment and leave none."""
    return list(
        db.session.scalars(
            select(Membership.user_id)
            .join(User)
            .where(
                Membership.centre_id == centre_id,
                Membership.role == UserRole.ADMIN,
                User.is_active_account.is_(True),
            )
            .with_for_update(of=Membership)
        )
    )


def _refuse_last_admin(centre_id: int, user: User, membership: Membership) -> None:
    if (
        membership.role == UserRole.ADMIN
        and user.is_active_account
        and _active_admin_ids(centre_id) == [user.id]
    ):
        raise Conflict(
            _(
                "%(name)s is the centre's only admin. Make someone else admin first.",
                name=user.name,
            )
        )


def change_role(centre_id: int, user_id: int, role: str, by_user_id: int | None) -> User:
    user, membership = staff_member(centre_id, user_id)
    new_role = _role(role)
    if new_role == membership.role:
        return user
    if new_role != UserRole.ADMIN:
        _refuse_last_admin(centre_id, user, membership)
    membership.role = new_role
    # A changed role starts a fresh session, so no page opened under the old one lingers.
    user.end_sessions()
    audit.record(
        "staff_role_changed",
        user_id=by_user_id,
        centre_id=centre_id,
        detail=f"user={user.id} role={new_role.value}",
    )
    return user


def deactivate(centre_id: int, user_id: int, by_user_id: int | None) -> User:
    """The person can no longer log in here; their name stays in the history.

    An account that also works in another centre loses only this centre."""
    user, membership = staff_member(centre_id, user_id)
    if not user.is_active_account:
        return user
    _refuse_last_admin(centre_id, user, membership)
    if len(user.memberships) > 1:
        user.memberships.remove(membership)
    else:
        user.is_active_account = False
        links.expire_links(user.id)
    user.end_sessions()
    audit.record(
        "staff_deactivated", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}"
    )
    return user


def reactivate(centre_id: int, user_id: int, by_user_id: int | None) -> User:
    user, _membership = staff_member(centre_id, user_id)
    user.is_active_account = True
    user.failed_logins = 0
    user.locked_until = None
    audit.record(
        "staff_reactivated", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}"
    )
    return user


def reset_link(
    centre_id: int, user_id: int, by_user_id: int | None, hours: int
) -> tuple[User, str]:
    """A link for a colleague to choose a new password (the old one works until then)."""
    user, _membership = staff_member(centre_id, user_id)
    if not user.is_active_account:
        raise Conflict(_("This account is deactivated. Reactivate it first."))
    _refuse_if_shared(user, centre_id)
    token = links.issue_link(user, LinkPurpose.RESET, by_user_id, timedelta(hours=hours))
    audit.record(
        "password_link_made", user_id=by_user_id, centre_id=centre_id, detail=f"user={user.id}"
    )
    return user, token
