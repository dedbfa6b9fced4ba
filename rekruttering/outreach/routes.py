"""Log a contact, and the follow-up queue (the staff's start page)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import STAFF, allow
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_to_utc, oslo_today
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.domain.phone import format_phone
from rekruttering.errors import NotFound, ServiceError
from rekruttering.input_boundary import safe_next
from rekruttering.languages import language_choices
from rekruttering.models import (
    Activity,
    Channel,
    Contact,
    Notification,
    Person,
    Referral,
)
from rekruttering.outreach.follow_up import SECTIONS, follow_up_queue
from rekruttering.outreach.forms import LogContactForm, as_choices, optional_int
from rekruttering.outreach.queries import (
    active_activities,
    active_channels,
    person_in_centre,
    staff_choices,
)
from rekruttering.outreach.service import (
    ContactInput,
    ContactSubjects,
    NewPerson,
    contact_for_token,
    contact_subjects,
    log_contact_for_new_person,
    mark_follow_up_done,
    mark_notification_read,
)
from rekruttering.outreach.service import log_contact as log_contact_service
from rekruttering.people.search import quick_search, recent_people, recruiters
from rekruttering.people.service import DuplicatePhone
from rekruttering.transaction import transaction

bp = Blueprint("outreach", __name__)


# --- the follow-up queue ------------------------------------------------------------


#: Rows per section on the start page: overdue and today open, the rest folded, so the
#: page stays about three phone screens long; each section pages on its own.
START_PAGE_ROWS = 5
#: The "only mine" choice, remembered for the session (``?mine=1`` / ``?mine=0``).
MINE_KEY = "follow_up_only_mine"


@bp.route("/follow-up")
@allow(*STAFF)
def follow_up() -> str:
    settings = current_settings()
    chosen = request.args.get("mine")
    if chosen in ("0", "1"):
        session[MINE_KEY] = chosen == "1"
    only_mine = bool(session.get(MINE_KEY, False))
    pages = {}
    for name in SECTIONS:
        page = request.args.get(name, type=int)
        if page is not None and page > 1:
            pages[name] = page
    queue = follow_up_queue(
        tenancy.current_centre_id(),
        heard_days=settings.funnel.heard_not_asked_days,
        limit=min(settings.app.page_size, START_PAGE_ROWS),
        pages=pages,
        mine=current_user.id if only_mine else None,
    )
    return render_template("outreach/follow_up.html", queue=queue, pages=pages)


@bp.route("/follow-up/<int:contact_id>/done", methods=["POST"])
@allow(*STAFF)
def follow_up_done(contact_id: int) -> Response:
    contact = tenancy.get_or_404(Contact, contact_id)
    try:
        with transaction():
            mark_follow_up_done(tenancy.current_centre_id(), contact.id)
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Follow-up marked as done."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("outreach.follow_up")))


@bp.route("/notifications/<int:notification_id>/seen", methods=["POST"])
@allow(*STAFF)
def notification_seen(notification_id: int) -> Response:
    notification = tenancy.get_or_404(Notification, notification_id)
    with transaction():
        mark_notification_read(tenancy.current_centre_id(), notification.id)
    flash(_("Marked as seen."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("outreach.follow_up")))


# --- log a contact ------------------------------------------------------------------


def _arg_object(model: type, name: str) -> Any:
    """An object named by a query argument (404 for another centre's id)."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    ident = optional_int(raw)
    if ident is None:
        abort(404)
    return tenancy.get_or_404(model, ident)


def _person_label(person: Person) -> str:
    phone = format_phone(person.phone)
    return f"{person.display_name} ({phone})" if phone else person.display_name


def _fill_choices(
    form: LogContactForm, centre_id: int, people: list[Person], extra: list[Person]
) -> None:
    seen: set[int] = set()
    person_choices: list[tuple[Any, str]] = [("", _("— a new person (fill in below) —"))]
    for person in [*extra, *people]:
        if person.id not in seen:
            seen.add(person.id)
            person_choices.append((person.id, _person_label(person)))
    form.person_id.choices = as_choices(person_choices)
    form.new_language.choices = as_choices(language_choices())
    activities = active_activities(centre_id)
    form.activity_id.choices = as_choices(
        [("", _("— choose an activity —"))] + [(a.id, a.name) for a in activities]
    )
    channels = active_channels(centre_id)
    form.channel_id.choices = as_choices([("", "—")] + [(c.id, c.name) for c in channels])
    form.by_user_id.choices = as_choices(staff_choices(centre_id))
    recruiter_choices: list[tuple[Any, str]] = [("", "—")]
    chosen_recruiter = form.recruited_by_id.data
    recruiter_people = recruiters(centre_id)
    if chosen_recruiter and all(p.id != chosen_recruiter for p in recruiter_people):
        chosen = person_in_centre(centre_id, chosen_recruiter)
        if chosen is not None:
            recruiter_people = [chosen, *recruiter_people]
    recruiter_choices += [(p.id, p.display_name) for p in recruiter_people]
    form.recruited_by_id.choices = as_choices(recruiter_choices)


def _occurred_at(day: date | None) -> datetime | None:
    """Today (or no date) is now; an earlier day is noon that day in Oslo."""
    if day is None or day == oslo_today():
        return None
    return oslo_to_utc(day, time(12, 0))


def _prefill(form: LogContactForm) -> Person | None:
    """Fill a fresh form from the query string (links from other pages)."""
    person = _arg_object(Person, "person_id")
    activity = _arg_object(Activity, "activity_id")
    recruiter = _arg_object(Person, "recruited_by_id")
    follow_up = _arg_object(Contact, "follow_up_id")
    notification = _arg_object(Notification, "notification_id")
    referral = _arg_object(Referral, "referral_id")
    channel = _arg_object(Channel, "channel_id")
    form.person_id.data = person.id if person else None
    form.activity_id.data = activity.id if activity else None
    form.channel_id.data = channel.id if channel else None
    form.recruited_by_id.data = recruiter.id if recruiter else None
    if request.args.get("outcome") in {o.value for o in Outcome}:
        form.outcome.data = request.args["outcome"]
    if request.args.get("role") in {r.value for r in Role}:
        form.role.data = request.args["role"]
    form.follow_up_id.data = str(follow_up.id) if follow_up else ""
    form.notification_id.data = str(notification.id) if notification else ""
    form.referral_id.data = str(referral.id) if referral else ""
    if referral is not None and activity is None and referral.activity_id:
        form.activity_id.data = referral.activity_id
    form.by_user_id.data = current_user.id
    form.form_token.data = secrets.token_urlsafe(24)
    return person


def _hidden_int(form_field: Any, model: type, held: list[Any] | None = None) -> int | None:
    """A hidden id the form carries back: loaded (404 for another centre's id).

    ``held``: the object is kept there. The session holds what it loaded only while
    something refers to it; kept, the service finds it there instead of reading it again.
    """
    ident = optional_int(form_field.data)
    if ident is None:
        return None
    obj: Any = tenancy.get_or_404(model, ident)
    if held is not None:
        held.append(obj)
    return int(obj.id)


_ROLES = frozenset(r.value for r in Role)


def _subjects(
    centre_id: int, person_id: int | None, form: LogContactForm
) -> ContactSubjects | None:
    """The person, the activity and the enrolment a posted contact names, and what its
    form token logged, in one statement, when it names a person, an activity and a role;
    None otherwise, or when either is not of this centre (then read one by one: the 404
    is answered there)."""
    activity_id = optional_int(form.activity_id.data)
    role = form.role.data
    if person_id is None or activity_id is None or role not in _ROLES:
        return None
    token = form.form_token.data or None
    return contact_subjects(centre_id, person_id, activity_id, Role(role), token)


@bp.route("/contacts/new", methods=["GET", "POST"])
@allow(*STAFF)
def log_contact() -> str | Response | tuple[str, int]:
    centre_id = tenancy.current_centre_id()
    form = LogContactForm()
    duplicate: Person | None = None
    chosen: Person | None = None
    subjects: ContactSubjects | None = None
    q = request.args.get("q", "").strip()
    if request.method == "POST":
        chosen_id = optional_int(request.form.get("person_id"))
        # The person, activity, enrolment and form token in one statement; read one by
        # one (token first) when they are not all there.
        subjects = _subjects(centre_id, chosen_id, form)
        if subjects is not None:
            earlier = subjects.earlier
        else:
            earlier = contact_for_token(centre_id, form.form_token.data or None)
        if earlier is not None:
            # The same form sent again (the browser's Back, then Save): show what the
            # first post saved rather than a duplicate.
            flash(
                _(
                    "This form was already saved (after going back?). Here is the contact "
                    "it saved for %(name)s; nothing was saved twice.",
                    name=earlier.person.display_name,
                ),
                "info",
            )
            default = url_for("people.detail", person_id=earlier.person_id)
            return redirect(safe_next(request.args.get("next"), default))
        # Load what the form names before validating it (404 for another centre's ids).
        held: list[Any] = []  # loaded here, read by the service too: kept till it has run
        if subjects is not None:
            chosen = subjects.person
            held.append(subjects.activity)
        else:
            chosen = tenancy.get_or_404(Person, chosen_id) if chosen_id else None
        for name, model in (
            ("activity_id", Activity),
            ("channel_id", Channel),
            ("recruited_by_id", Person),
        ):
            _hidden_int(getattr(form, name), model, held)
        follow_up_id = _hidden_int(form.follow_up_id, Contact)
        notification_id = _hidden_int(form.notification_id, Notification)
        referral_id = _hidden_int(form.referral_id, Referral)
    else:
        chosen = _prefill(form)
    if request.method == "POST":
        # Only the language list checks what is posted against its choices (the ids are
        # loaded above); the pickers' lists (recent people, up to 300 recruiters) are
        # read only if the form is shown again (docs/performance.md).
        form.new_language.choices = as_choices(language_choices())
        valid = form.validate()
        problems = _check(form, chosen)
        for name, message in problems.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        if valid and not problems:
            data = ContactInput(
                person_id=chosen.id if chosen else 0,
                outcome=Outcome(form.outcome.data),
                activity_id=form.activity_id.data,
                channel_id=form.channel_id.data,
                role=Role(form.role.data),
                occurred_at=_occurred_at(form.occurred_on.data),
                by_user_id=form.by_user_id.data,
                note=(form.note.data or "").strip(),
                follow_up_on=form.follow_up_on.data,
                recruited_by_id=form.recruited_by_id.data,
                referral_id=referral_id,
                form_token=form.form_token.data or None,
                closes_follow_up_id=follow_up_id,
                closes_notification_id=notification_id,
            )
            try:
                with transaction():
                    # The form token was looked up above, in this transaction.
                    if chosen is not None:
                        contact = log_contact_service(
                            centre_id,
                            data,
                            token_checked=True,
                            enrolment=subjects.enrolment if subjects else None,
                        )
                    else:
                        contact = log_contact_for_new_person(
                            centre_id,
                            NewPerson(
                                first_name=form.new_first_name.data or "",
                                last_name=form.new_last_name.data or "",
                                phone=form.new_phone.data,
                                language=form.new_language.data or "nb",
                                sms_consent=bool(form.new_sms_consent.data),
                            ),
                            data,
                            token_checked=True,
                        )
                    # Read before the commit expires them (read after, they are loaded again).
                    saved = (contact.person_id, contact.person.display_name)
            except DuplicatePhone as exc:
                # Offer the person who has the number: one more tap logs it for them.
                duplicate = chosen = exc.existing
            except ServiceError as exc:
                _attach(form, exc)
            except IntegrityError:
                # Two posts of one form at the same moment: the other one won the
                # unique form token (or phone). Show what it saved, if that is it.
                other = contact_for_token(centre_id, data.form_token)
                if other is None:
                    raise
                return _saved(other.person_id, other.person.display_name)
            else:
                return _saved(*saved)
    people = quick_search(centre_id, q) if q else recent_people(centre_id)
    _fill_choices(form, centre_id, people, [chosen] if chosen else [])
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "outreach/log_contact.html",
            form=form,
            chosen=chosen,
            duplicate=duplicate,
            q=q,
            searched=bool(q),
            result_count=len(people),
        ),
        status,
    )


def _saved(person_id: int, name: str) -> Response:
    flash(_("Contact saved for %(name)s.", name=name), "success")
    default = url_for("people.detail", person_id=person_id)
    return redirect(safe_next(request.args.get("next"), default))


def _check(form: LogContactForm, chosen: Person | None) -> dict[str, str]:
    """Checks across fields that the form's own validators cannot make."""
    problems: dict[str, str] = {}
    if chosen is None and not (form.new_first_name.data or "").strip():
        problems["person_id"] = _("Choose a person, or write the first name of a new person.")
    if form.activity_id.data is None:
        problems["activity_id"] = _("Choose the activity the contact was about.")
    if form.follow_up_on.data is not None and form.follow_up_on.data < oslo_today():
        problems["follow_up_on"] = _("The follow-up date has passed. Choose today or later.")
    if form.occurred_on.data is not None and form.occurred_on.data > oslo_today():
        problems["occurred_on"] = _("A contact cannot be in the future.")
    return problems


def _attach(form: LogContactForm, exc: ServiceError) -> None:
    if isinstance(exc, NotFound):
        abort(404)
    field_name = {
        "phone": "new_phone",
        "first_name": "new_first_name",
        "last_name": "new_last_name",
    }.get(exc.field or "", exc.field or "")
    field = getattr(form, field_name, None) if field_name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")
