"""Reminder pages: the list by state, scheduling (with preview), one reminder's detail,
cancelling it and deciding an uncertain one."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import STAFF, allow
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_to_utc, utcnow
from rekruttering.domain.sms_segments import count_segments
from rekruttering.errors import ServiceError
from rekruttering.models import Reminder, ReminderState, Session
from rekruttering.pages import paginate
from rekruttering.reminders import queries, service
from rekruttering.reminders.blueprint import _page, bp
from rekruttering.reminders.forms import DecideForm, ScheduleForm
from rekruttering.templating import oslo_datetime
from rekruttering.transaction import transaction

#: The list's tabs: (key, states, label).
TABS: tuple[tuple[str, tuple[ReminderState, ...], Any], ...] = (
    ("scheduled", (ReminderState.PENDING, ReminderState.SENDING), _l("Scheduled")),
    ("sent", (ReminderState.SENT,), _l("Sent")),
    ("delivered", (ReminderState.DELIVERED,), _l("Delivered")),
    ("failed", (ReminderState.FAILED,), _l("Failed")),
    ("uncertain", (ReminderState.UNCERTAIN,), _l("Uncertain")),
    ("cancelled", (ReminderState.CANCELLED,), _l("Cancelled")),
)


# --- list -----------------------------------------------------------------------------


@bp.route("/")
@allow(*STAFF)
def index() -> str:
    centre_id = tenancy.current_centre_id()
    tab = request.args.get("state", "scheduled")
    states = next((s for key, s, _label in TABS if key == tab), None)
    if states is None:
        tab, states = "scheduled", TABS[0][1]
    query = queries.reminders_query(centre_id, states, by_due=tab == "scheduled")
    page = paginate(query, page=_page(), per_page=current_settings().app.page_size)
    counts = service.state_counts(centre_id)
    tab_counts = {key: sum(counts.get(str(s), 0) for s in ss) for key, ss, _label in TABS}
    return render_template(
        "reminders/index.html", page=page, tab=tab, tabs=TABS, tab_counts=tab_counts
    )


# --- schedule -------------------------------------------------------------------------


def _fill_choices(form: ScheduleForm, centre_id: int) -> list[Session]:
    people = queries.people_with_phone(centre_id)
    form.person_id.choices = [("", _("Choose a person"))] + [
        (pid, f"{first} {last}".strip()) for pid, first, last in people
    ]
    activities = queries.active_activity_names(centre_id)
    form.activity_id.choices = [("", _("Choose an activity"))] + [
        (aid, name) for aid, name in activities
    ]
    sessions = service.upcoming_sessions(
        centre_id, utcnow(), current_settings().funnel.sessions_ahead_weeks
    )
    form.session_id.choices = [("", _("The next session of the activity above"))] + [
        (s.id, session_label(s)) for s in sessions
    ]
    return sessions


def session_label(session: Session) -> str:
    return f"{session.activity.name}: {oslo_datetime(session.starts_at, 'EEE d. MMM HH:mm')}"


def _request_from(form: ScheduleForm) -> service.ScheduleRequest:
    at = None
    if form.when.data == "at":
        if form.at.data is None:
            raise ServiceError(_("Choose the time to send it."), field="at")
        at = oslo_to_utc(form.at.data.date(), form.at.data.time())
    return service.ScheduleRequest(
        person_id=form.person_id.data if form.who.data == "person" else None,
        everyone=form.who.data == "everyone",
        session_id=form.session_id.data,
        activity_id=form.activity_id.data if form.session_id.data is None else None,
        at=at,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def new() -> str | Response:
    centre_id = tenancy.current_centre_id()
    form = ScheduleForm()
    _fill_choices(form, centre_id)
    if request.method == "GET":
        form.person_id.data = request.args.get("person_id", type=int)
        form.session_id.data = request.args.get("session_id", type=int)
        form.activity_id.data = request.args.get("activity_id", type=int)
        if request.args.get("who") == "everyone":
            form.who.data = "everyone"
    plan = None
    if form.validate_on_submit():
        try:
            schedule_request = _request_from(form)
            if form.confirm.data and form.previewed.data == form.fingerprint():
                with transaction():
                    result = service.schedule(
                        centre_id, schedule_request, current_user, current_settings()
                    )
                created = len(result.created)
                if created:
                    flash(
                        _("Reminders scheduled: %(num)d.", num=created),
                        "success",
                    )
                else:
                    flash(_("Nothing new was scheduled."), "warning")
                return redirect(url_for("reminders.index", state="scheduled"))
            plan = service.preview(
                centre_id, schedule_request, current_user.name, current_settings()
            )
            form.previewed.data = form.fingerprint()
        except ServiceError as exc:
            target = getattr(form, exc.field or "", None) if exc.field else None
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, exc.message]
            else:
                flash(exc.message, "danger")
            plan = None
    return render_template("reminders/new.html", form=form, plan=plan)


# --- one reminder ---------------------------------------------------------------------


@bp.route("/<int:reminder_id>")
@allow(*STAFF)
def detail(reminder_id: int) -> str:
    reminder = tenancy.get_or_404(Reminder, reminder_id)
    segments = count_segments(reminder.body)
    return render_template(
        "reminders/detail.html", reminder=reminder, segments=segments, decide_form=DecideForm()
    )


@bp.route("/<int:reminder_id>/cancel", methods=["POST"])
@allow(*STAFF)
def cancel(reminder_id: int) -> Response:
    reminder = tenancy.get_or_404(Reminder, reminder_id)
    try:
        with transaction():
            service.cancel(tenancy.current_centre_id(), reminder.id)
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("The reminder is cancelled."), "success")
    return redirect(url_for("reminders.detail", reminder_id=reminder.id))


@bp.route("/<int:reminder_id>/decide", methods=["POST"])
@allow(*STAFF)
def decide(reminder_id: int) -> str | Response:
    reminder = tenancy.get_or_404(Reminder, reminder_id)
    form = DecideForm()
    if not form.validate_on_submit():
        flash(_("Choose what happened."), "warning")
        return redirect(url_for("reminders.detail", reminder_id=reminder.id))
    try:
        with transaction():
            service.decide_uncertain(
                tenancy.current_centre_id(),
                reminder.id,
                service.Decision(form.decision.data),
                current_settings(),
            )
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("reminders.detail", reminder_id=reminder.id))
