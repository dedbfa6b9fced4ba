"""When a reminder is due: the evening before in Oslo, never in quiet hours.

Every rule works on Oslo wall-clock dates and times and converts to UTC last, so a
summer-time change between the reminder and the session never shifts the reminder by
an hour: "the day before at 18:00" is 18:00 on the clock in Oslo on both sides of the
change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from rekruttering.domain.clock import oslo_to_utc, to_oslo

DEFAULT_DAYS_BEFORE = 1
DEFAULT_AT = time(18, 0)


#: How many days before a session a reminder may go at most.
MAX_REMINDER_DAYS = 14


@dataclass(frozen=True)
class QuietHours:
    """A daily window (Oslo time) when no SMS is sent; it may span midnight.

    ``start == end`` means no quiet hours at all.
    """

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: datetime) -> bool:
        if self.start == self.end:
            return False
        local = to_oslo(moment).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself when allowed, else the end of the quiet window (UTC)."""
        if not self.contains(moment):
            return moment
        local = to_oslo(moment)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # the evening part: the window ends tomorrow morning
        return oslo_to_utc(day, self.end)


def default_due_at(
    session_starts_at: datetime,
    days_before: int = DEFAULT_DAYS_BEFORE,
    at: time = DEFAULT_AT,
) -> datetime:
    """``days_before`` days before the session's Oslo date, at ``at`` Oslo time (UTC)."""
    day = to_oslo(session_starts_at).date() - timedelta(days=days_before)
    return oslo_to_utc(day, at)


def plan_due_at(
    wanted: datetime,
    now: datetime,
    quiet: QuietHours,
) -> datetime:
    """The time a reminder wanted at ``wanted`` is actually due.

    A time already past means "as soon as possible"; either way a time in quiet hours
    moves to the end of them.
    """
    return quiet.next_allowed(max(wanted, now))
