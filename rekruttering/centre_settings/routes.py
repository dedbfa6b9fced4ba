"""The centre settings page (admin only)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, allow
from rekruttering.centre_settings import service
from rekruttering.centre_settings.forms import SettingsForm
from rekruttering.domain.phone import format_phone
from rekruttering.errors import ServiceError
from rekruttering.languages import language_name
from rekruttering.transaction import transaction

bp = Blueprint("centre_settings", __name__)


def _fill(form: SettingsForm, centre_id: int) -> None:
    current = service.settings_of(centre_id)
    form.reminder_languages.choices = [
        (code, language_name(code)) for code in service.known_languages(centre_id)
    ]
    if request.method == "GET":
        form.public_name.data = current.public_name
        form.address.data = current.address
        form.phone.data = format_phone(current.phone)
        form.email.data = current.email
        ratio = current.wished_volunteer_ratio
        form.wished_volunteer_ratio.data = None if ratio is None else Decimal(str(ratio))
        form.reminder_days_before.data = current.reminder_days_before
        form.reminder_time.data = current.reminder_time
        form.sms_signature.data = current.sms_signature
        form.reminder_languages.data = list(current.languages)
        form.retention_months.data = current.retention_months
        form.privacy_notice.data = current.privacy_notice


@bp.route("/centre-settings", methods=["GET", "POST"])
@allow(*ADMIN)
def edit() -> str | Response:
    centre_id = tenancy.current_centre_id()
    centre = g.centre
    form = SettingsForm()
    _fill(form, centre_id)
    if form.validate_on_submit():
        ratio = form.wished_volunteer_ratio.data
        assert form.reminder_time.data is not None  # InputRequired
        data = service.SettingsInput(
            public_name=form.public_name.data or "",
            address=form.address.data or "",
            phone=form.phone.data or "",
            email=form.email.data or "",
            wished_volunteer_ratio=None if ratio is None else float(ratio),
            reminder_days_before=form.reminder_days_before.data,
            reminder_time=form.reminder_time.data,
            sms_signature=form.sms_signature.data or "",
            reminder_languages=form.reminder_languages.data or [],
            retention_months=form.retention_months.data,
            privacy_notice=form.privacy_notice.data or "",
        )
        try:
            with transaction():
                changed = service.update_settings(centre_id, data)
        except ServiceError as exc:
            field = getattr(form, exc.field, None) if exc.field else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "danger")
        else:
            flash(_("The settings are saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".edit"))
    return render_template("centre_settings/edit.html", form=form, centre=centre)
