"""What the report pages read for their filters (query functions)."""

from __future__ import annotations

import sqlalchemy as sa

from rekruttering.extensions import db
from rekruttering.models import Activity, Centre, PartnerCentre


def centre_names(centre_ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(sa.select(Centre.id, Centre.name).where(Centre.id.in_(centre_ids)))
    # Not dict(rows.tuples()): a Result has .keys(), so dict() takes it for a mapping.
    return {row.id: row.name for row in rows}


def activities(centre_id: int) -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(
            sa.select(Activity.id, Activity.name)
            .where(Activity.centre_id == centre_id)
            .order_by(Activity.name)
        )
    ]


def partners(centre_ids: list[int]) -> list[tuple[int, str]]:
    # Each centre names its partner on its own link; across centres, one of those names.
    name = sa.func.min(PartnerCentre.name)
    return [
        (partner_id, label)
        for partner_id, label in db.session.execute(
            sa.select(PartnerCentre.partner_id, name)
            .where(PartnerCentre.centre_id.in_(centre_ids))
            .group_by(PartnerCentre.partner_id)
            .order_by(name)
        )
    ]
