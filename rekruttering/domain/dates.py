"""Dates and times as people type them: 2026-03-29, 29.03.2026, 29/3/26; 11, 11:00, 11.00."""

from __future__ import annotations

import re
from datetime import date, time

from rekruttering.domain.text import clean

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
