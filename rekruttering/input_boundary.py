"""The input boundary: every value a request carries is checked once, before any view.

Query strings, form fields, JSON bodies (webhooks included) and URL parts are read
here first. A value the application can never use is refused with a 400 that names
the field and what is wrong (an HTML page, or JSON under /api/), instead of reaching
a view, a template or the database and failing there:

- NUL bytes and other control characters (PostgreSQL refuses NUL; CR/LF in a value
  that becomes a header splits it). Tab, CR and LF are allowed in form and JSON
  text, where a note may hold lines; never in the query string or the URL.
- Values longer than any field takes (``MAX_QUERY_VALUE``, ``MAX_BODY_VALUE``;
  Twilio's ``...Sid`` values are 34 characters, ``MAX_SID``).
- Whole numbers out of the database's range: ids, ``page`` and friends must fit a
  PostgreSQL ``integer`` (``MAX_DB_INT``); any other all-digit value must fit a
  ``bigint`` (a phone number does; ``99999999999999999999`` does not). URL ids
  (``<int:...>``) stop at ``MAX_DB_INT`` too: a larger one matches no route (404).

The checks only read; they never rewrite a value, so a Twilio signature computed over
the original parameters still holds for every request that passes.

``safe_next`` is the one check of a ``next`` parameter (a path on this site only).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from rekruttering.json_errors import error_response

log = logging.getLogger(__name__)

#: The largest PostgreSQL ``integer``: every id column, and pages counted in rows.
MAX_DB_INT = 2**31 - 1
#: The largest ``bigint`` (and SQLite integer).
MAX_BIG_INT = 2**63 - 1
MAX_QUERY_VALUE = 1_000
MAX_BODY_VALUE = 5_000
MAX_KEY = 100
MAX_SID = 64
#: JSON nesting deeper than this is not something any of our clients sends.
MAX_JSON_DEPTH = 20

#: Parameter names that carry a row id or a count: they must fit ``integer``.
_INT_NAMES = re.compile(r"(?:.*_id|id|m|page|per_page|limit|offset|year|week)", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"\s*[-+]?\d+\s*")
#: Control characters except tab, LF and CR; DEL and the C1 block included.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Paths whose answers go to a machine (Twilio), not a person or an API client.
_WEBHOOK_PREFIX = "/sms/"
_API_PREFIX = "/api/"


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only what fits the database's ``integer``."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


class Refusal(Exception):
    """A value the boundary refuses: ``field`` names it, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def init_app(app: Flask) -> None:
    """Install the bounded int converter (before any route) and the guard (first)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request_funcs.setdefault(None, []).insert(0, guard)


def guard() -> Response | None:
    try:
        check_request()
    except Refusal as refusal:
        log.info("request refused at the input boundary: %s (%s)", refusal.field, request.path)
        return refusal_response(refusal)
    return None


def check_request() -> None:
    """Raise ``Refusal`` for the first value no view can use."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_value(name, value, MAX_QUERY_VALUE, lines=False)
    for name, value in request.args.items(multi=True):
        check_value(name, value, MAX_QUERY_VALUE, lines=False)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            _check_json(request.get_data(cache=True))
        else:
            for name, value in request.form.items(multi=True):
                check_value(name, value, MAX_BODY_VALUE, lines=True)
            for name, upload in request.files.items(multi=True):
                _check_upload(name, upload)


def check_value(name: str, value: str, max_len: int, lines: bool) -> None:
    """One named text value (see the module's docstring for the rules)."""
    _check_text(None, name, MAX_KEY, lines=False)
    if name.endswith("Sid"):
        max_len = MAX_SID
    _check_text(name, value, max_len, lines)
    if _WHOLE_NUMBER.fullmatch(value):
        digits = value.strip().lstrip("+-").lstrip("0")
        # Longer than any bigint: refused without converting (Python limits that too).
        _check_number(name, int(value) if len(digits) <= 20 else MAX_BIG_INT * 10)


def _check_text(field: str | None, value: str, max_len: int, lines: bool) -> None:
    """``field``: the value's name, None for a parameter's own name (translated only
    when refused: every value of every request passes here)."""
    pattern = _CONTROL if lines else _LINE_CONTROL
    if pattern.search(value):
        field = _("parameter name") if field is None else field
        raise Refusal(
            field,
            _(
                "“%(field)s” holds a control character (such as a NUL byte or a line break) "
                "that cannot be accepted.",
                field=field[:MAX_KEY],
            ),
        )
    if len(value) > max_len:
        field = _("parameter name") if field is None else field
        raise Refusal(
            field,
            _("“%(field)s” is longer than %(n)d characters.", field=field[:MAX_KEY], n=max_len),
        )


def _check_number(name: str, number: int) -> None:
    limit = MAX_DB_INT if _INT_NAMES.fullmatch(name) else MAX_BIG_INT
    if number > limit or number < -limit:
        raise Refusal(
            name,
            _("“%(field)s” is a number outside the range that can be stored.", field=name),
        )


def _check_upload(name: str, upload: FileStorage) -> None:
    _check_text(None, name, MAX_KEY, lines=False)
    _check_text(name, upload.filename or "", MAX_QUERY_VALUE, lines=False)


def _check_json(raw: bytes) -> None:
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # not JSON: the view says so in its own words
    for name, value in _json_leaves(data):
        if isinstance(value, str):
            _check_text(name, value, MAX_BODY_VALUE, lines=True)
        elif isinstance(value, int) and not isinstance(value, bool):
            _check_number(name, value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise Refusal(name, _("“%(field)s” is not a number.", field=name))


def _json_leaves(data: Any) -> Iterator[tuple[str, Any]]:
    """(name, value) of every scalar and key in a JSON document, without recursion."""
    stack: list[tuple[str, Any, int]] = [("body", data, 0)]
    while stack:
        name, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Refusal(name, _("The JSON body is nested too deeply."))
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(None, key, MAX_KEY, lines=False)
                stack.append((key, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((name, item, depth + 1) for item in value)
        else:
            yield name, value


def refusal_response(refusal: Refusal) -> Response:
    if request.path.startswith(_API_PREFIX):
        return error_response(
            400, _("Some fields are not right."), {refusal.field: refusal.message}
        )
    if request.path.startswith(_WEBHOOK_PREFIX):
        return Response(refusal.message, status=400, mimetype="text/plain")
    html = render_template("errors/error.html", code=400, detail=refusal.message)
    return Response(html, status=400, mimetype="text/html")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirect)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not _LINE_CONTROL.search(target)
        and not urlsplit(target).netloc
        and len(target) <= MAX_QUERY_VALUE
    ):
        return target
    return default
