"""Use cases on activities: create, edit, cancelled dates. Never commit (transaction.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering.activities.sessions import generate_sessions
from rekruttering.activities.signups import fill_from_waiting_list_for_activity
from rekruttering.domain.reminder_time import MAX_REMINDER_DAYS
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.domain.text import key
from rekruttering.domain.volunteer_ratio import MAX_RATIO
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, CancelledDate, WeeklySlot
from rekruttering.tenancy import fetch


@dataclass(frozen=True)
class SlotInput:
    """One weekly meeting as typed: weekday 0 = Monday, Oslo wall times."""

    weekday: int
    start: time
    end: time
    place: str = ""


@dataclass(frozen=True)
class ActivityInput:
    name: str
    slots: Sequence[SlotInput] = field(default_factory=tuple)
    description: str = ""
    target_group: str | None = None
    capacity: int | None = None
    signup_required: bool = False
    wished_volunteer_ratio: float | None = None
    season_start: date | None = None
    season_end: date | None = None
    reminder_days_before: int = 1
    reminder_time: time = time(18, 0)
    active: bool = True


def slugify(name: str) -> str:
    """A short ASCII name for URLs and look-ups: "Språkkafe" -> "sprakkafe"."""
    slug = re.sub(r"[^a-z0-9]+", "-", key(name)).strip("-")
    return slug[:50] or "aktivitet"


def _unique_slug(centre_id: int, name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            select(Activity.slug).where(
                Activity.centre_id == centre_id, Activity.slug.like(f"{base}%")
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check(centre_id: int, data: ActivityInput, activity_id: int | None = None) -> str:
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(_("An activity needs a name."), field="name")
    if len(name) > 120:
        raise ServiceError(_("The name is too long (at most 120 characters)."), field="name")
    same_name = db.session.scalar(
        select(Activity.id).where(
            Activity.centre_id == centre_id,
            Activity.name == name,
            Activity.id != (activity_id or 0),
        )
    )
    if same_name is not None:
        raise ServiceError(_("Another activity already has this name."), field="name")
    if data.target_group and data.target_group not in {g.value for g in TargetGroup}:
        raise ServiceError(_("Choose a target group from the list."), field="target_group")
    if data.capacity is not None and data.capacity < 1:
        raise ServiceError(_("Capacity must be at least 1, or empty for no limit."), "capacity")
    if data.signup_required and data.capacity is None:
        raise ServiceError(
            _("An activity with sign-up needs a capacity (the waiting list starts there)."),
            field="capacity",
        )
    ratio = data.wished_volunteer_ratio
    if ratio is not None and not 0 < ratio <= MAX_RATIO:
        raise ServiceError(
            _("The wished ratio must be more than 0 and at most 10 volunteers per participant."),
            field="wished_volunteer_ratio",
        )
    if data.season_start and data.season_end and data.season_end < data.season_start:
        raise ServiceError(_("The season must end after it starts."), field="season_end")
    if not 0 <= data.reminder_days_before <= MAX_REMINDER_DAYS:
        raise ServiceError(
            _("Reminders can be sent 0 to 14 days before."), field="reminder_days_before"
        )
    for slot in data.slots:
        if not 0 <= slot.weekday <= 6:
            raise ServiceError(_("Choose a weekday."), field="slots")
        if slot.start == slot.end:
            raise ServiceError(_("A session must end after it starts."), field="slots")
        if len(slot.place or "") > 120:
            raise ServiceError(_("The place is too long (at most 120 characters)."), "slots")
    return name


def _apply(activity: Activity, data: ActivityInput, name: str) -> None:
    activity.name = name
    activity.description = (data.description or "").strip()
    activity.target_group = data.target_group or None
    activity.capacity = data.capacity
    activity.signup_required = data.signup_required
    activity.wished_volunteer_ratio = data.wished_volunteer_ratio
    activity.season_start = data.season_start
    activity.season_end = data.season_end
    activity.reminder_days_before = data.reminder_days_before
    activity.reminder_time = data.reminder_time
    activity.active = data.active
    wanted = [(s.weekday, s.start, s.end, (s.place or "").strip()) for s in data.slots]
    current = [(s.weekday, s.start_time, s.end_time, s.place) for s in activity.schedules]
    if sorted(wanted) != sorted(current):
        activity.schedules.clear()
        for weekday, start, end, place in sorted(set(wanted)):
            activity.schedules.append(
                WeeklySlot(
                    centre_id=activity.centre_id,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    place=place,
                )
            )


def create_activity(centre_id: int, data: ActivityInput, weeks_ahead: int = 8) -> Activity:
    """Add an activity and generate its sessions ``weeks_ahead`` weeks ahead."""
    name = _check(centre_id, data)
    activity = Activity(centre_id=centre_id, slug=_unique_slug(centre_id, name))
    _apply(activity, data, name)
    db.session.add(activity)
    db.session.flush()
    generate_sessions(centre_id, activity.id, weeks_ahead)
    return activity


def update_activity(
    centre_id: int, activity_id: int, data: ActivityInput, weeks_ahead: int = 8
) -> Activity:
    """Change an activity; its future sessions follow the new schedule at once.

    A raised capacity moves people up from the waiting lists of future sessions.
    """
    activity = fetch(Activity, activity_id, centre_id)
    name = _check(centre_id, data, activity.id)
    _apply(activity, data, name)
    db.session.flush()
    generate_sessions(centre_id, activity.id, weeks_ahead)
    fill_from_waiting_list_for_activity(centre_id, activity.id)
    return activity


def add_cancelled_date(
    centre_id: int, activity_id: int, day: date, reason: str = "", weeks_ahead: int = 8
) -> CancelledDate:
    """Cancel the activity on ``day`` (a holiday); that day's sessions are marked cancelled."""
    activity = fetch(Activity, activity_id, centre_id)
    existing = db.session.scalar(
        select(CancelledDate).where(
            CancelledDate.activity_id == activity.id, CancelledDate.day == day
        )
    )
    if existing is not None:
        existing.reason = (reason or "").strip()[:200]
        return existing
    cancelled = CancelledDate(
        centre_id=centre_id, activity_id=activity.id, day=day, reason=(reason or "").strip()[:200]
    )
    activity.cancelled_dates.append(cancelled)
    db.session.flush()
    generate_sessions(centre_id, activity.id, weeks_ahead)
    return cancelled


def remove_cancelled_date(
    centre_id: int, activity_id: int, day: date, weeks_ahead: int = 8
) -> bool:
    """Take a cancelled date back; that day's sessions are on again. False if not there."""
    activity = fetch(Activity, activity_id, centre_id)
    existing = db.session.scalar(
        select(CancelledDate).where(
            CancelledDate.activity_id == activity.id, CancelledDate.day == day
        )
    )
    if existing is None:
        return False
    activity.cancelled_dates.remove(existing)
    db.session.flush()
    generate_sessions(centre_id, activity.id, weeks_ahead)
    return True


def activity_lookups(centre_id: int) -> dict[str, int]:
    """Activity ids by normalised name and slug (for imports)."""
    found: dict[str, int] = {}
    for activity_id, name, slug in db.session.execute(
        select(Activity.id, Activity.name, Activity.slug).where(Activity.centre_id == centre_id)
    ):
        found.setdefault(key(name), activity_id)
        found.setdefault(key(slug), activity_id)
    return found
