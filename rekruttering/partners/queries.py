"""What the partner pages read besides the referral lists (query functions; no writes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import Centre, Partner, Referral


def centre_names(centre_ids: Iterable[int]) -> dict[int, str]:
    """centre id -> name."""
    rows = db.session.execute(
        select(Centre.id, Centre.name).where(Centre.id.in_(set(centre_ids)))
    ).tuples()
    return dict(rows.all())


def centre_names_in_order(centre_ids: Iterable[int]) -> list[str]:
    return list(
        db.session.scalars(
            select(Centre.name).where(Centre.id.in_(set(centre_ids))).order_by(Centre.name)
        )
    )


def centre(centre_id: int) -> Centre | None:
    return db.session.get(Centre, centre_id)


def partner(partner_id: int | None) -> Partner | None:
    return db.session.get(Partner, partner_id) if partner_id is not None else None


def referral_of_partner(referral_id: Any, partner_id: int | None) -> Referral | None:
    """The referral with this id if the partner made it; None otherwise (or no id)."""
    if not referral_id or partner_id is None:
        return None
    referral = db.session.get(Referral, referral_id)
    return referral if referral is not None and referral.partner_id == partner_id else None


def partners_by_name(partner_ids: Iterable[int]) -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner).where(Partner.id.in_(set(partner_ids))).order_by(Partner.name)
        )
    )
