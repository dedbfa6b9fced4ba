"""Words for the funnel in the UI: stages, outcomes, roles (and the badge colour of each).

Registered as Jinja filters by ``rekruttering.outreach.init_app`` so every template
says the same thing: ``{{ enrolment.stage|stage_label }}``.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.template_gettext import remembered

STAGE_LABELS = {
    Stage.HEARD: _l("Heard of it"),
    Stage.ASKED: _l("Asked"),
    Stage.SHOWED_UP: _l("Showed up"),
    Stage.REGULAR: _l("Regular"),
}

OUTCOME_LABELS = {
    Outcome.HEARD: _l("Heard of it"),
    Outcome.ASKED: _l("Asked"),
    Outcome.SHOWED_UP: _l("Showed up"),
    Outcome.DECLINED: _l("Said no"),
    Outcome.NOT_NOW: _l("Not now"),
}

ROLE_LABELS = {
    Role.PARTICIPANT: _l("Participant"),
    Role.VOLUNTEER: _l("Volunteer"),
}

#: Bootstrap background classes for the stage badges.
STAGE_BADGES = {
    Stage.HEARD: "text-bg-secondary",
    Stage.ASKED: "text-bg-info",
    Stage.SHOWED_UP: "text-bg-primary",
    Stage.REGULAR: "text-bg-success",
}

OUTCOME_BADGES = {
    Outcome.HEARD: "text-bg-secondary",
    Outcome.ASKED: "text-bg-info",
    Outcome.SHOWED_UP: "text-bg-primary",
    Outcome.DECLINED: "text-bg-danger",
    Outcome.NOT_NOW: "text-bg-warning",
}


def _label(table: dict, value: object) -> str:
    """The translated label; remembered for the request (a list of hundreds of rows
    asks for the same few labels, and each lookup of a translation costs ~0.1 ms)."""
    cache: dict[tuple[str, int, str], str] | None = None
    key = ("", id(table), str(value))
    if has_request_context():
        cache = g.setdefault("_funnel_labels", {})
        # By locale too: a mail in another language may be rendered in the request.
        key = (str(get_locale()), id(table), str(value))
        found = cache.get(key)
        if found is not None:
            return found
    try:
        label = str(table[type(next(iter(table)))(value)])
    except (KeyError, ValueError):
        label = str(value)
    if cache is not None:
        cache[key] = label
    return label


def stage_label(value: object) -> str:
    return _label(STAGE_LABELS, value)


def outcome_label(value: object) -> str:
    return _label(OUTCOME_LABELS, value)


def role_label(value: object) -> str:
    return _label(ROLE_LABELS, value)


def stage_badge(value: object) -> str:
    try:
        return STAGE_BADGES[Stage(str(value))]
    except ValueError:
        return "text-bg-light"


def outcome_badge(value: object) -> str:
    try:
        return OUTCOME_BADGES[Outcome(str(value))]
    except ValueError:
        return "text-bg-light"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        stage_label=remembered(stage_label),
        outcome_label=remembered(outcome_label),
        role_label=remembered(role_label),
        stage_badge=stage_badge,
        outcome_badge=outcome_badge,
    )
