"""What a session counts as in the funder report, volunteer hours, and the report's year.

Pure definitions (no Flask, no database), so the report, its spreadsheet and the tests
share one meaning:

* a session was **held** when it was not cancelled and at least one person checked in;
* a session is **cancelled** when staff cancelled it (check-ins at a cancelled session,
  a slip at the door, are not counted);
* a session is **empty** when it was not cancelled, has started, and nobody checked in:
  on the schedule, but nothing shows that it took place;
* **volunteer hours** are the session's length times the volunteers checked in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

HOUR = timedelta(hours=1)


class SessionOutcome(StrEnum):
    HELD = "held"
    CANCELLED = "cancelled"
    EMPTY = "empty"
    AHEAD = "ahead"  # not started yet: neither held nor empty


def session_outcome(*, cancelled: bool, checkins: int, started: bool) -> SessionOutcome:
    """What one session counts as (see the module's definitions)."""
    if checkins < 0:
        raise ValueError("check-ins cannot be negative")
    if cancelled:
        return SessionOutcome.CANCELLED
    if not started:
        return SessionOutcome.AHEAD
    return SessionOutcome.HELD if checkins else SessionOutcome.EMPTY


def volunteer_time(starts_at: datetime, ends_at: datetime, volunteers: int) -> timedelta:
    """Time volunteers gave at one session: its length times volunteers checked in.

    The length is measured between the two instants, so a session across the autumn
    change of clocks counts the hour it really lasted. A session with no length (or an
    end before its start, from old data) gives no time rather than negative time. A
    ``timedelta`` is whole microseconds: sums of it are exact in any order (the funder
    report adds and takes away sessions' time, and must come to the same figure).
    """
    if volunteers < 0:
        raise ValueError("volunteers cannot be negative")
    return max(timedelta(0), ends_at - starts_at) * volunteers


def hours(time: timedelta) -> float:
    """``time`` in hours."""
    return time / HOUR


def volunteer_hours(starts_at: datetime, ends_at: datetime, volunteers: int) -> float:
    """Hours volunteers gave at one session (``volunteer_time`` in hours)."""
    return hours(volunteer_time(starts_at, ends_at, volunteers))


def report_year(today: date) -> tuple[date, date]:
    """The period a yearly report opens on: this year so far, or last year in January.

    In January this year has hardly begun and the report funders want is last year's.
    ``today`` is an Oslo date (``domain.clock.oslo_today()``).
    """
    if today.month == 1:
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return date(today.year, 1, 1), today
