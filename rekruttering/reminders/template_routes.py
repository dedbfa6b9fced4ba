"""The centre's reminder texts, one per language, with the built-in texts as defaults."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ADMIN, allow
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.reminder_text import DEFAULT_TEMPLATES, PLACEHOLDERS
from rekruttering.domain.sms_segments import count_segments
from rekruttering.errors import ServiceError
from rekruttering.extensions import limiter
from rekruttering.languages import LANGUAGES, language_name
from rekruttering.reminders import queries, service
from rekruttering.reminders.blueprint import bp
from rekruttering.reminders.forms import TemplateForm, TestSendForm
from rekruttering.reminders.test_send import send_test_to_self
from rekruttering.reminders.texts import normalise_language
from rekruttering.sms.gateway import build_gateway
from rekruttering.transaction import transaction

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


# --- templates ------------------------------------------------------------------------


@bp.route("/templates")
@allow(*ADMIN)
def templates() -> str:
    centre_id = tenancy.current_centre_id()
    custom = {t.language: t for t in queries.reminder_templates(centre_id)}
    spoken = queries.spoken_languages(centre_id)
    codes = sorted(
        {normalise_language(c) for c in spoken} | set(custom) | set(DEFAULT_TEMPLATES),
        key=lambda c: (c != "nb", language_name(c)),
    )
    rows = [
        {
            "code": code,
            "name": language_name(code),
            "custom": custom.get(code),
            "builtin": code in DEFAULT_TEMPLATES,
            "spoken": code in {normalise_language(c) for c in spoken},
        }
        for code in codes
        if LANGUAGE_CODE.match(code)
    ]
    return render_template("reminders/templates.html", rows=rows)


@bp.route("/templates/<language>", methods=["GET", "POST"])
@allow(*ADMIN)
def edit_template(language: str) -> str | Response:
    language = normalise_language(language)
    if not LANGUAGE_CODE.match(language):
        abort(404)
    centre_id = tenancy.current_centre_id()
    existing = queries.reminder_template(centre_id, language)
    form = TemplateForm()
    if request.method == "GET":
        form.body.data = (
            existing.body if existing else DEFAULT_TEMPLATES.get(language, DEFAULT_TEMPLATES["nb"])
        )
    sample = None
    if form.validate_on_submit() and form.submit.data:
        try:
            with transaction():
                service.save_template(centre_id, language, form.body.data)
        except ServiceError as exc:
            form.body.errors = [*form.body.errors, exc.message]
        else:
            flash(_("The template is saved."), "success")
            return redirect(url_for("reminders.templates"))
    if form.body.data:
        sample = count_segments(form.body.data)
    return render_template(
        "reminders/template_form.html",
        form=form,
        language=language,
        language_label=language_name(language),
        existing=existing,
        sample=sample,
        placeholders=PLACEHOLDERS,
        known=language in LANGUAGES or language in DEFAULT_TEMPLATES,
    )


@bp.route("/templates/<language>/delete", methods=["POST"])
@allow(*ADMIN)
def delete_template(language: str) -> Response:
    language = normalise_language(language)
    with transaction():
        service.delete_template(tenancy.current_centre_id(), language)
    flash(_("The centre's own text is removed; the built-in text is used."), "success")
    return redirect(url_for("reminders.templates"))


def _per_user() -> str:
    """Rate-limit test messages per staff member, wherever they send from."""
    return f"test-sms:{current_user.get_id()}"


@bp.route("/templates/<language>/test", methods=["POST"])
@allow(*ADMIN)
@limiter.limit("5 per hour", key_func=_per_user)
def send_test(language: str) -> Response:
    """Send the template, filled with example values, to the staff member's own mobile."""
    language = normalise_language(language)
    if not LANGUAGE_CODE.match(language):
        abort(404)
    form = TestSendForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            send_test_to_self(
                tenancy.current_centre_id(),
                current_user,
                language,
                build_gateway(current_settings()),
                utcnow(),
            )
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        if current_settings().sms.gateway == "outbox":
            flash(_("The test message is in the outbox (SMS sending is off)."), "success")
        else:
            flash(_("The test message is on its way to your phone."), "success")
    return redirect(url_for("reminders.templates"))
