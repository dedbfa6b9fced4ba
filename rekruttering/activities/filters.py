"""Jinja filters for activities, sessions and check-in pages."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context

from rekruttering.activities.forms import TARGET_GROUPS, WEEKDAYS
from rekruttering.languages import language_name
from rekruttering.number_format import formats_of
from rekruttering.outreach import labels


def weekday_name(value: int) -> str:
    return str(dict(WEEKDAYS).get(value, value))


def target_group_name(value: str | None) -> str:
    if not value:
        return ""
    return str({g.value: label for g, label in TARGET_GROUPS.items()}.get(value, value))


@pass_context
def oslo_time(context: Context, value: datetime | None) -> str:
    """The Oslo wall-clock time of a UTC datetime, e.g. 11:00."""
    return formats_of(context).clock(value, "short")


def register_filters(app: Flask) -> None:
    """Filters our templates use; the funnel words come from outreach.labels (setdefault:
    whichever feature registers first, the functions are the same)."""
    filters = app.jinja_env.filters
    filters["weekday_name"] = weekday_name
    filters["target_group_name"] = target_group_name
    filters["oslo_time"] = oslo_time
    filters.setdefault("stage_label", labels.stage_label)
    filters.setdefault("stage_badge", labels.stage_badge)
    filters.setdefault("role_label", labels.role_label)
    filters.setdefault("outcome_label", labels.outcome_label)
    filters.setdefault("language_name", language_name)
