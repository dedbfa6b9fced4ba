"""The installation admin's use cases: centres with their first admin, municipality
accounts and the centres they see, the list of centres with their sizes. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from rekruttering import audit
from rekruttering.auth import links
from rekruttering.auth.service import create_user
from rekruttering.centres.service import create_centre
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Centre, LinkPurpose, Membership, Person, User, UserRole


@dataclass(frozen=True)
class CentreSize:
    centre: Centre
    people: int
    staff: int


def centre_sizes() -> list[CentreSize]:
    """Every centre with its number of people and of active staff (three queries)."""
    people = dict(
        db.session.execute(
            select(Person.centre_id, func.count(Person.id))
            .where(Person.merged_into_id.is_(None), Person.anonymised_at.is_(None))
            .group_by(Person.centre_id)
        )
        .tuples()
        .all()
    )
    staff = dict(
        db.session.execute(
            select(Membership.centre_id, func.count(Membership.id))
            .join(User)
            .where(
                Membership.role.in_((UserRole.ADMIN, UserRole.STAFF)),
                User.is_active_account.is_(True),
            )
            .group_by(Membership.centre_id)
        )
        .tuples()
        .all()
    )
    centres = db.session.scalars(select(Centre).order_by(func.lower(Centre.name))).all()
    return [CentreSize(c, people.get(c.id, 0), staff.get(c.id, 0)) for c in centres]


def _name_and_email(name: str, email: str) -> tuple[str, str]:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("A name of at most 120 characters is needed."), field="admin_name")
    email = (email or "").strip()
    if "@" not in email or len(email) > 254:
        raise ServiceError(_("An email address is needed."), field="admin_email")
    return name, email


def create_centre_with_admin(
    name: str,
    slug: str,
    municipality: str,
    admin_name: str,
    admin_email: str,
    by_user_id: int | None,
    days: int,
) -> tuple[Centre, User, str]:
    """A new centre and its first admin, invited by link; all or nothing."""
    admin_name, admin_email = _name_and_email(admin_name, admin_email)
    centre = create_centre(name, slug, municipality)
    try:
        admin = create_user(admin_email, admin_name, None, {centre.id: UserRole.ADMIN})
    except ServiceError as exc:
        raise ServiceError(exc.message, field="admin_email") from None
    token = links.issue_link(admin, LinkPurpose.INVITE, by_user_id, timedelta(days=days))
    audit.record(
        "centre_admin_invited", user_id=by_user_id, centre_id=centre.id, detail=f"user={admin.id}"
    )
    return centre, admin, token


def _centres(centre_ids: list[int] | None) -> list[int]:
    ids = sorted({int(i) for i in centre_ids or []})
    found = db.session.scalars(select(Centre.id).where(Centre.id.in_(ids))).all() if ids else []
    if not ids or len(found) != len(ids):
        raise ServiceError(_("Choose at least one centre."), field="centres")
    return ids


def municipality_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None or not any(m.role == UserRole.MUNICIPALITY for m in user.memberships):
        raise NotFound("not found")
    return user


def municipality_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership)
            .where(Membership.role == UserRole.MUNICIPALITY)
            .distinct()
            .order_by(User.name)
        )
    )


def invite_municipality_user(
    name: str, email: str, centre_ids: list[int], by_user_id: int | None, days: int
) -> tuple[User, str]:
    """A municipality login that sees aggregate figures of the chosen centres."""
    name, email = _name_and_email(name, email)
    ids = _centres(centre_ids)
    try:
        user = create_user(email, name, None, dict.fromkeys(ids, UserRole.MUNICIPALITY))
    except ServiceError as exc:
        raise ServiceError(exc.message, field="admin_email") from None
    token = links.issue_link(user, LinkPurpose.INVITE, by_user_id, timedelta(days=days))
    audit.record("municipality_user_invited", user_id=by_user_id, detail=f"user={user.id}")
    return user, token


def set_municipality_centres(user_id: int, centre_ids: list[int], by_user_id: int | None) -> User:
    user = municipality_user(user_id)
    ids = set(_centres(centre_ids))
    for membership in list(user.memberships):
        if membership.centre_id not in ids:
            user.memberships.remove(membership)
    have = {m.centre_id for m in user.memberships}
    for centre_id in sorted(ids - have):
        user.memberships.append(Membership(centre_id=centre_id, role=UserRole.MUNICIPALITY))
    user.end_sessions()  # a fresh session sees the new set of centres
    audit.record(
        "municipality_centres_changed",
        user_id=by_user_id,
        detail=f"user={user.id} centres={len(ids)}",
    )
    return user


def centre_choices() -> list[tuple[int, str]]:
    """Every centre as (id, name), by name: the choices of the installation's forms."""
    rows = db.session.execute(select(Centre.id, Centre.name).order_by(func.lower(Centre.name)))
    return [(row.id, row.name) for row in rows]
