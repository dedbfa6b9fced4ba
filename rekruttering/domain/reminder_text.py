"""Reminder texts: built-in templates per language, placeholders, rendering.

A centre may write its own template per language (MessageTemplate); these built-in
ones are the fall-back. Texts are short and plain (Norwegian is often the only common
language), say how to answer (JA/NEI) and how to stop (STOPP). The Norwegian and
English ones fit one GSM-7 segment with ordinary names; Ukrainian and Polish need
UCS-2, which the segment counter shows.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from rekruttering.domain.clock import to_oslo

FALLBACK_LANGUAGE = "nb"

PLACEHOLDERS: tuple[str, ...] = ("first_name", "activity", "day", "time", "place", "staff_name")

DEFAULT_TEMPLATES: dict[str, str] = {
    "nb": (
        "Hei {first_name}! Velkommen til {activity} {day} kl. {time}, {place}. "
        "Kommer du? Svar JA eller NEI. Hilsen {staff_name}. STOPP: ingen flere SMS"
    ),
    "en": (
        "Hi {first_name}! Welcome to {activity} on {day} at {time}, {place}. "
        "Are you coming? Reply YES or NO. {staff_name}. STOP: no more texts"
    ),
    "uk": (
        "{first_name}, чекаємо вас: {activity}, {day}, {time}, {place}. "
        "Прийдете? Відповідь JA або NEI. {staff_name}. STOPP: без SMS"
    ),
    "pl": (
        "Cześć {first_name}! Zapraszamy: {activity}, {day}, {time}, {place}. "
        "Przyjdziesz? Odpowiedz JA lub NEI. {staff_name}. STOPP: koniec SMS"
    ),
}

#: How the day is written per language; other languages get Babel's full date.
DAY_PATTERNS: dict[str, str] = {
    "nb": "EEEE d. MMMM",
    "nn": "EEEE d. MMMM",
    "en": "EEEE d MMMM",
    "uk": "EEEE, d MMMM",
    "pl": "EEEE, d MMMM",
}


_PLAIN_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template cannot be used: ``kind`` is "syntax" or "unknown", with the name."""

    kind: str
    name: str = ""


def template_problems(template: str) -> list[TemplateProblem]:
    """Unknown placeholders and unbalanced braces in ``template`` (empty when fine)."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return [TemplateProblem("syntax")]
    problems = []
    for name in fields:
        if name not in PLACEHOLDERS:
            problems.append(TemplateProblem("unknown", name))
    return problems


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; a template with problems is refused earlier."""
    text = template.format_map({name: values.get(name, "") for name in PLACEHOLDERS})
    # Locale data uses no-break spaces; a plain space keeps the text in GSM-7.
    return text.translate(_PLAIN_SPACES).strip()


def _locale(language: str) -> str:
    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return FALLBACK_LANGUAGE
    return language.replace("-", "_")


def format_day(moment: datetime, language: str) -> str:
    """The session's Oslo date written for the reader ("torsdag 12. mars")."""
    locale = _locale(language)
    pattern = DAY_PATTERNS.get(language, "full")
    return format_date(to_oslo(moment).date(), pattern, locale=locale)


def format_clock(moment: datetime, language: str) -> str:
    """The session's Oslo time of day on the 24-hour clock ("11:00"), as in Norway.

    Babel's English "11:00 AM" holds a narrow no-break space, which alone would turn
    the whole SMS into UCS-2 and double its price.
    """
    return format_time(to_oslo(moment).timetz(), "HH:mm", locale=_locale(language))


def placeholder_values(
    *,
    first_name: str,
    activity: str,
    starts_at: datetime,
    place: str,
    staff_name: str,
    language: str,
) -> dict[str, str]:
    return {
        "first_name": first_name,
        "activity": activity,
        "day": format_day(starts_at, language),
        "time": format_clock(starts_at, language),
        "place": place,
        "staff_name": staff_name,
    }
