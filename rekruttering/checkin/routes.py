"""The check-in page: a tablet at the door, one tap per person, walk-ins."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from rekruttering.access import DOOR, STAFF, allow
from rekruttering.checkin.forms import TapForm, WalkInForm
from rekruttering.checkin.service import (
    WalkInInput,
    check_in,
    find_other_people,
    session_overview,
    undo_check_in,
    walk_in,
)
from rekruttering.domain.clock import oslo_day_bounds, oslo_today
from rekruttering.domain.funnel import Role
from rekruttering.domain.volunteer_ratio import ratio_phrase
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import regular_rule
from rekruttering.models import Session, UserRole
from rekruttering.reminders.rsvp import answers_for_session
from rekruttering.tenancy import current_centre_id, get_or_404, scoped
from rekruttering.transaction import transaction

bp = Blueprint("checkin", __name__)


def _back(session_id: int, query: str = "", person_id: int | None = None) -> Response:
    url = url_for("checkin.session", session_id=session_id, **({"q": query} if query else {}))
    if person_id is not None:
        url += f"#p-{person_id}"
    return redirect(url)


@bp.route("/checkin/")
@allow(*STAFF, *DOOR)
def index() -> str:
    """Today's sessions (and the last week's, to register attendance afterwards)."""
    today = oslo_today()
    start, end = oslo_day_bounds(today)
    sessions = db.session.scalars(
        scoped(Session)
        .options(joinedload(Session.activity))
        .where(Session.starts_at >= start - timedelta(days=7), Session.starts_at < end)
        .order_by(Session.starts_at.desc())
    ).all()
    return render_template(
        "checkin/index.html",
        today=[s for s in sessions if s.starts_at >= start],
        recent=[s for s in sessions if s.starts_at < start],
    )


def _render_session(session: Session, walk_in_form: WalkInForm | None = None) -> str:
    centre_id = current_centre_id()
    overview = session_overview(centre_id, session.id, rsvp=answers_for_session(session.id))
    query = (request.args.get("q") or "").strip()[:80]
    shown = [p for p in overview.people if p.matches(query)]
    others = (
        find_other_people(centre_id, query, {p.person_id for p in overview.people}) if query else []
    )
    if walk_in_form is None:
        walk_in_form = WalkInForm(formdata=None)
        walk_in_form.form_token.data = secrets.token_urlsafe(16)
    activity = session.activity
    return render_template(
        "checkin/session.html",
        session=session,
        activity=activity,
        overview=overview,
        shown=shown,
        others=others,
        query=query,
        walk_in_form=walk_in_form,
        ratio_words=ratio_phrase(overview.ratio.wished_ratio)
        if overview.ratio.wished_ratio
        else None,
        # A door tablet sees names to tap, not the people's pages.
        people_detail="people.detail" in current_app.view_functions
        and g.get("role") != UserRole.DOOR,
    )


@bp.route("/checkin/sessions/<int:session_id>", endpoint="session")
@allow(*STAFF, *DOOR)
def session_page(session_id: int) -> str:
    session = get_or_404(Session, session_id)
    return _render_session(session)


@bp.route("/checkin/sessions/<int:session_id>/check-in", methods=["POST"])
@allow(*STAFF, *DOOR)
def tap(session_id: int) -> Response:
    session = get_or_404(Session, session_id)
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
        return _back(session.id, query, form.person_id.data)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return _back(session.id, query, form.person_id.data)
    if created:
        flash(_("%(name)s is checked in.", name=name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=name), "info")
    return _back(session.id, query, form.person_id.data)


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
    return _back(session.id, form.q.data or "", form.person_id.data)


@bp.route("/checkin/sessions/<int:session_id>/walk-in", methods=["GET", "POST"])
@allow(*STAFF, *DOOR)
def walk_in_view(session_id: int) -> str | Response:
    session = get_or_404(Session, session_id)
    form = WalkInForm()
    if request.method == "GET":
        form.form_token.data = secrets.token_urlsafe(16)
        return render_template("checkin/walk_in.html", session=session, form=form)
    if not form.validate_on_submit():
        return render_template("checkin/walk_in.html", session=session, form=form), 400  # type: ignore[return-value]
    data = WalkInInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data or "",
        phone=form.phone.data or None,
        language=form.language.data or "nb",
        role=Role(form.role.data),
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
        return render_template("checkin/walk_in.html", session=session, form=form), 400  # type: ignore[return-value]
    flash(_("%(name)s is checked in.", name=name), "success")
    return _back(session.id, person_id=person_id)
