"""Holidays and closed periods: no sessions on those days; existing ones kept and flagged."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.activities.closures import (
    PeriodInput,
    add_closed_period,
    closed_days,
    delete_closed_period,
    update_closed_period,
)
from rekruttering.activities.sessions import generate_sessions
from rekruttering.domain.clock import oslo_to_utc, to_oslo
from rekruttering.domain.closures import (
    ClosureKind,
    Period,
    PeriodProblem,
    closures,
    period_problem,
    public_holidays,
)
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import ClosedPeriod, Session, UserRole
from rekruttering.transaction import transaction

#: These tests name days of December 2026 and Easter 2027: the clock stands a month before.
CLOSURES_NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _a_month_before_christmas(clock: Any) -> None:
    clock.move_to(CLOSURES_NOW)


# --- the pure rules --------------------------------------------------------------


def test_christmas_new_year_and_easter_2027_are_public_holidays() -> None:
    found = public_holidays(date(2026, 12, 1), date(2027, 4, 30))
    assert found[date(2026, 12, 25)] == "Første juledag"
    assert date(2026, 12, 26) in found
    assert found[date(2027, 1, 1)] == "Første nyttårsdag"
    # Easter 2027: Maundy Thursday 25 March to Easter Monday 29 March.
    for day in (25, 26, 28, 29):
        assert date(2027, 3, day) in found
    assert date(2027, 3, 27) not in found  # Easter Saturday is an ordinary day
    assert date(2026, 12, 24) not in found  # Christmas Eve is not a public holiday
    assert date(2026, 12, 6) not in found  # an ordinary Sunday is not a holiday
    english = public_holidays(date(2026, 12, 25), date(2026, 12, 25), "en")
    assert english[date(2026, 12, 25)] == "Christmas Day"


def test_closed_periods_and_holidays_together() -> None:
    summer = Period(date(2027, 7, 1), date(2027, 8, 8), "Sommerferie")
    found = closures(date(2027, 5, 1), date(2027, 8, 31), [summer])
    assert found[date(2027, 7, 1)].kind == ClosureKind.CLOSED
    assert found[date(2027, 8, 8)].name == "Sommerferie"
    assert date(2027, 8, 9) not in found and date(2027, 6, 30) not in found
    assert found[date(2027, 5, 17)].kind == ClosureKind.HOLIDAY
    assert len([c for c in found.values() if c.kind == ClosureKind.CLOSED]) == 39


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        (date(2026, 12, 20), date(2027, 1, 3), None),
        (date(2026, 12, 20), date(2026, 12, 20), None),  # one day
        (date(2027, 1, 3), date(2026, 12, 20), PeriodProblem.ENDS_BEFORE_START),
        (None, date(2026, 12, 20), PeriodProblem.MISSING),
        (date(2026, 1, 1), date(2027, 6, 1), PeriodProblem.TOO_LONG),
    ],
)
def test_period_dates(first: date | None, last: date | None, problem: Any) -> None:
    assert period_problem(first, last) == problem


# --- generation ---------------------------------------------------------------------


def _days(activity_id: int) -> set[date]:
    return {
        to_oslo(s.starts_at).date()
        for s in db.session.scalars(select(Session).where(Session.activity_id == activity_id))
    }


def test_no_sessions_on_christmas_new_year_or_easter(app: Any, make: Any) -> None:
    """A Friday activity (25 Dec 2026, 1 Jan 2027) and a Monday one (Easter Monday 2027)."""
    centre = make.centre()
    friday = make.activity(centre, weekday=4)
    monday = make.activity(centre, weekday=0)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with transaction():
        generate_sessions(centre.id, friday.id, weeks_ahead=8, now=now)
        generate_sessions(
            centre.id, monday.id, weeks_ahead=8, now=datetime(2027, 3, 1, 9, tzinfo=UTC)
        )
    fridays = _days(friday.id)
    assert date(2026, 12, 18) in fridays and date(2027, 1, 8) in fridays
    assert date(2026, 12, 25) not in fridays and date(2027, 1, 1) not in fridays
    mondays = _days(monday.id)
    assert date(2027, 3, 22) in mondays and date(2027, 4, 5) in mondays
    assert date(2027, 3, 29) not in mondays  # Easter Monday


def test_no_sessions_in_a_closed_period(app: Any, make: Any) -> None:
    centre = make.centre()
    thursday = make.activity(centre, weekday=3)
    with transaction():
        add_closed_period(centre.id, PeriodInput("Juleferie", date(2026, 12, 21), date(2027, 1, 3)))
        generate_sessions(centre.id, thursday.id, weeks_ahead=8)
    days = _days(thursday.id)
    assert date(2026, 12, 17) in days and date(2027, 1, 7) in days
    assert date(2026, 12, 24) not in days and date(2026, 12, 31) not in days


def test_an_existing_session_on_a_closed_day_is_kept_and_flagged(
    client: Any, make: Any, login: Any
) -> None:
    """The session made before the period was added stays (not deleted, not cancelled),
    and the activity and session pages say why the day is closed."""
    centre = make.centre()
    activity = make.activity(centre, name="Strikkekafé", weekday=3)
    with transaction():
        generate_sessions(centre.id, activity.id, weeks_ahead=8)
    christmas_eve = date(2026, 12, 24)
    assert christmas_eve in _days(activity.id)
    with transaction():
        period = add_closed_period(
            centre.id, PeriodInput("Juleferie", date(2026, 12, 21), date(2027, 1, 3))
        )
        generate_sessions(centre.id, activity.id, weeks_ahead=8)
    kept = db.session.scalar(
        select(Session).where(
            Session.activity_id == activity.id,
            Session.starts_at == oslo_to_utc(christmas_eve, time(11)),
        )
    )
    assert kept is not None and not kept.cancelled
    login(make.user(centre, role=UserRole.STAFF))
    page = client.get(f"/activities/{activity.id}/sessions?lang=en").get_data(as_text=True)
    assert "Centre closed: Juleferie" in page
    detail = client.get(f"/activities/{activity.id}?lang=en").get_data(as_text=True)
    assert "Centre closed: Juleferie" in detail
    # Deleting the period: the day is open again, the flag goes.
    with transaction():
        delete_closed_period(centre.id, period.id)
    page = client.get(f"/activities/{activity.id}/sessions?lang=en").get_data(as_text=True)
    assert "Centre closed" not in page


def test_a_session_made_on_a_holiday_is_flagged(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre, weekday=4)
    make.session(activity, oslo_to_utc(date(2026, 12, 25), time(11)))  # made by hand
    login(make.user(centre, role=UserRole.STAFF))
    page = client.get(f"/activities/{activity.id}/sessions?lang=en").get_data(as_text=True)
    assert "Public holiday: Christmas Day" in page
    page = client.get(f"/activities/{activity.id}/sessions?lang=nb").get_data(as_text=True)
    assert "Første juledag" in page


def test_deleting_a_period_brings_its_sessions_back(app: Any, make: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre, weekday=3)
    with transaction():
        period = add_closed_period(
            centre.id, PeriodInput("Stengt", date(2026, 12, 1), date(2026, 12, 13))
        )
    assert date(2026, 12, 3) not in _days(activity.id)
    with transaction():
        update_closed_period(
            centre.id, period.id, PeriodInput("Stengt", date(2026, 12, 1), date(2026, 12, 5))
        )
    assert date(2026, 12, 10) in _days(activity.id) and date(2026, 12, 3) not in _days(activity.id)
    with transaction():
        delete_closed_period(centre.id, period.id)
    assert date(2026, 12, 3) in _days(activity.id)


# --- the service's checks ------------------------------------------------------------


def test_a_period_that_ends_before_it_starts_is_refused(app: Any, make: Any) -> None:
    centre = make.centre()
    with pytest.raises(ServiceError) as refused, transaction():
        add_closed_period(centre.id, PeriodInput("Jul", date(2027, 1, 3), date(2026, 12, 21)))
    assert refused.value.field == "last_day"
    assert "før den første" in refused.value.message  # the default language, bokmål
    with pytest.raises(ServiceError), transaction():
        add_closed_period(centre.id, PeriodInput("  ", date(2026, 12, 21), date(2027, 1, 3)))
    assert db.session.scalar(select(ClosedPeriod.id)) is None


def test_another_centres_period_is_not_found(app: Any, make: Any) -> None:
    mine, other = make.centre(), make.centre()
    with transaction():
        theirs = add_closed_period(
            other.id, PeriodInput("Sommer", date(2027, 7, 1), date(2027, 8, 1))
        )
    with pytest.raises(NotFound), transaction():
        delete_closed_period(mine.id, theirs.id)
    assert closed_days(mine.id, date(2027, 7, 5), date(2027, 7, 5)) == {}
    assert closed_days(other.id, date(2027, 7, 5), date(2027, 7, 5))[date(2027, 7, 5)].name == (
        "Sommer"
    )


# --- the pages --------------------------------------------------------------------


def test_admin_adds_changes_and_deletes_a_period_in_the_browser(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    login(make.user(centre, role=UserRole.ADMIN))
    page = client.get("/closed-periods?lang=en").get_data(as_text=True)
    assert "Add a closed period" in page and "Christmas Day" in page
    response = client.post(
        "/closed-periods/new?lang=en",
        data={"name": "Juleferie", "first_day": "2027-01-03", "last_day": "21.12.2026"},
    )
    assert response.status_code == 200
    assert "The last closed day is before the first" in response.get_data(as_text=True)
    response = client.post(
        "/closed-periods/new",
        data={"name": "Juleferie", "first_day": "21.12.2026", "last_day": "2027-01-03"},
    )
    assert response.status_code == 302
    period = db.session.scalar(select(ClosedPeriod).where(ClosedPeriod.centre_id == centre.id))
    assert (period.first_day, period.last_day) == (date(2026, 12, 21), date(2027, 1, 3))
    assert "Juleferie" in client.get("/closed-periods").get_data(as_text=True)
    response = client.post(
        f"/closed-periods/{period.id}/edit",
        data={"name": "Jul", "first_day": "2026-12-22", "last_day": "2027-01-02"},
    )
    assert response.status_code == 302
    db.session.refresh(period)
    assert period.name == "Jul" and period.first_day == date(2026, 12, 22)
    # Delete asks first; only the POST from the question deletes.
    question = client.get(f"/closed-periods/{period.id}/delete?lang=en")
    assert "Delete Jul?" in question.get_data(as_text=True)
    assert db.session.get(ClosedPeriod, period.id) is not None
    assert client.post(f"/closed-periods/{period.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(ClosedPeriod, period.id) is None


def test_staff_see_the_periods_but_cannot_change_them(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    with transaction():
        period = add_closed_period(
            centre.id, PeriodInput("Sommer", date(2027, 7, 1), date(2027, 8, 1))
        )
    login(make.user(centre, role=UserRole.STAFF))
    page = client.get("/closed-periods?lang=en").get_data(as_text=True)
    assert "Sommer" in page and "Add a closed period" not in page
    assert client.get("/closed-periods/new").status_code == 403
    assert client.post(f"/closed-periods/{period.id}/delete").status_code == 403
    assert db.session.get(ClosedPeriod, period.id) is not None
