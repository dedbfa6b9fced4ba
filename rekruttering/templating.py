"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for

from rekruttering import number_format
from rekruttering.domain.demo_data import is_demo_message, is_demo_reminder
from rekruttering.domain.phone import format_phone
from rekruttering.macro_pattern import macro_pattern


def oslo_datetime(value: datetime | None, style: str = "short") -> str:
    """A UTC datetime shown in Europe/Oslo (Flask-Babel converts to its default zone)."""
    return number_format.moment(value, style)


def local_date(value: date | datetime | None, style: str = "medium") -> str:
    return number_format.day(value, style)


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for pagination and filters)."""
    args: dict[str, Any] = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint or "main.home", **(request.view_args or {}), **args)


#: Stands for a row's value in a URL built once per page (an int any id converter takes;
#: a real URL holds it only if a fixed value is this number, see ``UrlPattern``).
_PLACEHOLDER = 1_987_654_321
_PLAIN_TEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


#: In ``url_pattern(...)``, the value that a row gives.
ROW = "*"


class UrlPattern:
    """``url_for(endpoint, **values)`` for every row of a list, at the cost of one
    ``url_for``: the URL is built once with a placeholder for each value that changes
    from row to row (given as ``"*"``), and each row's URL is that text with its values
    put in. A row value that is not exactly a non-negative int or plain text (``None``,
    which ``url_for`` leaves out, an Enum, or text it would quote) is built by
    ``url_for`` as before, so the URL is always the one ``url_for`` makes.
    """

    def __init__(
        self, endpoint: str, values: dict[str, Any], rows: tuple[str, ...] | None = None
    ) -> None:
        """``rows`` names the values a row gives when a fixed value may be ``"*"`` itself
        (``page_urls``); otherwise they are those given as ``"*"``."""
        self.endpoint, self.values = endpoint, values
        if rows is None:
            rows = tuple(name for name, value in values.items() if value == ROW)
        self.names = list(rows)
        marks = {name: str(_PLACEHOLDER + i) for i, name in enumerate(self.names)}
        built = url_for(endpoint, **{k: marks.get(k, v) for k, v in values.items()})
        self.parts: list[str | int] | None = None
        if all(built.count(mark) == 1 for mark in marks.values()):
            parts: list[str | int] = []
            rest = built
            for i, mark in sorted(enumerate(marks.values()), key=lambda x: built.index(x[1])):
                before, rest = rest.split(mark, 1)
                parts += [before, i]
            self.parts = [*parts, rest]

    def __call__(self, **row: Any) -> str:
        if self.parts is not None and all(_fits(row.get(name)) for name in self.names):
            ordered = [row[name] for name in self.names]
            return "".join(p if isinstance(p, str) else str(ordered[p]) for p in self.parts)
        return url_for(
            self.endpoint, **{k: row[k] if k in self.names else v for k, v in self.values.items()}
        )


def _fits(value: Any) -> bool:
    """A value written into the URL as it is (exactly an int or a str: an Enum's ``str``
    is not its value)."""
    if type(value) is int:
        return value >= 0
    return type(value) is str and value != "" and set(value) <= _PLAIN_TEXT


def url_pattern(endpoint: str, **values: Any) -> UrlPattern:
    """In a template, once: ``{% set to_person = url_pattern('people.detail',
    person_id='*') %}``; then per row: ``to_person(person_id=row.person_id)``."""
    return UrlPattern(endpoint, values)


def page_urls() -> UrlPattern:
    """``url_with(page=n)`` for every page number ``n`` of the current list, at the cost
    of one ``url_for``: ``to_page(page=n)``. The pagination macro links to up to eleven
    pages, each a ``url_for`` of the request's arguments (docs/performance.md); the
    arguments keep their order, ``page`` where the request had it, else last."""
    args: dict[str, Any] = request.args.to_dict()
    args["page"] = ROW
    endpoint = request.endpoint or "main.home"
    return UrlPattern(endpoint, dict(**(request.view_args or {}), **args), rows=("page",))


def init_app(app: Flask) -> None:
    # Numbers, shares, money, hours and dates: rekruttering.number_format.
    number_format.init_app(app)
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["page_urls"] = page_urls
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["macro_pattern"] = macro_pattern
    app.jinja_env.tests["demo_message"] = is_demo_message
    app.jinja_env.tests["demo_reminder"] = is_demo_reminder
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
