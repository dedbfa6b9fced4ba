"""Door tablets: the admin's list, pairing links, revocation; the tablet's pairing page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from rekruttering import tenancy
from rekruttering.access import ADMIN, PUBLIC, allow
from rekruttering.accounts.mails import absolute_url
from rekruttering.auth.sessions import start_session
from rekruttering.config import current_settings
from rekruttering.devices import service
from rekruttering.errors import NotFound, ServiceError
from rekruttering.form_errors import show_error
from rekruttering.transaction import transaction

bp = Blueprint("devices", __name__)


class DeviceForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l('Where it stands, e.g. "Tablet i kafeen".'),
    )
    submit = SubmitField(_l("Make a door tablet login"))


class PairForm(FlaskForm):
    submit = SubmitField(_l("Log this device in"))


def _link_page(device: object, token: str) -> str:
    return render_template(
        "devices/link.html",
        device=device,
        link=absolute_url("devices.pair", token=token),
        hours=current_settings().accounts.device_link_hours,
    )


@bp.route("/devices", methods=["GET", "POST"])
@allow(*ADMIN)
def index() -> str | Response:
    form = DeviceForm()
    if form.validate_on_submit():
        try:
            with transaction():
                device, token = service.create_device(
                    tenancy.current_centre_id(),
                    form.name.data,
                    current_user.id,
                    current_settings().accounts.device_link_hours,
                )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            return _link_page(device, token)
    rows = service.devices(tenancy.current_centre_id())
    return render_template("devices/index.html", rows=rows, form=form)


def _device_or_404(device_id: int) -> None:
    try:
        service.device_of(tenancy.current_centre_id(), device_id)
    except NotFound:
        abort(404)


@bp.route("/devices/<int:device_id>/link", methods=["POST"])
@allow(*ADMIN)
def new_link(device_id: int) -> str | Response:
    _device_or_404(device_id)
    try:
        with transaction():
            device, token = service.new_pairing_link(
                tenancy.current_centre_id(),
                device_id,
                current_user.id,
                current_settings().accounts.device_link_hours,
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("devices.index"))
    return _link_page(device, token)


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@allow(*ADMIN)
def revoke(device_id: int) -> Response:
    _device_or_404(device_id)
    with transaction():
        device = service.revoke(tenancy.current_centre_id(), device_id, current_user.id)
    flash(_("%(name)s is logged out and can no longer log in.", name=device.name), "success")
    return redirect(url_for("devices.index"))


@bp.route("/tablet/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def pair(token: str) -> tuple[str, int] | str | Response:
    """Opened on the tablet: a button (a link preview must not use the link up)."""
    try:
        link = service.pairing(token)
    except NotFound as exc:
        return render_template("accounts/link_invalid.html", message=exc.message), 410
    form = PairForm()
    if form.validate_on_submit():
        with transaction():
            device = service.pair(token)
        start_session(device)
        # The tablet stays logged in past the idle timeout, until it is revoked.
        login_user(
            device,
            remember=True,
            duration=timedelta(days=current_settings().accounts.device_session_days),
        )
        return redirect(url_for("checkin.index"))
    return render_template("devices/pair.html", form=form, device=link.user)
