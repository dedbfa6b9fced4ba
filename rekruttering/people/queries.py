"""What the people pages read besides the search (query functions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from rekruttering import tenancy
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Channel,
    Partner,
    PartnerCentre,
    Person,
)


def filter_options(centre_id: int) -> dict[str, Any]:
    """The choices of the filter selects (a few statements, whatever the list shows)."""
    return {
        "activities": db.session.scalars(
            tenancy.scoped(Activity, centre_id).order_by(Activity.name)
        ).all(),
        "channels": db.session.scalars(
            tenancy.scoped(Channel, centre_id)
            .where(Channel.merged_into_id.is_(None))
            .order_by(Channel.name)
        ).all(),
        "partners": db.session.scalars(
            select(Partner)
            .join(PartnerCentre, PartnerCentre.partner_id == Partner.id)
            .where(PartnerCentre.centre_id == centre_id)
            .order_by(PartnerCentre.name)
        ).all(),
        "person_languages": db.session.scalars(
            select(Person.language)
            .where(Person.centre_id == centre_id, Person.merged_into_id.is_(None))
            .distinct()
            .order_by(Person.language)
        ).all(),
    }
