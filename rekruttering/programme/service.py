"""The programme's use cases (staff). Never commits (see transaction.py).

Publishing the programme gives the centre one "website programme" QR source: its code
is the public page's address, and every sign-up link on the page, the embed and the
calendar feeds carries it. Each print run is a QR source of its own, on the printed
programme's channel (of the "posters and brochures" kind), named after the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from babel import Locale
from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering import audit
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    ActivityText,
    Channel,
    ChannelKind,
    ProgrammeSource,
    ProgrammeSourceKind,
    Source,
)
from rekruttering.tenancy import fetch

PERIODS = ("week", "month")
#: Languages staff may write programme texts in besides the centre's own.
MAX_TITLE = 120
MAX_DESCRIPTION = 600


# --- texts and visibility ---------------------------------------------------------------


@dataclass(frozen=True)
class TextInput:
    language: str
    title: str = ""
    description: str = ""


def _language_code(code: str) -> str:
    code = (code or "").strip().lower()
    if not code or len(code) > 12 or not all(c.isalpha() or c == "-" for c in code):
        raise ServiceError(_("Not a language code."), field="language")
    return code


def set_public(centre_id: int, activity_id: int, public: bool) -> Activity:
    """Show the activity on the public programme (or take it off)."""
    activity = fetch(Activity, activity_id, centre_id)
    activity.is_public = public
    audit.record(
        "activity_published" if public else "activity_unpublished",
        centre_id=centre_id,
        detail=f"activity={activity.id}",
    )
    return activity


def save_texts(centre_id: int, activity_id: int, texts: list[TextInput]) -> Activity:
    """The activity's public title and description per language; empty ones are removed."""
    activity = fetch(Activity, activity_id, centre_id)
    existing = {
        row.language: row
        for row in db.session.scalars(
            select(ActivityText).where(ActivityText.activity_id == activity.id)
        )
    }
    seen: set[str] = set()
    for item in texts:
        language = _language_code(item.language)
        if language in seen:
            continue
        seen.add(language)
        title = " ".join((item.title or "").split())
        description = (item.description or "").strip()
        if len(title) > MAX_TITLE:
            raise ServiceError(
                _("A title has at most %(n)s characters.", n=MAX_TITLE), field="texts"
            )
        if len(description) > MAX_DESCRIPTION:
            raise ServiceError(
                _("A description has at most %(n)s characters.", n=MAX_DESCRIPTION), field="texts"
            )
        row = existing.get(language)
        if not title and not description:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = ActivityText(centre_id=centre_id, activity_id=activity.id, language=language)
            db.session.add(row)
        row.title, row.description = title, description
    db.session.flush()
    audit.record("activity_texts_saved", centre_id=centre_id, detail=f"activity={activity.id}")
    return activity


# --- the sources behind the programme ----------------------------------------------------


def _channel(centre_id: int, name: str, kind: ChannelKind) -> Channel:
    """The centre's channel by this name (retired or not), or a new one."""
    from rekruttering.channels.service import add_channel
    from rekruttering.domain.text import name_key

    found = db.session.scalar(
        select(Channel).where(Channel.centre_id == centre_id, Channel.name_key == name_key(name))
    )
    return found or add_channel(centre_id, name, kind)


def _new_source(centre_id: int, name: str, channel: Channel) -> Source:
    from rekruttering.signup.service import SourceInput, create_source

    return create_source(centre_id, SourceInput(name[:120], channel.id, None))


def website_source(centre_id: int) -> ProgrammeSource | None:
    """The centre's website-programme source, published or not (None: never published)."""
    return db.session.scalar(
        select(ProgrammeSource).where(
            ProgrammeSource.centre_id == centre_id,
            ProgrammeSource.kind == ProgrammeSourceKind.WEBSITE,
        )
    )


def publish(centre_id: int) -> ProgrammeSource:
    """Put the public programme online (again, at the same address if it was before)."""
    row = website_source(centre_id)
    if row is None:
        channel = _channel(centre_id, _("The centre's website"), ChannelKind.OTHER)
        source = _new_source(centre_id, _("Website programme"), channel)
        row = ProgrammeSource(
            centre_id=centre_id, source_id=source.id, kind=ProgrammeSourceKind.WEBSITE
        )
        db.session.add(row)
        db.session.flush()
    else:
        row.source.active = True
    audit.record("programme_published", centre_id=centre_id, detail=f"source={row.source_id}")
    return row


def unpublish(centre_id: int) -> None:
    """Take the public page, embed and feeds offline (the address is kept for later)."""
    row = website_source(centre_id)
    if row is None:
        raise NotFound("not found")
    row.source.active = False
    audit.record("programme_unpublished", centre_id=centre_id, detail=f"source={row.source_id}")


@dataclass(frozen=True)
class PrintRunInput:
    period: str
    starts_on: date | None
    language: str


def period_days(period: str, starts_on: date) -> tuple[date, date]:
    """The first and last day a run covers: the Monday's week, or the calendar month."""
    if period == "week":
        first = starts_on - timedelta(days=starts_on.weekday())
        return first, first + timedelta(days=6)
    first = starts_on.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def language_label(code: str, locale: str | None = None) -> str:
    """A language's name in the UI language ("Arabic", "arabisk")."""
    try:
        name = Locale.parse(locale or str(get_locale() or "nb")).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


def period_label(period: str, starts_on: date, locale: str | None = None) -> str:
    ui = locale or str(get_locale() or "nb")
    first, _last = period_days(period, starts_on)
    if period == "week":
        week = first.isocalendar()
        return _("week %(week)s, %(year)s", week=week.week, year=week.year)
    return format_date(first, "LLLL y", locale=ui)


def run_name(period: str, starts_on: date, language: str) -> str:
    """ "Programme, December 2026, Arabic", in the UI language."""
    return _(
        "Programme, %(period)s, %(language)s",
        period=period_label(period, starts_on),
        language=language_label(language),
    )


def create_print_run(centre_id: int, data: PrintRunInput) -> ProgrammeSource:
    """A printed programme for one period in one language, with its own QR source."""
    if data.period not in PERIODS:
        raise ServiceError(_("Choose a week or a month."), field="period")
    if data.starts_on is None:
        raise ServiceError(_("Choose the first day."), field="starts_on")
    language = _language_code(data.language)
    first, _last = period_days(data.period, data.starts_on)
    # One channel per language, so the conversion report shows the printed programme in
    # each language beside the other channels; each run is a source within it.
    channel = _channel(
        centre_id,
        _("Printed programme (%(language)s)", language=language_label(language)),
        ChannelKind.PRINT,
    )
    source = _new_source(centre_id, run_name(data.period, first, language), channel)
    row = ProgrammeSource(
        centre_id=centre_id,
        source_id=source.id,
        kind=ProgrammeSourceKind.PRINT,
        language=language,
        period=data.period,
        starts_on=first,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("programme_print_run", centre_id=centre_id, detail=f"source={source.id}")
    return row
