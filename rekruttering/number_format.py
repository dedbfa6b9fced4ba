"""Numbers, shares, money, hours and dates in the reader's language: one set of filters.

Every template and every download formats through these (Babel underneath), so
bokmål reads "26,8 %", "1,60 kr", "1 234" and "24. nov. 2026", and English reads
"26.8%", "1.60 NOK", "1,234" and "24 Nov 2026" (British English: day before month,
never the American "Nov 24, 2026"; see ``i18n.FORMAT_LOCALES``).

The functions take the locale from Flask-Babel (the request's language, or the default
outside a request); ``locale=`` overrides it (tests, CSV written for a given language).
The Jinja names are registered in ``init_app``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, parse_pattern
from flask import Flask, has_app_context
from flask_babel import format_date, format_datetime, format_time, get_locale

#: What a missing value (no data) looks like in a table.
NOTHING = "–"
Number = int | float | Decimal


def current_locale() -> Locale:
    """The formatting locale of the request (``nb`` or ``en_GB``), ``nb`` outside Flask."""
    if has_app_context():
        found = get_locale()
        if found is not None:
            return found
    return Locale.parse("nb")


def _locale(locale: Locale | str | None) -> Locale:
    if locale is None:
        return current_locale()
    return locale if isinstance(locale, Locale) else Locale.parse(locale)


def number(value: Number | None, digits: int = 0, locale: Locale | str | None = None) -> str:
    """A number with exactly ``digits`` decimals and grouping: "1 234", "12,5" / "12.5"."""
    if value is None:
        return NOTHING
    loc = _locale(locale)
    return _pattern("#,##0" + ("." + "0" * digits if digits else "")).apply(value, loc)


def decimal(value: Number | None, digits: int = 1, locale: Locale | str | None = None) -> str:
    """A number with at most ``digits`` decimals (trailing zeros dropped): "2,5", "3"."""
    if value is None:
        return NOTHING
    loc = _locale(locale)
    return _pattern("#,##0" + ("." + "#" * digits if digits else "")).apply(value, loc)


def percent(value: float | None, digits: int = 1, locale: Locale | str | None = None) -> str:
    """A share (0.268) as a percentage with ``digits`` decimals: "26,8 %" / "26.8%".

    The locale's own percent pattern decides the sign and the (non-breaking) space.
    """
    if value is None:
        return NOTHING
    loc = _locale(locale)
    return _percent_pattern(loc, digits).apply(value, loc)


@lru_cache(maxsize=32)
def _pattern(pattern: str) -> NumberPattern:
    """A number pattern parsed once (``format_decimal`` parses it on every call)."""
    return parse_pattern(pattern)


@lru_cache(maxsize=32)
def _percent_pattern(loc: Locale, digits: int) -> NumberPattern:
    """The locale's percent pattern with ``digits`` decimals, parsed once (a report
    formats a few hundred shares a page; parsing was a third of each)."""
    pattern = parse_pattern(loc.percent_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    return pattern


def money(value: Number | None, locale: Locale | str | None = None) -> str:
    """An amount in kroner with øre: "1,60 kr" / "1.60 NOK"."""
    if value is None:
        return NOTHING
    return format_currency(value, "NOK", "#,##0.00\xa0¤", locale=_locale(locale))


def hours(value: float | None, locale: Locale | str | None = None) -> str:
    """Hours with one decimal: "12,5" / "12.5"."""
    return number(value, 1, locale)


def day(value: date | datetime | None, style: str = "medium") -> str:
    """A date (a datetime is shown on its Oslo day): "24. nov. 2026" / "24 Nov 2026"."""
    if value is None:
        return ""
    return format_date(value, style)


def moment(value: datetime | None, style: str = "short") -> str:
    """A stored UTC moment shown in Oslo time: "24.11.2026, 18:05" / "24/11/2026, 18:05"."""
    if value is None:
        return ""
    return format_datetime(value, style)


def clock_time(value: time | datetime | None, style: str = "short") -> str:
    if value is None:
        return ""
    return format_time(value, style)


FILTERS = {
    "number": number,
    "decimal": decimal,
    "percent": percent,
    "money": money,
    "hours": hours,
    "local_date": day,
    "oslo": moment,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
