"""Days the centre is closed: Norwegian public holidays and the centre's own closed periods.

Session generation makes no new session on such a day; a session that already exists
on one is kept and flagged for staff to decide (cancel it, or hold it anyway). The
public holidays come from the ``holidays`` package (country NO: Easter and Whitsun
move, 17 May and Christmas do not; Sundays are not counted as holidays, an activity
that meets on Sundays meets on an ordinary Sunday).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import holidays

#: The longest closed period a centre can enter (a whole summer fits with room to spare).
MAX_PERIOD_DAYS = 366
#: The holidays package's language for each of ours.
HOLIDAY_LANGUAGES = {"nb": "no", "en": "en_US"}


class ClosureKind(StrEnum):
    HOLIDAY = "holiday"
    CLOSED = "closed"  # one of the centre's own closed periods


@dataclass(frozen=True)
class Closure:
    """Why the centre is closed on ``day``: a holiday's name or the period's name."""

    day: date
    kind: ClosureKind
    name: str


@dataclass(frozen=True)
class Period:
    """One of the centre's closed periods, both days included."""

    first_day: date
    last_day: date
    name: str


class PeriodProblem(StrEnum):
    MISSING = "missing"
    ENDS_BEFORE_START = "ends_before_start"
    TOO_LONG = "too_long"


def period_problem(first_day: date | None, last_day: date | None) -> PeriodProblem | None:
    """What is wrong with a closed period's dates, or None when they are fine."""
    if first_day is None or last_day is None:
        return PeriodProblem.MISSING
    if last_day < first_day:
        return PeriodProblem.ENDS_BEFORE_START
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        return PeriodProblem.TOO_LONG
    return None


def public_holidays(first: date, last: date, language: str = "nb") -> dict[date, str]:
    """Norway's public holidays from ``first`` to ``last`` (both included), with names."""
    if last < first:
        return {}
    found = holidays.country_holidays(
        "NO",
        years=range(first.year, last.year + 1),
        language=HOLIDAY_LANGUAGES.get(language, "no"),
    )
    return {day: name for day, name in found.items() if first <= day <= last}


def closures(
    first: date, last: date, periods: Iterable[Period] = (), language: str = "nb"
) -> dict[date, Closure]:
    """Every closed day from ``first`` to ``last``: holidays first, then closed periods."""
    found: dict[date, Closure] = {
        day: Closure(day, ClosureKind.HOLIDAY, name)
        for day, name in public_holidays(first, last, language).items()
    }
    for period in periods:
        day = max(period.first_day, first)
        end = min(period.last_day, last)
        while day <= end:
            found.setdefault(day, Closure(day, ClosureKind.CLOSED, period.name))
            day += timedelta(days=1)
    return found
