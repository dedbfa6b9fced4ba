"""Activities: list, create, edit, cancelled dates, sessions, sign-ups and waiting lists."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering.access import STAFF, allow
from rekruttering.activities import queries
from rekruttering.activities.forms import (
    ActionForm,
    ActivityForm,
    CancelledDateForm,
    PersonActionForm,
    RemoveCancelledDateForm,
)
from rekruttering.activities.service import (
    ActivityInput,
    SlotInput,
    add_cancelled_date,
    create_activity,
    remove_cancelled_date,
    update_activity,
)
from rekruttering.activities.sessions import generate_sessions
from rekruttering.activities.signups import cancel_signup, sign_up
from rekruttering.centre_settings.service import settings_of
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_day_bounds, oslo_today, start_of_oslo_day, utcnow
from rekruttering.domain.dates import parse_date
from rekruttering.domain.funnel import Role, Stage
from rekruttering.domain.volunteer_ratio import ratio_phrase
from rekruttering.errors import ServiceError
from rekruttering.models import (
    Activity,
    Person,
    Session,
    SessionSignup,
)
from rekruttering.pages import paginate
from rekruttering.people.forms import NewPersonForm
from rekruttering.people.search import find_other_people
from rekruttering.people.service import DuplicatePhone, create_person
from rekruttering.tenancy import current_centre_id, get_or_404
from rekruttering.transaction import transaction

bp = Blueprint("activities", __name__)


def _weeks_ahead() -> int:
    return current_settings().funnel.sessions_ahead_weeks


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _show_error(form: Any, error: ServiceError) -> None:
    """A service refusal next to its field when the form has it, else as a message."""
    # The weekly-time rows are a FieldList, which shows no errors of its own.
    target = getattr(form, error.field, None) if error.field not in (None, "slots") else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "danger")


def _activity_input(form: ActivityForm) -> ActivityInput:
    slots = [
        SlotInput(
            weekday=int(entry.form.weekday.data),
            start=entry.form.start.data,
            end=entry.form.end.data,
            place=(entry.form.place.data or "").strip(),
        )
        for entry in form.slots
        if entry.form.weekday.data and entry.form.start.data and entry.form.end.data
    ]
    ratio = form.wished_volunteer_ratio.data
    assert form.reminder_time.data is not None  # InputRequired
    return ActivityInput(
        name=form.name.data or "",
        slots=slots,
        description=form.description.data or "",
        target_group=form.target_group.data or None,
        capacity=form.capacity.data,
        signup_required=bool(form.signup_required.data),
        wished_volunteer_ratio=float(ratio) if ratio is not None else None,
        season_start=form.season_start.data,
        season_end=form.season_end.data,
        reminder_days_before=form.reminder_days_before.data or 0,
        reminder_time=form.reminder_time.data,
        active=bool(form.active.data),
    )


def _form_data(activity: Activity) -> dict[str, Any]:
    return {
        "name": activity.name,
        "description": activity.description,
        "target_group": activity.target_group or "",
        "capacity": activity.capacity,
        "signup_required": activity.signup_required,
        "wished_volunteer_ratio": activity.wished_volunteer_ratio,
        "season_start": activity.season_start,
        "season_end": activity.season_end,
        "reminder_days_before": activity.reminder_days_before,
        "reminder_time": activity.reminder_time,
        "active": activity.active,
        "slots": [
            {
                "weekday": str(slot.weekday),
                "start": slot.start_time,
                "end": slot.end_time,
                "place": slot.place,
            }
            for slot in activity.schedules
        ]
        + [{}],
    }


@bp.route("/activities/")
@allow(*STAFF)
def index() -> str:
    centre_id = current_centre_id()
    page = paginate(
        queries.activities_query(centre_id),
        page=_page(),
        per_page=current_settings().app.page_size,
    )
    ids = [a.id for a in page.items]
    next_session = queries.next_session_starts(ids, utcnow())
    regulars = queries.regulars_per_activity(ids)
    start, end = oslo_day_bounds(oslo_today())
    today = queries.sessions_between(centre_id, start, end)
    return render_template(
        "activities/index.html",
        page=page,
        next_session=next_session,
        regulars=regulars,
        today_sessions=today,
    )


def _save_activity(form: ActivityForm, activity: Activity | None) -> Response | None:
    if form.add_slot.data:
        form.slots.append_entry()
        return None
    if not form.validate_on_submit():
        return None
    try:
        with transaction():
            if activity is None:
                saved = create_activity(current_centre_id(), _activity_input(form), _weeks_ahead())
            else:
                saved = update_activity(
                    current_centre_id(), activity.id, _activity_input(form), _weeks_ahead()
                )
    except ServiceError as exc:
        _show_error(form, exc)
        return None
    flash(_("%(name)s is saved.", name=saved.name), "success")
    return redirect(url_for("activities.detail", activity_id=saved.id))


@bp.route("/activities/new", methods=["GET", "POST"])
@allow(*STAFF)
def create() -> str | Response:
    form = ActivityForm()
    if request.method == "GET":
        # The centre's reminder default (its settings page) for a new activity.
        defaults = settings_of(current_centre_id())
        form.reminder_days_before.data = defaults.reminder_days_before
        form.reminder_time.data = defaults.reminder_time
    if request.method == "POST":
        done = _save_activity(form, None)
        if done is not None:
            return done
    return render_template("activities/form.html", form=form, activity=None)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(activity_id: int) -> str | Response:
    activity = get_or_404(Activity, activity_id)
    if request.method == "POST":
        form = ActivityForm()
        done = _save_activity(form, activity)
        if done is not None:
            return done
    else:
        form = ActivityForm(data=_form_data(activity))
    return render_template("activities/form.html", form=form, activity=activity)


@bp.route("/activities/<int:activity_id>")
@allow(*STAFF)
def detail(activity_id: int) -> str:
    activity = get_or_404(Activity, activity_id)
    today = oslo_today()
    upcoming = queries.upcoming_sessions(activity.id, start_of_oslo_day(today), limit=6)
    funnel = queries.funnel_counts(activity.id)
    cancelled = queries.cancelled_dates_from(activity.id, today)
    return render_template(
        "activities/detail.html",
        activity=activity,
        upcoming=upcoming,
        funnel=funnel,
        stages=list(Stage),
        roles=list(Role),
        cancelled=cancelled,
        cancel_form=CancelledDateForm(formdata=None),
        ratio=ratio_phrase(activity.wished_volunteer_ratio)
        if activity.wished_volunteer_ratio
        else None,
    )


@bp.route("/activities/<int:activity_id>/cancelled-dates", methods=["POST"])
@allow(*STAFF)
def add_cancelled(activity_id: int) -> Response:
    activity = get_or_404(Activity, activity_id)
    form = CancelledDateForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    day = form.day.data
    assert day is not None  # InputRequired
    if day < oslo_today():
        flash(_("That date has passed; choose today or a later date."), "danger")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    try:
        with transaction():
            add_cancelled_date(
                current_centre_id(),
                activity.id,
                day,
                form.reason.data or "",
                _weeks_ahead(),
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The activity is cancelled on that date."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/cancelled-dates/remove", methods=["POST"])
@allow(*STAFF)
def remove_cancelled(activity_id: int) -> Response:
    activity = get_or_404(Activity, activity_id)
    form = RemoveCancelledDateForm()
    day = parse_date(form.day.data or "", oslo_today()) if form.validate_on_submit() else None
    if day is None:
        abort(400)
    with transaction():
        removed = remove_cancelled_date(current_centre_id(), activity.id, day, _weeks_ahead())
    if removed:
        flash(_("The activity is on again that day."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/sessions")
@allow(*STAFF)
def sessions(activity_id: int) -> str:
    activity = get_or_404(Activity, activity_id)
    past = request.args.get("when") == "past"
    boundary = start_of_oslo_day(oslo_today())
    query = queries.sessions_query(activity.id, boundary, past=past)
    page = paginate(query, page=_page(), per_page=current_settings().app.page_size)
    ids = [s.id for s in page.items]
    attended = queries.attendance_counts(ids)
    signed_up, waiting = queries.signup_counts(ids)
    return render_template(
        "activities/sessions.html",
        activity=activity,
        page=page,
        past=past,
        attended=attended,
        signed_up=signed_up,
        waiting=waiting,
    )


@bp.route("/activities/<int:activity_id>/sessions/generate", methods=["POST"])
@allow(*STAFF)
def generate(activity_id: int) -> Response:
    activity = get_or_404(Activity, activity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with transaction():
        result = generate_sessions(current_centre_id(), activity.id, _weeks_ahead())
    flash(
        _(
            "Sessions are up to date: %(created)d new, %(cancelled)d cancelled, %(removed)d removed.",
            created=result.created,
            cancelled=result.cancelled,
            removed=result.removed,
        ),
        "success",
    )
    return redirect(url_for("activities.sessions", activity_id=activity.id))


# --- sign-up and waiting list -------------------------------------------------------


def _signup_lists(session: Session) -> tuple[list[SessionSignup], list[SessionSignup]]:
    signups = queries.signups_of(session.id)
    return [s for s in signups if not s.waitlisted], [s for s in signups if s.waitlisted]


@bp.route("/sessions/<int:session_id>/signups", methods=["GET"])
@allow(*STAFF)
def signups(session_id: int) -> str:
    session = get_or_404(Session, session_id)
    confirmed, waiting = _signup_lists(session)
    query = (request.args.get("q") or "").strip()
    found: list[Person] = []
    if query:
        found = find_other_people(
            current_centre_id(), query, {s.person_id for s in confirmed + waiting}
        )
    return render_template(
        "activities/signups.html",
        session=session,
        activity=session.activity,
        confirmed=confirmed,
        waiting=waiting,
        query=query,
        found=found,
        new_form=NewPersonForm(formdata=None),
        over=session.ends_at <= utcnow(),
    )


@bp.route("/sessions/<int:session_id>/signups", methods=["POST"])
@allow(*STAFF)
def add_signup(session_id: int) -> Response | str:
    session = get_or_404(Session, session_id)
    centre_id = current_centre_id()
    back = redirect(url_for("activities.signups", session_id=session.id))
    if request.form.get("first_name") is not None:  # a new person
        form = NewPersonForm()
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "danger")
            return back
        try:
            with transaction():
                try:
                    person = create_person(
                        centre_id,
                        form.first_name.data,
                        last_name=form.last_name.data or "",
                        phone=form.phone.data,
                        language=form.language.data or "nb",
                    )
                except DuplicatePhone as duplicate:
                    person = duplicate.existing
                signup = sign_up(centre_id, session.id, person.id)
        except ServiceError as exc:
            flash(exc.message, "danger")
            return back
    else:
        action = PersonActionForm()
        if not action.validate_on_submit():
            abort(400)
        try:
            with transaction():
                signup = sign_up(centre_id, session.id, action.person_id.data)
                person = signup.person
        except ServiceError as exc:
            flash(exc.message, "danger")
            return back
    if signup.waitlisted:
        flash(
            _("The session is full: %(name)s is on the waiting list.", name=person.display_name),
            "warning",
        )
    else:
        flash(_("%(name)s is signed up.", name=person.display_name), "success")
    return back


@bp.route("/sessions/<int:session_id>/signups/cancel", methods=["POST"])
@allow(*STAFF)
def cancel_signup_view(session_id: int) -> Response:
    session = get_or_404(Session, session_id)
    form = PersonActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            moved = cancel_signup(current_centre_id(), session.id, form.person_id.data)
            names = [s.person.display_name for s in moved]
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The sign-up is cancelled."), "success")
        for name in names:
            flash(_("%(name)s moved up from the waiting list.", name=name), "info")
    return redirect(url_for("activities.signups", session_id=session.id))
