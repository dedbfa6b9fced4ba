"""domain/phone.format_phone: a Norwegian number as E.164 stores it is made directly
(``_parsed``), not parsed, and shows exactly what parsing it showed."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from rekruttering.domain import phone
from rekruttering.domain.phone import DEFAULT_REGION, format_phone


def _parsed_and_formatted(e164: str) -> str:
    """format_phone as it was: every number through ``phonenumbers.parse``."""
    parsed = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(parsed) == DEFAULT_REGION:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _numbers() -> list[str]:
    """Eight-digit +47 numbers of every three leading digits (Svalbard's 79 included),
    and numbers that are not of that shape."""
    rng = random.Random(17)
    found = [f"+47{lead}{rng.randrange(10**5):05d}" for lead in range(100, 1000) for _ in range(4)]
    return [
        *found,
        "+4701234567",  # a leading 0: parsed
        "+47912345678",  # nine digits: parsed
        "+4791234",
        "+46701234567",
        "+4779012345",
        "+390612345678",  # Italy's leading zero
        "+447911123456",
        "+4791234567",
    ]


def test_each_number_shows_what_parsing_it_showed() -> None:
    for number in _numbers():
        assert phone._parsed(number) == phonenumbers.parse(number), number
        assert format_phone.__wrapped__(number) == _parsed_and_formatted(number), number


def test_a_norwegian_number_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(phonenumbers, "parse", refuse)
    assert format_phone.__wrapped__("+4790003015") == "90 00 30 15"
    assert format_phone.__wrapped__("+4741234567") == "41 23 45 67"
    with pytest.raises(AssertionError):
        format_phone.__wrapped__("+46701234567")


def test_is_mobile_says_what_parsing_each_number_said() -> None:
    """``is_mobile`` makes a Norwegian number directly too: the same answer as parsing
    it, for every kind of number (mobile 4 and 9, landlines, Svalbard, short, foreign)."""
    from rekruttering.domain.phone import is_mobile

    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    answers = set()
    for number in [*_numbers(), "", "+47", "not a number", "+4790"]:
        try:
            parsed = phonenumbers.number_type(phonenumbers.parse(number)) in kinds
        except phonenumbers.NumberParseException:
            parsed = False
        assert is_mobile(number) == parsed, number
        answers.add(parsed)
    assert answers == {True, False}
