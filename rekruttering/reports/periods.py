"""Time in report queries: Oslo months and weeks as SQL, and days between two moments.

SQLite has no time zones, so grouping by ``strftime('%Y-%m', ...)`` would put an
event at 23:30 Oslo time on the last of the month into the next month. Instead the
bucket boundaries (midnight in Oslo, summer time included) are computed here with
zoneinfo and given to the database as a small table of UTC ranges; the query joins on
``start <= moment < end``. That is exact, and the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from rekruttering.domain.clock import start_of_oslo_day, to_oslo
from rekruttering.domain.dates import EVENT_RANGE, clamp
from rekruttering.models.types import UTCDateTime

#: A trend over more buckets than this is refused (choose a shorter period).
MAX_BUCKETS = 120


class Granularity(StrEnum):
    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True)
class Bucket:
    """One month or week: a label ("2025-03", "2025-W11") and its UTC range [start, end)."""

    label: str
    first_day: date
    start: datetime
    end: datetime


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(first: date, last: date, granularity: Granularity = Granularity.MONTH) -> list[Bucket]:
    """The Oslo months (or ISO weeks) from the one holding ``first`` to the one holding ``last``.

    Both are clamped to the event range first: a period reaching year 1 or 9999 (a row
    stored before dates were checked) would overflow the date arithmetic.
    """
    first, last = clamp(first), clamp(last)
    if last < first:
        first, last = last, first
    result: list[Bucket] = []
    if granularity == Granularity.MONTH:
        day = _month_start(first)
        while day <= last:
            following = _next_month(day)
            result.append(
                Bucket(f"{day:%Y-%m}", day, start_of_oslo_day(day), start_of_oslo_day(following))
            )
            day = following
    else:
        day = first - timedelta(days=first.weekday())
        while day <= last:
            following = day + timedelta(days=7)
            year, week, _ = day.isocalendar()
            result.append(
                Bucket(
                    f"{year}-W{week:02d}", day, start_of_oslo_day(day), start_of_oslo_day(following)
                )
            )
            day = following
    return result


def oslo_date(moment: datetime) -> date:
    """The Oslo day of a stored moment, inside the event range (see ``domain.dates``)."""
    try:
        return clamp(to_oslo(moment).date())
    except OverflowError:  # 9999-12-31 23:30 UTC is already year 10000 in Oslo
        return EVENT_RANGE[1] if moment.year > EVENT_RANGE[1].year else EVENT_RANGE[0]


def bucket_table(items: list[Bucket], name: str = "bucket") -> Any:
    """The buckets as a CTE with columns ``label``, ``starts``, ``ends`` (UTC)."""
    if not items:
        raise ValueError("no buckets")
    selects = [
        sa.select(
            sa.literal(b.label, sa.String(10)).label("label"),
            sa.literal(b.start, UTCDateTime()).label("starts"),
            sa.literal(b.end, UTCDateTime()).label("ends"),
        )
        for b in items
    ]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    return query.cte(name)


class days_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Days (with fractions) from the first moment to the second, on either database."""

    type = sa.Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    )


@compiles(days_between)
def _days_default(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # EXTRACT gives numeric on PostgreSQL 14 and later: read as double precision, as
    # the column's Float type says, instead of a Decimal turned into a float per row.
    return (
        f"(CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) AS DOUBLE PRECISION) / 86400)"
    )
