"""Reminder pages: list by state, schedule (with preview), detail, cancel, decide,
outbox, a person's messages, unknown senders, templates."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_to_utc, utcnow
from rekruttering.domain.reminder_text import DEFAULT_TEMPLATES, PLACEHOLDERS
from rekruttering.domain.sms_segments import count_segments
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Direction,
    Message,
    MessageTemplate,
    Person,
    Reminder,
    ReminderState,
    Session,
)
from rekruttering.people.languages import LANGUAGES, language_name
from rekruttering.reminders import service
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.reminders.forms import DecideForm, ScheduleForm, TemplateForm
from rekruttering.reminders.texts import KIND, normalise_language
from rekruttering.templating import oslo_datetime
from rekruttering.transaction import transaction

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

#: The list's tabs: (key, states, label).
TABS: tuple[tuple[str, tuple[ReminderState, ...], Any], ...] = (
    ("scheduled", (ReminderState.PENDING, ReminderState.SENDING), _l("Scheduled")),
    ("sent", (ReminderState.SENT,), _l("Sent")),
    ("delivered", (ReminderState.DELIVERED,), _l("Delivered")),
    ("failed", (ReminderState.FAILED,), _l("Failed")),
    ("uncertain", (ReminderState.UNCERTAIN,), _l("Uncertain")),
    ("cancelled", (ReminderState.CANCELLED,), _l("Cancelled")),
)
STATE_LABELS: dict[str, Any] = {
    "pending": _l("Scheduled"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
    "uncertain": _l("Uncertain"),
    "cancelled": _l("Cancelled"),
}
MESSAGE_STATUS_LABELS: dict[str, Any] = {
    "pending": _l("Being sent"),
    "unknown": _l("Unknown"),
    "stored": _l("Stored, not sent"),
    "received": _l("Received"),
    "accepted": _l("Accepted"),
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "undelivered": _l("Not delivered"),
    "failed": _l("Failed"),
    "canceled": _l("Cancelled"),
    "read": _l("Read"),
}
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
_REASON_WITH_CODE = re.compile(r"^(?P<reason>.+) \((?P<code>\d{3,6})\)$")


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.app_template_filter("reminder_state")
def reminder_state_label(state: Any) -> str:
    return str(STATE_LABELS.get(str(state), state))


@bp.app_template_filter("message_status")
def message_status_label(status: str | None) -> str:
    return str(MESSAGE_STATUS_LABELS.get(status or "", status or ""))


@bp.app_template_filter("sms_reason")
def sms_reason(reason: str | None) -> str:
    """A stored reason (English, maybe with a provider code) in the reader's language."""
    if not reason:
        return ""
    match = _REASON_WITH_CODE.match(reason)
    if match:
        return f"{_(match['reason'])} ({match['code']})"
    return _(reason)


# --- list -----------------------------------------------------------------------------


@bp.route("/")
@allow(*STAFF)
def index() -> str:
    centre_id = tenancy.current_centre_id()
    tab = request.args.get("state", "scheduled")
    states = next((s for key, s, _label in TABS if key == tab), None)
    if states is None:
        tab, states = "scheduled", TABS[0][1]
    query = (
        tenancy.scoped(Reminder)
        .where(Reminder.state.in_(states))
        .options(
            joinedload(Reminder.person),
            joinedload(Reminder.session).joinedload(Session.activity),
            joinedload(Reminder.message),
        )
    )
    if tab == "scheduled":
        query = query.order_by(Reminder.due_at, Reminder.id)
    else:
        query = query.order_by(Reminder.updated_at.desc(), Reminder.id.desc())
    page = db.paginate(query, page=_page(), per_page=current_settings()["app.page_size"])
    counts = service.state_counts(centre_id)
    tab_counts = {key: sum(counts.get(str(s), 0) for s in ss) for key, ss, _label in TABS}
    return render_template(
        "reminders/index.html", page=page, tab=tab, tabs=TABS, tab_counts=tab_counts
    )


# --- schedule -------------------------------------------------------------------------


def _fill_choices(form: ScheduleForm, centre_id: int) -> list[Session]:
    people = db.session.execute(
        sa.select(Person.id, Person.first_name, Person.last_name)
        .where(
            Person.centre_id == centre_id,
            Person.phone.is_not(None),
            Person.anonymised_at.is_(None),
            Person.merged_into_id.is_(None),
        )
        .order_by(Person.first_name, Person.last_name, Person.id)
    ).all()
    form.person_id.choices = [("", _("Choose a person"))] + [
        (pid, f"{first} {last}".strip()) for pid, first, last in people
    ]
    activities = db.session.execute(
        sa.select(Activity.id, Activity.name)
        .where(Activity.centre_id == centre_id, Activity.active.is_(True))
        .order_by(Activity.name)
    ).all()
    form.activity_id.choices = [("", _("Choose an activity"))] + [
        (aid, name) for aid, name in activities
    ]
    sessions = service.upcoming_sessions(
        centre_id, utcnow(), current_settings()["funnel.sessions_ahead_weeks"]
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


# --- outbox and unknown senders -------------------------------------------------------


@bp.route("/outbox")
@allow(*STAFF)
def outbox() -> str:
    query = (
        tenancy.scoped(Message)
        .where(Message.gateway == "outbox", Message.direction == Direction.OUTBOUND)
        .options(joinedload(Message.person))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    page = db.paginate(query, page=_page(), per_page=current_settings()["app.page_size"])
    return render_template(
        "reminders/outbox.html", page=page, gateway=current_settings()["sms.gateway"]
    )


def _unknown_senders() -> sa.Select:
    """Texts from unknown numbers received on this centre's number (sms.inbound_centres).

    Texts to a number no centre owns are for the installation's operator only
    (``rekruttering unknown-senders``), never for every centre's admins.
    """
    return tenancy.scoped(Message).where(
        Message.person_id.is_(None), Message.direction == Direction.INBOUND
    )


@bp.route("/unknown-senders")
@allow(*ADMIN)
def unknown_senders() -> str:
    query = _unknown_senders().order_by(Message.created_at.desc(), Message.id.desc())
    page = db.paginate(query, page=_page(), per_page=current_settings()["app.page_size"])
    return render_template("reminders/unknown_senders.html", page=page)


@bp.route("/unknown-senders/<int:message_id>/delete", methods=["POST"])
@allow(*ADMIN)
def delete_unknown(message_id: int) -> Response:
    message = db.session.scalar(_unknown_senders().where(Message.id == message_id))
    if message is None:
        abort(404)
    with transaction():
        db.session.delete(message)
    flash(_("The message is deleted."), "success")
    return redirect(url_for("reminders.unknown_senders"))


# --- a person's messages and SMS status -----------------------------------------------


@bp.route("/people/<int:person_id>")
@allow(*STAFF)
def person_messages(person_id: int) -> str:
    person = tenancy.get_or_404(Person, person_id)
    messages = db.paginate(
        tenancy.scoped(Message)
        .where(Message.person_id == person.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        page=_page(),
        per_page=current_settings()["app.page_size"],
    )
    reminders = db.session.scalars(
        tenancy.scoped(Reminder)
        .where(Reminder.person_id == person.id)
        .options(joinedload(Reminder.session).joinedload(Session.activity))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "reminders/person_messages.html",
        person=person,
        messages=messages,
        reminders=reminders,
        not_textable=why_not_textable(person),
        has_person_page="people.detail" in current_app.view_functions,
    )


def _person_action(person_id: int, action: Any, done: str) -> Response:
    person = tenancy.get_or_404(Person, person_id)
    with transaction():
        action(tenancy.current_centre_id(), person.id)
    flash(done, "success")
    return redirect(url_for("reminders.person_messages", person_id=person.id))


@bp.route("/people/<int:person_id>/opt-out", methods=["POST"])
@allow(*STAFF)
def opt_out(person_id: int) -> Response:
    return _person_action(
        person_id, service.opt_out_by_staff, _("Opted out: no more SMS to this person.")
    )


@bp.route("/people/<int:person_id>/opt-in", methods=["POST"])
@allow(*STAFF)
def opt_in(person_id: int) -> Response:
    return _person_action(person_id, service.opt_in_by_staff, _("Opted in to SMS again."))


@bp.route("/people/<int:person_id>/textable", methods=["POST"])
@allow(*STAFF)
def textable(person_id: int) -> Response:
    return _person_action(
        person_id, service.clear_not_textable, _("The phone is marked as able to take SMS.")
    )


# --- templates ------------------------------------------------------------------------


@bp.route("/templates")
@allow(*ADMIN)
def templates() -> str:
    centre_id = tenancy.current_centre_id()
    custom = {
        t.language: t
        for t in db.session.scalars(
            tenancy.scoped(MessageTemplate).where(MessageTemplate.kind == KIND)
        )
    }
    spoken = set(
        db.session.scalars(
            sa.select(Person.language)
            .where(Person.centre_id == centre_id, Person.anonymised_at.is_(None))
            .distinct()
        )
    )
    codes = sorted(
        {normalise_language(c) for c in spoken} | set(custom) | set(DEFAULT_TEMPLATES),
        key=lambda c: (c != "nb", language_name(c)),
    )
    rows = [
        {
            "code": code,
            "name": language_name(code),
            "custom": custom.get(code),
            "builtin": code in DEFAULT_TEMPLATES,
            "spoken": code in {normalise_language(c) for c in spoken},
        }
        for code in codes
        if LANGUAGE_CODE.match(code)
    ]
    return render_template("reminders/templates.html", rows=rows)


@bp.route("/templates/<language>", methods=["GET", "POST"])
@allow(*ADMIN)
def edit_template(language: str) -> str | Response:
    language = normalise_language(language)
    if not LANGUAGE_CODE.match(language):
        abort(404)
    centre_id = tenancy.current_centre_id()
    existing = db.session.scalar(
        tenancy.scoped(MessageTemplate).where(
            MessageTemplate.kind == KIND, MessageTemplate.language == language
        )
    )
    form = TemplateForm()
    if request.method == "GET":
        form.body.data = (
            existing.body if existing else DEFAULT_TEMPLATES.get(language, DEFAULT_TEMPLATES["nb"])
        )
    sample = None
    if form.validate_on_submit() and form.submit.data:
        try:
            with transaction():
                service.save_template(centre_id, language, form.body.data)
        except ServiceError as exc:
            form.body.errors = [*form.body.errors, exc.message]
        else:
            flash(_("The template is saved."), "success")
            return redirect(url_for("reminders.templates"))
    if form.body.data:
        sample = count_segments(form.body.data)
    return render_template(
        "reminders/template_form.html",
        form=form,
        language=language,
        language_label=language_name(language),
        existing=existing,
        sample=sample,
        placeholders=PLACEHOLDERS,
        known=language in LANGUAGES or language in DEFAULT_TEMPLATES,
    )


@bp.route("/templates/<language>/delete", methods=["POST"])
@allow(*ADMIN)
def delete_template(language: str) -> Response:
    language = normalise_language(language)
    with transaction():
        service.delete_template(tenancy.current_centre_id(), language)
    flash(_("The centre's own text is removed; the built-in text is used."), "success")
    return redirect(url_for("reminders.templates"))
