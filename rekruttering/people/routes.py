"""People: the list, a person's page, create, edit, merge, family links."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import audit, tenancy
from rekruttering.access import STAFF, allow
from rekruttering.config import current_settings
from rekruttering.domain.funnel import Role
from rekruttering.domain.phone import format_phone
from rekruttering.errors import NotFound, ServiceError
from rekruttering.form_fields import optional_int
from rekruttering.models import (
    ConsentMethod,
    ConsentPurpose,
    LinkKind,
    Person,
    PersonLink,
)
from rekruttering.people.forms import PersonForm
from rekruttering.people.queries import filter_options
from rekruttering.people.search import STAGE_FILTERS, PeopleFilter, people_page, quick_search
from rekruttering.people.service import (
    DuplicatePhone,
    PersonChanges,
    create_person,
    link_family,
    merge_people,
    merge_summary,
    unlink_family,
    update_person,
)
from rekruttering.people.service import (
    keep_apart as keep_apart_service,
)
from rekruttering.people.timeline import CONSENT, history_of, person_of
from rekruttering.privacy.access_log import mark_logged
from rekruttering.privacy.service import record_consent
from rekruttering.transaction import transaction

bp = Blueprint("people", __name__, url_prefix="/people")


# --- the list -----------------------------------------------------------------------


def _filter_from_args() -> PeopleFilter:
    args = request.args
    role = args.get("role")
    stage = args.get("stage")
    weeks = optional_int(args.get("no_contact_weeks"))
    return PeopleFilter(
        q=args.get("q", "").strip()[:100],
        language=args.get("language") or None,
        activity_id=optional_int(args.get("activity_id")),
        stage=stage if stage in STAGE_FILTERS else None,
        role=Role(role) if role in {r.value for r in Role} else None,
        channel_id=optional_int(args.get("channel_id")),
        partner_id=optional_int(args.get("partner_id")),
        no_contact_weeks=weeks if weeks and 0 < weeks <= 520 else None,
        sort="name" if args.get("sort") == "name" else "recent",
    )


@bp.route("/")
@allow(*STAFF)
def index() -> str:
    centre_id = tenancy.current_centre_id()
    filters = _filter_from_args()
    # Counted up to COUNT_CAP: "more than 500" (pages.py).
    page = people_page(
        centre_id,
        filters,
        page=max(1, request.args.get("page", 1, type=int) or 1),
        per_page=current_settings().app.page_size,
    )
    return render_template(
        "people/index.html",
        page=page,
        filters=filters,
        stage_filters=STAGE_FILTERS,
        **filter_options(centre_id),
    )


# --- one person ---------------------------------------------------------------------


@bp.route("/<int:person_id>")
@allow(*STAFF)
def detail(person_id: int) -> str | Response:
    centre_id = tenancy.current_centre_id()
    found = person_of(centre_id, person_id)
    if found is None:
        abort(404)
    person, kinds = found
    if person.merged_into_id is not None:
        flash(_("This person was merged into another: here is the kept one."), "info")
        return redirect(url_for("people.detail", person_id=person.merged_into_id))
    history = history_of(centre_id, person, kinds)
    link_q = request.args.get("link_q", "").strip()[:100]
    link_results = (
        [p for p in quick_search(centre_id, link_q) if p.id != person.id] if link_q else []
    )
    consents = [e.item for e in history.timeline if e.kind == CONSENT]
    sms_consent = any(c.purpose == ConsentPurpose.SMS and c.withdrawn_at is None for c in consents)
    page = render_template(
        "people/detail.html",
        person=person,
        history=history,
        link_q=link_q,
        link_results=link_results,
        sms_consent=sms_consent,
    )
    # Logged once the page is made, and before it is answered: the page is shown only
    # if its entry is stored. Committed last, keeping what was loaded: a commit expires
    # every loaded row, and what the request touched after it (the person and the
    # centre for the page, the user for the answer's headers) was read again, a
    # statement each (docs/performance.md).
    with transaction(keep_loaded=True):
        audit.record("person_viewed", person_id=person.id, centre_id=centre_id)
    mark_logged()  # this entry is the one; the privacy access log need not add another
    return page


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def create() -> str | Response | tuple[str, int]:
    centre_id = tenancy.current_centre_id()
    form = PersonForm()
    duplicate: Person | None = None
    if request.method == "GET":
        form.first_name.data = request.args.get("first_name", "")[:80]
        form.phone.data = request.args.get("phone", "")[:40]
    if form.validate_on_submit():
        try:
            with transaction():
                person = create_person(
                    centre_id,
                    first_name=form.first_name.data,
                    last_name=form.last_name.data or "",
                    phone=form.phone.data,
                    language=form.language.data,
                    target_group=form.target_group.data or None,
                    note=(form.note.data or "").strip(),
                )
                audit.record("person_created", person_id=person.id, centre_id=centre_id)
                if form.sms_consent.data and person.phone:
                    record_consent(
                        centre_id,
                        person.id,
                        ConsentPurpose.SMS,
                        ConsentMethod.IN_PERSON,
                        by_user_id=current_user.id,
                    )
        except DuplicatePhone as exc:
            duplicate = exc.existing
            form.phone.errors = [exc.message]
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("%(name)s is added.", name=person.display_name), "success")
            return redirect(url_for("people.detail", person_id=person.id))
    status = 400 if request.method == "POST" else 200
    return render_template("people/form.html", form=form, person=None, duplicate=duplicate), status


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(person_id: int) -> str | Response | tuple[str, int]:
    person = tenancy.get_or_404(Person, person_id)
    if person.merged_into_id is not None or person.is_anonymised:
        abort(404)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.phone.data = format_phone(person.phone)
        form.target_group.data = person.target_group or ""
    duplicate: Person | None = None
    if form.validate_on_submit():
        try:
            with transaction():
                update_person(
                    tenancy.current_centre_id(),
                    person.id,
                    PersonChanges(
                        first_name=form.first_name.data,
                        last_name=form.last_name.data or "",
                        phone=form.phone.data,
                        language=form.language.data,
                        target_group=form.target_group.data or None,
                        note=(form.note.data or "").strip(),
                    ),
                )
        except DuplicatePhone as exc:
            duplicate = exc.existing
            form.phone.errors = [exc.message]
        except ServiceError as exc:
            _attach(form, exc)
        else:
            mark_logged()  # update_person wrote "person_updated"
            flash(_("Saved."), "success")
            return redirect(url_for("people.detail", person_id=person.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "people/form.html", form=form, person=person, duplicate=duplicate
    ), status


def _attach(form: PersonForm, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


# --- merging duplicates -------------------------------------------------------------


@bp.route("/<int:person_id>/merge", methods=["GET", "POST"])
@allow(*STAFF)
def merge(person_id: int) -> str | Response | tuple[str, int]:
    """Choose the duplicate, confirm, merge it into this person."""
    person = tenancy.get_or_404(Person, person_id)
    if person.merged_into_id is not None or person.is_anonymised:
        abort(404)
    centre_id = tenancy.current_centre_id()
    raw_other = request.form.get("other_id") if request.method == "POST" else None
    raw_other = raw_other or request.args.get("other_id")
    other = None
    if raw_other:
        ident = optional_int(raw_other)
        if ident is None:
            abort(404)
        other = tenancy.get_or_404(Person, ident)

    if request.method == "POST":
        if other is None:
            flash(_("Choose the person to merge."), "danger")
            return redirect(url_for("people.merge", person_id=person.id))
        try:
            with transaction():
                kept = merge_people(centre_id, person.id, other.id)
        except NotFound:
            abort(404)
        except ServiceError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("people.merge", person_id=person.id))
        mark_logged()  # merge_people wrote "person_merged"
        flash(_("Merged. All history is now on %(name)s.", name=kept.display_name), "success")
        return redirect(url_for("people.detail", person_id=kept.id))

    if other is not None:
        if other.id == person.id or other.merged_into_id is not None or other.is_anonymised:
            flash(_("Choose two different people to merge."), "danger")
            return redirect(url_for("people.merge", person_id=person.id))
        return render_template(
            "people/merge_confirm.html",
            person=person,
            other=other,
            person_summary=merge_summary(centre_id, person.id),
            other_summary=merge_summary(centre_id, other.id),
        )
    q = request.args.get("q", "").strip()[:100]
    candidates = quick_search(centre_id, q or person.first_name)
    candidates = [p for p in candidates if p.id != person.id]
    return render_template("people/merge.html", person=person, q=q, candidates=candidates)


@bp.route("/<int:person_id>/keep-apart", methods=["POST"])
@allow(*STAFF)
def keep_apart(person_id: int) -> Response:
    """A held record (a referral or sign-up with a known phone) is someone else."""
    person = tenancy.get_or_404(Person, person_id)
    try:
        with transaction():
            keep_apart_service(tenancy.current_centre_id(), person.id)
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Kept apart. The phone number stays with the other person."), "success")
    return redirect(url_for("people.detail", person_id=person.id))


# --- family links -------------------------------------------------------------------

#: What the person page's buttons say -> (kind, person is the first of the pair).
RELATIONS = {
    "parent": (LinkKind.PARENT_OF, True),  # this person is a parent of the other
    "child": (LinkKind.PARENT_OF, False),  # the other is a parent of this person
    "family": (LinkKind.FAMILY, True),
}


@bp.route("/<int:person_id>/links", methods=["POST"])
@allow(*STAFF)
def add_link(person_id: int) -> Response:
    person = tenancy.get_or_404(Person, person_id)
    other_id = optional_int(request.form.get("other_id"))
    if other_id is None:
        abort(400)
    other = tenancy.get_or_404(Person, other_id)
    relation = RELATIONS.get(request.form.get("relation", ""))
    if relation is None:
        abort(400)
    kind, person_first = relation
    first, second = (person, other) if person_first else (other, person)
    try:
        with transaction():
            link_family(tenancy.current_centre_id(), first.id, second.id, kind)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("Linked to %(name)s.", name=other.display_name), "success")
    return redirect(url_for("people.detail", person_id=person.id) + "#family")


@bp.route("/<int:person_id>/links/<int:link_id>/delete", methods=["POST"])
@allow(*STAFF)
def remove_link(person_id: int, link_id: int) -> Response:
    person = tenancy.get_or_404(Person, person_id)
    link = tenancy.get_or_404(PersonLink, link_id)
    if person.id not in (link.person_id, link.other_id):
        abort(404)
    with transaction():
        unlink_family(tenancy.current_centre_id(), link.id)
    flash(_("The link is removed."), "success")
    return redirect(url_for("people.detail", person_id=person.id) + "#family")
