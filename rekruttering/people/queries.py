"""What the people pages read besides the search (query functions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from rekruttering import tenancy
from rekruttering.extensions import db
from rekruttering.languages import language_name
from rekruttering.models import Activity, Channel, PartnerCentre
from rekruttering.people.search import languages_in_use


def filter_options(centre_id: int) -> dict[str, Any]:
    """The choices of the filter selects as (value, label) rows (a few statements,
    whatever the list shows; people/select_options.py writes them).

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
        # (id, name as this centre calls the partner): what ``partner_label`` gives a
        # partner of the centre, read with the list (``partner_label`` read the
        # centre's names with a statement of its own).
        "partners": db.session.execute(
            select(PartnerCentre.partner_id, PartnerCentre.name)
            .where(PartnerCentre.centre_id == centre_id)
            .order_by(PartnerCentre.name)
        ).all(),
        "person_languages": [(code, language_name(code)) for code in languages_in_use(centre_id)],
    }
