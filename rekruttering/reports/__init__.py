"""Reports: conversion by channel, word of mouth, volunteers, funder and municipality figures.

The counting lives in the query modules (conversion, word_of_mouth, volunteers, funder,
municipality), the statistics in ``rekruttering.analytics``; the views only read
filters, call them and render tables with server-side SVG charts.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering import number_format
from rekruttering.access import MUNICIPALITY, STAFF
from rekruttering.navigation import add_nav_item
from rekruttering.reports.cells import disclosed_cells, disclosed_count, rate_cell, rate_details
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
    app.jinja_env.globals["disclosed_cells"] = disclosed_cells
    app.jinja_env.globals["report_rate_cell"] = rate_cell
    app.jinja_env.globals["report_rate_details"] = rate_details
    app.jinja_env.globals["report_rate_sentence"] = rate_sentence
    add_nav_item(app, "reports.conversion", _l("Reports"), STAFF, order=70)
    add_nav_item(app, "reports.municipality", _l("Reports"), MUNICIPALITY, order=10)
