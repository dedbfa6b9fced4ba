"""What the outreach pages read: the choices of the contact form (query functions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from rekruttering import tenancy
from rekruttering.access import STAFF
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Channel,
    Membership,
    Person,
    User,
)


def staff_choices(centre_id: int) -> list[tuple[Any, str]]:
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.centre_id == centre_id, Membership.role.in_(STAFF))
        .order_by(User.name)
    ).all()
    return [("", "—")] + [(u.id, u.name) for u in users]


def active_activities(centre_id: int) -> list[Activity]:
    return list(
        db.session.scalars(
            tenancy.scoped(Activity, centre_id)
            .where(Activity.active.is_(True))
            .order_by(Activity.name)
        )
    )


def active_channels(centre_id: int) -> list[Channel]:
    return list(
        db.session.scalars(
            tenancy.scoped(Channel, centre_id)
            .where(Channel.active.is_(True))
            .order_by(Channel.name)
        )
    )


def person_in_centre(centre_id: int, person_id: int) -> Person | None:
    """The centre's person with this id, or None (another centre's is None too)."""
    person = db.session.get(Person, person_id)
    return person if person is not None and person.centre_id == centre_id else None
