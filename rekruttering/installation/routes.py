"""The installation admin's pages: centres, municipality accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering.access import INSTALLATION, allow
from rekruttering.accounts.mails import link_url, mail_invitation
from rekruttering.config import current_settings
from rekruttering.errors import NotFound, ServiceError
from rekruttering.form_errors import show_error
from rekruttering.installation import service
from rekruttering.installation.forms import CentreForm, CentresForm, MunicipalityForm
from rekruttering.mail.service import mail_enabled
from rekruttering.models import User
from rekruttering.transaction import transaction

bp = Blueprint("installation", __name__, url_prefix="/installation")


def _centre_choices() -> list[tuple[int, str]]:
    return service.centre_choices()


def _days() -> int:
    return current_settings().accounts.invitation_days


def _link_page(user: User, token: str, back: str, centre_id: int | None, centre_name: str) -> str:
    mailed = False
    if mail_enabled():
        with transaction():
            mail_invitation(user, link_url(token), centre_name, _days(), centre_id)
        mailed = True
    return render_template(
        "installation/link.html",
        user=user,
        link=link_url(token),
        mailed=mailed,
        days=_days(),
        back_endpoint=back,
    )


@bp.route("/centres")
@allow(*INSTALLATION)
def centres() -> str:
    return render_template("installation/centres.html", rows=service.centre_sizes())


@bp.route("/centres/new", methods=["GET", "POST"])
@allow(*INSTALLATION)
def new_centre() -> str | Response:
    form = CentreForm()
    if form.validate_on_submit():
        try:
            with transaction():
                centre, admin, token = service.create_centre_with_admin(
                    form.name.data,
                    form.slug.data,
                    form.municipality.data or "",
                    form.admin_name.data,
                    form.admin_email.data,
                    current_user.id,
                    _days(),
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            flash(_("%(name)s is created.", name=centre.name), "success")
            return _link_page(admin, token, "installation.centres", centre.id, centre.name)
    return render_template("installation/new_centre.html", form=form)


@bp.route("/municipality", methods=["GET", "POST"])
@allow(*INSTALLATION)
def municipality() -> str | Response:
    form = MunicipalityForm()
    form.centres.choices = _centre_choices()
    if form.validate_on_submit():
        try:
            with transaction():
                user, token = service.invite_municipality_user(
                    form.admin_name.data,
                    form.admin_email.data,
                    form.centres.data,
                    current_user.id,
                    _days(),
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            return _link_page(user, token, "installation.municipality", None, _("the municipality"))
    users = service.municipality_users()
    forms = {}
    for user in users:
        edit = CentresForm(formdata=None, prefix=f"u{user.id}")
        edit.centres.choices = form.centres.choices
        edit.centres.data = [m.centre_id for m in user.memberships]
        forms[user.id] = edit
    return render_template("installation/municipality.html", form=form, users=users, forms=forms)


@bp.route("/municipality/<int:user_id>/centres", methods=["POST"])
@allow(*INSTALLATION)
def municipality_centres(user_id: int) -> Response:
    try:
        service.municipality_user(user_id)
    except NotFound:
        abort(404)
    form = CentresForm(prefix=f"u{user_id}")
    form.centres.choices = _centre_choices()
    if not form.validate_on_submit():
        flash(_("Choose at least one centre."), "danger")
        return redirect(url_for("installation.municipality"))
    try:
        with transaction():
            user = service.set_municipality_centres(user_id, form.centres.data, current_user.id)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s's centres are saved.", name=user.name), "success")
    return redirect(url_for("installation.municipality"))
