"""Partner logins: staff invite, renew and deactivate them; the invitation link
(public) sets the password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import PUBLIC, STAFF, allow
from rekruttering.auth.sessions import start_session
from rekruttering.config import current_settings
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import limiter
from rekruttering.models import Partner, User
from rekruttering.partners import invitations
from rekruttering.partners.blueprint import _form_error, _partner_or_404, bp
from rekruttering.partners.forms import AcceptForm, InviteForm
from rekruttering.transaction import transaction


def _public_url(path: str) -> str:
    """An absolute link for outside use (invitations, QR codes): the configured address."""
    base = current_settings().app.public_base_url or request.host_url.rstrip("/")
    return base + path


def _no_store(html: str) -> Response:
    """A page showing a secret link: not kept in any cache."""
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- partner logins (staff) -------------------------------------------------------


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
                    current_settings().partners.invitation_days,
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
                current_settings().partners.invitation_days,
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


def _invitation_page(partner: Partner, user: User, token: str) -> Response:
    link = _public_url(url_for(".accept", token=token))
    days = current_settings().partners.invitation_days
    return _no_store(
        render_template(
            "partners/invitation.html", partner=partner, user=user, link=link, days=days
        )
    )


# --- the invitation link (public) ----------------------------------------------------


def _login_rate_limit() -> str:
    return current_settings().security.login_rate_limit


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
