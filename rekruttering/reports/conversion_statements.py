"""The conversion report's statements, built once per filter shape with bound parameters.

A statement built anew for every request cost SQLAlchemy its construction and then its
cache key (a walk of the whole tree: ~300 elements for the report's five statements,
the cohorts' ``CASE`` a branch a month) before the compiled SQL was found in the
cache: ~1.5–2 ms of a computing request (docs/performance.md, branch ``conv7``). Here
each statement is built once per *shape* of filter (which filters are set, and the
attribution; the cohorts also per number of months) with bound parameters in place of
the values. SQLAlchemy keeps a statement object's cache key, so a request only
supplies the values (``parameters``).

The conditions are ``filters.shaped_conditions``, the builder of
``filters.enrolment_conditions`` too, given bound parameters instead of the values: the
SQL is what ``enrolment_conditions`` gives for one centre (a test compiles both with the
values written in and compares them).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa

from rekruttering.domain.funnel import Stage
from rekruttering.models import Channel, Enrolment
from rekruttering.models.types import UTCDateTime
from rekruttering.reports.filters import (
    FilterShape,
    ReportFilter,
    filter_values,
    heard_moment,
    shaped_conditions,
)
from rekruttering.reports.periods import Bucket, days_between


def parameters(centre_id: int, f: ReportFilter) -> dict[str, Any]:
    """The values of ``f`` (one centre's) for the statements of its shape."""
    return {"centre_id": centre_id, **filter_values(f)}


def _in_centre(column: Any) -> sa.ColumnElement[bool]:
    return column == sa.bindparam("centre_id")


@cache
def where(shape: FilterShape) -> tuple[sa.ColumnElement[bool], ...]:
    """``enrolment_conditions`` for one centre, with bound parameters for the values."""
    return tuple(shaped_conditions(shape, sa.bindparam, _in_centre))


#: (name, timestamp column, stages that imply it) in funnel order.
STAGE_COLUMNS: tuple[tuple[str, Any, tuple[Stage, ...]], ...] = (
    ("asked", Enrolment.asked_at, (Stage.ASKED, Stage.SHOWED_UP, Stage.REGULAR)),
    ("showed_up", Enrolment.showed_up_at, (Stage.SHOWED_UP, Stage.REGULAR)),
    ("regular", Enrolment.regular_at, (Stage.REGULAR,)),
)


@cache
def funnel_columns() -> tuple[sa.ColumnElement[int], ...]:
    """COUNT(DISTINCT person) overall and per stage reached (timestamp or stage says so).

    Built once: they hold no value of a request, and a report selects them three times.
    """
    person = Enrolment.person_id
    columns: list[sa.ColumnElement[int]] = [sa.func.count(sa.distinct(person)).label("heard")]
    for name, column, stages in STAGE_COLUMNS:
        reached = sa.or_(column.is_not(None), Enrolment.stage.in_([s.value for s in stages]))
        columns.append(sa.func.count(sa.distinct(sa.case((reached, person)))).label(name))
    return tuple(columns)


@cache
def counts(shape: FilterShape) -> sa.Select[Any]:
    """Per channel (``channel``): the people at each stage."""
    channel = shape.channel_column()
    return (
        sa.select(channel.label("channel"), *funnel_columns())
        .where(*where(shape))
        .group_by(channel)
    )


@cache
def total(shape: FilterShape) -> sa.Select[Any]:
    """The people at each stage over all channels (each person once)."""
    return sa.select(*funnel_columns()).where(*where(shape))


def days_to_show_up() -> sa.ColumnElement[float]:
    return days_between(heard_moment(), Enrolment.showed_up_at)


@cache
def days(shape: FilterShape, dialect: str) -> sa.Select[Any]:
    """Days from hearing to showing up, per channel: on PostgreSQL one row a channel,
    its days a ``bytea`` of 8-byte floats; elsewhere a row an enrolment."""
    channel = shape.channel_column()
    value = days_to_show_up()
    condition = [*where(shape), value.is_not(None)]
    if dialect == "postgresql":
        # float8send: the exact values, whatever extra_float_digits says.
        packed = sa.func.string_agg(
            sa.func.float8send(value), sa.literal(b"", sa.LargeBinary()), type_=sa.LargeBinary()
        )
        return sa.select(channel, packed).where(*condition).group_by(channel)
    return sa.select(channel, value).where(*condition)


@cache
def heard_bounds(shape: FilterShape) -> sa.Select[Any]:
    """The first and last moment of first hearing (aware datetimes)."""
    moment = heard_moment()
    return sa.select(
        sa.type_coerce(sa.func.min(moment), UTCDateTime()),
        sa.type_coerce(sa.func.max(moment), UTCDateTime()),
    ).where(*where(shape))


#: Cohort statements kept (a shape and a number of months each; up to 128 × 120 could be
#: asked for, and each holds a CASE of that many branches).
COHORT_STATEMENTS_KEPT = 256


@lru_cache(maxsize=COHORT_STATEMENTS_KEPT)
def cohorts(shape: FilterShape, months: int) -> sa.Select[Any]:
    """Per month of first hearing (``month_label``), the people at each stage.

    Each enrolment's month is a ``CASE`` over the month ends, grouped by its alias: one
    pass over the enrolments (joining a table of months was one pass per month). The
    values are ``cohort_parameters``.
    """
    moment = heard_moment()
    month = sa.case(
        *[
            (
                moment < sa.bindparam(f"month_end_{i}", type_=UTCDateTime()),
                sa.bindparam(f"month_label_{i}", type_=sa.String()),
            )
            for i in range(months)
        ]
    )
    return (
        sa.select(month.label("month_label"), *funnel_columns())
        .select_from(Enrolment)
        .where(
            *where(shape),
            moment >= sa.bindparam("cohort_start", type_=UTCDateTime()),
            moment < sa.bindparam("cohort_end", type_=UTCDateTime()),
        )
        .group_by(sa.literal_column("month_label"))
    )


def cohort_parameters(months: list[Bucket]) -> dict[str, Any]:
    """The values of ``cohorts(shape, len(months))`` for these months (in order)."""
    values: dict[str, Any] = {"cohort_start": months[0].start, "cohort_end": months[-1].end}
    for i, m in enumerate(months):
        values[f"month_end_{i}"] = m.end
        values[f"month_label_{i}"] = m.label
    return values


@cache
def channels() -> sa.Select[Any]:
    """The centre's channels (``centre_id``) by name."""
    return (
        sa.select(Channel.id, Channel.name, Channel.kind, Channel.active)
        .where(Channel.centre_id == sa.bindparam("centre_id"))
        .order_by(Channel.name)
    )
