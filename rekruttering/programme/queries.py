"""What the programme shows: public activities, their texts, slots and sessions.

Read-only. Only active activities marked public appear, and nothing about people:
no names, no sign-up counts, no waiting lists.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, select

from rekruttering.domain.clock import start_of_oslo_day
from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    ActivityText,
    ProgrammeSource,
    ProgrammeSourceKind,
    Session,
    Source,
    WeeklySlot,
)


@dataclass(frozen=True)
class SlotView:
    weekday: int  # 0 = Monday
    start: time
    end: time
    place: str


@dataclass(frozen=True)
class SessionView:
    starts_at: datetime  # UTC
    ends_at: datetime
    place: str
    cancelled: bool


@dataclass
class ProgrammeActivity:
    id: int
    name: str
    title: str
    description: str
    target_group: str | None
    signup_required: bool
    season_start: date | None
    season_end: date | None
    slots: list[SlotView] = field(default_factory=list)
    sessions: list[SessionView] = field(default_factory=list)


def public_activities(centre_id: int, activity_id: int | None = None) -> list[Activity]:
    query = select(Activity).where(
        Activity.centre_id == centre_id, Activity.active.is_(True), Activity.is_public.is_(True)
    )
    if activity_id is not None:
        query = query.where(Activity.id == activity_id)
    return list(db.session.scalars(query.order_by(Activity.name)))


def public_activity(centre_id: int, activity_id: int) -> Activity:
    """One public activity of the centre, or NotFound (private, retired, another centre's)."""
    found = public_activities(centre_id, activity_id)
    if not found:
        raise NotFound("not found")
    return found[0]


def offered_languages(centre_id: int) -> list[str]:
    """Norwegian, then every language the centre wrote a public activity's text in."""
    written = db.session.scalars(
        select(distinct(ActivityText.language))
        .join(Activity, Activity.id == ActivityText.activity_id)
        .where(
            ActivityText.centre_id == centre_id,
            Activity.active.is_(True),
            Activity.is_public.is_(True),
        )
    )
    return ["nb", *sorted(set(written) - {"nb"})]


def texts_of(activity_ids: list[int]) -> dict[int, dict[str, ActivityText]]:
    """activity id -> language -> its text."""
    found: dict[int, dict[str, ActivityText]] = defaultdict(dict)
    if activity_ids:
        for row in db.session.scalars(
            select(ActivityText).where(ActivityText.activity_id.in_(activity_ids))
        ):
            found[row.activity_id][row.language] = row
    return found


def sessions_between(
    centre_id: int, first: date, last: date, activity_ids: list[int]
) -> list[Session]:
    """The sessions (cancelled ones too) of these activities on Oslo days first..last."""
    if not activity_ids:
        return []
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.centre_id == centre_id,
                Session.activity_id.in_(activity_ids),
                Session.starts_at >= start_of_oslo_day(first),
                Session.starts_at < start_of_oslo_day(last + timedelta(days=1)),
            )
            .order_by(Session.starts_at, Session.id)
        )
    )


def programme(
    centre_id: int,
    language: str,
    first: date,
    last: date,
    activity_id: int | None = None,
) -> list[ProgrammeActivity]:
    """The public activities with their texts in ``language`` (Norwegian where the
    centre wrote none in it), weekly slots and the sessions on days first..last."""
    activities = public_activities(centre_id, activity_id)
    ids = [a.id for a in activities]
    texts = texts_of(ids)
    slots: dict[int, list[SlotView]] = defaultdict(list)
    if ids:
        for slot in db.session.scalars(
            select(WeeklySlot)
            .where(WeeklySlot.activity_id.in_(ids))
            .order_by(WeeklySlot.weekday, WeeklySlot.start_time)
        ):
            slots[slot.activity_id].append(
                SlotView(slot.weekday, slot.start_time, slot.end_time, slot.place)
            )
    sessions: dict[int, list[SessionView]] = defaultdict(list)
    for s in sessions_between(centre_id, first, last, ids):
        sessions[s.activity_id].append(SessionView(s.starts_at, s.ends_at, s.place, s.cancelled))
    result = []
    for activity in activities:
        own = texts[activity.id].get(language)
        norwegian = texts[activity.id].get("nb")
        title = (own and own.title) or (norwegian and norwegian.title) or activity.name
        description = (own and own.description) or (norwegian and norwegian.description) or ""
        result.append(
            ProgrammeActivity(
                id=activity.id,
                name=activity.name,
                title=title,
                description=description,
                target_group=activity.target_group,
                signup_required=activity.signup_required,
                season_start=activity.season_start,
                season_end=activity.season_end,
                slots=slots[activity.id],
                sessions=sessions[activity.id],
            )
        )
    return result


def website_by_code(code: str) -> ProgrammeSource:
    """The published programme behind a public address, or NotFound."""
    row = db.session.scalar(
        select(ProgrammeSource)
        .join(Source, Source.id == ProgrammeSource.source_id)
        .where(
            Source.code == (code or "").strip().lower(),
            Source.active.is_(True),
            ProgrammeSource.kind == ProgrammeSourceKind.WEBSITE,
        )
    )
    if row is None:
        raise NotFound("not found")
    return row


def print_runs(centre_id: int) -> list[ProgrammeSource]:
    return list(
        db.session.scalars(
            select(ProgrammeSource)
            .where(
                ProgrammeSource.centre_id == centre_id,
                ProgrammeSource.kind == ProgrammeSourceKind.PRINT,
            )
            .order_by(ProgrammeSource.starts_on.desc(), ProgrammeSource.id.desc())
        )
    )


@dataclass(frozen=True)
class LanguageStats:
    kind: str
    language: str
    runs: int
    signups: int
    came: int


def stats_by_language(centre_id: int) -> list[LanguageStats]:
    """Sign-ups through the programme, and how many came since: the website, and the
    printed programme per language (people counted once per run)."""
    from rekruttering.signup.service import stats_by_source

    per_source = stats_by_source(centre_id)
    totals: dict[tuple[str, str], list[int]] = {}
    for row in db.session.scalars(
        select(ProgrammeSource).where(ProgrammeSource.centre_id == centre_id)
    ):
        language = row.language if row.kind == ProgrammeSourceKind.PRINT else ""
        key = (str(row.kind), language)
        stats = per_source.get(row.source_id)
        total = totals.setdefault(key, [0, 0, 0])
        total[0] += 1
        if stats is not None:
            total[1] += stats.signups
            total[2] += stats.came
    return [
        LanguageStats(kind, language, *numbers)
        for (kind, language), numbers in sorted(totals.items(), key=lambda item: item[0])
    ]
