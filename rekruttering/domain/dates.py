"""Dates and times as people type them, and which dates are acceptable, per kind.

Typed forms: 2026-03-29, 29.03.2026, 29/3/26; 11, 11:00, 11.00.

The one definition of an acceptable date, used by forms, import, API and filters:

- an event (a contact, a session, a follow-up, a report or audit period) lies in
  ``EVENT_RANGE``, the years 2000 to 2100: a year such as 0001, 0026 or 9999 is a
  typing error, and far dates overflow date arithmetic.

``clamp`` keeps a date read back from the database inside the event range, so a row
stored before these rules cannot take a report down.
"""

from __future__ import annotations

import re
from datetime import date, time

from rekruttering.domain.text import clean

EVENT_RANGE: tuple[date, date] = (date(2000, 1, 1), date(2100, 12, 31))


def is_event_date(day: date) -> bool:
    """True when ``day`` can be the day of a contact, session, follow-up or period."""
    return EVENT_RANGE[0] <= day <= EVENT_RANGE[1]


def clamp(day: date, earliest: date = EVENT_RANGE[0], latest: date = EVENT_RANGE[1]) -> date:
    """``day`` moved into [earliest, latest]."""
    return min(max(day, earliest), latest)


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})")
_TIME = re.compile(r"(\d{1,2})(?:[:.]?(\d{2}))?(?::\d{2})?")


def parse_date(text: str, today: date) -> date | None:
    """A date written as 2024-03-05, 05.03.2024, 5.3.24 or 05/03/2024 (day first), or None."""
    text = clean(text)
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DMY_DATE.fullmatch(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            # Two-digit years: this century unless that would be in the future.
            year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """A time of day written as 11, 11:00, 11.00, 1100 or 11:00:00, or None."""
    match = _TIME.fullmatch(clean(text))
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)
