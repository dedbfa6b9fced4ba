"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for

from rekruttering import number_format
from rekruttering.domain.demo_data import is_demo_message, is_demo_reminder
from rekruttering.domain.phone import format_phone


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


def init_app(app: Flask) -> None:
    # Numbers, shares, money, hours and dates: rekruttering.number_format.
    number_format.init_app(app)
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.tests["demo_message"] = is_demo_message
    app.jinja_env.tests["demo_reminder"] = is_demo_reminder
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
