"""The municipality's view: the conversion report per centre, side by side and summed.

Aggregates only: no names, no channel names (channels differ per centre, so they are
compared by kind: word of mouth, partners, print ...), and no cell that would single
out fewer than five people. Suppression covers the stage table and both channel-kind
tables together, so a hidden number cannot be worked out from another table.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from rekruttering.analytics import Cell, Rate, rate, suppress
from rekruttering.extensions import db
from rekruttering.models import Centre, Channel, ChannelKind, Enrolment
from rekruttering.reports.conversion import funnel_columns
from rekruttering.reports.filters import ReportFilter, check_filter, enrolment_conditions

STAGES = ("heard", "asked", "showed_up", "regular")
KIND_MEASURES = ("heard", "showed_up")
#: The column key of the sum over centres.
SUM = "sum"
#: The row key for people whose channel is not recorded.
NO_KIND = "none"


@dataclass(frozen=True)
class MunicipalityReport:
    filter: ReportFilter
    centres: list[tuple[int, str]]
    #: stage -> column (centre id or SUM) -> cell
    stages: dict[str, dict[Any, Cell]]
    #: column -> heard -> showed up rate, or None when a count behind it is hidden
    rates: dict[Any, Rate | None]
    #: measure -> kind -> column -> cell
    kinds: dict[str, dict[str, dict[Any, Cell]]]
    #: kind -> summed rate (None when hidden)
    kind_rates: dict[str, Rate | None]
    kind_order: list[str]

    @property
    def columns(self) -> list[Any]:
        return [cid for cid, _ in self.centres] + [SUM]


def municipality_report(centre_ids: list[int], f: ReportFilter | None = None) -> MunicipalityReport:
    """The report for the given centres (those where the user has the municipality role)."""
    f = f or ReportFilter()
    f = f.but(activity_id=None)  # activities belong to one centre
    centres = [
        (row.id, row.name)
        for row in db.session.execute(
            sa.select(Centre.id, Centre.name).where(Centre.id.in_(centre_ids)).order_by(Centre.name)
        )
    ]
    ids = [cid for cid, _ in centres]
    if not ids:
        return MunicipalityReport(f, [], {}, {}, {}, {}, [])
    check_filter(ids, f)
    where = enrolment_conditions(ids, f)

    totals = {
        row.centre_id: row
        for row in db.session.execute(
            sa.select(Enrolment.centre_id, *funnel_columns())
            .where(*where)
            .group_by(Enrolment.centre_id)
        )
    }
    # Inline literal, not a bound parameter: PostgreSQL must see the same expression in
    # SELECT and GROUP BY.
    kind = sa.func.coalesce(
        sa.type_coerce(Channel.kind, sa.String(20)), sa.literal_column(f"'{NO_KIND}'")
    )
    by_kind: dict[tuple[int, str], Any] = {
        (row.centre_id, str(row.kind)): row
        for row in db.session.execute(
            sa.select(Enrolment.centre_id, kind.label("kind"), *funnel_columns())
            .outerjoin(Channel, Channel.id == f.channel_column())
            .where(*where)
            .group_by(Enrolment.centre_id, kind)
        )
    }

    values: dict[Hashable, int] = {}
    for stage in STAGES:
        for cid in ids:
            values[("stage", stage, cid)] = int(getattr(totals.get(cid), stage, 0) or 0)
        values[("stage", stage, SUM)] = sum(values[("stage", stage, cid)] for cid in ids)
    kinds_present = {k for (_, k) in by_kind}
    kind_order = [k.value for k in ChannelKind if k.value in kinds_present]
    if NO_KIND in kinds_present:
        kind_order.append(NO_KIND)
    for measure in KIND_MEASURES:
        for k in kind_order:
            for cid in ids:
                row = by_kind.get((cid, k))
                values[("kind", measure, k, cid)] = int(getattr(row, measure, 0) or 0)
            values[("kind", measure, k, SUM)] = sum(values[("kind", measure, k, c)] for c in ids)

    columns = [*ids, SUM]
    lines: list[tuple[list[Hashable], Hashable]] = []
    for stage in STAGES:
        lines.append(([("stage", stage, c) for c in ids], ("stage", stage, SUM)))
    for measure in KIND_MEASURES:
        for k in kind_order:
            lines.append(([("kind", measure, k, c) for c in ids], ("kind", measure, k, SUM)))
        for c in columns:
            # A person may count under two kinds, so kinds sum to at least the total:
            # treating the total as their sum hides more, never less.
            lines.append(([("kind", measure, k, c) for k in kind_order], ("stage", measure, c)))
    cells = suppress(values, lines)

    stages = {stage: {c: cells[("stage", stage, c)] for c in columns} for stage in STAGES}
    rates = {c: _rate(stages["showed_up"][c], stages["heard"][c]) for c in columns}
    kinds = {
        measure: {k: {c: cells[("kind", measure, k, c)] for c in columns} for k in kind_order}
        for measure in KIND_MEASURES
    }
    kind_rates = {k: _rate(kinds["showed_up"][k][SUM], kinds["heard"][k][SUM]) for k in kind_order}
    return MunicipalityReport(f, centres, stages, rates, kinds, kind_rates, kind_order)


def _rate(successes: Cell, trials: Cell) -> Rate | None:
    """A rate is shown only when both counts behind it are shown."""
    if successes.hidden or trials.hidden:
        return None
    return rate(successes.value, trials.value)


def municipality_centre_ids(user_id: int) -> list[int]:
    """The centres where the user has the municipality role."""
    from rekruttering.models import Membership, UserRole

    return list(
        db.session.scalars(
            sa.select(Membership.centre_id).where(
                Membership.user_id == user_id, Membership.role == UserRole.MUNICIPALITY
            )
        )
    )
