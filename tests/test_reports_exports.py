"""Exports: the conversion report as CSV and XLSX, and the funder report as XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from rekruttering.domain.funnel import Role
from rekruttering.models import UserRole
from rekruttering.reports.conversion import conversion_report
from rekruttering.reports.exports import conversion_xlsx, funder_xlsx, safe_text
from rekruttering.reports.funder import funder_report
from tests import report_data


@pytest.fixture
def data(app: Any, make: Any) -> report_data.Dataset:
    data = report_data.build(make)
    report_data.add_sessions(make, data)
    return data


def _csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel reads æøå correctly with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def test_conversion_csv_has_the_counts_and_rates(client: Any, make: Any, login: Any, data) -> None:
    """The CSV download holds each channel's counts, rates in percent and intervals."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get("/reports/conversion.csv?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.get_data(as_text=True))
    header = rows[0]
    assert header[:5] == ["Channel", "Heard of it", "Asked", "Showed up", "Regular"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    fb = by_name["Facebook"]
    assert [fb[h] for h in header[1:5]] == ["4", "3", "2", "1"]
    assert fb["Heard → showed up (%)"] == "50.0"
    assert fb["Heard → showed up, lowest likely (%)"] == "15.0"
    assert fb["Heard → showed up, highest likely (%)"] == "85.0"
    assert fb["Too few to judge"] == "yes"
    assert fb["Median days from hearing to showing up"] == "15.0"
    assert by_name["Muntlig"]["Asked → showed up (%)"] == ""  # no one asked: no data
    total = by_name["All channels (each person once)"]
    assert [total[h] for h in header[1:5]] == ["7", "5", "4", "1"]
    assert total["Heard → showed up (%)"] == "57.1"


def test_conversion_csv_follows_the_filters(client: Any, make: Any, login: Any, data) -> None:
    """Filters in the query string apply to the download too (ask attribution here)."""
    login(make.user(data.centre, role=UserRole.STAFF))
    text = client.get("/reports/conversion.csv?lang=en&attribution=ask").get_data(as_text=True)
    rows = {row[0]: row[1:5] for row in _csv_rows(text)[1:]}
    assert rows["Muntlig"] == ["2", "2", "2", "1"]
    assert rows["Not asked in person, or channel not recorded"] == ["3", "0", "0", "0"]
    assert client.get("/reports/conversion.csv?start=nope").status_code == 400


def test_conversion_xlsx_opens_with_the_figures(client: Any, make: Any, login: Any, data) -> None:
    """The workbook opens with openpyxl; shares are fractions formatted as percentages."""
    login(make.user(data.centre, role=UserRole.STAFF))
    response = client.get(f"/reports/conversion.xlsx?lang=en&activity_id={data.a1.id}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Conversion", "By month"]
    sheet = workbook["Conversion"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Conversion by channel"
    assert rows[1][0] == "Testsenter"
    assert any(r[0] == "Activity: Mat og prat" for r in rows[:6])
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Channel")
    header = rows[header_at]
    table = {r[0]: dict(zip(header, r, strict=True)) for r in rows[header_at + 1 :]}
    fb = table["Facebook"]
    assert (fb["Heard of it"], fb["Asked"], fb["Showed up"], fb["Regular"]) == (4, 3, 2, 1)
    assert fb["Heard → showed up (%)"] == pytest.approx(0.5)
    assert fb["Heard → showed up, lowest likely (%)"] == pytest.approx(0.15004, abs=1e-4)
    cell = sheet.cell(row=header_at + 2, column=header.index("Heard → showed up (%)") + 1)
    assert cell.number_format == "0.0%"
    assert table["All channels (each person once)"]["Heard of it"] == 5  # A1 only
    months = [list(r) for r in workbook["By month"].iter_rows(values_only=True)]
    assert months[1][:5] == ["2025-01", 3, 2, 2, 1]
    assert months[2][:5] == ["2025-02", 2, 2, 1, 0]


def test_formulas_in_names_are_not_run(app: Any, make: Any) -> None:
    """A channel named like a formula is written as text in the spreadsheet."""
    centre = make.centre()
    channel = make.channel(centre, '=HYPERLINK("http://x")')
    person = make.person(centre)
    make.enrolment(
        person, make.activity(centre), first_channel_id=channel.id, heard_at=report_data.at(1, 1)
    )
    workbook = load_workbook(io.BytesIO(conversion_xlsx(conversion_report(centre.id), "C", [])))
    values = [c for r in workbook.worksheets[0].iter_rows(values_only=True) for c in r]
    assert '\'=HYPERLINK("http://x")' in values
    assert safe_text("+1") == "'+1" and safe_text("Plakat") == "Plakat"


def test_funder_report_figures(data) -> None:
    """Sessions, attendance, unique, new participants and volunteers: counted by hand."""
    report = funder_report(data.centre.id, date(2025, 1, 1), date(2025, 2, 28))
    rows = {r.label: r for r in report.activities}
    a1, a2 = rows["Mat og prat"], rows["Foreldreprat"]
    assert (a1.sessions, a1.attendance, a1.participants, a1.new_participants, a1.volunteers) == (
        4,
        10,
        4,
        3,
        1,
    )
    assert (a2.sessions, a2.attendance, a2.participants, a2.new_participants, a2.volunteers) == (
        1,
        2,
        1,
        1,
        1,
    )
    groups = {r.key: r for r in report.target_groups}
    assert groups["immigrant"].participants == 4 and groups["children_youth"].sessions == 1
    t = report.total
    assert (t.sessions, t.attendance, t.participants, t.new_participants, t.volunteers) == (
        5,
        12,
        5,
        4,
        2,
    )


def test_funder_counts_held_cancelled_and_empty_sessions_apart(make: Any, data) -> None:
    """Held = not cancelled and someone checked in; an empty session and a cancelled one
    are counted apart and neither is held; volunteer hours are length x volunteers."""
    empty = make.session(data.a2, report_data.at(2, 20))  # nobody came
    make.session(data.a2, report_data.at(2, 21), cancelled=True)
    long_one = make.session(data.a2, report_data.at(2, 22), minutes=90)
    make.attendance(long_one, data.people["P3"])
    make.attendance(long_one, data.people["P4"], role=Role.VOLUNTEER)
    make.attendance(long_one, data.people["P6"], role=Role.VOLUNTEER)
    report = funder_report(data.centre.id, date(2025, 1, 1), date(2025, 2, 28))
    a2 = {r.label: r for r in report.activities}["Foreldreprat"]
    assert (a2.sessions, a2.cancelled_sessions, a2.empty_sessions) == (2, 1, 1)
    assert a2.volunteer_hours == pytest.approx(2.0 + 1.5 * 2)  # S6: 2 h x 1; 1.5 h x 2
    assert a2.attendance == 2 + 3
    t = report.total
    assert (t.sessions, t.cancelled_sessions, t.empty_sessions) == (6, 2, 1)
    assert t.volunteer_hours == pytest.approx(4.0 + 5.0)
    assert empty.id  # kept: an empty session is shown, not removed


def test_funder_report_opens_on_this_year(client: Any, make: Any, login: Any, clock: Any) -> None:
    """Without a period the page opens on this year so far; in January on last year."""
    centre = make.centre()
    user = make.user(centre, role=UserRole.STAFF)
    for now, start, end in (
        (datetime(2026, 11, 24, 12, tzinfo=UTC), "2026-01-01", "2026-11-24"),
        # 23:30 UTC on 31 January is already 1 February in Oslo: this year
        (datetime(2027, 1, 31, 23, 30, tzinfo=UTC), "2027-01-01", "2027-02-01"),
        (datetime(2027, 1, 15, 12, tzinfo=UTC), "2026-01-01", "2026-12-31"),
    ):
        clock.move_to(now)
        login(user)
        html = client.get("/reports/funder?lang=en").get_data(as_text=True)
        assert f'value="{start}"' in html and f'value="{end}"' in html, now


def test_funder_page_shows_the_new_figures_formatted(
    client: Any, make: Any, login: Any, data
) -> None:
    """Volunteer hours with one decimal in the reader's language; cancelled and empty."""
    long_one = make.session(data.a2, report_data.at(2, 22), minutes=45)
    make.attendance(long_one, data.people["P3"])
    make.attendance(long_one, data.people["P4"], role=Role.VOLUNTEER)
    login(make.user(data.centre, role=UserRole.STAFF))
    url = "/reports/funder?start=2025-01-01&end=2025-02-28"
    english = client.get(url + "&lang=en").get_data(as_text=True)
    assert "Volunteer hours" in english and "Empty" in english
    assert ">2.8<" in english  # Foreldreprat: 2 h + 0.75 h
    norwegian = client.get(url).get_data(as_text=True)
    assert "Frivillige timer" in norwegian and ">2,8<" in norwegian


def test_funder_xlsx_has_a_readable_first_sheet_and_the_figures(
    client: Any, make: Any, login: Any, data
) -> None:
    """The first sheet says what, where, when and what the figures mean; then the tables."""
    login(make.user(data.centre, role=UserRole.ADMIN))
    response = client.get("/reports/funder.xlsx?lang=en&start=2025-01-01&end=2025-02-28")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["About this report", "Per activity", "Per target group"]
    about = [r[0] for r in workbook["About this report"].iter_rows(values_only=True)]
    assert about[0] == "Activity report for funders"
    assert about[1] == "Testsenter"
    assert about[2] == "Period: 1 January 2025 to 28 February 2025"  # day first, not US
    assert any(str(line).startswith("Unique participants:") for line in about)
    per_activity = [list(r) for r in workbook["Per activity"].iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(per_activity) if r[0] == "Activity")
    assert per_activity[header_at][2:] == [
        "Sessions held",
        "Total attendance",
        "Unique participants",
        "New participants",
        "Volunteers",
        "Volunteer hours",
        "Cancelled sessions",
        "Empty sessions (no check-ins)",
    ]
    body = {r[0]: r[1:] for r in per_activity[header_at + 1 :]}
    # Mat og prat: 4 held, S5 cancelled; two volunteer check-ins at 2-hour sessions.
    assert body["Mat og prat"] == ["People with immigrant background", 4, 10, 4, 3, 1, 4, 1, 0]
    assert body["Foreldreprat"][1:] == [1, 2, 1, 1, 1, 2, 0, 0]
    assert body["Total (each person once)"][1:] == [5, 12, 5, 4, 2, 6, 1, 0]
    per_group = [list(r) for r in workbook["Per target group"].iter_rows(values_only=True)]
    assert ["People with immigrant background", 4, 10, 4, 3, 1, 4, 1, 0] in per_group
    # The header row (row 4) and the first column stay in view while scrolling.
    for name in ("Per activity", "Per target group"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "B5"
        assert sheet.cell(row=4, column=1).value in ("Activity", "Target group")


def test_funder_xlsx_in_norwegian(app: Any, make: Any, data) -> None:
    """Outside a request the workbook is in the default language, Norwegian."""
    workbook = load_workbook(
        io.BytesIO(funder_xlsx(funder_report(data.centre.id, date(2025, 1, 1), date(2025, 2, 28))))
    )
    assert workbook.sheetnames[0] == "Om rapporten"
    assert workbook["Om rapporten"]["A1"].value == "Aktivitetsrapport til tilskuddsgivere"


def test_funder_page_and_bad_periods(client: Any, make: Any, login: Any, data) -> None:
    """The page previews the figures; a missing or reversed period is a clear 400."""
    login(make.user(data.centre, role=UserRole.STAFF))
    html = client.get("/reports/funder?lang=en&start=2025-01-01&end=2025-02-28").get_data(
        as_text=True
    )
    assert "Mat og prat" in html and "Total (each person once)" in html
    assert client.get("/reports/funder").status_code == 200  # this year by default
    response = client.get("/reports/funder?lang=en&start=2025-03-01&end=2025-01-01")
    assert response.status_code == 400
    assert "The period ends before it starts." in response.get_data(as_text=True)
    assert client.get("/reports/funder?start=2025-03-01").status_code == 400
    assert client.get("/reports/funder.xlsx?start=2025-03-01&end=2025-01-01").status_code == 400
