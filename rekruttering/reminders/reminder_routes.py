"""Reminder pages: the list by state, scheduling (with preview), one reminder's detail,
cancelling it and deciding an uncertain one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
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
from rekruttering.models import Person, Reminder, ReminderState, Session
from rekruttering.pages import paginate
from rekruttering.reminders import picker, queries, service
from rekruttering.reminders.blueprint import _page, bp
from rekruttering.reminders.eligibility import NO_CONSENT
from rekruttering.reminders.forms import DecideForm, ScheduleForm, optional_int
from rekruttering.reminders.picker import PICKER_LIMIT
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


def _fill_choices(
    form: ScheduleForm, centre_id: int, person_q: str = "", chosen_id: int | None = None
) -> list[Session]:
    # Not every textable person (thousands at a large centre): the search's results,
    # and the person already chosen.
    people: list[Person | picker.PickedPerson] = (
        list(picker.textable_people(centre_id, person_q)) if person_q else []
    )
    if chosen_id is not None and chosen_id not in {p.id for p in people}:
        chosen = picker.chosen_person(centre_id, chosen_id)
        if chosen is not None:
            people.insert(0, chosen)
    if person_q and not people:
        prompt = _("Nobody with a phone matches the search")
    elif people:
        prompt = _("Choose a person")
    else:
        prompt = _("Search for the person first")
    form.person_id.choices = [("", prompt)] + [(p.id, p.display_name) for p in people]
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


@bp.route("/people")
@allow(*STAFF)
def person_search() -> Response:
    """Search as you type on the reminder form: the shared person search, as JSON."""
    text = request.args.get("q", "").strip()[:100]
    centre_id = tenancy.current_centre_id()
    people = picker.textable_people(centre_id, text, PICKER_LIMIT + 1) if text else []
    return jsonify(
        {
            "people": [{"id": p.id, "name": p.display_name} for p in people[:PICKER_LIMIT]],
            "more": len(people) > PICKER_LIMIT,
        }
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def new() -> str | Response:
    centre_id = tenancy.current_centre_id()
    form = ScheduleForm()
    person_q = request.values.get("person_q", "").strip()[:100]
    chosen_id = (
        request.args.get("person_id", type=int)
        if request.method == "GET"
        else optional_int(request.form.get("person_id"))
    )
    _fill_choices(form, centre_id, person_q, chosen_id)
    if request.method == "GET":
        form.person_id.data = chosen_id
        form.session_id.data = request.args.get("session_id", type=int)
        form.activity_id.data = request.args.get("activity_id", type=int)
        if chosen_id is not None and form.session_id.data is None and form.activity_id.data is None:
            # A reminder for someone is most likely about what they are enrolled in.
            form.activity_id.data = picker.enrolled_activity_id(centre_id, chosen_id)
        if request.args.get("who") == "everyone":
            form.who.data = "everyone"
        if request.args.get("when") == "at":
            form.when.data = "at"
            form.at.data = _parse_at(request.args.get("at", ""))
    plan = None
    if request.method == "GET" and request.args.get("preview") == "1":
        # Back from recording consent in place: the preview again, as it was.
        try:
            plan = service.preview(
                centre_id, _request_from(form), current_user.name, current_settings()
            )
            form.previewed.data = form.fingerprint()
        except ServiceError as exc:
            flash(exc.message, "warning")
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
    return render_template(
        "reminders/new.html",
        form=form,
        plan=plan,
        person_q=person_q,
        picker_limit=PICKER_LIMIT,
        needs_consent=_needs_consent(plan),
        preview_again=_preview_url(form, person_q) if plan else None,
    )


def _parse_at(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


def _needs_consent(plan: service.Plan | None) -> set[int]:
    """The people of the preview held back only for want of SMS consent: staff can
    record it in place (the person said yes on the phone, at the door)."""
    if plan is None:
        return set()
    no_consent = str(NO_CONSENT)
    return {item.person.id for item in plan.items if str(item.problem or "") == no_consent}


def _preview_url(form: ScheduleForm, person_q: str) -> str:
    """This preview as a link: where recording consent in place comes back to."""
    args: dict[str, Any] = {"who": form.who.data, "preview": 1}
    for name in ("person_id", "activity_id", "session_id"):
        value = getattr(form, name).data
        if value is not None:
            args[name] = value
    if form.when.data == "at" and form.at.data is not None:
        args["when"] = "at"
        args["at"] = form.at.data.strftime("%Y-%m-%dT%H:%M")
    if person_q:
        args["person_q"] = person_q
    return url_for("reminders.new", **args)


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
