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
)
from rekruttering.people.search import languages_in_use


def filter_options(centre_id: int) -> dict[str, Any]:
    """The choices of the filter selects (a few statements, whatever the list shows).

    Activities and channels as (id, name) rows, what a choice shows: a large centre has
    dozens of activities (50 at the bench's largest), each read as a whole entity on
    every visit of the people list (docs/performance.md)."""
    return {
        "activities": db.session.execute(
            tenancy.scoped(Activity, centre_id)
            .with_only_columns(Activity.id, Activity.name)
            .order_by(Activity.name)
        ).all(),
        "channels": db.session.execute(
            tenancy.scoped(Channel, centre_id)
            .with_only_columns(Channel.id, Channel.name)
            .where(Channel.merged_into_id.is_(None))
            .order_by(Channel.name)
        ).all(),
        "partners": db.session.scalars(
            select(Partner)
            .join(PartnerCentre, PartnerCentre.partner_id == Partner.id)
            .where(PartnerCentre.centre_id == centre_id)
            .order_by(PartnerCentre.name)
        ).all(),
        "person_languages": languages_in_use(centre_id),
    }
