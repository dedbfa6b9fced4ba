"""Dates: one acceptable range per kind, used by forms, import, API and filters;
reports survive a bad date already stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from rekruttering.domain.dates import EVENT_RANGE, is_event_date, parse_date
from rekruttering.domain.import_rows import Field, Lookups, ProblemCode, parse_row
from rekruttering.extensions import db
from rekruttering.models import Contact, UserRole

TODAY = date(2026, 3, 5)


def test_event_range_is_2000_to_2100() -> None:
    assert (date(2000, 1, 1), date(2100, 12, 31)) == EVENT_RANGE
    assert is_event_date(date(2026, 3, 5))
    assert not is_event_date(date(1, 1, 1))
    assert not is_event_date(date(26, 3, 5))  # "0026", a year typed short
    assert not is_event_date(date(9999, 12, 31))


def test_import_refuses_year_0001_and_0026() -> None:
    for text in ("01.01.0001", "0026-03-05", "05.03.0026"):
        parsed = parse_row({Field.FIRST_NAME: "Kari", Field.DATE: text}, Lookups(), TODAY)
        assert isinstance(parsed, list), text
        assert parsed[0].code is ProblemCode.BAD_DATE
    assert parse_date("05.03.26", TODAY) == date(2026, 3, 5)


@pytest.fixture
def staff(client: FlaskClient, make: Any, login: Any) -> Any:
    centre = make.centre()
    user = make.user(centre, role=UserRole.ADMIN)
    login(user)
    return centre


@pytest.mark.parametrize("typed", ["0001-01-01", "01.01.0001", "0026-03-05", "9999-12-31"])
def test_contact_form_refuses_dates_outside_2000_to_2100(
    client: FlaskClient, make: Any, staff: Any, typed: str
) -> None:
    person = make.person(staff)
    response = client.post(
        "/contacts/new",
        data={
            "person_id": person.id,
            "outcome": "heard",
            "role": "participant",
            "occurred_on": typed,
        },
    )
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True)
    assert db.session.query(Contact).count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "/reports/?start=0001-01-01",
        "/reports/?end=9999-12-31",
        "/reports/conversion.csv?start=0001-01-01",
        "/reports/volunteers?start=0001-01-01&end=9999-12-31",
        "/reports/funder?start=0001-01-01&end=9999-12-31",
        "/privacy/audit?date_from=0001-01-01",
        "/privacy/audit?date_to=9999-12-31",
    ],
)
def test_report_periods_out_of_range_get_a_clear_answer(
    client: FlaskClient, staff: Any, url: str
) -> None:
    response = client.get(url)
    assert response.status_code < 500
    if response.status_code == 400:
        assert "2000" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/reports/", "/reports/conversion.csv", "/reports/conversion.xlsx"]
)
def test_reports_survive_a_contact_stored_in_year_1(
    client: FlaskClient, make: Any, staff: Any, url: str
) -> None:
    """A row from before the date check (year 1) must not take the reports down."""
    activity = make.activity(staff)
    person = make.person(staff)
    ancient = datetime(1, 1, 1, 12, tzinfo=UTC)
    make.contact(person, activity_id=activity.id, occurred_at=ancient)
    make.enrolment(person, activity, heard_at=ancient, asked_at=datetime(9999, 12, 31, tzinfo=UTC))
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
