"""Closed periods: the centre's own closed days (Christmas, summer) beside public holidays.

Staff see them; the centre's admin adds, changes and deletes them (a delete is
confirmed on a page of its own first).
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.activities.closures import (
    PeriodInput,
    add_closed_period,
    closed_periods_around,
    delete_closed_period,
    update_closed_period,
)
from rekruttering.activities.forms import ActionForm, ClosedPeriodForm
from rekruttering.activities.routes import _show_error, _weeks_ahead, bp
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.closures import public_holidays
from rekruttering.errors import ServiceError
from rekruttering.models import ClosedPeriod, UserRole
from rekruttering.number_format import current_locale
from rekruttering.tenancy import current_centre_id, get_or_404
from rekruttering.transaction import transaction

#: How far ahead the page lists public holidays.
HOLIDAYS_AHEAD = timedelta(days=365)


def _input(form: ClosedPeriodForm) -> PeriodInput:
    return PeriodInput(form.name.data or "", form.first_day.data, form.last_day.data)


@bp.route("/closed-periods")
@allow(*STAFF)
def closed_periods() -> str:
    today = oslo_today()
    periods, past = closed_periods_around(current_centre_id(), today)
    holidays = sorted(
        public_holidays(today, today + HOLIDAYS_AHEAD, current_locale().language).items()
    )
    return render_template(
        "activities/closed_periods.html",
        periods=periods,
        past=past,
        holidays=holidays,
        is_admin=g.get("role") == UserRole.ADMIN,
    )


@bp.route("/closed-periods/new", methods=["GET", "POST"])
@allow(*ADMIN)
def new_closed_period() -> str | Response:
    form = ClosedPeriodForm()
    if form.validate_on_submit():
        try:
            with transaction():
                period = add_closed_period(current_centre_id(), _input(form), _weeks_ahead())
        except ServiceError as error:
            _show_error(form, error)
        else:
            flash(
                _("%(name)s is added: no sessions are made on those days.", name=period.name),
                "success",
            )
            return redirect(url_for("activities.closed_periods"))
    return render_template("activities/closed_period_form.html", form=form, period=None)


@bp.route("/closed-periods/<int:period_id>/edit", methods=["GET", "POST"])
@allow(*ADMIN)
def edit_closed_period(period_id: int) -> str | Response:
    period = get_or_404(ClosedPeriod, period_id)
    form = ClosedPeriodForm(obj=period)
    if form.validate_on_submit():
        try:
            with transaction():
                update_closed_period(current_centre_id(), period.id, _input(form), _weeks_ahead())
        except ServiceError as error:
            _show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("activities.closed_periods"))
    return render_template("activities/closed_period_form.html", form=form, period=period)


@bp.route("/closed-periods/<int:period_id>/delete", methods=["GET", "POST"])
@allow(*ADMIN)
def delete_closed_period_view(period_id: int) -> str | Response:
    """GET asks "are you sure?"; the POST from that page deletes."""
    period = get_or_404(ClosedPeriod, period_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = period.name
        with transaction():
            delete_closed_period(current_centre_id(), period.id, _weeks_ahead())
        flash(
            _("%(name)s is deleted; sessions are made on those days again.", name=name), "success"
        )
        return redirect(url_for("activities.closed_periods"))
    return render_template("activities/closed_period_delete.html", form=form, period=period)
