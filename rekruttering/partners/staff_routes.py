"""Staff's pages: partner organisations, asking another centre's partner to work with
this centre, referrals and notices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import STAFF, allow
from rekruttering.config import current_settings
from rekruttering.errors import ServiceError
from rekruttering.models import (
    Notification,
    PartnerKind,
    PartnerLinkRequest,
    Referral,
    ReferralStatus,
)
from rekruttering.pages import paginate
from rekruttering.partners import invitations, link_requests, notifications, organisations, queries
from rekruttering.partners import referrals as referral_service
from rekruttering.partners.blueprint import (
    _form_error,
    _page,
    _partner_or_404,
    _person_endpoint,
    _safe_back,
    _status_arg,
    bp,
)
from rekruttering.partners.forms import PARTNER_KIND_LABELS, LinkRequestForm, PartnerForm
from rekruttering.partners.status import status_label
from rekruttering.transaction import transaction

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
    centre_names = queries.centre_names_in_order(organisations.centre_ids_of(partner.id))
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


# --- referrals (staff) ----------------------------------------------------------------


@bp.route("/referrals")
@allow(*STAFF)
def referrals() -> str:
    centre_id = tenancy.current_centre_id()
    partner_id = request.args.get("partner", type=int)
    status = _status_arg()
    page = paginate(
        referral_service.centre_referrals(centre_id, partner_id, status),
        page=_page(),
        per_page=current_settings().app.page_size,
        error_out=False,
    )
    outcomes = referral_service.outcomes_by_partner(centre_id)
    partner_ids = set(outcomes) | {p.id for p in organisations.partners_of_centre(centre_id)}
    partners = queries.partners_by_name(partner_ids)
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


# --- notices (staff) -----------------------------------------------------------------


@bp.route("/notifications")
@allow(*STAFF)
def notifications_page() -> str:
    query = queries.notifications_query(tenancy.current_centre_id())
    page = paginate(query, page=_page(), per_page=current_settings().app.page_size, error_out=False)
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
