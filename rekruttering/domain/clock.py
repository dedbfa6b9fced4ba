"""Time: store UTC, show and schedule in Europe/Oslo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def to_oslo(moment: datetime) -> datetime:
    """Convert an aware datetime to Europe/Oslo local time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return moment.astimezone(OSLO)


def oslo_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of wall-clock time ``at`` on ``day`` in Oslo.

    In the spring gap (02:00-03:00 does not exist) the time moves forward by the gap;
    in the autumn overlap the first (summer-time) occurrence is used.
    """
    # fold=0: zoneinfo reads a missing wall time with the offset before the change
    # (so 02:30 on the spring day becomes 03:30 summer time) and an ambiguous one as
    # its first occurrence. A wall-clock time in a schedule or a form has no fold of
    # its own, so a fold=1 that slipped in (from arithmetic or a parser) is dropped:
    # otherwise a time in the spring gap would move back an hour instead of forward.
    return datetime.combine(day, at.replace(fold=0, tzinfo=None), tzinfo=OSLO).astimezone(UTC)


def oslo_today(now: datetime | None = None) -> date:
    """Today's date in Oslo."""
    return to_oslo(now or utcnow()).date()


def start_of_oslo_day(day: date) -> datetime:
    """Midnight in Oslo at the start of ``day``, as UTC."""
    return oslo_to_utc(day, time(0, 0))


def oslo_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC half-open interval [start, end) covering ``day`` in Oslo."""
    return start_of_oslo_day(day), start_of_oslo_day(day + timedelta(days=1))
