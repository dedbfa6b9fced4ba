"""Numbers, shares, money and dates in the reader's language, and CSV in its dialect."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from babel import Locale
from babel.numbers import format_decimal, parse_pattern
from flask_babel import refresh
from hypothesis import given, settings
from hypothesis import strategies as st

from rekruttering import number_format as nf
from rekruttering.csv_export import DIALECTS, cell, csv_text, dialect_for, one_decimal
from rekruttering.models import UserRole
from tests import report_data

NBSP = "\xa0"


def test_bokmal_numbers_percentages_and_money() -> None:
    assert nf.percent(0.268, locale="nb") == f"26,8{NBSP}%"
    assert nf.percent(0.38, 0, locale="nb") == f"38{NBSP}%"
    assert nf.money(1.6, locale="nb") == f"1,60{NBSP}kr"
    assert nf.number(1234, locale="nb") == f"1{NBSP}234"
    assert nf.number(0.5, 2, locale="nb") == "0,50"
    assert nf.decimal(2.5, locale="nb") == "2,5" and nf.decimal(3.0, locale="nb") == "3"
    assert nf.hours(12.75, locale="nb") == "12,8"
    assert nf.percent(None) == nf.NOTHING and nf.money(None) == nf.NOTHING


def test_english_numbers_percentages_and_money() -> None:
    assert nf.percent(0.268, locale="en_GB") == "26.8%"
    assert nf.money(1.6, locale="en_GB") == f"1.60{NBSP}NOK"
    assert nf.number(1234, locale="en_GB") == "1,234"
    assert nf.hours(2.75, locale="en_GB") == "2.8"


def test_templates_format_in_the_chosen_language(app: Any) -> None:
    """English dates are day first (British), never the American "Nov 24, 2026"."""
    render = app.jinja_env.from_string(
        "{{ d|local_date }}|{{ d|local_date('long') }}|{{ m|oslo }}|{{ s|percent }}|{{ k|money }}"
    ).render
    values = {
        "d": date(2026, 11, 24),
        "m": datetime(2026, 11, 24, 17, 5, tzinfo=UTC),
        "s": 0.268,
        "k": 1.6,
    }
    with app.test_request_context("/?lang=en"):
        refresh()  # as before every request (i18n.init_app)
        assert render(**values) == (
            f"24 Nov 2026|24 November 2026|24/11/2026, 18:05|26.8%|1.60{NBSP}NOK"
        )
    with app.test_request_context("/?lang=nb"):
        refresh()
        assert render(**values) == (
            f"24. nov. 2026|24. november 2026|24.11.2026, 18:05|26,8{NBSP}%|1,60{NBSP}kr"
        )


def test_csv_cells_follow_the_dialect() -> None:
    nb, en = DIALECTS["nb"], DIALECTS["en"]
    assert (nb.delimiter, nb.decimal, en.delimiter, en.decimal) == (";", ",", ",", ".")
    assert cell(26.8, nb) == "26,8" and cell(26.8, en) == "26.8"
    assert cell(one_decimal(50), nb) == "50,0" and cell(Decimal("-0.5"), en) == "-0.5"
    assert cell(1234, nb) == "1234"  # no thousands separator: Excel must read a number
    assert cell(None, nb) == "" and cell(date(2026, 1, 2), nb) == "2026-01-02"
    text = csv_text([["Navn", "Andel"], ["Åse; Ørjan", 0.25]], nb)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]), delimiter=";")) == [
        ["Navn", "Andel"],
        ["Åse; Ørjan", "0,25"],
    ]


def test_dialect_follows_the_request_language(app: Any) -> None:
    with app.test_request_context("/?lang=en"):
        refresh()
        assert dialect_for().delimiter == ","
    with app.test_request_context("/?lang=nb"):
        refresh()
        assert dialect_for().delimiter == ";"
    assert dialect_for("sv").delimiter == ";"  # unknown: the default language's


def _excel_norway(text: str) -> list[list[str]]:
    """How Norwegian Excel reads a CSV: UTF-8 only with a BOM, fields split on ';'."""
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_conversion_csv_in_norwegian_excel_dialect(client: Any, make: Any, login: Any) -> None:
    data = report_data.build(make)
    login(make.user(data.centre, role=UserRole.STAFF))
    raw = client.get("/reports/conversion.csv?lang=nb").get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = _excel_norway(raw.decode("utf-8"))
    header = rows[0]
    assert header[0] == "Kanal"
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    fb = by_name["Facebook"]
    shares = [fb[h] for h in header[5:8]]
    assert shares == ["75,0", "30,1", "95,4"]  # heard -> asked: decimal comma, one decimal
    assert fb[header[-1]] == "15,0"  # median days
    english = client.get("/reports/conversion.csv?lang=en").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(english[1:])))  # the comma dialect
    fb = dict(zip(rows[0], next(r for r in rows if r[0] == "Facebook"), strict=True))
    assert fb["Heard → showed up (%)"] == "50.0"


def test_date_formats_agree_with_flask_babel(app: Any) -> None:
    """``DateFormats`` (the locale and zone resolved once a render) gives what Flask-Babel
    gives: dates, aware and naive (UTC) datetimes, around both daylight-saving changes
    and midnight in Oslo, every style, both languages; and the template filters too."""
    import flask
    import flask_babel

    moments = [
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # 01:59 in Oslo, then summer time
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 summer time, then winter
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 22, 59, 59, tzinfo=UTC),  # 23:59 in Oslo
        datetime(2026, 11, 24, 23, 0, tzinfo=UTC),  # the next day in Oslo
        datetime(2026, 6, 30, 22, 15),  # naive: UTC
        datetime(1999, 12, 31, 23, 30, tzinfo=UTC),
    ]
    # And a moment every 40 h 37 min for 16 months: every hour of the day, both zones.
    moments += [datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=2437 * i) for i in range(290)]
    days = [date(2026, 1, 1), date(2026, 2, 28), date(2027, 12, 31)]
    render = app.jinja_env.from_string(
        "{{ d|local_date(s) }}|{{ m|oslo(s) }}|{{ m|local_date(s) }}|{{ m|oslo_time }}"
    ).render
    for lang in ("nb", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            refresh()
            formats = nf.current_formats()
            for style in ("short", "medium", "long", "full"):
                for value in [*moments, *days]:
                    assert formats.day(value, style) == flask_babel.format_date(value, style)
                    assert nf.day(value, style) == flask_babel.format_date(value, style)
                for value in moments:
                    expected = flask_babel.format_datetime(value, style)
                    assert formats.moment(value, style) == expected
                    assert nf.moment(value, style) == expected
                    assert formats.clock(value, style) == flask_babel.format_time(value, style)
                for m, d in zip(moments, days * 3, strict=False):
                    assert render(d=d, m=m, s=style) == "|".join(
                        [
                            flask_babel.format_date(d, style),
                            flask_babel.format_datetime(m, style),
                            flask_babel.format_date(m, style),
                            flask_babel.format_time(m, "short"),
                        ]
                    )
            assert formats.day(None) == formats.moment(None) == formats.clock(None) == ""
            # Through render_template: the formats are resolved once, in the render's memo.
            page = flask.render_template_string(
                "{% for m in moments %}{{ m|oslo }};{{ m|local_date('long') }};"
                "{{ m|oslo_time }};{% endfor %}",
                moments=moments,
            )
            assert page == "".join(
                f"{flask_babel.format_datetime(m, 'short')};"
                f"{flask_babel.format_date(m, 'long')};{flask_babel.format_time(m, 'short')};"
                for m in moments
            )


def test_the_day_of_a_moment_is_its_day_in_the_zone_around_every_change() -> None:
    """``_local_day`` (the offset of the moment's UTC hour, remembered) gives the day of
    the moment converted on its own, every 7 minutes through six days around each
    change of offset of 2026 in zones whose changes fall on the UTC hour (Oslo,
    New York, and Chatham's offset of 12 h 45 min), on a half hour with a half-hour
    change (Lord Howe), with pytz's zones (Flask-Babel's) and the standard library's;
    naive moments are UTC, and an aware moment in another zone is its UTC moment."""
    from zoneinfo import ZoneInfo

    import pytz

    names = ("Europe/Oslo", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham")
    zones = [z for n in names for z in (pytz.timezone(n), ZoneInfo(n))]
    other = ZoneInfo("Asia/Kolkata")
    checked = 0
    for zone in zones:
        changes = [
            t
            for t in (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(8760))
            if nf._in(zone, t).utcoffset() != nf._in(zone, t + timedelta(hours=1)).utcoffset()
        ]
        assert len(changes) == 2, zone
        inside = [nf._steady_offset(zone, c.replace(tzinfo=None)) for c in changes]
        # Lord Howe changes inside a UTC hour (15:30): that hour is converted moment by
        # moment; the others change on the hour.
        assert (None in inside) == (str(zone) == "Australia/Lord_Howe"), (zone, inside)
        for change in changes:
            for step in range(-3 * 24 * 60 // 7, 3 * 24 * 60 // 7):
                moment = change + timedelta(minutes=7 * step, seconds=step % 60)
                expected = nf._in(zone, moment).date()
                assert nf._local_day(zone, moment) == expected, (zone, moment)
                assert nf._local_day(zone, moment.replace(tzinfo=None)) == expected
                assert nf._local_day(zone, moment.astimezone(other)) == expected
                checked += 1
    assert checked > 10_000


@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(
        st.floats(min_value=0.0, max_value=1.0),
        st.integers(min_value=0, max_value=1000).map(lambda n: n / 1000),
        st.sampled_from([0.0, -0.0, 1.0, 0.005, 0.015, 0.125, 0.0005, 0.9995, 1e-300]),
    ),
    digits=st.integers(min_value=0, max_value=3),
    locale=st.sampled_from(["nb", "en_GB"]),
)
def test_shares_read_as_babel_writes_them(value: float, digits: int, locale: str) -> None:
    """``percent`` takes a shorter path for shares from 0 to 1: the same text as Babel's
    (rounding half to even on the float's shortest text included)."""
    loc = Locale.parse(locale)
    pattern = parse_pattern(loc.percent_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    assert nf.percent(value, digits, locale=locale) == pattern.apply(value, loc)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(st.integers(min_value=0, max_value=10**12), st.sampled_from([0, 999, 1000])),
    locale=st.sampled_from(["nb", "en_GB"]),
)
def test_counts_read_as_babel_writes_them(value: int, locale: str) -> None:
    """``number`` takes a shorter path for counts: the same text as Babel's."""
    assert nf.number(value, locale=locale) == format_decimal(value, "#,##0", locale=locale)


def test_the_formatting_locale_is_the_one_flask_babel_chose(app: Any) -> None:
    """``current_locale`` reads the request's locale where Flask-Babel keeps it; it must be
    the locale Flask-Babel gives, whether it chose it first or had already chosen it."""
    import flask_babel

    from rekruttering.number_format import current_locale

    for lang, expected in (("en", "en_GB"), ("nb", "nb")):
        # A fresh app context: the fixture's own keeps one g for every request in it.
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):
            first = current_locale()  # before anything asked Flask-Babel
            assert str(first) == expected
            assert current_locale() is first is flask_babel.get_locale()


def test_a_wall_clock_moment_is_babels_without_converting_each_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A moment whose pattern shows the wall clock only (the short and medium styles)
    is formatted from the offset of its UTC hour, remembered, not converted moment by
    moment; it is Babel's text every 7 minutes around each change of offset of 2026, in
    a zone that changes on the hour (Oslo) and one that changes inside it (Lord Howe),
    in both languages. A pattern with the zone (long, full) still converts each one."""
    import pytz
    from babel import dates

    for name in ("Europe/Oslo", "Australia/Lord_Howe"):
        zone = pytz.timezone(name)
        changes = [
            t
            for t in (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(8760))
            if nf._in(zone, t).utcoffset() != nf._in(zone, t + timedelta(hours=1)).utcoffset()
        ]
        moments = [c + timedelta(minutes=7 * i) for c in changes for i in range(-30, 30)]
        for language in ("nb", "en_GB"):
            formats = nf.DateFormats(Locale.parse(language), zone)
            for style in ("short", "medium", "long", "full"):
                for value in moments:
                    expected = dates.format_datetime(value, style, tzinfo=zone, locale=language)
                    assert formats.moment(value, style) == expected, (name, value, style)
    oslo = nf.DateFormats(Locale.parse("nb"), pytz.timezone("Europe/Oslo"))
    value = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)
    expected = oslo.moment(value)  # its hour's offset is remembered now

    def converted(*_args: Any) -> Any:
        raise AssertionError("converted moment by moment")

    monkeypatch.setattr(nf, "_in", converted)
    assert oslo.moment(value) == expected == "24.11.2026, 18:05"
    with pytest.raises(AssertionError, match="moment by moment"):
        oslo.moment(value, "long")
