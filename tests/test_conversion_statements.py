"""The conversion report's statements built once per filter shape (``conversion_statements``).

They must be the SQL that ``filters.enrolment_conditions`` gives with the values written
in (the report's figures and its SQL floor stay what they were), for every shape of
filter on both databases; and a request must reuse them rather than build new ones.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from rekruttering.domain.funnel import Role
from rekruttering.extensions import db
from rekruttering.models import Enrolment
from rekruttering.models.types import UTCDateTime
from rekruttering.reports import conversion_statements as statements
from rekruttering.reports.conversion import conversion_report
from rekruttering.reports.filters import (
    CONDITIONS,
    Attribution,
    FilterShape,
    ReportFilter,
    enrolment_conditions,
    filter_values,
    heard_moment,
)
from rekruttering.reports.periods import Granularity, buckets
from tests import report_data

CENTRE = 7
DIALECTS = [postgresql.dialect(), sqlite.dialect()]


def _filters() -> list[ReportFilter]:
    """One filter of every shape (each condition set or not, both attributions)."""
    found = []
    for attribution, activity, role, group, start, end, partner in itertools.product(
        list(Attribution), *[(False, True)] * 6
    ):
        found.append(
            ReportFilter(
                activity_id=11 if activity else None,
                role=Role.VOLUNTEER if role else None,
                target_group="others" if group else None,
                start=date(2026, 1, 1) if start else None,
                end=date(2026, 3, 31) if end else None,
                partner_id=3 if partner else None,
                attribution=attribution,
            )
        )
    return found


def _sql(statement: Any, dialect: Any, values: dict[str, Any] | None = None) -> str:
    if values is not None:
        statement = statement.params(**values)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _as_built_per_request(f: ReportFilter, months: list[Any]) -> dict[str, Any]:
    """The statements as the report built them for each request (before ``conv7``)."""
    where = enrolment_conditions([CENTRE], f)
    channel = f.channel_column()
    columns = statements.funnel_columns()
    moment = heard_moment()
    days = statements.days_to_show_up()
    packed = sa.func.string_agg(
        sa.func.float8send(days), sa.literal(b"", sa.LargeBinary()), type_=sa.LargeBinary()
    )
    month = sa.case(
        *[(moment < sa.literal(m.end, UTCDateTime()), sa.literal(m.label)) for m in months]
    )
    return {
        "counts": sa.select(channel.label("channel"), *columns).where(*where).group_by(channel),
        "total": sa.select(*columns).where(*where),
        "days_sqlite": sa.select(channel, days).where(*where, days.is_not(None)),
        "days_postgresql": sa.select(channel, packed)
        .where(*where, days.is_not(None))
        .group_by(channel),
        "heard_bounds": sa.select(
            sa.type_coerce(sa.func.min(moment), UTCDateTime()),
            sa.type_coerce(sa.func.max(moment), UTCDateTime()),
        ).where(*where),
        "cohorts": sa.select(month.label("month_label"), *columns)
        .select_from(Enrolment)
        .where(
            *where,
            moment >= sa.literal(months[0].start, UTCDateTime()),
            moment < sa.literal(months[-1].end, UTCDateTime()),
        )
        .group_by(sa.literal_column("month_label")),
    }


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_every_shape_gives_the_sql_built_per_request(dialect: Any) -> None:
    months = buckets(date(2025, 10, 1), date(2026, 3, 31), Granularity.MONTH)
    for f in _filters():
        shape = statements.FilterShape.of(f)
        values = statements.parameters(CENTRE, f)
        old = _as_built_per_request(f, months)
        assert _sql(statements.counts(shape), dialect, values) == _sql(old["counts"], dialect)
        assert _sql(statements.total(shape), dialect, values) == _sql(old["total"], dialect)
        assert _sql(statements.heard_bounds(shape), dialect, values) == _sql(
            old["heard_bounds"], dialect
        )
        cohort_values = {**values, **statements.cohort_parameters(months)}
        assert _sql(statements.cohorts(shape, len(months)), dialect, cohort_values) == _sql(
            old["cohorts"], dialect
        )
        assert _sql(statements.days(shape, dialect.name), dialect, values) == _sql(
            old["days_" + dialect.name], dialect
        )


def test_a_shape_is_built_once() -> None:
    f = ReportFilter(start=date(2026, 1, 1))
    shape = statements.FilterShape.of(f)
    assert statements.FilterShape.of(ReportFilter(start=date(2025, 5, 5))) == shape
    assert statements.counts(shape) is statements.counts(shape)
    assert statements.cohorts(shape, 4) is statements.cohorts(shape, 4)
    assert statements.cohorts(shape, 4) is not statements.cohorts(shape, 5)


def test_requests_reuse_the_statement_objects(app: Any, make: Any) -> None:
    """Two computations run the same statement objects: SQLAlchemy keeps their cache
    keys, so a request does not build the statements nor walk them again."""
    data = report_data.build(make)
    engine = db.engine
    seen: list[list[int]] = []

    def record(conn: Any, clause: Any, *args: Any) -> None:
        if isinstance(clause, sa.Select) and "enrolment" in str(clause):
            seen[-1].append(id(clause))

    event.listen(engine, "before_execute", record)
    try:
        for _ in range(2):
            seen.append([])
            db.session.expire_all()
            conversion_report(data.centre.id, stored=False)
    finally:
        event.remove(engine, "before_execute", record)
    assert len(seen[0]) == 5
    assert seen[0] == seen[1]


def test_every_condition_of_a_filter_has_a_value_and_a_shape() -> None:
    """A filter field added to ``ReportFilter`` must be named in ``filter_values`` (and so
    in the shape both builders read), or the reports would ignore it."""
    everything = ReportFilter(
        activity_id=1,
        role=Role.VOLUNTEER,
        target_group="others",
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        partner_id=2,
    )
    named = {field.name for field in dataclasses.fields(ReportFilter)} - {"attribution"}
    assert set(filter_values(everything)) == set(CONDITIONS) == named
    assert FilterShape.of(everything).conditions == frozenset(CONDITIONS)
    assert FilterShape.of(ReportFilter(role=None)).conditions == frozenset()
