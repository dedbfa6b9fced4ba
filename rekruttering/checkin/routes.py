"""The check-in page: a tablet at the door, one tap per person, walk-ins."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_template_attribute,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from rekruttering.access import DOOR, PUBLIC, STAFF, allow
from rekruttering.activities.signups import locked_session
from rekruttering.checkin.forms import TapForm, WalkInForm
from rekruttering.checkin.queries import sessions_between
from rekruttering.checkin.rsvp_source import rsvp_answers
from rekruttering.checkin.service import (
    WalkInInput,
    check_in,
    expected_people,
    listed_people,
    page_of,
    session_list,
    undo_check_in,
    walk_in,
)
from rekruttering.checkin.sync import QueuedTap, TapOutcome, TapRefused, apply_tap, parse_taps
from rekruttering.domain.clock import oslo_day_bounds, oslo_today, to_oslo, utcnow
from rekruttering.domain.funnel import Role
from rekruttering.domain.volunteer_ratio import ratio_phrase
from rekruttering.errors import NotFound, ServiceError
from rekruttering.funnel.service import regular_rule
from rekruttering.models import Session, UserRole
from rekruttering.people.search import find_other_people
from rekruttering.tenancy import current_centre_id, get_or_404, holds_key
from rekruttering.transaction import transaction

bp = Blueprint("checkin", __name__)


def _back(
    session_id: int, query: str = "", person_id: int | None = None, page: int | None = None
) -> Response:
    search: dict[str, Any] = {"q": query} if query else {}
    if page and page > 1:
        search["page"] = page
    url = url_for("checkin.session", session_id=session_id, **search)
    if person_id is not None:
        url += f"#p-{person_id}"
    return redirect(url)


#: The rows of the check-in list on one page; the search box finds everyone.
LIST_PAGE_ROWS = 50

#: Where the rendered fields of a fresh walk-in form are kept, by language.
WALK_IN_FIELDS = "rekruttering.checkin.walk_in_fields"

#: The response header that tells the service worker a page may be kept for that day.
DAY_HEADER = "X-Checkin-Day"


def _for_today(body: str, day: Any) -> Response:
    """A check-in page; marked for the tablet's offline copy only if it is today's."""
    response = make_response(body)
    if day == oslo_today():
        response.headers[DAY_HEADER] = day.isoformat()
    return response


@bp.route("/checkin/sw.js")
@allow(PUBLIC)
def service_worker() -> Response:
    """The service worker, served from /checkin/ so that its scope is the check-in pages."""
    response = send_from_directory(
        current_app.static_folder or "", "checkin-sw.js", max_age=0, mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/checkin/")
@allow(*STAFF, *DOOR)
def index() -> Response:
    """Today's sessions (and the last week's, to register attendance afterwards)."""
    today = oslo_today()
    start, end = oslo_day_bounds(today)
    sessions = sessions_between(current_centre_id(), start - timedelta(days=7), end)
    body = render_template(
        "checkin/index.html",
        today=[s for s in sessions if s.starts_at >= start],
        recent=[s for s in sessions if s.starts_at < start],
        today_day=today,
        rendered_at=utcnow().isoformat(timespec="milliseconds"),
    )
    return _for_today(body, today)


def _render_session(session_id: int, walk_in_form: WalkInForm | None = None) -> tuple[str, Any]:
    """The page and the session's day. The session is read once, with its activity, by
    ``session_list`` (404 if it is not the current centre's)."""
    centre_id = current_centre_id()
    if not holds_key(session_id):
        abort(404)
    try:
        overview = session_list(centre_id, session_id, rsvp_of=rsvp_answers)
    except NotFound:
        abort(404)
    session = overview.session
    query = (request.args.get("q") or "").strip()[:80]
    requested = max(1, request.args.get("page", 1, type=int) or 1)
    # One page of the list: a session of a large centre expects hundreds of people, and
    # a row with its two forms is most of the page's time; only the page's rows are
    # read in full, and without a search the database orders and pages the names
    # (docs/performance.md).
    if query:
        matching = [p for p in listed_people(overview) if p.matches(query)]
        found = len(matching)
        pages = max(1, -(-found // LIST_PAGE_ROWS))
        page = min(requested, pages)
        shown = expected_people(
            overview, matching[(page - 1) * LIST_PAGE_ROWS : page * LIST_PAGE_ROWS]
        )
    else:
        found = overview.count
        pages = max(1, -(-found // LIST_PAGE_ROWS))
        page = min(requested, pages)
        # The page's names and roles in one statement.
        shown = page_of(overview, (page - 1) * LIST_PAGE_ROWS, LIST_PAGE_ROWS)
    others = find_other_people(centre_id, query, set(overview.listed_ids)) if query else []
    fresh = walk_in_form is None
    if walk_in_form is None:
        walk_in_form = WalkInForm(formdata=None)
        walk_in_form.form_token.data = secrets.token_urlsafe(16)
    activity = session.activity
    session_day = to_oslo(session.starts_at).date()
    body = render_template(
        "checkin/session.html",
        session=session,
        activity=activity,
        overview=overview,
        shown=shown,
        matching=found,
        page=page,
        pages=pages,
        first_row=(page - 1) * LIST_PAGE_ROWS + 1,
        # What the counts hold beyond the rows shown (checkin.js adds the rows' own).
        listed_elsewhere=overview.count - len(shown) if not query else 0,
        checked_in_elsewhere=overview.checked_in - sum(1 for p in shown if p.checked_in)
        if not query
        else 0,
        others=others,
        query=query,
        walk_in_form=walk_in_form,
        walk_in_fields=_walk_in_fields(walk_in_form, fresh),
        ratio_words=ratio_phrase(overview.ratio.wished_ratio)
        if overview.ratio.wished_ratio
        else None,
        # A door tablet sees names to tap, not the people's pages.
        people_detail="people.detail" in current_app.view_functions
        and g.get("role") != UserRole.DOOR,
        session_day=session_day,
        rendered_at=utcnow().isoformat(timespec="milliseconds"),
    )
    return body, session_day


def _walk_in_fields(form: WalkInForm, fresh: bool) -> Markup:
    """The walk-in form's fields. A fresh form's (no data, no errors) are the same on
    every page in one language: rendered once per language and app, not per request."""
    render = get_template_attribute("checkin/_walk_in_fields.html", "fields")
    if not fresh:
        return render(form)  # a macro's output is Markup
    cache: dict[str, Markup] = current_app.extensions.setdefault(WALK_IN_FIELDS, {})
    language = str(get_locale())
    if language not in cache:
        cache[language] = render(form)
    return cache[language]


@bp.route("/checkin/sessions/<int:session_id>", endpoint="session")
@allow(*STAFF, *DOOR)
def session_page(session_id: int) -> Response:
    return _for_today(*_render_session(session_id))


def _sync_one(centre_id: int, session_id: int, tap: QueuedTap) -> TapOutcome:
    """One queued tap in its own transaction: one that cannot apply leaves nothing."""
    for attempt in (1, 2):
        try:
            with transaction():
                session = get_or_404(Session, session_id)
                return apply_tap(
                    centre_id, session, tap, rule=regular_rule(), by_user_id=current_user.id
                )
        except TapRefused as exc:
            return exc.as_outcome(tap)
        except IntegrityError:
            # Another tablet (or a resent queue) got there at the same moment: the
            # second go sees what it wrote.
            if attempt == 2:
                return TapOutcome(tap.client_id, "retry")
    return TapOutcome(tap.client_id, "retry")


@bp.route("/checkin/sessions/<int:session_id>/sync", methods=["POST"])
@allow(*STAFF, *DOOR)
def sync(session_id: int) -> tuple[Response, int] | Response:
    """Taps, undos and walk-ins a tablet queued (offline or not), each applied once."""
    session = get_or_404(Session, session_id)
    try:
        taps = parse_taps(request.get_json(silent=True))
    except ServiceError as exc:
        return jsonify(error=exc.message), 400
    centre_id = current_centre_id()
    results = [_sync_one(centre_id, session.id, tap) for tap in taps]
    return jsonify(
        results=[asdict(r) for r in results], now=utcnow().isoformat(timespec="milliseconds")
    )


@bp.route("/checkin/sessions/<int:session_id>/check-in", methods=["POST"])
@allow(*STAFF, *DOOR)
def tap(session_id: int) -> Response:
    try:
        # Read as the check-in reads it (locked), and kept (the session holds what it
        # loaded while something refers to it): the check-in uses it (row_locks).
        session = locked_session(current_centre_id(), session_id)
    except NotFound:
        abort(404)
    form = TapForm()
    if not form.validate_on_submit():
        abort(400)
    query = form.q.data or ""
    try:
        with transaction():
            result = check_in(
                current_centre_id(),
                session.id,
                form.person_id.data,
                role=Role(form.role.data),
                rule=regular_rule(),
                by_user_id=current_user.id,
            )
            name = result.person.display_name
            created = result.created
    except IntegrityError:
        # Two taps at the same moment: the other one checked them in.
        flash(_("Already checked in."), "info")
        return _back(session_id, query, form.person_id.data, form.page.data)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return _back(session_id, query, form.person_id.data, form.page.data)
    if created:
        flash(_("%(name)s is checked in.", name=name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=name), "info")
    return _back(session_id, query, form.person_id.data, form.page.data)


@bp.route("/checkin/sessions/<int:session_id>/undo", methods=["POST"])
@allow(*STAFF, *DOOR)
def undo(session_id: int) -> Response:
    session = get_or_404(Session, session_id)
    form = TapForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            undo_check_in(current_centre_id(), session.id, form.person_id.data, regular_rule())
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The check-in is undone."), "success")
    return _back(session.id, form.q.data or "", form.person_id.data, form.page.data)


@bp.route("/checkin/sessions/<int:session_id>/walk-in", methods=["GET", "POST"])
@allow(*STAFF, *DOOR)
def walk_in_view(session_id: int) -> str | Response | tuple[str, int]:
    session = get_or_404(Session, session_id)
    form = WalkInForm()
    if request.method == "GET":
        form.form_token.data = secrets.token_urlsafe(16)
        return render_template("checkin/walk_in.html", session=session, form=form)
    if not form.validate_on_submit():
        return render_template("checkin/walk_in.html", session=session, form=form), 400
    data = WalkInInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data or "",
        phone=form.phone.data or None,
        language=form.language.data or "nb",
        role=Role(form.role.data),
        sms_consent=bool(form.sms_consent.data),
    )
    try:
        with transaction():
            result = walk_in(
                current_centre_id(),
                session.id,
                data,
                rule=regular_rule(),
                by_user_id=current_user.id,
                form_token=form.form_token.data or None,
            )
            name, person_id = result.person.display_name, result.person.id
    except ServiceError as exc:
        target: Any = getattr(form, exc.field, None) if exc.field else None
        if target is not None:
            target.errors = [*target.errors, exc.message]
        else:
            flash(exc.message, "danger")
        return render_template("checkin/walk_in.html", session=session, form=form), 400
    flash(_("%(name)s is checked in.", name=name), "success")
    return _back(session.id, person_id=person_id)
