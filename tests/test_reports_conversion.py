"""The conversion report on a small hand-built data set where every number is known.

The data set is described in tests/report_data.py.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from rekruttering.analytics import rate
from rekruttering.domain.funnel import Role
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Enrolment, UserRole
from rekruttering.models.types import UTCDateTime
from rekruttering.reports.conversion import compare_channels, conversion_report
from rekruttering.reports.filters import Attribution, ReportFilter, heard_moment
from rekruttering.reports.periods import days_between
from tests import report_data


@pytest.fixture
def data(app: Any, make: Any) -> report_data.Dataset:
    return report_data.build(make)


def counts(report: Any) -> dict[str, tuple[int, int, int, int]]:
    """Counts per channel name; "-" for people whose (attributed) channel is unknown."""
    return {
        (row.name if row.channel_id else "-"): (
            row.funnel.heard,
            row.funnel.asked,
            row.funnel.showed_up,
            row.funnel.regular,
        )
        for row in report.rows
    }


def total(report: Any) -> tuple[int, int, int, int]:
    t = report.total
    return (t.heard, t.asked, t.showed_up, t.regular)


def test_first_heard_attribution_counts_every_stage(data: Any) -> None:
    """Per channel through which people first heard: the counts of the table by hand."""
    report = conversion_report(data.centre.id)
    assert counts(report) == {
        "Facebook": (4, 3, 2, 1),
        "NAV": (2, 1, 1, 0),
        "Muntlig": (1, 0, 0, 0),  # P1 heard of A2 through word of mouth; came to A1
        "-": (1, 1, 1, 0),
    }
    assert total(report) == (7, 5, 4, 1)  # each person once
    assert [r.channel_id for r in report.rows] == [data.fb.id, data.nav.id, data.wom.id, None]


def test_rates_and_intervals_are_those_of_the_counts(data: Any) -> None:
    """Every rate in the report is the Wilson interval of its counts."""
    report = conversion_report(data.centre.id)
    fb = report.row(data.fb.id).funnel
    assert fb.heard_to_asked == rate(3, 4)
    assert fb.asked_to_showed_up == rate(2, 3)
    assert fb.showed_up_to_regular == rate(1, 2)
    assert fb.heard_to_showed_up == rate(2, 4)
    assert fb.heard_to_regular == rate(1, 4)
    assert fb.heard_to_showed_up.proportion == 0.5
    assert fb.heard_to_showed_up.too_few  # 4 people
    wom = report.row(data.wom.id).funnel
    assert wom.asked_to_showed_up.empty  # no one asked: no data, not 0 %
    assert report.total.heard_to_showed_up == rate(4, 7)


def test_median_days_from_hearing_to_showing_up(data: Any) -> None:
    """Medians per channel: even counts average the middle two; none without show-ups."""
    report = conversion_report(data.centre.id)
    assert report.row(data.fb.id).funnel.median_days == pytest.approx(15.0)  # 10 and 20
    assert report.row(data.nav.id).funnel.median_days == pytest.approx(4.0)
    assert report.row(data.wom.id).funnel.median_days is None
    assert report.row(None).funnel.median_days == pytest.approx(2.0)
    assert report.total.median_days == pytest.approx(7.0)  # 2, 4, 10, 20


def test_days_between_are_read_as_floats_with_their_fractions(app: Any) -> None:
    """The database itself gives a float (not a numeric made into a float row by row)."""
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    days = days_between(
        sa.literal(start, UTCDateTime()),
        sa.literal(start + timedelta(days=2, hours=6), UTCDateTime()),
    )
    as_read = db.session.scalar(sa.select(sa.type_coerce(days, sa.types.NullType())))
    assert type(as_read) is float
    assert as_read == pytest.approx(2.25)


def test_ask_attribution_counts_under_the_channel_of_the_personal_ask(data: Any) -> None:
    """Switching attribution moves people to the channel that asked them."""
    report = conversion_report(data.centre.id, ReportFilter(attribution=Attribution.ASK))
    assert counts(report) == {
        "Muntlig": (2, 2, 2, 1),
        "NAV": (2, 2, 2, 0),
        "Facebook": (1, 1, 0, 0),
        "-": (3, 0, 0, 0),
    }
    assert total(report) == (7, 5, 4, 1)
    assert report.row(data.wom.id).funnel.median_days == pytest.approx(6.0)  # 2 and 10
    assert report.row(data.nav.id).funnel.median_days == pytest.approx(12.0)  # 4 and 20


def test_filter_by_activity_and_by_target_group(data: Any) -> None:
    """Activity A2 (and its target group) leaves three people."""
    expected = {"NAV": (1, 0, 0, 0), "Muntlig": (1, 0, 0, 0), "-": (1, 1, 1, 0)}
    by_activity = conversion_report(data.centre.id, ReportFilter(activity_id=data.a2.id))
    by_group = conversion_report(
        data.centre.id, ReportFilter(target_group=TargetGroup.CHILDREN_YOUTH.value)
    )
    for report in (by_activity, by_group):
        assert counts(report) == expected
        assert total(report) == (3, 1, 1, 0)


def test_filter_by_role_volunteer(data: Any) -> None:
    """Volunteers are counted on their own; participants by default."""
    report = conversion_report(data.centre.id, ReportFilter(role=Role.VOLUNTEER))
    # Without other filters every active channel is listed, the empty ones as "no data".
    assert counts(report) == {"Muntlig": (1, 1, 1, 0), "Facebook": (0,) * 4, "NAV": (0,) * 4}
    assert report.row(data.fb.id).funnel.empty
    both = conversion_report(data.centre.id, ReportFilter(role=None))
    assert total(both) == (8, 6, 5, 1)


def test_filter_by_period_uses_the_oslo_day_people_first_heard(data: Any) -> None:
    """February in Oslo includes P4, who heard at 23:30 UTC on 31 January."""
    report = conversion_report(
        data.centre.id, ReportFilter(start=date(2025, 2, 1), end=date(2025, 2, 28))
    )
    assert counts(report) == {
        "NAV": (2, 1, 1, 0),
        "Facebook": (1, 1, 0, 0),
        "Muntlig": (1, 0, 0, 0),
        "-": (1, 1, 1, 0),
    }
    assert total(report) == (5, 3, 2, 0)


def test_filter_by_partner(data: Any) -> None:
    """Partner NAV: referred by it (P3, P5) or first heard through its channel (P5, P6)."""
    report = conversion_report(data.centre.id, ReportFilter(partner_id=data.nav_partner.id))
    assert counts(report) == {"NAV": (2, 1, 1, 0), "Facebook": (1, 0, 0, 0)}
    assert total(report) == (3, 1, 1, 0)


def test_filters_combine_with_ask_attribution(data: Any) -> None:
    """Activity A1 by ask channel in January (Oslo)."""
    report = conversion_report(
        data.centre.id,
        ReportFilter(
            activity_id=data.a1.id,
            start=date(2025, 1, 1),
            end=date(2025, 1, 31),
            attribution=Attribution.ASK,
        ),
    )
    assert counts(report) == {
        "Muntlig": (1, 1, 1, 1),
        "NAV": (1, 1, 1, 0),
        "-": (1, 0, 0, 0),
    }


def test_cohorts_by_month_of_first_hearing(data: Any) -> None:
    """January: P1, P2, P3. February (Oslo): P4, P5, P6, P7 and P1's second enrolment."""
    report = conversion_report(data.centre.id)
    assert [
        (c.label, c.funnel.heard, c.funnel.asked, c.funnel.showed_up, c.funnel.regular)
        for c in report.cohorts
    ] == [
        ("2025-01", 3, 2, 2, 1),
        ("2025-02", 5, 3, 2, 0),
    ]
    ask = conversion_report(data.centre.id, ReportFilter(attribution=Attribution.ASK))
    assert [c.funnel.heard for c in ask.cohorts] == [3, 5]
    period = conversion_report(
        data.centre.id, ReportFilter(start=date(2024, 12, 1), end=date(2025, 3, 31))
    )
    assert [(c.label, c.funnel.heard) for c in period.cohorts] == [
        ("2024-12", 0),
        ("2025-01", 3),
        ("2025-02", 5),
        ("2025-03", 0),
    ]


def test_an_empty_centre_has_no_data_and_no_errors(make: Any) -> None:
    """A centre without enrolments: zero counts, empty rates, channel rows say no data."""
    centre = make.centre()
    make.channel(centre, "Plakat")
    report = conversion_report(centre.id)
    assert total(report) == (0, 0, 0, 0)
    assert report.total.heard_to_showed_up.empty
    assert [r.name for r in report.rows] == ["Plakat"]
    assert report.cohorts == []
    assert compare_channels(report) is None


def test_compare_two_channels(data: Any) -> None:
    """By default the two biggest channels are compared; chosen ones on request."""
    report = conversion_report(data.centre.id)
    a, b, result = compare_channels(report)
    assert (a.name, b.name) == ("Facebook", "NAV")
    assert result.a == rate(2, 4) and result.b == rate(1, 2)
    assert result.too_few
    a, b, result = compare_channels(report, data.wom.id, data.fb.id)
    assert (a.name, b.name) == ("Muntlig", "Facebook")
    assert compare_channels(report, data.fb.id, data.fb.id) is None


def test_other_centres_objects_are_refused_as_filters(data: Any, make: Any) -> None:
    """An activity or partner of another centre is a clear error, not an empty report."""
    other = make.centre()
    foreign = make.activity(other)
    with pytest.raises(ServiceError) as error:
        conversion_report(data.centre.id, ReportFilter(activity_id=foreign.id))
    assert error.value.field == "activity_id"
    stranger = make.partner(centres=[other])
    with pytest.raises(ServiceError):
        conversion_report(data.centre.id, ReportFilter(partner_id=stranger.id))
    with pytest.raises(ServiceError):
        conversion_report(
            data.centre.id, ReportFilter(start=date(2025, 2, 1), end=date(2025, 1, 1))
        )


def test_other_centres_people_are_not_counted(data: Any, make: Any) -> None:
    """Enrolments of another centre never reach this centre's report."""
    other = make.centre()
    person = make.person(other)
    make.enrolment(person, make.activity(other), heard_at=report_data.at(1, 5))
    assert total(conversion_report(data.centre.id)) == (7, 5, 4, 1)


def _count_statements(action: Any) -> int:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_the_number_of_statements_does_not_grow_with_the_data(data: Any, make: Any) -> None:
    """Counting is done by GROUP BY in the database: ten times the people, same statements."""
    db.session.expire_all()
    before = _count_statements(lambda: conversion_report(data.centre.id, stored=False))
    before_stored = _count_statements(lambda: conversion_report(data.centre.id))
    for i in range(60):
        person = make.person(data.centre)
        make.enrolment(
            person,
            data.a1 if i % 2 else data.a2,
            first_channel_id=(data.fb, data.nav, data.wom)[i % 3].id,
            heard_at=report_data.at(3, 1 + i % 28),
            asked_at=report_data.at(3, 2 + i % 27) if i % 2 else None,
        )
    db.session.expire_all()
    after = _count_statements(lambda: conversion_report(data.centre.id, stored=False))
    assert before == after <= 8
    # Stored figures out of date (new enrolments): computed again, with four statements
    # at most more (the change counters, the stored row, storing it, pruning old ones).
    after_stored = _count_statements(lambda: conversion_report(data.centre.id))
    assert before_stored == after_stored <= after + 4


def test_report_page_shows_the_numbers(client: Any, make: Any, login: Any, data: Any) -> None:
    """The page shows the channel table, the sentence, the charts and the comparison."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get("/reports/?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Facebook" in html and "Channel not recorded" in html
    assert "4 of 7 showed up. That is too few people to judge the rate." in html
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "too few to judge" in html
    assert "Too few people to compare Facebook (2 of 4) and NAV (1 of 2) yet." in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert ' style="' not in html


def test_report_page_in_norwegian_by_default(client: Any, make: Any, login: Any, data: Any) -> None:
    """The default language is Norwegian bokmål."""
    login(make.user(data.centre, role=UserRole.ADMIN))
    html = client.get("/reports/").get_data(as_text=True)
    assert "Konvertering per kanal" in html
    assert "for få til å vurdere" in html


def test_report_page_filters_through_the_query_string(
    client: Any, make: Any, login: Any, data: Any
) -> None:
    """Filters in the URL give the filtered numbers (activity A2: three people)."""
    login(make.user(data.centre, role=UserRole.STAFF))
    html = client.get(
        f"/reports/?lang=en&activity_id={data.a2.id}&attribution=ask&role=participant"
    ).get_data(as_text=True)
    assert "1 of 3 showed up." in html
    html = client.get(f"/reports/?lang=en&a={data.wom.id}&b={data.fb.id}").get_data(as_text=True)
    assert "Too few people to compare Muntlig (0 of 1) and Facebook (2 of 4) yet." in html


@pytest.mark.parametrize(
    "query",
    [
        "start=2025-03-01&end=2025-01-01",
        "start=not-a-date",
        "activity_id=999999",
        "role=boss",
        "attribution=magic",
        "partner_id=abc",
    ],
)
def test_bad_filters_say_what_is_wrong(
    client: Any, make: Any, login: Any, data: Any, query: str
) -> None:
    """Bad filter values answer 400 with the form and a message, never a 500."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get(f"/reports/?lang=en&{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html or "alert-danger" in html


def test_another_centres_activity_in_the_url_is_refused(
    client: Any, make: Any, login: Any, data: Any
) -> None:
    """An activity id of another centre is not a valid choice: 400, nothing leaks."""
    foreign = make.activity(make.centre(), "Hemmelig aktivitet")
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get(f"/reports/?activity_id={foreign.id}")
    assert response.status_code == 400
    assert "Hemmelig aktivitet" not in response.get_data(as_text=True)


def test_partners_and_municipality_cannot_see_the_staff_report(
    client: Any, make: Any, login: Any, data: Any
) -> None:
    """The conversion report (with names of channels and people) is for staff only."""
    login(make.user(data.centre, role=UserRole.MUNICIPALITY))
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/word-of-mouth").status_code == 403


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    enrolments=st.lists(
        st.tuples(
            st.sampled_from([0, 1, 2, None]),  # the channel, or none recorded
            st.integers(min_value=0, max_value=60 * 24 * 90),  # minutes heard after 1 Jan
            st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 60)),  # to show
        ),
        min_size=1,
        max_size=14,
    )
)
def test_medians_are_those_of_every_days_value(
    app: Any, make: Any, enrolments: list[tuple[int | None, int, int | None]]
) -> None:
    """The medians are ``statistics.median`` of every enrolment's days as the database
    computes them, exactly, per channel and over all (odd and even counts, ties, channels
    without show-ups): on PostgreSQL the days come packed per channel (float8send)."""
    centre = make.centre()
    activity = make.activity(centre)
    channels = [make.channel(centre) for _ in range(3)]
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for channel, heard_after, to_show in enrolments:
        heard = start + timedelta(minutes=heard_after)
        make.enrolment(
            make.person(centre),
            activity,
            first_channel_id=None if channel is None else channels[channel].id,
            heard_at=heard,
            showed_up_at=None if to_show is None else heard + timedelta(minutes=to_show),
        )
    report = conversion_report(centre.id, stored=False)
    days = days_between(heard_moment(), Enrolment.showed_up_at)
    rows = db.session.execute(
        sa.select(Enrolment.first_channel_id, days).where(
            Enrolment.centre_id == centre.id, days.is_not(None)
        )
    ).all()
    per_channel: dict[Any, list[float]] = {}
    for key, value in rows:
        per_channel.setdefault(key, []).append(value)
    for row in report.rows:
        values = per_channel.get(row.channel_id)
        assert row.funnel.median_days == (statistics.median(values) if values else None)
    every = [value for _key, value in rows]
    assert report.total.median_days == (statistics.median(every) if every else None)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=40))
def test_median_of_sorted_is_statistics_median(values: list[float]) -> None:
    from rekruttering.reports.conversion import median_of_sorted

    if not values:
        with pytest.raises(statistics.StatisticsError):
            median_of_sorted(values)
        return
    assert median_of_sorted(sorted(values)) == statistics.median(values)
