"""What the people pages read besides the search (query functions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, bindparam, literal_column, select, union_all

from rekruttering.extensions import db
from rekruttering.languages import language_names
from rekruttering.models import Activity, Channel, PartnerCentre
from rekruttering.people.search import languages_in_use

#: The filter selects' activities (0), channels (1) and partners (2) of a centre, one
#: statement: (kind, id, name) rows, each kind by name (then id, where two activities
#: share a name). Three statements were three round trips on PostgreSQL on every visit
#: of the people list (docs/performance.md). A partner's name is the one this centre
#: gives it (``partner_label``).
_CHOICES: CompoundSelect = union_all(
    select(literal_column("0").label("kind"), Activity.id, Activity.name).where(
        Activity.centre_id == bindparam("centre_id")
    ),
    select(literal_column("1"), Channel.id, Channel.name).where(
        Channel.centre_id == bindparam("centre_id"), Channel.merged_into_id.is_(None)
    ),
    select(literal_column("2"), PartnerCentre.partner_id, PartnerCentre.name).where(
        PartnerCentre.centre_id == bindparam("centre_id")
    ),
).order_by(literal_column("kind"), literal_column("name"), literal_column("id"))


def filter_options(centre_id: int) -> dict[str, Any]:
    """The choices of the filter selects as (value, label) rows (two statements,
    whatever the list shows; people/select_options.py writes them).

    Activities and channels as (id, name) rows, what a choice shows: a large centre has
    dozens of activities (50 at the bench's largest), each read as a whole entity on
    every visit of the people list (docs/performance.md)."""
    choices: tuple[list[tuple[int, str]], ...] = ([], [], [])
    for kind, id_, name in db.session.execute(_CHOICES, {"centre_id": centre_id}):
        choices[kind].append((id_, name))
    activities, channels, partners = choices
    names = language_names()  # language_name of each, looked up once per locale
    return {
        "activities": activities,
        "channels": channels,
        "partners": partners,
        "person_languages": [(code, names.get(code, code)) for code in languages_in_use(centre_id)],
    }
