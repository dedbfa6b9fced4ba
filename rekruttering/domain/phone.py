"""Phone numbers: parse what people type, store E.164, show it readably."""

from __future__ import annotations

import functools
import re

import phonenumbers

DEFAULT_REGION = "NO"


class InvalidPhoneNumber(ValueError):
    """The text cannot be a real phone number."""


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """Return ``text`` as an E.164 number (``+4791234567``) or raise InvalidPhoneNumber.

    Accepts the forms people write: ``912 34 567``, ``+47 912 34 567``, ``0047…``,
    ``(+46) 70-123 45 67``.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidPhoneNumber("empty")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """Like normalise_phone, but None for text that is not a phone number."""
    try:
        return normalise_phone(text, region)
    except InvalidPhoneNumber:
        return None


def is_mobile(e164: str) -> bool:
    """True when the number can receive SMS as far as the numbering plan tells
    (mobile, or fixed-line-or-mobile); False for landlines, toll-free and short numbers.

    A Norwegian number is made directly (``_parsed``), not parsed: the dispatcher asks
    this of every reminder it claims (docs/performance.md, "dispatch10")."""
    try:
        kind = phonenumbers.number_type(_parsed(e164))
    except phonenumbers.NumberParseException:
        return False
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


#: A Norwegian number as E.164 stores it: +47 and eight digits, the first not 0.
_NORWEGIAN_E164 = re.compile(r"\+47([1-9][0-9]{7})")


def _parsed(e164: str) -> phonenumbers.PhoneNumber:
    """``phonenumbers.parse(e164)``; a Norwegian number made directly, the same object
    (equal in every field, tests/test_phone.py) in less than half the time: a list
    page's first visit shows fifty numbers not yet remembered by ``format_phone``
    (docs/performance.md, "People search: tenth round (branch ``search9``)")."""
    norwegian = _NORWEGIAN_E164.fullmatch(e164)
    if norwegian is None:
        return phonenumbers.parse(e164)
    return phonenumbers.PhoneNumber(country_code=47, national_number=int(norwegian[1]))


@functools.lru_cache(maxsize=4096)
def format_phone(e164: str | None) -> str:
    """A readable form: national format for Norwegian numbers, international otherwise.

    Remembered (a pure function of the number): parsing costs ~0.2 ms, and a list page
    shows every number twice (docs/performance.md)."""
    if not e164:
        return ""
    parsed = _parsed(e164)
    if phonenumbers.region_code_for_number(parsed) == DEFAULT_REGION:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str | None) -> str:
    """A form safe for logs: the last two digits only."""
    if not e164:
        return "-"
    return "…" + e164[-2:]
