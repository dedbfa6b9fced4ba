"""The programme as an iCalendar feed (RFC 5545), built with ``icalendar``.

Times are written in UTC (``DTSTART:20270328T160000Z``), so every calendar shows the
right Oslo time on both sides of a summer-time change without a VTIMEZONE; the
calendar names Europe/Oslo for display. A session's UID is its activity and start
(not its row id), so a feed read again updates the same event; a cancelled session
stays in the feed with STATUS:CANCELLED and a higher SEQUENCE, so calendars that
already hold it mark it cancelled instead of keeping it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event


@dataclass(frozen=True)
class FeedEvent:
    activity_id: int
    title: str
    description: str
    starts_at: datetime  # aware
    ends_at: datetime
    place: str
    cancelled: bool
    url: str  # the sign-up link, with its source


def uid(centre_slug: str, activity_id: int, starts_at: datetime) -> str:
    stamp = starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"activity-{activity_id}-{stamp}@{centre_slug}.rekruttering"


def build_calendar(
    name: str, centre_slug: str, events: Iterable[FeedEvent], now: datetime
) -> bytes:
    """The VCALENDAR for ``events``; ``now`` is DTSTAMP (the feed's generation time)."""
    cal = Calendar()
    cal.add("prodid", "-//rekruttering//programme//NO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Oslo")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    stamp = now.astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", uid(centre_slug, item.activity_id, item.starts_at))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add("summary", item.title)
        if item.description:
            event.add("description", item.description)
        if item.place:
            event.add("location", item.place)
        if item.url:
            event.add("url", item.url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("sequence", 1 if item.cancelled else 0)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
