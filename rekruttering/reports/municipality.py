"""The municipality's view: the conversion report per centre, side by side and summed.

Aggregates only: no names, no channel names (channels differ per centre, so they are
compared by kind: word of mouth, partners, print ...), and every count goes through the
one disclosure rule (``rekruttering.analytics.disclosure``): the period is widened to
whole months, and the stage table and the channel-kind tables of *both* attributions are
protected in one call, so a cell is hidden in every view of the same period or in none,
and no hidden cell can be worked out from another table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from rekruttering.analytics import Cell, Rate, rate
from rekruttering.analytics.disclosure import Line, protect, whole_months
from rekruttering.extensions import db
from rekruttering.models import Centre, Channel, ChannelKind, Enrolment, Membership, UserRole
from rekruttering.reports.conversion import filter_key
from rekruttering.reports.conversion_statements import funnel_columns
from rekruttering.reports.filters import (
    Attribution,
    ReportFilter,
    check_filter,
    enrolment_conditions,
)
from rekruttering.reports.freshness import ENROLMENT
from rekruttering.reports.snapshots import stored_or_computed

STAGES = ("heard", "asked", "showed_up", "regular")
KIND_MEASURES = ("heard", "showed_up")
#: The column key of the sum over centres.
SUM = "sum"
#: The row key for people whose channel is not recorded.
NO_KIND = "none"
#: The stored figures' kind: the report and the version of its definitions.
FIGURES_KIND = "municipality:1"


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


def municipality_filter(f: ReportFilter | None = None) -> ReportFilter:
    """The filter the municipality's figures use: no activity (activities belong to one
    centre), and the period widened to whole months."""
    f = f or ReportFilter()
    start, end = whole_months(f.start, f.end)
    return f.but(activity_id=None, start=start, end=end)


def municipality_report(
    centre_ids: list[int], f: ReportFilter | None = None, *, stored: bool = True
) -> MunicipalityReport:
    """The report for the given centres (those where the user has the municipality role).

    With ``stored`` (the default) the counts stored for the same centres and filters are
    used while no enrolment, channel or activity of those centres has changed since
    (``rekruttering.reports.snapshots``); without, all is live.
    """
    f = municipality_filter(f)
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

    def compute() -> dict[str, Any]:
        return municipality_figures(ids, f)

    if stored:
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        figures = stored_or_computed(
            FIGURES_KIND,
            ids[0],
            f"{digest}|{filter_key(f.but(attribution=Attribution.FIRST_HEARD), None)}",
            None,
            None,
            compute,
            topic=ENROLMENT,
            centre_ids=ids,
        )
    else:
        figures = compute()
    cells, kind_orders = _protected(tuple(ids), _figures_key(figures))
    columns = [*ids, SUM]
    kind_order = list(kind_orders[f.attribution])  # the cached list stays as built
    stages = {stage: {c: cells[("stage", stage, c)] for c in columns} for stage in STAGES}
    rates = {c: _rate(stages["showed_up"][c], stages["heard"][c]) for c in columns}
    kinds = {
        measure: {
            k: {c: cells[(f.attribution.value, measure, k, c)] for c in columns} for k in kind_order
        }
        for measure in KIND_MEASURES
    }
    kind_rates = {k: _rate(kinds["showed_up"][k][SUM], kinds["heard"][k][SUM]) for k in kind_order}
    return MunicipalityReport(f, centres, stages, rates, kinds, kind_rates, kind_order)


def _figures_key(figures: dict[str, Any]) -> tuple[Any, ...]:
    """The figures as a hashable value (the whole of them: the key of ``_protected``)."""
    return (
        tuple(map(tuple, figures["totals"])),
        tuple(
            (attribution, tuple(map(tuple, rows)))
            for attribution, rows in sorted(figures["kinds"].items())
        ),
    )


#: Built for the last few (centres, figures): the stored figures change only with the
#: data, and most requests read the same ones. The cells are frozen; the result is only
#: read.
@lru_cache(maxsize=32)
def _protected(
    ids: tuple[int, ...], key: tuple[Any, ...]
) -> tuple[dict[Hashable, Cell], dict[Attribution, list[str]]]:
    """Every cell of the three tables under the disclosure rule (``protect``, over the
    whole of them), and the kinds of channel present per attribution."""
    totals_rows, kind_rows = key
    figures = {"totals": totals_rows, "kinds": dict(kind_rows)}
    totals = {cid: dict(zip(STAGES, counts, strict=True)) for cid, *counts in figures["totals"]}
    by_kinds = {
        Attribution(attribution): {
            (cid, kind): dict(zip(STAGES, counts, strict=True)) for cid, kind, *counts in rows
        }
        for attribution, rows in figures["kinds"].items()
    }
    values: dict[Hashable, int] = {}
    lines: list[Line] = []
    for stage in STAGES:
        for cid in ids:
            values[("stage", stage, cid)] = int(totals.get(cid, {}).get(stage, 0))
        values[("stage", stage, SUM)] = sum(values[("stage", stage, cid)] for cid in ids)
        lines.append(([("stage", stage, c) for c in ids], ("stage", stage, SUM)))
    # Both attributions' tables are protected together with the stage table, which both
    # views show: switching the attribution never changes which stage cells are hidden.
    kind_orders = {
        attribution: _kind_values(ids, attribution, by_kinds[attribution], values, lines)
        for attribution in Attribution
    }
    cells = protect(values, lines)
    return cells, kind_orders


def municipality_figures(ids: list[int], f: ReportFilter) -> dict[str, Any]:
    """The counts per centre, and per centre and channel kind for both attributions,
    read live (JSON-able: stored by ``municipality_report``)."""
    where = enrolment_conditions(ids, f)
    totals = [
        [row.centre_id, *(int(getattr(row, stage) or 0) for stage in STAGES)]
        for row in db.session.execute(
            sa.select(Enrolment.centre_id, *funnel_columns())
            .where(*where)
            .group_by(Enrolment.centre_id)
        )
    ]
    # Inline literal, not a bound parameter: PostgreSQL must see the same expression in
    # SELECT and GROUP BY.
    kind = sa.func.coalesce(
        sa.type_coerce(Channel.kind, sa.String(20)), sa.literal_column(f"'{NO_KIND}'")
    )
    kinds: dict[str, list[list[Any]]] = {}
    for attribution in Attribution:
        kinds[attribution.value] = [
            [row.centre_id, str(row.kind), *(int(getattr(row, stage) or 0) for stage in STAGES)]
            for row in db.session.execute(
                sa.select(Enrolment.centre_id, kind.label("kind"), *funnel_columns())
                .outerjoin(Channel, Channel.id == f.but(attribution=attribution).channel_column())
                .where(*where)
                .group_by(Enrolment.centre_id, kind)
            )
        ]
    return {"totals": totals, "kinds": kinds}


def _kind_values(
    ids: Sequence[int],
    attribution: Attribution,
    by_kind: dict[tuple[int, str], dict[str, int]],
    values: dict[Hashable, int],
    lines: list[Line],
) -> list[str]:
    """Add the channel-kind cells of ``attribution`` and their lines; the kinds present."""
    kinds_present = {k for (_, k) in by_kind}
    kind_order: list[str] = [k.value for k in ChannelKind if k.value in kinds_present]
    if NO_KIND in kinds_present:
        kind_order.append(NO_KIND)
    table = attribution.value
    for measure in KIND_MEASURES:
        for k in kind_order:
            for cid in ids:
                values[(table, measure, k, cid)] = by_kind.get((cid, k), {}).get(measure, 0)
            values[(table, measure, k, SUM)] = sum(values[(table, measure, k, c)] for c in ids)
            lines.append(([(table, measure, k, c) for c in ids], (table, measure, k, SUM)))
        for c in [*ids, SUM]:
            # A person may count under two kinds, so kinds sum to at least the total;
            # the rule treats the difference as known, which protects more, never less.
            lines.append(([(table, measure, k, c) for k in kind_order], ("stage", measure, c)))
    return kind_order


def _rate(successes: Cell, trials: Cell) -> Rate | None:
    """A rate is shown only when both counts behind it are shown."""
    if successes.hidden or trials.hidden:
        return None
    return rate(successes.value, trials.value)


def municipality_centre_ids(user_id: int) -> list[int]:
    """The centres where the user has the municipality role."""
    return list(
        db.session.scalars(
            sa.select(Membership.centre_id).where(
                Membership.user_id == user_id, Membership.role == UserRole.MUNICIPALITY
            )
        )
    )
