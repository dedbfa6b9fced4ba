"""Volunteers: their funnel, and volunteers per participant over time against the wish."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from rekruttering.errors import ServiceError
from rekruttering.models import UserRole
from rekruttering.reports.periods import Granularity
from rekruttering.reports.volunteers import volunteer_ratios
from tests import report_data


@pytest.fixture
def data(app: Any, make: Any) -> report_data.Dataset:
    data = report_data.build(make)
    report_data.add_sessions(make, data)
    return data


def test_ratio_per_month_against_the_wished_ratio(data: Any) -> None:
    """Per month: sessions held, check-ins by role, ratio and sessions short of volunteers."""
    ratios = {
        r.name: r for r in volunteer_ratios(data.centre.id, date(2025, 1, 1), date(2025, 3, 31))
    }
    a1 = ratios["Mat og prat"]
    assert a1.wished_ratio == 0.5
    points = [
        (p.bucket.label, p.sessions, p.participants, p.volunteers, p.sessions_short)
        for p in a1.points
    ]
    assert points == [
        ("2025-01", 2, 5, 1, 1),  # S2 had three participants and no volunteer
        ("2025-02", 2, 3, 1, 1),  # S5 was cancelled; S4 had no volunteer
        ("2025-03", 0, 0, 0, 0),
    ]
    assert a1.points[0].ratio == pytest.approx(0.2)
    assert a1.points[2].ratio is None
    a2 = ratios["Foreldreprat"]
    assert [(p.sessions, p.participants, p.volunteers) for p in a2.points] == [
        (0, 0, 0),
        (1, 1, 1),
        (1, 0, 0),  # held, nobody came
    ]
    assert a2.sessions_short == 0  # no wish, never short


def test_ratio_per_week_and_per_activity(data: Any) -> None:
    """ISO weeks in Oslo time, and one activity only."""
    ratios = volunteer_ratios(
        data.centre.id, date(2025, 1, 13), date(2025, 1, 26), Granularity.WEEK, data.a1.id
    )
    assert len(ratios) == 1
    assert [(p.bucket.label, p.sessions, p.volunteers) for p in ratios[0].points] == [
        ("2025-W03", 1, 1),
        ("2025-W04", 1, 0),
    ]


def test_bad_periods_are_refused(data: Any, make: Any) -> None:
    """A reversed period, a too long one or another centre's activity: clear errors."""
    with pytest.raises(ServiceError):
        volunteer_ratios(data.centre.id, date(2025, 3, 1), date(2025, 1, 1))
    with pytest.raises(ServiceError):
        volunteer_ratios(data.centre.id, date(2010, 1, 1), date(2025, 1, 1), Granularity.WEEK)
    with pytest.raises(ServiceError):
        volunteer_ratios(
            data.centre.id,
            date(2025, 1, 1),
            date(2025, 2, 1),
            activity_id=make.activity(make.centre()).id,
        )


def test_volunteers_page(client: Any, make: Any, login: Any, data: Any) -> None:
    """The page shows the volunteer funnel, one ratio chart per activity and its table."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get("/reports/volunteers?lang=en&start=2025-01-01&end=2025-03-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "Volunteers per participant: Mat og prat" in html
    assert "below wish" in html
    assert "How volunteers found us" in html and "1 of 1 showed up." in html
    weekly = client.get(
        "/reports/volunteers?lang=en&start=2025-01-01&end=2025-03-31&granularity=week"
    )
    assert "2025-W03" in weekly.get_data(as_text=True)
    # An activity with a session but no check-ins gets no all-zero chart, only its name.
    chess = make.activity(data.centre, name="Sjakkklubb")
    make.session(chess, datetime(2025, 2, 4, 17, tzinfo=UTC))
    quiet = client.get("/reports/volunteers?lang=en&start=2025-01-01&end=2025-03-31")
    quiet_html = quiet.get_data(as_text=True)
    assert "No check-ins in this period: " in quiet_html and "Sjakkklubb" in quiet_html
    assert "Volunteers per participant: Sjakkklubb" not in quiet_html
    assert "The numbers, period by period" in quiet_html  # the tables are folded
    bad = client.get("/reports/volunteers?lang=en&start=2025-03-01&end=2025-01-01")
    assert bad.status_code == 400
    assert "The period ends before it starts." in bad.get_data(as_text=True)
