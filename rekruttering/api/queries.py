"""What the API's read endpoints list (query functions; the centre comes from the token)."""

from __future__ import annotations

from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import Activity, Channel, Enrolment
from rekruttering.tenancy import scoped


def enrolments_of(person_id: int) -> list[Enrolment]:
    """The person's enrolments (the caller loaded the person for its centre)."""
    return list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.person_id == person_id).order_by(Enrolment.id)
        )
    )


def channels_of(centre_id: int) -> list[Channel]:
    """The centre's channels, retired ones too, merged ones not: active first, by name."""
    return list(
        db.session.scalars(
            scoped(Channel, centre_id)
            .where(Channel.merged_into_id.is_(None))
            .order_by(Channel.active.desc(), Channel.name_key, Channel.id)
        )
    )


def activities_of(centre_id: int) -> list[Activity]:
    return list(
        db.session.scalars(scoped(Activity, centre_id).order_by(Activity.name, Activity.id))
    )
