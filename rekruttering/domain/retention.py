"""Retention arithmetic: when a person with no activity is due to be anonymised.

Pure functions (no Flask, no database) so the rule is easy to test exhaustively.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months (negative goes back).

    A day that does not exist in the target month becomes its last day: 31 March
    plus one month is 30 April, 29 February minus twelve months is 28 February.
    """
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retention_cutoff(now: datetime, months: int) -> datetime:
    """People whose last activity is before this moment are due to be anonymised."""
    return add_months(now, -months)


def is_due(last_activity_at: datetime, now: datetime, months: int) -> bool:
    """True when more than ``months`` have passed since the last activity."""
    return last_activity_at < retention_cutoff(now, months)


def due_at(last_activity_at: datetime, months: int) -> datetime:
    """The first moment at which ``is_due`` holds for a person last active then.

    Usually ``months`` after the last activity; when that day does not exist (last
    active on 31 March, one month) the person becomes due as the next month starts,
    which is when the cutoff passes the 31st.
    """
    moment = add_months(last_activity_at, months)
    back = add_months(moment, -months)
    if back == last_activity_at:
        return moment + timedelta(microseconds=1)
    start_of_month = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(start_of_month, 1)
