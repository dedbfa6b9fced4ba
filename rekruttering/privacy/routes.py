"""Privacy pages: consent, access (export), erasure, retention list, audit log."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from rekruttering import tenancy
from rekruttering.access import ADMIN, STAFF, allow
from rekruttering.centre_settings.service import settings_of
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.retention import due_at
from rekruttering.errors import ServiceError
from rekruttering.input_boundary import safe_next
from rekruttering.models import ConsentMethod, ConsentPurpose, Person
from rekruttering.pages import paginate
from rekruttering.privacy import service
from rekruttering.privacy.access_log import mark_logged
from rekruttering.privacy.anonymise import erase_person
from rekruttering.privacy.audit_log import (
    AuditFilter,
    action_label,
    audit_query,
    centre_user_choices,
    detail_text,
    known_actions,
)
from rekruttering.privacy.consent import active_consent, consent_history
from rekruttering.privacy.export_labels import readable_sections
from rekruttering.privacy.forms import (
    METHOD_LABELS,
    PURPOSE_LABELS,
    AuditFilterForm,
    EraseForm,
    ExportForm,
    GiveConsentForm,
    WithdrawConsentForm,
)
from rekruttering.privacy.retention import LOOKAHEAD, due_query, last_activity_of
from rekruttering.transaction import transaction

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


def person_url(person_id: int) -> str:
    """The person page when the people feature is installed, else the consent page."""
    if "people.detail" in current_app.view_functions:
        return url_for("people.detail", person_id=person_id)
    return url_for("privacy.consents", person_id=person_id)


def _person_page(person: Person) -> str:
    return person_url(person.id)


@bp.route("/people/<int:person_id>/consents")
@allow(*STAFF)
def consents(person_id: int) -> str:
    person = tenancy.get_or_404(Person, person_id)
    history = consent_history(person.id)
    purposes = [
        {
            "purpose": purpose,
            "label": PURPOSE_LABELS[purpose],
            "active": active_consent(person.id, purpose),
            "latest": next((c for c in history if c.purpose == purpose), None),
        }
        for purpose in ConsentPurpose
    ]
    return render_template(
        "privacy/consents.html",
        person=person,
        purposes=purposes,
        history=history,
        purpose_labels=PURPOSE_LABELS,
        method_labels=METHOD_LABELS,
        manual_methods=GiveConsentForm().method.choices,
        person_page=_person_page(person),
    )


@bp.route("/people/<int:person_id>/consents/give", methods=["POST"])
@allow(*STAFF)
def give(person_id: int) -> BaseResponse:
    person = tenancy.get_or_404(Person, person_id)
    form = GiveConsentForm()
    # Recorded in place (the reminder preview's "record consent") returns there.
    back = safe_next(request.form.get("next"), url_for("privacy.consents", person_id=person.id))
    if not form.validate_on_submit():
        flash(_("The consent could not be recorded. Try again."), "danger")
        return redirect(back)
    try:
        with transaction():
            service.record_consent(
                tenancy.current_centre_id(),
                person.id,
                ConsentPurpose(form.purpose.data),
                ConsentMethod(form.method.data),
                by_user_id=current_user.id,
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        mark_logged()
        flash(_("Consent recorded."), "success")
    return redirect(back)


@bp.route("/people/<int:person_id>/consents/withdraw", methods=["POST"])
@allow(*STAFF)
def withdraw(person_id: int) -> BaseResponse:
    person = tenancy.get_or_404(Person, person_id)
    form = WithdrawConsentForm()
    if not form.validate_on_submit():
        flash(_("The consent could not be withdrawn. Try again."), "danger")
        return redirect(url_for("privacy.consents", person_id=person.id))
    with transaction():
        service.revoke_consent(
            tenancy.current_centre_id(),
            person.id,
            ConsentPurpose(form.purpose.data),
            by_user_id=current_user.id,
        )
    mark_logged()
    flash(_("Consent withdrawn."), "success")
    return redirect(url_for("privacy.consents", person_id=person.id))


@bp.route("/people/<int:person_id>/access")
@allow(*STAFF)
def access(person_id: int) -> BaseResponse:
    """Everything held about the person, as a page that prints well (GDPR art. 15)."""
    person = tenancy.get_or_404(Person, person_id)
    with transaction():
        data = service.access_export(
            tenancy.current_centre_id(), person.id, "page", by_user_id=current_user.id
        )
    mark_logged()
    response = current_app.make_response(
        render_template(
            "privacy/access.html",
            person=person,
            data=data,
            sections=readable_sections(data),
            form=ExportForm(),
            person_page=_person_page(person),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/people/<int:person_id>/export.json", methods=["POST"])
@allow(*STAFF)
def export_json(person_id: int) -> BaseResponse:
    """The same as a JSON file (POST, so a link or a prefetch cannot start it)."""
    person = tenancy.get_or_404(Person, person_id)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("The export could not be made. Try again."), "danger")
        return redirect(url_for("privacy.access", person_id=person.id))
    with transaction():
        data = service.access_export(
            tenancy.current_centre_id(), person.id, "json", by_user_id=current_user.id
        )
    mark_logged()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
@allow(*ADMIN)
def erase(person_id: int) -> str | BaseResponse:
    """Erasure on request: a confirmation page with a reason, then anonymise."""
    person = tenancy.get_or_404(Person, person_id)
    form = EraseForm()
    if person.anonymised_at is None and form.validate_on_submit():
        try:
            with transaction():
                erase_person(
                    tenancy.current_centre_id(),
                    person.id,
                    form.reason.data,
                    form.note.data or "",
                    by_user_id=current_user.id,
                )
        except ServiceError as exc:
            getattr(form, exc.field or "reason").errors.append(exc.message)
        else:
            mark_logged()
            flash(
                _("The personal data is erased. Counts and history stay, without names."), "success"
            )
            return redirect(_person_page(person))
    return render_template(
        "privacy/erase.html", person=person, form=form, person_page=_person_page(person)
    )


@bp.route("/retention")
@allow(*STAFF)
def retention() -> str:
    """Who the nightly job will anonymise, and when: before it happens."""
    settings = current_settings()
    months = settings_of(tenancy.current_centre_id()).retention_months
    now = utcnow()
    page = paginate(
        due_query(tenancy.current_centre_id(), now, months, ahead=LOOKAHEAD),
        page=request.args.get("page", 1, type=int),
        per_page=settings.app.page_size,
        error_out=False,
    )
    times = last_activity_of([p.id for p in page.items])
    rows = [
        {"person": p, "last_at": times[p.id], "due_at": due_at(times[p.id], months)}
        for p in page.items
    ]
    return render_template(
        "privacy/retention.html",
        person_url=person_url,
        page=page,
        rows=rows,
        months=months,
        now=now,
        run_at=settings.retention.run_at,
        lookahead_days=LOOKAHEAD.days,
    )


@bp.route("/audit")
@allow(*ADMIN)
def audit_log() -> str:
    centre_id = tenancy.current_centre_id()
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All actions"))] + [
        (a, action_label(a)) for a in known_actions(centre_id)
    ]
    form.user.choices = [("", _("All users"))] + [
        (str(uid), name) for uid, name in centre_user_choices(centre_id)
    ]
    flt = AuditFilter()
    if form.validate():
        flt = AuditFilter(
            action=form.action.data or None,
            user_id=int(form.user.data) if form.user.data else None,
            person_id=form.person_id.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    page = paginate(
        audit_query(centre_id, flt),
        page=request.args.get("page", 1, type=int),
        per_page=current_settings().app.page_size,
        error_out=False,
    )
    return render_template(
        "privacy/audit_log.html",
        form=form,
        page=page,
        person_url=person_url,
        action_label=action_label,
        detail_text=detail_text,
    )
