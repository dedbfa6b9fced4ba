"""The conversion report: per channel, how many people reached each stage, and rates.

Every count is made by the database (COUNT ... GROUP BY); Python only turns the few
resulting rows (one per channel or month) into rates with Wilson intervals. The number
of statements does not grow with the data: a test counts them.

Unit: a person. A person who heard of two activities through two channels counts once
under each channel; the total counts every person once. A person "reached" a stage
when any of their enrolments in the filter reached it.
"""

from __future__ import annotations

import statistics
import struct
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from rekruttering.analytics import Rate, compare, rate
from rekruttering.analytics.comparison import Comparison
from rekruttering.domain.clock import oslo_today
from rekruttering.reports import conversion_statements as statements
from rekruttering.reports.filters import Attribution, FilterShape, ReportFilter, check_filter
from rekruttering.reports.freshness import ENROLMENT
from rekruttering.reports.periods import MAX_BUCKETS, Granularity, buckets, oslo_date
from rekruttering.reports.snapshots import stored_or_computed
from rekruttering.session_connection import flushed_connection


@dataclass(frozen=True)
class Funnel:
    """People at each stage, and the rates between stages with their intervals."""

    heard: int = 0
    asked: int = 0
    showed_up: int = 0
    regular: int = 0
    median_days: float | None = None

    @property
    def heard_to_asked(self) -> Rate:
        return rate(self.asked, self.heard)

    @property
    def asked_to_showed_up(self) -> Rate:
        return rate(self.showed_up, self.asked)

    @property
    def showed_up_to_regular(self) -> Rate:
        return rate(self.regular, self.showed_up)

    @property
    def heard_to_showed_up(self) -> Rate:
        """The overall conversion: of those who heard, the share who showed up."""
        return rate(self.showed_up, self.heard)

    @property
    def heard_to_regular(self) -> Rate:
        return rate(self.regular, self.heard)

    @property
    def empty(self) -> bool:
        return self.heard == 0

    def rates(self) -> list[tuple[str, Rate]]:
        """The report's rates in column order, keyed by a stable name."""
        return list(self._rates)

    @cached_property
    def _rates(self) -> tuple[tuple[str, Rate], ...]:
        # Made once a funnel: a table row shows its main rate and lists the others
        # (each a Wilson interval).
        return (
            ("heard_to_asked", self.heard_to_asked),
            ("asked_to_showed_up", self.asked_to_showed_up),
            ("showed_up_to_regular", self.showed_up_to_regular),
            ("heard_to_showed_up", self.heard_to_showed_up),
            ("heard_to_regular", self.heard_to_regular),
        )


@dataclass(frozen=True)
class ChannelRow:
    channel_id: int | None
    name: str
    funnel: Funnel
    kind: str | None = None


@dataclass(frozen=True)
class CohortRow:
    """People who first heard in one month, and how far they have come since."""

    label: str
    first_day: date
    funnel: Funnel


@dataclass
class ConversionReport:
    filter: ReportFilter
    rows: list[ChannelRow]
    total: Funnel
    cohorts: list[CohortRow] = field(default_factory=list)
    #: The trend shows only the latest MAX_BUCKETS months of a longer history.
    cohorts_truncated: bool = False

    def row(self, channel_id: int | None) -> ChannelRow | None:
        return next((r for r in self.rows if r.channel_id == channel_id), None)

    @property
    def comparable(self) -> list[ChannelRow]:
        """Named channels with people, the ones that can be compared."""
        return [r for r in self.rows if r.channel_id is not None and not r.funnel.empty]


def _funnel(row: Any, median: float | None = None) -> Funnel:
    return Funnel(
        heard=int(row.heard or 0),
        asked=int(row.asked or 0),
        showed_up=int(row.showed_up or 0),
        regular=int(row.regular or 0),
        median_days=None if median is None else float(median),
    )


def unknown_channel_label(attribution: Attribution) -> str:
    if attribution == Attribution.ASK:
        return _("Not asked in person, or channel not recorded")
    return _("Channel not recorded")


#: The stored figures' kind: the report and the version of its definitions (change it
#: with them, so figures stored under the old ones are not served).
FIGURES_KIND = "conversion:1"


def filter_key(f: ReportFilter, today: date | None) -> str:
    """The stored figures' period: every filter, and today (the months shown end there)."""
    return "|".join(
        str(v)
        for v in (
            f.activity_id,
            f.role,
            f.target_group,
            f.start,
            f.end,
            f.partner_id,
            f.attribution,
            today,
        )
    )


def _counts(funnel: Funnel) -> list[Any]:
    return [funnel.heard, funnel.asked, funnel.showed_up, funnel.regular, funnel.median_days]


def _from_counts(values: list[Any]) -> Funnel:
    heard, asked, showed_up, regular, median = values
    return Funnel(heard, asked, showed_up, regular, median)


def conversion_figures(centre_id: int, f: ReportFilter, today: date) -> dict[str, Any]:
    """The report's counts, read live (JSON-able: stored by ``conversion_report``)."""
    shape = FilterShape.of(f)
    values = statements.parameters(centre_id, f)
    connection = flushed_connection()
    counts = {row.channel: row for row in connection.execute(statements.counts(shape), values)}
    medians, total_median = _medians(connection, shape, values)
    total_row = connection.execute(statements.total(shape), values).one()
    cohorts, truncated = cohort_rows(centre_id, f, today)
    return {
        "channels": [
            [key, *_counts(_funnel(row, medians.get(key)))] for key, row in counts.items()
        ],
        "total": _counts(_funnel(total_row, total_median)),
        "cohorts": [[c.label, c.first_day.isoformat(), *_counts(c.funnel)] for c in cohorts],
        "truncated": truncated,
    }


def conversion_report(
    centre_id: int,
    f: ReportFilter | None = None,
    today: date | None = None,
    *,
    stored: bool = True,
) -> ConversionReport:
    """The report for one centre. Raises ServiceError for filters naming others' objects.

    With ``stored`` (the default) the counts stored for the same filters and day are
    used while no enrolment, channel or activity of the centre has changed since
    (``rekruttering.reports.snapshots``), and counts computed are stored (the caller
    commits); without, all is live.
    """
    f = check_filter([centre_id], f or ReportFilter())
    today = today or oslo_today()

    def compute() -> dict[str, Any]:
        return conversion_figures(centre_id, f, today)

    if stored:
        figures = stored_or_computed(
            FIGURES_KIND, centre_id, filter_key(f, today), None, None, compute, topic=ENROLMENT
        )
    else:
        figures = compute()
    counts = {values[0]: _from_counts(values[1:]) for values in figures["channels"]}
    total = _from_counts(figures["total"])

    channels = flushed_connection().execute(statements.channels(), {"centre_id": centre_id}).all()
    unfiltered = f.activity_id is None and not f.target_group and f.partner_id is None
    unfiltered = unfiltered and f.start is None and f.end is None
    rows: list[ChannelRow] = []
    for ch in channels:
        if ch.id in counts or (unfiltered and ch.active):
            rows.append(ChannelRow(ch.id, ch.name, counts.get(ch.id, Funnel()), str(ch.kind)))
    if None in counts:
        rows.append(ChannelRow(None, unknown_channel_label(f.attribution), counts[None]))
    rows.sort(key=lambda r: (r.channel_id is None, -r.funnel.heard, r.name.lower()))

    cohorts = [
        CohortRow(label, date.fromisoformat(first_day), _from_counts(values))
        for label, first_day, *values in figures["cohorts"]
    ]
    return ConversionReport(f, rows, total, cohorts, bool(figures["truncated"]))


def _medians(
    connection: sa.Connection, shape: FilterShape, values: dict[str, Any]
) -> tuple[dict[Any, float], float | None]:
    """Median days from hearing to showing up, per channel and over all, in one pass.

    The days are read once and the medians taken here: in SQL (ROW_NUMBER over each
    channel, then again over all) the enrolments were sorted twice, which was most of
    the report's time at 20,000 people (and, tried again in the seventh round, made
    the page slower on both databases: docs/performance.md).
    """
    per_channel: Mapping[Any, Sequence[float]]
    query = statements.days(shape, connection.dialect.name)
    if connection.dialect.name == "postgresql":
        # Each channel's days as one bytea of 8-byte floats, unpacked in one call:
        # reading 24,000 rows at 100k cost the page 20 ms more than their SQL.
        per_channel = {
            key: struct.unpack(f">{len(data) // 8}d", data)
            for key, data in connection.execute(query, values)
        }
    else:
        # Fetched at once (row by row was a third of the time on PostgreSQL at 100k).
        lists: defaultdict[Any, list[float]] = defaultdict(list)
        for key, value in connection.execute(query, values).all():
            lists[key].append(value)
        per_channel = lists
    # Each channel's days sorted once; all of them are those sorted runs put together,
    # which a sort merges rather than sorts again (the overall median was a second
    # sort of every value: 2 ms of the page at 100k).
    medians: dict[Any, float] = {}
    every: list[float] = []
    for key, days in per_channel.items():
        ordered = sorted(days)
        medians[key] = median_of_sorted(ordered)
        every.extend(ordered)
    every.sort()
    return medians, median_of_sorted(every) if every else None


def median_of_sorted(ordered: Sequence[float]) -> float:
    """``statistics.median`` of values already in order (the same arithmetic: the middle
    value, or the mean of the two middle ones as ``(a + b) / 2``)."""
    n = len(ordered)
    if n == 0:
        raise statistics.StatisticsError("no median for empty data")
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def cohort_rows(
    centre_id: int, f: ReportFilter, today: date | None = None
) -> tuple[list[CohortRow], bool]:
    """Per month of first hearing: how many heard, were asked, showed up, became regular."""
    shape = FilterShape.of(f)
    values = statements.parameters(centre_id, f)
    connection = flushed_connection()
    first, last = f.start, f.end
    if first is None or last is None:
        low, high = connection.execute(statements.heard_bounds(shape), values).one()
        if low is None:
            return [], False
        first = first or oslo_date(low)
        last = last or oslo_date(high)
    last = min(last, max(first, today or oslo_today()))
    months = buckets(first, last, Granularity.MONTH)
    truncated = len(months) > MAX_BUCKETS
    months = months[-MAX_BUCKETS:]
    query = statements.cohorts(shape, len(months))
    values.update(statements.cohort_parameters(months))
    found = {row.month_label: row for row in connection.execute(query, values)}
    rows = [
        CohortRow(m.label, m.first_day, _funnel(found[m.label]) if m.label in found else Funnel())
        for m in months
    ]
    return rows, truncated


def compare_channels(
    report: ConversionReport, a_id: int | None = None, b_id: int | None = None
) -> tuple[ChannelRow, ChannelRow, Comparison] | None:
    """Compare two channels' overall conversion (heard -> showed up).

    Without ids, the two channels with the most people are compared. None when fewer
    than two channels have people, or an id is not in the report.
    """
    candidates = report.comparable
    if a_id is None or b_id is None:
        if len(candidates) < 2:
            return None
        a, b = candidates[0], candidates[1]
    else:
        found_a, found_b = report.row(a_id), report.row(b_id)
        if found_a is None or found_b is None or found_a is found_b:
            return None
        a, b = found_a, found_b
    ra, rb = a.funnel.heard_to_showed_up, b.funnel.heard_to_showed_up
    return a, b, compare(ra.successes, ra.trials, rb.successes, rb.trials)
