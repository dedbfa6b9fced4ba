"""The municipality sees the centres side by side and summed: aggregates only, no <5."""

from __future__ import annotations

from typing import Any

import pytest

from rekruttering.analytics import SUPPRESS_BELOW
from rekruttering.models import ChannelKind, UserRole
from rekruttering.reports.filters import Attribution, ReportFilter
from rekruttering.reports.municipality import SUM, municipality_report
from tests import report_data


@pytest.fixture
def data(app: Any, make: Any) -> dict[str, Any]:
    first = report_data.build(make)
    second = make.centre("Andre senter")
    poster = make.channel(second, "Plakat på butikken", kind=ChannelKind.PRINT)
    activity = make.activity(second, "Strikkekafe")
    for i in range(12):
        person = make.person(second, first_name=f"Q{i}", last_name="Andre")
        make.enrolment(
            person,
            activity,
            first_channel_id=poster.id,
            heard_at=report_data.at(1, 1 + i),
            asked_at=report_data.at(1, 2 + i) if i < 8 else None,
            ask_channel_id=poster.id if i < 8 else None,
            showed_up_at=report_data.at(1, 3 + i) if i < 6 else None,
        )
    return {"first": first, "second": second}


def _assert_nothing_can_be_worked_out(report: Any) -> None:
    """No shown count is 1-4, and no line has exactly one hidden part next to a shown total."""
    cells = [c for row in report.stages.values() for c in row.values()]
    cells += [c for m in report.kinds.values() for row in m.values() for c in row.values()]
    assert all(c.hidden or not 0 < c.value < SUPPRESS_BELOW for c in cells)
    centres = [cid for cid, _ in report.centres]
    for stage, row in report.stages.items():
        hidden = [cid for cid in centres if row[cid].hidden]
        assert not (len(hidden) == 1 and not row[SUM].hidden), stage
    for measure, kinds in report.kinds.items():
        for column in report.columns:
            hidden = [k for k in report.kind_order if kinds[k][column].hidden]
            assert not (len(hidden) == 1 and not report.stages[measure][column].hidden)


def test_side_by_side_and_summed_with_small_cells_hidden(data: Any) -> None:
    """7 and 12 people heard (19 in all); 4 and 6 showed up are hidden (4 < 5, 6 reveals 4)."""
    first, second = data["first"].centre, data["second"]
    report = municipality_report([first.id, second.id])
    assert [name for _, name in report.centres] == ["Andre senter", "Testsenter"]
    heard = report.stages["heard"]
    assert (heard[first.id].value, heard[second.id].value, heard[SUM].value) == (7, 12, 19)
    assert not any(heard[c].hidden for c in report.columns)
    showed = report.stages["showed_up"]
    assert showed[first.id].hidden and showed[second.id].hidden
    assert str(showed[first.id]) == "<5"
    assert not showed[SUM].hidden and showed[SUM].value == 10
    assert report.rates[first.id] is None  # a hidden count hides the rate
    assert report.rates[SUM].successes == 10 and report.rates[SUM].trials == 19
    _assert_nothing_can_be_worked_out(report)


def test_channel_kinds_are_compared_not_channel_names(data: Any) -> None:
    """Centres name channels differently, so the municipality sees kinds."""
    first, second = data["first"].centre, data["second"]
    report = municipality_report([first.id, second.id], ReportFilter(attribution=Attribution.ASK))
    assert "print" in report.kind_order
    assert report.kinds["heard"]["print"][second.id].value == 8
    _assert_nothing_can_be_worked_out(report)
    _assert_nothing_can_be_worked_out(municipality_report([first.id, second.id]))


def test_municipality_page_shows_no_names(client: Any, make: Any, login: Any, data: Any) -> None:
    """The page has both centres and the sum, and neither people's nor channels' names."""
    first, second = data["first"].centre, data["second"]
    outsider = make.centre("Ikke fulgt senter")
    user = make.user(role=UserRole.MUNICIPALITY, centres=[first, second])
    login(user)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/reports/municipality")
    response = client.get("/reports/municipality?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "Testsenter" in html and "Andre senter" in html and "All centres" in html
    assert "&lt;5" in html
    for secret in ("P1 Test", "Q1 Andre", "Facebook", "Plakat på butikken", outsider.name):
        assert secret not in html
    assert "Brochures and posters" in html
    assert client.get("/reports/municipality?start=2025-03-01&end=2025-01-01").status_code == 400


def test_only_centres_with_a_municipality_membership_are_included(
    client: Any, make: Any, login: Any, data: Any
) -> None:
    """Staff membership elsewhere does not add that centre to the municipality's view."""
    first, second = data["first"].centre, data["second"]
    user = make.user(role=UserRole.MUNICIPALITY, centres=[first])
    from rekruttering.extensions import db
    from rekruttering.models import Membership

    db.session.add(Membership(user_id=user.id, centre_id=second.id, role=UserRole.STAFF))
    db.session.commit()
    login(user)
    html = client.get("/reports/municipality?lang=en").get_data(as_text=True)
    assert "Testsenter" in html and "Andre senter" not in html.split("<main", 1)[1]


def test_staff_cannot_open_the_municipality_page(client: Any, make: Any, login: Any, data) -> None:
    """The cross-centre view is for the municipality role only."""
    login(make.user(data["first"].centre, role=UserRole.STAFF))
    assert client.get("/reports/municipality").status_code == 403
