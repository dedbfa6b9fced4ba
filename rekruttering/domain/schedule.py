"""Weekly schedules: the sessions an activity has between two dates, in Europe/Oslo.

An activity meets on fixed weekdays at fixed Oslo wall-clock times ("Thursdays
11:00-13:00 in the café"), within a season, except on cancelled dates. The UTC instant
of a wall-clock time depends on the date (summer time), so every occurrence is
converted on its own day, never by adding weeks to a UTC time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rekruttering.domain.clock import oslo_to_utc

WEEKDAYS = 7


@dataclass(frozen=True)
class Slot:
    """One weekly meeting: ``weekday`` 0 = Monday, start and end in Oslo wall time."""

    weekday: int
    start: time
    end: time
    place: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.weekday < WEEKDAYS:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.start == self.end:
            raise ValueError("a slot must end after it starts")


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a slot on an Oslo date, with its UTC start and end."""

    day: date
    starts_at: datetime
    ends_at: datetime
    place: str


def occurrence_on(slot: Slot, day: date) -> Occurrence:
    """The occurrence of ``slot`` on ``day`` (an end before the start means after midnight)."""
    starts_at = oslo_to_utc(day, slot.start)
    end_day = day if slot.end > slot.start else day + timedelta(days=1)
    ends_at = oslo_to_utc(end_day, slot.end)
    if ends_at <= starts_at:
        # Only in the spring gap: 02:00-03:00 does not exist, so a slot inside it has
        # no length. Keep it one minute long rather than zero or negative.
        ends_at = starts_at + timedelta(minutes=1)
    return Occurrence(day=day, starts_at=starts_at, ends_at=ends_at, place=slot.place)


def _days(first: date, last: date, weekday: int) -> Iterator[date]:
    day = first + timedelta(days=(weekday - first.weekday()) % WEEKDAYS)
    while day <= last:
        yield day
        day += timedelta(days=WEEKDAYS)


def occurrences(
    slots: Iterable[Slot],
    first: date,
    last: date,
    season_start: date | None = None,
    season_end: date | None = None,
    cancelled: Collection[date] = (),
) -> list[Occurrence]:
    """Every occurrence of ``slots`` on Oslo dates ``first``..``last`` (both included).

    Only dates inside the season (when given, both ends included) and not in
    ``cancelled``. Sorted by start; two slots at the same start give one occurrence.
    """
    if season_start is not None and season_start > first:
        first = season_start
    if season_end is not None and season_end < last:
        last = season_end
    if first > last:
        return []
    found: dict[datetime, Occurrence] = {}
    for slot in slots:
        for day in _days(first, last, slot.weekday):
            if day in cancelled:
                continue
            occurrence = occurrence_on(slot, day)
            found.setdefault(occurrence.starts_at, occurrence)
    return [found[key] for key in sorted(found)]


def cancelled_occurrences(
    slots: Iterable[Slot],
    first: date,
    last: date,
    cancelled: Collection[date],
    season_start: date | None = None,
    season_end: date | None = None,
) -> list[Occurrence]:
    """The occurrences that ``cancelled`` dates remove (to show them as cancelled)."""
    slots = list(slots)
    days = [d for d in cancelled if first <= d <= last]
    if not days:
        return []
    everything = occurrences(slots, min(days), max(days), season_start, season_end)
    wanted = set(days)
    return [o for o in everything if o.day in wanted]
