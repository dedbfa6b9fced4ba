"""Reading API input: every value checked, every problem named by its field.

Problems are collected, then raised together as one 400 with a message per field,
so a client fixes everything in one go. Text is refused if it holds a NUL or cannot
be stored as UTF-8 (PostgreSQL refuses both; we say so instead of failing).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _

from rekruttering.api.errors import ApiError
from rekruttering.domain.dates import EVENT_RANGE

E = TypeVar("E", bound=StrEnum)

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
#: Dates outside these years are surely typing errors (and overflow some arithmetic).
MIN_YEAR, MAX_YEAR = EVENT_RANGE[0].year, EVENT_RANGE[1].year


class Reader:
    """Reads fields from a dict (a JSON body or the query string), noting problems."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self, allowed: set[str] | None = None) -> None:
        if allowed is not None:
            for name in sorted(set(self.data) - allowed):
                self.fail(name, _("Unknown field."))
        if self.errors:
            raise ApiError(400, _("Some fields are not right."), self.errors)

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            self.fail(name, _("This field is required."))
        return value

    def text(self, name: str, max_len: int, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, _("Expected text."))
            return None
        if not _storable(value):
            self.fail(name, _("The text holds characters that cannot be stored."))
            return None
        value = value.strip()
        if required and not value:
            self.fail(name, _("This field is required."))
            return None
        if len(value) > max_len:
            self.fail(name, _("At most %(n)d characters.", n=max_len))
            return None
        return value

    def identifier(self, name: str, required: bool = False) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            self.fail(name, _("Expected an id (a whole number from 1)."))
            return None
        return value

    def number(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str) and value.isascii() and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.fail(
                name,
                _("Expected a whole number from %(lo)d to %(hi)d.", lo=minimum, hi=maximum),
            )
            return default
        return value

    def choice(self, name: str, enum: type[E], required: bool = False) -> E | None:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            return enum(value)
        except (ValueError, TypeError):
            self.fail(
                name, _("Expected one of: %(values)s.", values=", ".join(e.value for e in enum))
            )
            return None

    def moment(self, name: str) -> datetime | None:
        value = self._get(name, False)
        if value is None:
            return None
        parsed = None
        if isinstance(value, str) and _storable(value):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail(name, _("Expected a date and time such as 2025-03-06T18:00:00+01:00."))
            return None
        if parsed.tzinfo is None:
            self.fail(name, _("Give the time zone, such as +01:00 or Z."))
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.fail(name, _("Expected a year from %(lo)d to %(hi)d.", lo=MIN_YEAR, hi=MAX_YEAR))
            return None
        return parsed.astimezone(UTC)

    def day(self, name: str) -> date | None:
        value = self._get(name, False)
        if value is None or value == "":
            return None
        parsed = None
        if isinstance(value, str) and _storable(value):
            try:
                parsed = date.fromisoformat(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            self.fail(name, _("Expected a date such as 2025-03-06."))
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.fail(name, _("Expected a year from %(lo)d to %(hi)d.", lo=MIN_YEAR, hi=MAX_YEAR))
            return None
        return parsed


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415 / 400 that says what is wrong."""
    if request.mimetype != "application/json":
        raise ApiError(415, _("Send JSON with 'Content-Type: application/json'."))
    try:
        data = json.loads(request.get_data(as_text=False) or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, _("The body must be a JSON object."))
    return data


def query_args() -> Reader:
    return Reader(request.args.to_dict())
