"""Reminder texts: built-in templates per language, placeholders, rendering.

A centre may write its own template per language (MessageTemplate); these built-in
ones are the fall-back. Texts are short and plain (Norwegian is often the only common
language), say how to answer (JA/NEI) and how to stop (STOPP). The Norwegian and
English ones fit one GSM-7 segment with ordinary names; Ukrainian and Polish need
UCS-2, which the segment counter shows.
"""

from __future__ import annotations

import re
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


#: ``{{`` and ``}}`` (literal braces), ``{anything}`` (a placeholder), a lone brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
#: The part of a placeholder before a format spec, conversion, attribute or index.
_BARE_NAME = re.compile(r"[^:!.\[]*")


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template cannot be used.

    ``kind`` is "syntax" (a lone brace), "unknown" (a name we do not fill) or "form"
    (a known name with a format spec, conversion, attribute or index, such as
    ``{first_name:>9}`` or ``{first_name.__class__}``); ``name`` is the bare name and
    ``placeholder`` the placeholder as written.
    """

    kind: str
    name: str = ""
    placeholder: str = ""


def template_problems(template: str) -> list[TemplateProblem]:
    """What keeps ``template`` from being used (empty when fine).

    Only the documented names in plain braces are placeholders: no format specs,
    conversions, attributes or indexing, which ``str.format`` would obey (a width of
    forty million, a type error, a walk through the object's attributes).
    """
    problems: list[TemplateProblem] = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            problems.append(TemplateProblem("syntax", placeholder=token))
            continue
        inner = match.group(1)
        bare_match = _BARE_NAME.match(inner)  # always matches (perhaps the empty string)
        bare = bare_match.group(0).strip() if bare_match else ""
        if bare not in PLACEHOLDERS:
            problems.append(TemplateProblem("unknown", bare or inner, token))
        elif inner != bare:
            problems.append(TemplateProblem("form", bare, token))
    return problems


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders by plain substitution, never ``str.format``.

    Saving refuses a template with problems; one stored before that check still
    renders: what is not a plain known placeholder stays as written.
    """

    def fill(match: re.Match[str]) -> str:
        written = match.group(0)
        if written in ("{{", "}}"):
            return written[0]
        if match.group(1) in PLACEHOLDERS:
            return str(values.get(match.group(1), ""))
        return written

    text = _TOKEN.sub(fill, template)
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
