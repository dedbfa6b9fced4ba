"""Reports: conversion by channel, word of mouth, volunteers, funder and municipality figures.

The counting lives in the query modules (conversion, word_of_mouth, volunteers, funder,
municipality), the statistics in ``rekruttering.analytics``; the views only read
filters, call them and render tables with server-side SVG charts.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from rekruttering import number_format
from rekruttering.access import MUNICIPALITY, STAFF
from rekruttering.analytics.disclosure import SMALL_BELOW, Cell
from rekruttering.navigation import add_nav_item
from rekruttering.reports.labels import rate_sentence


def percent(value: float | None) -> str:
    """A share as a whole percentage in the current language ("38 %" / "38%")."""
    return number_format.percent(value, 0)


def days(value: float | None) -> str:
    """Days with at most one decimal ("2,5")."""
    return number_format.decimal(value, 1)


def ratio(value: float | None) -> str:
    """Volunteers per participant with two decimals in the current language ("0,50")."""
    return number_format.number(value, 2)


def disclosed_count(cell: Cell, hidden_word: str) -> Markup:
    """A count the municipality sees: the number, "<5", or ``hidden_word`` greyed.

    A filter, not a macro: the municipality report shows one a centre and row (800
    at 50 centres), and a macro call cost more than the cell.
    """
    if cell.small:
        return Markup("&lt;%d") % SMALL_BELOW
    if cell.hidden:
        return Markup('<span class="text-body-secondary">%s</span>') % hidden_word
    return escape(number_format.number(cell.value))


def init_app(app: Flask) -> None:
    # Imported here: the report queries are used without the views (jobs, bench, tests).
    from rekruttering.reports import commands, freshness, routes

    freshness.init_app()
    app.cli.add_command(commands.warm)
    app.register_blueprint(routes.bp)
    app.jinja_env.filters["report_percent"] = percent
    app.jinja_env.filters["report_days"] = days
    app.jinja_env.filters["report_ratio"] = ratio
    app.jinja_env.filters["disclosed_count"] = disclosed_count
    app.jinja_env.globals["report_rate_sentence"] = rate_sentence
    add_nav_item(app, "reports.conversion", _l("Reports"), STAFF, order=70)
    add_nav_item(app, "reports.municipality", _l("Reports"), MUNICIPALITY, order=10)
