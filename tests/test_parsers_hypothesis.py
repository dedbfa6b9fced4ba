"""Property-based tests (hypothesis) of the parsers: phone numbers, settings, retention dates.

Deterministic (derandomised, no example database) and bounded, so they run in `make test`.
"""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekruttering import config
from rekruttering.config import SCHEMA, ConfigError, parse_settings
from rekruttering.domain.phone import (
    InvalidPhoneNumber,
    format_phone,
    mask_phone,
    normalise_phone,
    try_normalise_phone,
)
from rekruttering.domain.retention import add_months, due_at, is_due

FAST = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

E164 = re.compile(r"\+[1-9]\d{6,14}")

#: What people type into a phone field: digits, separators, prefixes, and junk.
PHONE_TEXT = st.one_of(
    st.text(alphabet="0123456789 +-().", max_size=25),
    st.text(max_size=30),
    st.from_regex(r"(\+47|0047)?[ ]?[49][0-9]{2}[ -]?[0-9]{2}[ -]?[0-9]{3}", fullmatch=True),
)


def norwegian_mobile() -> st.SearchStrategy[str]:
    """Eight digits in the mobile ranges: 40, 41, 45-48 and 9x."""
    return st.from_regex(r"(4[015-8]|9[0-9])[0-9]{6}", fullmatch=True)


# --- phone numbers -----------------------------------------------------------------


@FAST
@given(PHONE_TEXT)
def test_normalise_gives_e164_or_refuses_cleanly(text: str) -> None:
    """Any text either becomes an E.164 number or raises InvalidPhoneNumber, nothing else."""
    try:
        result = normalise_phone(text)
    except InvalidPhoneNumber:
        assert try_normalise_phone(text) is None
        return
    assert E164.fullmatch(result), result
    assert try_normalise_phone(text) == result


@FAST
@given(PHONE_TEXT)
def test_normalise_is_idempotent_and_survives_formatting(text: str) -> None:
    """A stored number normalises to itself, and its readable form back to it."""
    e164 = try_normalise_phone(text)
    if e164 is None:
        return
    assert normalise_phone(e164) == e164
    assert normalise_phone(format_phone(e164)) == e164


@FAST
@given(
    norwegian_mobile(),
    st.sampled_from(["", "+47", "+47 ", "0047", "0047 ", "(+47) "]),
    st.sampled_from(["", " ", "-", "  "]),
    st.text(alphabet=" \t", max_size=3),
)
def test_the_ways_people_write_a_norwegian_mobile(
    digits: str, prefix: str, separator: str, padding: str
) -> None:
    """912 34 567, +47 912 34 567, 0047-912-34-567 … are all +4791234567."""
    grouped = separator.join([digits[:3], digits[3:5], digits[5:]])
    typed = f"{padding}{prefix}{grouped}{padding}"
    assert normalise_phone(typed) == "+47" + digits


@FAST
@given(st.one_of(st.none(), st.text(max_size=20), norwegian_mobile().map(lambda d: "+47" + d)))
def test_mask_shows_at_most_two_digits(value: str | None) -> None:
    """The form used in logs never shows more than the last two digits."""
    masked = mask_phone(value)
    assert sum(ch.isdigit() for ch in masked) <= 2


# --- settings ------------------------------------------------------------------------

ANY_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=20),
        st.times(),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@FAST
@given(st.sampled_from(SCHEMA), ANY_VALUE)
def test_any_value_for_any_key_parses_or_names_the_key(key: Any, value: Any) -> None:
    """A setting either parses or stops start-up with ConfigError naming the key."""
    data = {key.section: {key.name: value}}
    try:
        parsed = parse_settings(data, environ={})
    except ConfigError as exc:
        assert str(exc).startswith(f"{key.dotted}: "), str(exc)
        return
    assert key.parse(parsed.value(key.dotted)) == parsed.value(
        key.dotted
    )  # a parsed value parses again


@FAST
@given(
    st.sampled_from([k for k in SCHEMA if k.env]),
    st.text(max_size=30).filter(lambda s: "\x00" not in s),
)
def test_environment_overrides_parse_or_name_the_variable(key: Any, value: str) -> None:
    """A secret from the environment is checked like the file, naming the variable."""
    try:
        parsed = parse_settings({}, environ={key.env: value})
    except ConfigError as exc:
        assert str(exc).startswith(f"{key.dotted}: ") and f"${key.env}" in str(exc)
        return
    if value:
        assert parsed.value(key.dotted) == key.parse(value)


@FAST
@given(st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12))
def test_unknown_keys_are_refused_by_name(name: str) -> None:
    """A key that is not in SCHEMA is refused, whatever its section."""
    for section in ("app", "sms", "nosuch"):
        dotted = f"{section}.{name}"
        if dotted in config.KEYS:
            continue
        with pytest.raises(ConfigError, match=re.escape(dotted)):
            parse_settings({section: {name: 1}}, environ={})


@FAST
@given(st.integers(min_value=-(10**6), max_value=10**6), st.text(alphabet=" \t", max_size=2))
def test_whole_numbers_in_range(value: int, padding: str) -> None:
    """Whole numbers (also as text) are accepted within the bounds and refused outside."""
    parse = config._int_parser(1, 240)
    for raw in (value, f"{padding}{value}{padding}"):
        if 1 <= value <= 240:
            assert parse(raw) == value
        else:
            with pytest.raises(ValueError, match="at (least|most)"):
                parse(raw)


@FAST
@given(st.one_of(st.booleans().map(str), st.sampled_from(["1", "0", "yes", "No", " ON ", "off"])))
def test_true_and_false_words(text: str) -> None:
    """true/false, yes/no, on/off, 1/0 in any case parse; the value matches the word."""
    assert config._parse_bool(text) is (text.strip().lower() in {"true", "1", "yes", "on"})


@FAST
@given(st.text(max_size=8))
def test_other_text_is_not_a_boolean(text: str) -> None:
    """Anything else is refused with a hint, never guessed."""
    words = {"1", "true", "yes", "on", "0", "false", "no", "off"}
    if text.strip().lower() in words:
        return
    with pytest.raises(ValueError, match="true or false"):
        config._parse_bool(text)


@FAST
@given(st.times())
def test_times_round_trip(moment: time) -> None:
    """ "HH:MM" of any time parses back to that hour and minute."""
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    assert config._parse_time(text) == time(moment.hour, moment.minute)
    assert config._parse_time(f" {moment.hour}:{moment.minute:02d} ") == time(
        moment.hour, moment.minute
    )


@FAST
@given(st.one_of(st.text(max_size=8), st.integers(), st.floats()))
def test_nightly_time_is_never_in_the_summer_time_hour(value: Any) -> None:
    """The retention job time is never 02:xx, whatever is written."""
    try:
        parsed = config._parse_nightly_time(value)
    except ValueError:
        return
    assert parsed.hour != 2


# --- retention dates -----------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@FAST
@given(
    MOMENTS,
    st.integers(min_value=1, max_value=240),
    st.timedeltas(timedelta(0), timedelta(days=8000)),
)
def test_due_date_agrees_with_the_cutoff(last: datetime, months: int, later: timedelta) -> None:
    """The date the list shows is exactly when the job starts taking the person."""
    now = last + later
    assert is_due(last, now, months) == (now >= due_at(last, months))


@FAST
@given(MOMENTS, st.integers(min_value=-240, max_value=240))
def test_add_months_keeps_the_time_and_moves_the_month(moment: datetime, months: int) -> None:
    """Adding months keeps the time of day and lands in the right calendar month."""
    moved = add_months(moment, months)
    assert moved.timetz() == moment.timetz()
    assert (moved.year * 12 + moved.month) - (moment.year * 12 + moment.month) == months
    assert moved.day <= moment.day
