"""Partner organisations (staff), referring and following referrals (partners),
the invitation link (public) and the staff's notices."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import PARTNER, PUBLIC, STAFF, allow
from rekruttering.auth.sessions import start_session
from rekruttering.config import current_settings
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db, limiter
from rekruttering.models import (
    Centre,
    Notification,
    Partner,
    PartnerKind,
    PartnerLinkRequest,
    Referral,
    ReferralStatus,
    User,
    UserRole,
)
from rekruttering.partners import invitations, link_requests, notifications, organisations
from rekruttering.partners import referrals as referral_service
from rekruttering.partners.forms import (
    PARTNER_KIND_LABELS,
    AcceptForm,
    InviteForm,
    LinkRequestForm,
    PartnerForm,
    ReferForm,
)
from rekruttering.partners.status import status_explanation, status_label
from rekruttering.people.languages import language_choices
from rekruttering.transaction import transaction

bp = Blueprint("partners", __name__)

LAST_REFERRAL_KEY = "partners.last_referral"


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _form_error(form: Any, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


def _public_url(path: str) -> str:
    """An absolute link for outside use (invitations, QR codes): the configured address."""
    base = current_settings()["app.public_base_url"] or request.host_url.rstrip("/")
    return base + path


def _partner_or_404(partner_id: int) -> Partner:
    """Partners are installation-wide: another centre's partner is simply not found."""
    try:
        return organisations.partner_in_centre(partner_id, tenancy.current_centre_id())
    except NotFound:
        abort(404)


def _safe_back(default: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def _no_store(html: str) -> Response:
    """A page showing a secret link: not kept in any cache."""
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- partner organisations (staff) --------------------------------------------------


@bp.route("/partners/")
@allow(*STAFF)
def index() -> str:
    centre_id = tenancy.current_centre_id()
    return render_template(
        "partners/index.html",
        requests=link_requests.pending_of_centre(centre_id),
        partners=organisations.partners_of_centre(centre_id),
        outcomes=referral_service.outcomes_by_partner(centre_id),
        statuses=list(ReferralStatus),
        status_label=status_label,
        kind_labels=PARTNER_KIND_LABELS,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@allow(*STAFF)
def new() -> str | Response:
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            with transaction():
                partner = organisations.add_partner(
                    tenancy.current_centre_id(), form.name.data, PartnerKind(form.kind.data)
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("%(name)s is added as a partner.", name=partner.name), "success")
            return redirect(url_for(".detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None)


@bp.route("/partners/<int:partner_id>")
@allow(*STAFF)
def detail(partner_id: int) -> str:
    partner = _partner_or_404(partner_id)
    centre_id = tenancy.current_centre_id()
    link = organisations.link_of(partner.id, centre_id)
    centre_names = db.session.scalars(
        select(Centre.name)
        .where(Centre.id.in_(organisations.centre_ids_of(partner.id)))
        .order_by(Centre.name)
    ).all()
    outcomes = referral_service.outcomes_by_partner(centre_id)
    return render_template(
        "partners/detail.html",
        partner=partner,
        kind_label=PARTNER_KIND_LABELS.get(link.kind, link.kind),
        centre_names=centre_names,
        users=invitations.partner_users(partner.id, centre_id),
        outcome=outcomes.get(partner.id, {}),
        statuses=list(ReferralStatus),
        status_label=status_label,
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(partner_id: int) -> str | Response:
    partner = _partner_or_404(partner_id)
    form = PartnerForm(obj=organisations.link_of(partner.id, tenancy.current_centre_id()))
    if form.validate_on_submit():
        try:
            with transaction():
                organisations.update_partner(
                    tenancy.current_centre_id(),
                    partner.id,
                    form.name.data,
                    PartnerKind(form.kind.data),
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner)


@bp.route("/partners/<int:partner_id>/unlink", methods=["GET", "POST"])
@allow(*STAFF)
def unlink(partner_id: int) -> str | Response:
    partner = _partner_or_404(partner_id)
    if request.method == "POST":
        with transaction():
            organisations.unlink_partner(tenancy.current_centre_id(), partner.id)
        flash(
            _("%(name)s no longer works with this centre.", name=partner.name),
            "success",
        )
        return redirect(url_for(".index"))
    return render_template("partners/unlink.html", partner=partner)


@bp.route("/partners/<int:partner_id>/invite", methods=["GET", "POST"])
@allow(*STAFF)
def invite(partner_id: int) -> str | Response:
    partner = _partner_or_404(partner_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user, token = invitations.invite_partner_user(
                    tenancy.current_centre_id(),
                    partner.id,
                    form.name.data,
                    form.email.data,
                    current_user.id,
                    current_settings()["partners.invitation_days"],
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            return _invitation_page(partner, user, token)
    return render_template("partners/invite.html", form=form, partner=partner)


@bp.route("/partners/<int:partner_id>/users/<int:user_id>/new-link", methods=["POST"])
@allow(*STAFF)
def new_link(partner_id: int, user_id: int) -> Response:
    partner = _partner_or_404(partner_id)
    try:
        with transaction():
            user, token = invitations.renew_invitation(
                tenancy.current_centre_id(),
                partner.id,
                user_id,
                current_user.id,
                current_settings()["partners.invitation_days"],
            )
    except NotFound:
        abort(404)
    except ServiceError as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".detail", partner_id=partner.id))
    return _invitation_page(partner, user, token)


@bp.route("/partners/<int:partner_id>/users/<int:user_id>/deactivate", methods=["POST"])
@allow(*STAFF)
def deactivate(partner_id: int, user_id: int) -> Response:
    partner = _partner_or_404(partner_id)
    try:
        with transaction():
            user = invitations.deactivate_partner_user(
                tenancy.current_centre_id(), partner.id, user_id, current_user.id
            )
    except NotFound:
        abort(404)
    flash(_("%(name)s no longer has access to this centre.", name=user.name), "success")
    return redirect(url_for(".detail", partner_id=partner.id))


# --- asking a partner of another centre to work with this one (staff) -------------------


@bp.route("/partners/requests/new", methods=["GET", "POST"])
@allow(*STAFF)
def ask() -> str | Response:
    form = LinkRequestForm()
    if form.validate_on_submit():
        try:
            with transaction():
                link_requests.ask_partner(
                    tenancy.current_centre_id(),
                    form.email.data,
                    form.name.data,
                    PartnerKind(form.kind.data),
                    current_user.id,
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            # The same words whether or not the address has a login: no lookup.
            flash(
                _(
                    "The request is saved. If %(email)s has a partner login, they see it "
                    "when they log in, and the partner works with this centre once they "
                    "accept.",
                    email=form.email.data.strip().lower(),
                ),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("partners/ask.html", form=form)


@bp.route("/partners/requests/<int:request_id>/cancel", methods=["POST"])
@allow(*STAFF)
def cancel_request(request_id: int) -> Response:
    ask_row = tenancy.get_or_404(PartnerLinkRequest, request_id)
    with transaction():
        link_requests.cancel_request(tenancy.current_centre_id(), ask_row.id)
    flash(_("The request is withdrawn."), "success")
    return redirect(url_for(".index"))


def _invitation_page(partner: Partner, user: User, token: str) -> Response:
    link = _public_url(url_for(".accept", token=token))
    days = current_settings()["partners.invitation_days"]
    return _no_store(
        render_template(
            "partners/invitation.html", partner=partner, user=user, link=link, days=days
        )
    )


# --- the invitation link (public) ----------------------------------------------------


def _login_rate_limit() -> str:
    return current_settings()["security.login_rate_limit"]


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_login_rate_limit, methods=["POST"])
def accept(token: str) -> tuple[str, int] | str | Response:
    invitation = invitations.valid_invitation(token)
    if invitation is None:
        return render_template("partners/invitation_invalid.html"), 410
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user = invitations.accept_invitation(
                    token, form.password.data, form.password_again.data
                )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            start_session(user)
            flash(_("Welcome! Your password is saved."), "success")
            return redirect(url_for("main.home"))
    return render_template("partners/accept.html", form=form, user=invitation.user)


# --- referrals (staff) ----------------------------------------------------------------


def _status_arg() -> ReferralStatus | None:
    value = request.args.get("status", "")
    return ReferralStatus(value) if value in {s.value for s in ReferralStatus} else None


@bp.route("/referrals")
@allow(*STAFF)
def referrals() -> str:
    centre_id = tenancy.current_centre_id()
    partner_id = request.args.get("partner", type=int)
    status = _status_arg()
    page = db.paginate(
        referral_service.centre_referrals(centre_id, partner_id, status),
        page=_page(),
        per_page=current_settings()["app.page_size"],
        error_out=False,
    )
    outcomes = referral_service.outcomes_by_partner(centre_id)
    partner_ids = set(outcomes) | {p.id for p in organisations.partners_of_centre(centre_id)}
    partners = db.session.scalars(
        select(Partner).where(Partner.id.in_(partner_ids)).order_by(Partner.name)
    ).all()
    return render_template(
        "partners/referrals.html",
        page=page,
        outcomes=outcomes,
        partners=partners,
        partner_id=partner_id,
        status=status,
        statuses=list(ReferralStatus),
        status_label=status_label,
        person_endpoint=_person_endpoint(),
    )


@bp.route("/referrals/<int:referral_id>/not-reached", methods=["POST"])
@allow(*STAFF)
def not_reached(referral_id: int) -> Response:
    referral = tenancy.get_or_404(Referral, referral_id)
    mark = request.form.get("not_reached") == "1"
    with transaction():
        referral_service.set_not_reached(tenancy.current_centre_id(), referral.id, mark)
    flash(_("Marked as not reached.") if mark else _("The mark is removed."), "success")
    return redirect(_safe_back(url_for(".referrals")))


def _person_endpoint() -> str | None:
    """The person page, when the people feature is installed."""
    return "people.detail" if "people.detail" in current_app.view_functions else None


# --- notices (staff) -----------------------------------------------------------------


@bp.route("/notifications")
@allow(*STAFF)
def notifications_page() -> str:
    query = (
        tenancy.scoped(Notification)
        .options(joinedload(Notification.person))
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
    )
    page = db.paginate(
        query, page=_page(), per_page=current_settings()["app.page_size"], error_out=False
    )
    return render_template(
        "partners/notifications.html", page=page, person_endpoint=_person_endpoint()
    )


@bp.route("/notifications/read", methods=["POST"])
@allow(*STAFF)
def notifications_read_all() -> Response:
    with transaction():
        count = notifications.mark_all_read(tenancy.current_centre_id())
    flash(_("Notices marked as read: %(n)d", n=count), "success")
    return redirect(url_for(".notifications_page"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@allow(*STAFF)
def notification_read(notification_id: int) -> Response:
    notice = tenancy.get_or_404(Notification, notification_id)
    with transaction():
        notifications.mark_read(tenancy.current_centre_id(), notice.id)
    return redirect(_safe_back(url_for(".notifications_page")))


# --- the partner's own pages ---------------------------------------------------------


def _partner_user() -> User:
    if current_user.partner_id is None:
        abort(403)  # a partner login not tied to an organisation sees nothing
    return current_user._get_current_object()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PartnerRow:
    """All a partner sees of one referral: no notes, no other activities or people."""

    created_at: datetime
    centre: str
    activity: str
    name: str
    status: ReferralStatus
    status_label: str
    explanation: str


@bp.route("/partner/")
@allow(*PARTNER)
def my_referrals() -> str:
    user = _partner_user()
    status = _status_arg()
    centre_ids = [m.centre_id for m in user.memberships if m.role == UserRole.PARTNER]
    page = db.paginate(
        referral_service.partner_referrals(user.partner_id, status, centre_ids),  # type: ignore[arg-type]
        page=_page(),
        per_page=current_settings()["app.page_size"],
        error_out=False,
    )
    items: list[Referral] = list(page.items)
    centres = dict(
        db.session.execute(
            select(Centre.id, Centre.name).where(Centre.id.in_({r.centre_id for r in items}))
        ).all()
    )
    anonymised = referral_service.anonymised_person_ids([r.person_id for r in items])
    rows = []
    for r in items:
        state = ReferralStatus(r.effective_status or ReferralStatus.RECEIVED)
        rows.append(
            PartnerRow(
                created_at=r.created_at,
                centre=centres.get(r.centre_id, ""),
                activity=r.activity.name if r.activity else "",
                name=_("(removed)") if r.person_id in anonymised else r.name_given,
                status=state,
                status_label=status_label(state),
                explanation=status_explanation(state),
            )
        )
    return render_template(
        "partners/my_referrals.html",
        rows=rows,
        page=page,
        status=status,
        statuses=list(ReferralStatus),
        status_label=status_label,
        partner=db.session.get(Partner, user.partner_id),
        link_requests=link_requests.pending_for_user(user),
    )


@bp.route("/partner/requests/accept", methods=["POST"])
@allow(*PARTNER)
def accept_request() -> Response:
    """The partner agrees to work with a centre that asked it."""
    return _answer_request("accept")


@bp.route("/partner/requests/decline", methods=["POST"])
@allow(*PARTNER)
def decline_request() -> Response:
    return _answer_request("decline")


def _answer_request(answer: str) -> Response:
    user = _partner_user()
    request_id = request.form.get("request_id", type=int)
    try:
        with transaction():
            if answer == "accept":
                ask_row = link_requests.accept_request(user, request_id)
            else:
                ask_row = link_requests.decline_request(user, request_id)
    except NotFound:
        flash(_("This request is no longer waiting."), "warning")
        return redirect(url_for(".my_referrals"))
    centre = db.session.get(Centre, ask_row.centre_id)
    if answer == "accept":
        flash(_("You now work with %(centre)s.", centre=centre.name if centre else ""), "success")
    else:
        flash(_("The request is declined."), "success")
    return redirect(url_for(".my_referrals"))


def _refer_centres(user: User) -> list[Centre]:
    """Centres the partner works with and the user may refer to."""
    linked = set(organisations.centre_ids_of(user.partner_id))  # type: ignore[arg-type]
    return [
        m.centre
        for m in g.get("memberships", [])
        if m.role == UserRole.PARTNER and m.centre_id in linked
    ]


@bp.route("/partner/refer", methods=["GET", "POST"])
@allow(*PARTNER)
def refer() -> str | Response:
    user = _partner_user()
    centres = _refer_centres(user)
    form = ReferForm()
    form.centre_id.choices = [(c.id, c.name) for c in centres]
    form.language.choices = language_choices()
    activities = referral_service.activities_for_partner([c.id for c in centres])
    if request.method == "GET":
        current = g.get("centre")
        form.centre_id.data = current.id if current and current.id in activities else None
        form.language.data = "nb"
        form.form_token.data = secrets.token_hex(16)
    if centres and form.validate_on_submit():
        data = referral_service.ReferralInput(
            centre_id=form.centre_id.data,
            name=form.name.data,
            phone=form.phone.data,
            language=form.language.data or "nb",
            activity_id=form.activity_id.data,
            note=form.note.data or "",
            consent=bool(form.consent.data),
            form_token=form.form_token.data or None,
        )
        try:
            with transaction():
                referral = referral_service.refer_person(user, data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            session[LAST_REFERRAL_KEY] = referral.id
            return redirect(url_for(".referred"))
    return render_template("partners/refer.html", form=form, centres=centres, activities=activities)


@bp.route("/partner/refer/sent")
@allow(*PARTNER)
def referred() -> str | Response:
    user = _partner_user()
    referral_id = session.get(LAST_REFERRAL_KEY)
    referral = db.session.get(Referral, referral_id) if referral_id else None
    if referral is None or referral.partner_id != user.partner_id:
        return redirect(url_for(".my_referrals"))
    return render_template(
        "partners/referred.html",
        name=referral.name_given,
        centre=db.session.get(Centre, referral.centre_id),
        activity=referral.activity.name if referral.activity else "",
    )
