"""The partner's own pages: their referrals, answering a centre's request, referring."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering.access import PARTNER, allow
from rekruttering.config import current_settings
from rekruttering.errors import NotFound, ServiceError
from rekruttering.languages import language_choices
from rekruttering.models import Centre, Referral, ReferralStatus, User, UserRole
from rekruttering.pages import paginate
from rekruttering.partners import link_requests, organisations, queries
from rekruttering.partners import referrals as referral_service
from rekruttering.partners.blueprint import _form_error, _page, _status_arg, bp
from rekruttering.partners.forms import ReferForm
from rekruttering.partners.status import status_explanation, status_label
from rekruttering.transaction import transaction

LAST_REFERRAL_KEY = "partners.last_referral"


# --- the partner's own pages ---------------------------------------------------------


def _partner_user() -> User:
    if current_user.partner_id is None:
        abort(403)  # a partner login not tied to an organisation sees nothing
    return current_user._get_current_object()


def _partner_id(user: User) -> int:
    """The organisation of a partner login (403 for one not tied to any)."""
    if user.partner_id is None:
        abort(403)
    return user.partner_id


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
    page = paginate(
        referral_service.partner_referrals(_partner_id(user), status, centre_ids),
        page=_page(),
        per_page=current_settings().app.page_size,
        error_out=False,
    )
    items: list[Referral] = list(page.items)
    centres = queries.centre_names({r.centre_id for r in items})
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
        partner=queries.partner(user.partner_id),
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
    centre = queries.centre(ask_row.centre_id)
    if answer == "accept":
        flash(_("You now work with %(centre)s.", centre=centre.name if centre else ""), "success")
    else:
        flash(_("The request is declined."), "success")
    return redirect(url_for(".my_referrals"))


def _refer_centres(user: User) -> list[Centre]:
    """Centres the partner works with and the user may refer to."""
    linked = set(organisations.centre_ids_of(_partner_id(user)))
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
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
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
    referral = queries.referral_of_partner(referral_id, user.partner_id)
    if referral is None:
        return redirect(url_for(".my_referrals"))
    return render_template(
        "partners/referred.html",
        name=referral.name_given,
        centre=queries.centre(referral.centre_id),
        activity=referral.activity.name if referral.activity else "",
    )
