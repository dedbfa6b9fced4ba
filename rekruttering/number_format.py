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

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import Literal, cast

from babel import Locale, dates
from babel.numbers import (
    NumberPattern,
    format_currency,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_timezone
from jinja2 import pass_context
from jinja2.runtime import Context

from rekruttering.template_gettext import MEMO

#: What a missing value (no data) looks like in a table.
NOTHING = "–"
Number = int | float | Decimal


def current_locale() -> Locale:
    """The formatting locale of the request (``nb`` or ``en_GB``), ``nb`` outside Flask."""
    if has_app_context():
        # The locale Flask-Babel keeps for the request, read from where it keeps it (a
        # report asks for every number; its get_locale goes through two proxies); the
        # first time, or if Flask-Babel keeps it elsewhere one day, get_locale chooses it.
        known = getattr(
            getattr(g._get_current_object(), "_flask_babel", None), "babel_locale", None
        )
        if known is not None:
            return known
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
    if not digits and type(value) is int and value >= 0:
        # A count, the commonest cell of a report: Babel's text, without its Decimal
        # arithmetic (the same digits, grouped by threes with the locale's separator).
        return _grouped(str(value), _shapes(loc)[0])
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
    if type(value) is float and 0.0 <= value <= 1.0 and digits in _QUANTUM and str(value)[0] != "-":
        # A share, as Babel rounds it (the float's shortest text as a Decimal, moved two
        # places, rounded half to even), without the rest of its general path: a report
        # shows a few hundred. Above 100 % (grouping) or below 0, Babel itself.
        _group, point, prefix, suffix = _shapes(loc)
        rounded = f"{Decimal(str(value)).scaleb(2).quantize(_QUANTUM[digits]):f}"
        return prefix + rounded.replace(".", point) + suffix
    return _percent_pattern(loc, digits).apply(value, loc)


#: Decimal quanta by digits after the point (Babel's ``get_decimal_quantum``).
_QUANTUM = {digits: Decimal(1).scaleb(-digits) for digits in range(4)}


def _grouped(digits: str, separator: str) -> str:
    """Digits grouped by threes from the right, as the "#,##0" patterns group."""
    if len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    return separator.join(
        [digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))]
    )


#: The last locale's ``_shapes``, by identity: one (Locale, shapes) tuple, swapped whole.
_last_shapes: tuple[Locale | None, tuple[str, str, str, str]] = (None, ("", "", "", ""))


def _shapes(loc: Locale) -> tuple[str, str, str, str]:
    """Group symbol, decimal symbol, and percent prefix and suffix of ``loc``.

    A request formats hundreds of numbers in one Locale object (Flask-Babel makes one a
    request); hashing and comparing it for a cache cost more than the number did.
    """
    global _last_shapes
    last, shapes = _last_shapes
    if last is not loc:
        shapes = (*_symbols(loc), *_percent_affixes(loc))
        _last_shapes = (loc, shapes)
    return shapes


@cache
def _symbols(loc: Locale) -> tuple[str, str]:
    """The locale's group and decimal symbols (Babel looks them up on every number)."""
    return get_group_symbol(loc), get_decimal_symbol(loc)


@cache
def _percent_affixes(loc: Locale) -> tuple[str, str]:
    """What the locale's percent pattern puts before and after a positive share."""
    pattern = parse_pattern(loc.percent_formats[None].pattern)
    unquote = partial(re.sub, r"'([^']*)'", lambda m: m.group(1) or "'")
    return unquote(pattern.prefix[0]), unquote(pattern.suffix[0])


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


#: The locale's own date and time styles.
Style = Literal["short", "medium", "long", "full"]
_STYLES = frozenset({"short", "medium", "long", "full"})


@cache
def _patterns(
    locale: Locale, style: Style
) -> tuple[str, dates.DateTimePattern, dates.DateTimePattern]:
    """A locale's patterns of a style, parsed once: how a date and a time make a
    datetime (quotes removed, as Babel does), the time's and the date's."""
    return (
        str(dates.get_datetime_format(style, locale=locale)).replace("'", ""),
        dates.parse_pattern(dates.get_time_format(style, locale=locale)),
        dates.parse_pattern(dates.get_date_format(style, locale=locale)),
    )


@lru_cache(maxsize=64)
def _date_pattern(pattern: str) -> dates.DateTimePattern:
    """A date pattern of the app's own ("MMMM yyyy"), parsed once."""
    return dates.parse_pattern(pattern)


@lru_cache(maxsize=4096)
def _formatted_day(locale: Locale, style: Style, value: date) -> str:
    """A day in a locale's style, remembered: a pure function of the three, and a list
    page shows fifty dates of a few hundred days (~15 µs each through Babel's pattern,
    docs/performance.md)."""
    return _patterns(locale, style)[2].apply(value, locale)


def _in(zone: tzinfo, value: datetime) -> datetime:
    """``value`` (a naive datetime is UTC) in ``zone``, as flask_babel.to_user_timezone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    converted = value.astimezone(zone)
    normalize = getattr(zone, "normalize", None)  # pytz zones
    return normalize(converted) if normalize is not None else converted


#: The last moment of an hour, from its start.
_HOUR_END = timedelta(hours=1) - timedelta(microseconds=1)


@lru_cache(maxsize=16384)
def _steady_offset(zone: tzinfo, hour: datetime) -> timedelta | None:
    """The zone's offset from UTC throughout the UTC hour starting at ``hour`` (naive,
    UTC), or None when the offset at its last moment is not the one at its first (a
    change of offset inside that hour: the moments of that hour are converted one by
    one). Remembered: a list page shows fifty moments, and the zone conversion of each
    (~8 µs through pytz) was a third of a date's cost (docs/performance.md). The time
    zone database changes a zone's offset at most a few times a year, so an hour
    never holds two changes that cancel out."""
    first = _in(zone, hour).utcoffset()
    last = _in(zone, hour + _HOUR_END).utcoffset()
    return first if first == last else None


def _wall_clock(zone: tzinfo, value: datetime) -> datetime | None:
    """The wall clock (naive) in ``zone`` of the moment ``value`` (a naive datetime is
    UTC), from the offset of the moment's UTC hour; None in an hour when the offset
    changes (convert that moment with ``_in``)."""
    utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    offset = _steady_offset(zone, utc.replace(minute=0, second=0, microsecond=0))
    return None if offset is None else utc + offset


def _local_day(zone: tzinfo, value: datetime) -> date:
    """The day in ``zone`` of the moment ``value`` (a naive datetime is UTC): the day
    of ``_in(zone, value)``, from the offset of the moment's UTC hour."""
    wall = _wall_clock(zone, value)
    return _in(zone, value).date() if wall is None else wall.date()


#: The fields of a time pattern that read the wall clock alone (hour, minute, second,
#: fraction, AM/PM), not the zone: a time of a pattern made of these is formatted from
#: the wall clock without its zone.
_CLOCK_FIELDS = frozenset("HhKkmsSa")


@cache
def _clock_only(pattern: dates.DateTimePattern) -> bool:
    """Whether ``pattern`` shows the wall clock only (no zone name or offset)."""
    return all(f[0] in _CLOCK_FIELDS for f in re.findall(r"%\((\w+)\)s", str(pattern.format)))


class DateFormats:
    """Dates and times in one locale and time zone, through Babel, as Flask-Babel's
    ``format_date``, ``format_datetime`` and ``format_time`` give them (a naive datetime
    is UTC; the app sets none of Flask-Babel's ``date_formats``, so a style is the
    locale's own). Flask-Babel looks up the request's locale and zone on every call,
    about two thirds of a date's cost, and a list page shows dozens: a template
    resolves them once per render (``formats_of``, docs/performance.md)."""

    def __init__(self, locale: Locale, zone: tzinfo) -> None:
        self.locale, self.zone = locale, zone

    def _in_zone(self, value: datetime) -> datetime:
        # flask_babel.to_user_timezone, with the zone already known.
        return _in(self.zone, value)

    def day(self, value: date | datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = _local_day(self.zone, value)
        if style not in _STYLES:
            # babel.dates.format_date with the pattern parsed once (it parses it on
            # every call: a report labels a hundred months).
            return _date_pattern(style).apply(value, self.locale)
        return _formatted_day(self.locale, cast(Style, style), value)

    def moment(self, value: datetime | None, style: str = "short") -> str:
        if value is None:
            return ""
        if style not in _STYLES or not isinstance(value, datetime):
            return dates.format_datetime(value, style, tzinfo=self.zone, locale=self.locale)
        # babel.dates.format_datetime with the locale's patterns parsed once: the time and
        # the date, each put into the locale's pattern for both.
        glue, time_pattern, date_pattern = _patterns(self.locale, cast(Style, style))
        wall = _wall_clock(self.zone, value) if _clock_only(time_pattern) else None
        if wall is None:
            moment = self._in_zone(value)
            day = moment.date()
            return glue.replace(
                "{0}", time_pattern.apply(moment.timetz(), self.locale, reference_date=day)
            ).replace("{1}", date_pattern.apply(day, self.locale))
        # A pattern of the wall clock only ("HH:mm"): the zone's offset for the moment's
        # UTC hour (remembered) instead of converting each moment (~4 µs of its ~8.5
        # through pytz), and the day's text remembered (the person page shows ~37
        # moments, docs/performance.md).
        day = wall.date()
        return glue.replace(
            "{0}", time_pattern.apply(wall.time(), self.locale, reference_date=day)
        ).replace("{1}", _formatted_day(self.locale, cast(Style, style), day))

    def clock(self, value: time | datetime | None, style: str = "short") -> str:
        if value is None:
            return ""
        return dates.format_time(value, style, tzinfo=self.zone, locale=self.locale)


def current_formats() -> DateFormats:
    """The request's locale and time zone (Flask-Babel's), for dates and times."""
    return DateFormats(current_locale(), get_timezone())


def formats_of(context: Context) -> DateFormats:
    """The date formats of one render (kept in its memo, ``template_gettext``); a
    template rendered without one (a macro file imported without context, a template
    rendered outside ``render_template``) looks them up each time."""
    memo = context.get(MEMO)
    if memo is None:
        return current_formats()
    found = memo.get(DateFormats)
    if found is None:
        found = memo[DateFormats] = current_formats()
    return found


def day(value: date | datetime | None, style: str = "medium") -> str:
    """A date (a datetime is shown on its Oslo day): "24. nov. 2026" / "24 Nov 2026"."""
    return current_formats().day(value, style)


def moment(value: datetime | None, style: str = "short") -> str:
    """A stored UTC moment shown in Oslo time: "24.11.2026, 18:05" / "24/11/2026, 18:05"."""
    return current_formats().moment(value, style)


def clock_time(value: time | datetime | None, style: str = "short") -> str:
    return current_formats().clock(value, style)


@pass_context
def day_filter(context: Context, value: date | datetime | None, style: str = "medium") -> str:
    """``|local_date``: ``day`` with the render's formats."""
    return formats_of(context).day(value, style)


@pass_context
def moment_filter(context: Context, value: datetime | None, style: str = "short") -> str:
    """``|oslo``: ``moment`` with the render's formats."""
    return formats_of(context).moment(value, style)


FILTERS = {
    "number": number,
    "decimal": decimal,
    "percent": percent,
    "money": money,
    "hours": hours,
    "local_date": day_filter,
    "oslo": moment_filter,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
