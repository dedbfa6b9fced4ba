"""The conversion report's statements, built once per filter shape with bound parameters.

A statement built anew for every request cost SQLAlchemy its construction and then its
cache key (a walk of the whole tree: ~300 elements for the report's five statements,
the cohorts' ``CASE`` a branch a month) before the compiled SQL was found in the
cache: ~1.5–2 ms of a computing request (docs/performance.md, branch ``conv7``). Here
each statement is built once per *shape* of filter (which filters are set, and the
attribution; the cohorts also per number of months) with bound parameters in place of
the values. SQLAlchemy keeps a statement object's cache key, so a request only
supplies the values (``parameters``).

The SQL is what ``filters.enrolment_conditions`` gives for one centre, with the values
in the same places; only the parameters' names differ (a test compiles both with the
values written in and compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa

from rekruttering.domain.funnel import Stage
from rekruttering.models import Activity, Channel, Enrolment
from rekruttering.models.types import UTCDateTime
from rekruttering.reports.filters import Attribution, ReportFilter, heard_moment
from rekruttering.reports.periods import Bucket, days_between


@dataclass(frozen=True)
class FilterShape:
    """Which of a filter's conditions apply (not their values), and the attribution."""

    attribution: Attribution
    activity: bool
    role: bool
    target_group: bool
    start: bool
    end: bool
    partner: bool

    @classmethod
    def of(cls, f: ReportFilter) -> FilterShape:
        # The same tests as enrolment_conditions.
        return cls(
            attribution=f.attribution,
            activity=f.activity_id is not None,
            role=f.role is not None,
            target_group=bool(f.target_group),
            start=f.start_utc is not None,
            end=f.end_utc is not None,
            partner=f.partner_id is not None,
        )

    def channel_column(self) -> Any:
        return ReportFilter(attribution=self.attribution).channel_column()


def parameters(centre_id: int, f: ReportFilter) -> dict[str, Any]:
    """The values of ``f`` (one centre's) for the statements of its shape."""
    shape = FilterShape.of(f)
    values: dict[str, Any] = {"centre_id": centre_id}
    if shape.activity:
        values["activity_id"] = f.activity_id
    if shape.role:
        values["role"] = f.role
    if shape.target_group:
        values["target_group_centre_ids"] = [centre_id]
        values["target_group"] = f.target_group
    if shape.start:
        values["start"] = f.start_utc
    if shape.end:
        values["end"] = f.end_utc
    if shape.partner:
        values["partner_id"] = f.partner_id
        values["partner_centre_ids"] = [centre_id]
        values["channel_partner_id"] = f.partner_id
    return values


@cache
def where(shape: FilterShape) -> tuple[sa.ColumnElement[bool], ...]:
    """``enrolment_conditions`` for one centre, with bound parameters for the values."""
    conditions: list[sa.ColumnElement[bool]] = [Enrolment.centre_id == sa.bindparam("centre_id")]
    if shape.activity:
        conditions.append(Enrolment.activity_id == sa.bindparam("activity_id"))
    if shape.role:
        conditions.append(Enrolment.role == sa.bindparam("role"))
    if shape.target_group:
        conditions.append(
            Enrolment.activity_id.in_(
                sa.select(Activity.id).where(
                    Activity.centre_id.in_(sa.bindparam("target_group_centre_ids", expanding=True)),
                    Activity.target_group == sa.bindparam("target_group"),
                )
            )
        )
    if shape.start:
        conditions.append(heard_moment() >= sa.bindparam("start"))
    if shape.end:
        conditions.append(heard_moment() < sa.bindparam("end"))
    if shape.partner:
        conditions.append(
            sa.or_(
                Enrolment.partner_id == sa.bindparam("partner_id"),
                Enrolment.first_channel_id.in_(
                    sa.select(Channel.id).where(
                        Channel.centre_id.in_(sa.bindparam("partner_centre_ids", expanding=True)),
                        Channel.partner_id == sa.bindparam("channel_partner_id"),
                    )
                ),
            )
        )
    return tuple(conditions)


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
