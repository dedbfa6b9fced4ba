"""The funder report's definitions: held, cancelled, empty, volunteer hours, the year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from rekruttering.domain.activity_figures import (
    SessionOutcome,
    report_year,
    session_outcome,
    volunteer_hours,
)
from rekruttering.domain.clock import oslo_to_utc


def test_a_session_is_held_only_when_someone_checked_in() -> None:
    assert session_outcome(cancelled=False, checkins=3, started=True) == SessionOutcome.HELD
    assert session_outcome(cancelled=False, checkins=0, started=True) == SessionOutcome.EMPTY
    assert session_outcome(cancelled=True, checkins=0, started=True) == SessionOutcome.CANCELLED
    # A check-in at a cancelled session (a slip at the door) does not make it held.
    assert session_outcome(cancelled=True, checkins=2, started=True) == SessionOutcome.CANCELLED
    assert session_outcome(cancelled=False, checkins=0, started=False) == SessionOutcome.AHEAD
    with pytest.raises(ValueError):
        session_outcome(cancelled=False, checkins=-1, started=True)


def test_volunteer_hours_are_length_times_volunteers() -> None:
    start = datetime(2026, 3, 5, 16, tzinfo=UTC)
    assert volunteer_hours(start, start + timedelta(hours=2), 3) == pytest.approx(6.0)
    assert volunteer_hours(start, start + timedelta(minutes=90), 1) == pytest.approx(1.5)
    assert volunteer_hours(start, start + timedelta(hours=2), 0) == 0.0
    assert volunteer_hours(start, start - timedelta(hours=1), 2) == 0.0  # bad old data
    with pytest.raises(ValueError):
        volunteer_hours(start, start, -1)


def test_volunteer_hours_count_the_real_length_across_the_autumn_change() -> None:
    """00:00-04:00 Oslo on 31 October 2027 lasts five hours (the clock goes back)."""
    day = date(2027, 10, 31)
    starts, ends = oslo_to_utc(day, time(0)), oslo_to_utc(day, time(4))
    assert volunteer_hours(starts, ends, 1) == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2026, 11, 24), (date(2026, 1, 1), date(2026, 11, 24))),
        (date(2026, 2, 1), (date(2026, 1, 1), date(2026, 2, 1))),
        (date(2027, 1, 1), (date(2026, 1, 1), date(2026, 12, 31))),
        (date(2027, 1, 31), (date(2026, 1, 1), date(2026, 12, 31))),
        (date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_the_report_opens_on_this_year_or_last_year_in_january(
    today: date, period: tuple[date, date]
) -> None:
    assert report_year(today) == period
