"""The printable A4 poster of a QR code: what it says, in the languages staff choose.

The words come from the gettext catalogues for Norwegian and English and from
``POSTER_TEXTS`` for the other languages the public form speaks (same rule as
``form_texts.TEXTS``: a small reviewable dict; a language without an entry here is not
offered). Weekday names, dates and times are formatted by Babel in each language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from babel.dates import format_date, format_time, get_day_names
from flask_babel import force_locale
from flask_babel import gettext as _

from rekruttering.domain.clock import OSLO
from rekruttering.extensions import db
from rekruttering.models import Activity, Session, Source, WeeklySlot
from rekruttering.signup.form_texts import GETTEXT_LANGUAGES, NATIVE_NAMES, text_direction

#: The poster's words in the languages the catalogues do not hold. Keep %(activity)s.
POSTER_TEXTS: dict[str, dict[str, str]] = {
    "ar": {
        "headline": "مرحبًا بك!",
        "headline_activity": "مرحبًا بك في %(activity)s!",
        "cta": "امسح الرمز بكاميرا هاتفك واترك اسمك ورقم هاتفك. سنتواصل معك. كل شيء مجاني.",
        "when": "متى",
        "where": "أين",
        "every": "كل %(day)s",
        "next": "المرات القادمة",
        "or_visit": "أو افتح",
    },
    "so": {
        "headline": "Soo dhowow!",
        "headline_activity": "Ku soo dhowow %(activity)s!",
        "cta": "Ku sawir koodhka kamaradda taleefankaaga oo ka tag magacaaga iyo lambarkaaga. Waan kula soo xiriiri doonnaa. Wax walba waa bilaash.",
        "when": "Goorma",
        "where": "Halkee",
        "every": "%(day)s kasta",
        "next": "Marka xigta",
        "or_visit": "ama fur",
    },
    "uk": {
        "headline": "Ласкаво просимо!",
        "headline_activity": "Запрошуємо на %(activity)s!",
        "cta": "Відскануйте код камерою телефону та залиште ім'я і номер телефону. Ми з вами зв'яжемося. Усе безкоштовно.",
        "when": "Коли",
        "where": "Де",
        "every": "Щотижня: %(day)s",
        "next": "Найближчі зустрічі",
        "or_visit": "або відкрийте",
    },
    "pl": {
        "headline": "Zapraszamy!",
        "headline_activity": "Zapraszamy na %(activity)s!",
        "cta": "Zeskanuj kod aparatem telefonu i zostaw imię oraz numer telefonu. Skontaktujemy się z Tobą. Wszystko jest bezpłatne.",
        "when": "Kiedy",
        "where": "Gdzie",
        "every": "W każdy %(day)s",
        "next": "Najbliższe spotkania",
        "or_visit": "lub otwórz",
    },
}

#: How many coming sessions a poster lists.
NEXT_SESSIONS = 3


def poster_languages(form_languages: list[str]) -> list[tuple[str, str]]:
    """(code, native name) of the languages a poster can be printed in."""
    return [
        (code, NATIVE_NAMES.get(code, code))
        for code in form_languages
        if code in GETTEXT_LANGUAGES or code in POSTER_TEXTS
    ]


def _gettext_texts() -> dict[str, str]:
    return {
        "headline": _("Welcome!"),
        "headline_activity": _("Welcome to %(activity)s!"),
        "cta": _(
            "Scan the code with your phone's camera and leave your name and number. "
            "We will contact you. Everything is free."
        ),
        "when": _("When"),
        "where": _("Where"),
        "every": _("Every %(day)s"),
        "next": _("Next times"),
        "or_visit": _("or open"),
    }


def texts_for(language: str) -> dict[str, str]:
    if language in POSTER_TEXTS:
        return POSTER_TEXTS[language]
    with force_locale(language if language in GETTEXT_LANGUAGES else "en"):
        return _gettext_texts()


@dataclass(frozen=True)
class Slot:
    weekday: int
    start: time
    end: time
    place: str


@dataclass
class PosterFacts:
    """When and where, the same in every language (formatted per language later)."""

    slots: list[Slot] = field(default_factory=list)
    next_starts: list[datetime] = field(default_factory=list)  # Oslo time
    places: list[str] = field(default_factory=list)


def poster_facts(source: Source, now: datetime) -> PosterFacts:
    """The weekly times and the next sessions of the source's activity (none without one)."""
    facts = PosterFacts()
    if source.activity_id is None:
        return facts
    slots = db.session.scalars(
        sa.select(WeeklySlot)
        .where(WeeklySlot.activity_id == source.activity_id)
        .where(WeeklySlot.centre_id == source.centre_id)
        .order_by(WeeklySlot.weekday, WeeklySlot.start_time)
    ).all()
    facts.slots = [Slot(s.weekday, s.start_time, s.end_time, s.place) for s in slots]
    sessions = db.session.scalars(
        sa.select(Session)
        .join(Activity, Activity.id == Session.activity_id)
        .where(
            Session.activity_id == source.activity_id,
            Session.centre_id == source.centre_id,
            Session.cancelled.is_(False),
            Session.starts_at > now,
            Session.starts_at <= now + timedelta(weeks=8),
        )
        .order_by(Session.starts_at)
        .limit(NEXT_SESSIONS)
    ).all()
    facts.next_starts = [s.starts_at.astimezone(OSLO) for s in sessions]
    places = [s.place for s in facts.slots if s.place] + [s.place for s in sessions if s.place]
    facts.places = list(dict.fromkeys(places))
    return facts


@dataclass(frozen=True)
class PosterBlock:
    """One language's part of the poster."""

    lang: str
    direction: str
    headline: str
    cta: str
    when_label: str
    where_label: str
    next_label: str
    or_visit: str
    weekly: list[str]
    next_times: list[str]


def _babel_locale(lang: str) -> str:
    return {"nb": "nb_NO"}.get(lang, lang)


def poster_block(lang: str, activity_name: str | None, facts: PosterFacts) -> PosterBlock:
    t = texts_for(lang)
    locale = _babel_locale(lang)
    days = get_day_names("wide", locale=locale)
    # A time range reads left to right in every script: isolated (LRI ... PDI), so an
    # Arabic line does not turn 17:30–19:00 into 19:00–17:30.
    weekly = [
        t["every"] % {"day": days[slot.weekday]}
        + f" \u2066{format_time(slot.start, 'HH:mm', locale=locale)}"
        + f"–{format_time(slot.end, 'HH:mm', locale=locale)}\u2069"
        for slot in facts.slots
    ]
    next_times = [
        format_date(when.date(), "EEEE d. MMMM" if lang == "nb" else "EEEE d MMMM", locale=locale)
        + f" {format_time(when.time(), 'HH:mm', locale=locale)}"
        for when in facts.next_starts
    ]
    headline = (
        t["headline_activity"] % {"activity": activity_name} if activity_name else t["headline"]
    )
    return PosterBlock(
        lang=lang,
        direction=text_direction(lang),
        headline=headline,
        cta=t["cta"],
        when_label=t["when"],
        where_label=t["where"],
        next_label=t["next"],
        or_visit=t["or_visit"],
        weekly=weekly,
        next_times=next_times,
    )
