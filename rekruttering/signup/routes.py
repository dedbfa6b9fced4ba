"""QR sources (staff) and the public interest form behind them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import PUBLIC, STAFF, allow
from rekruttering.centre_settings.service import public_details, settings_of
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.errors import ServiceError
from rekruttering.extensions import limiter
from rekruttering.languages import visitor_language
from rekruttering.models import Activity, Source
from rekruttering.signup import queries, service
from rekruttering.signup.form_texts import (
    GETTEXT_LANGUAGES,
    NATIVE_NAMES,
    text_direction,
    texts_for,
)
from rekruttering.signup.forms import SourceForm
from rekruttering.signup.poster import poster_block, poster_facts, poster_languages
from rekruttering.signup.privacy_texts import notice_for, page_language
from rekruttering.signup.qr import qr_png, qr_svg
from rekruttering.signup.spam import SpamGuard
from rekruttering.transaction import transaction

bp = Blueprint("signup", __name__)

#: Refusals that mean "fix this field"; the others look like a bot or a stale form.
FIELD_REASONS = {"err_name", "err_phone", "err_consent"}


def _guard() -> SpamGuard:
    settings = current_settings()
    return SpamGuard(
        secret_key=current_app.config["SECRET_KEY"],
        min_fill_seconds=settings.signup.min_fill_seconds,
        max_age_seconds=settings.signup.max_form_age_hours * 3600,
    )


def short_url(code: str) -> str:
    """The address printed under the QR code (the configured public address if set)."""
    base = current_settings().app.public_base_url or request.host_url.rstrip("/")
    return base + url_for("signup.form", code=code)


# --- sources (staff) ------------------------------------------------------------------


def _fill_choices(form: SourceForm, centre_id: int, keep_channel_id: int | None = None) -> None:
    # Channels in use, and the source's own channel if it was retired since (so a taken-
    # down code can still be edited without choosing a new channel).
    channels = queries.channels_in_use(centre_id, keep_channel_id)
    activities = queries.active_activities(centre_id)
    form.channel_id.choices = [("", _("Choose a channel"))] + [(c.id, c.name) for c in channels]
    form.activity_id.choices = [("", _("The centre as a whole"))] + [
        (a.id, a.name) for a in activities
    ]


def _form_error(form: Any, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


@bp.route("/sources/")
@allow(*STAFF)
def sources() -> str:
    centre_id = tenancy.current_centre_id()
    rows = queries.sources_of(centre_id)
    channels = queries.channel_names(centre_id)
    return render_template(
        "signup/sources.html",
        sources=rows,
        channels=channels,
        stats=service.stats_by_source(centre_id),
    )


@bp.route("/sources/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_source() -> str | Response:
    centre_id = tenancy.current_centre_id()
    form = SourceForm()
    _fill_choices(form, centre_id)
    if form.validate_on_submit():
        data = service.SourceInput(form.name.data, form.channel_id.data, form.activity_id.data)
        try:
            with transaction():
                source = service.create_source(centre_id, data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("The QR code is ready to print."), "success")
            return redirect(url_for(".source", source_id=source.id))
    return render_template("signup/source_form.html", form=form, source=None)


@bp.route("/sources/<int:source_id>")
@allow(*STAFF)
def source(source_id: int) -> str:
    obj = tenancy.get_or_404(Source, source_id)
    return render_template(
        "signup/source.html",
        source=obj,
        centre=public_details(queries.centre(obj.centre_id)),
        url=short_url(obj.code),
        stats=service.stats_by_source(obj.centre_id).get(obj.id, service.SourceStats()),
        poster_languages=poster_languages(service.languages_for(obj)),
    )


def readable_url(url: str) -> str:
    """The printed address: without the scheme, so it is short and typed as read."""
    return url.split("://", 1)[-1]


@bp.route("/sources/<int:source_id>/poster")
@allow(*STAFF)
def poster(source_id: int) -> str:
    """A printable A4 poster: the centre, the activity, when and where, the code."""
    obj = tenancy.get_or_404(Source, source_id)
    available = poster_languages(service.languages_for(obj))
    codes = [code for code, _name in available]
    chosen = [code for code in request.args.getlist("lang") if code in codes][:4]
    if not chosen:
        current = str(get_locale() or "nb")
        chosen = [current if current in codes else codes[0]]
    facts = poster_facts(obj, utcnow())
    activity_name = obj.activity.name if obj.activity else None
    url = short_url(obj.code)
    return render_template(
        "signup/poster.html",
        source=obj,
        centre=public_details(queries.centre(obj.centre_id)),
        activity_name=activity_name,
        facts=facts,
        blocks=[poster_block(code, activity_name, facts) for code in chosen],
        languages=available,
        chosen=chosen,
        url=url,
        printed_url=readable_url(url),
    )


@bp.route("/sources/<int:source_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit_source(source_id: int) -> str | Response:
    obj = tenancy.get_or_404(Source, source_id)
    form = SourceForm(obj=obj)
    _fill_choices(form, obj.centre_id, obj.channel_id)
    if form.validate_on_submit():
        data = service.SourceInput(form.name.data, form.channel_id.data, form.activity_id.data)
        try:
            with transaction():
                service.update_source(obj.centre_id, obj.id, data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".source", source_id=obj.id))
    return render_template("signup/source_form.html", form=form, source=obj)


@bp.route("/sources/<int:source_id>/active", methods=["POST"])
@allow(*STAFF)
def set_active(source_id: int) -> Response:
    obj = tenancy.get_or_404(Source, source_id)
    active = request.form.get("active") == "1"
    with transaction():
        service.set_source_active(obj.centre_id, obj.id, active)
    if active:
        flash(_("The QR code takes sign-ups again."), "success")
    else:
        flash(_("The QR code no longer takes sign-ups."), "success")
    return redirect(url_for(".source", source_id=obj.id))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/sources/<int:source_id>/qr.svg")
@allow(*STAFF)
def source_svg(source_id: int) -> Response:
    obj = tenancy.get_or_404(Source, source_id)
    return _download(qr_svg(short_url(obj.code)), "image/svg+xml", f"qr-{obj.code}.svg")


@bp.route("/sources/<int:source_id>/qr.png")
@allow(*STAFF)
def source_png(source_id: int) -> Response:
    obj = tenancy.get_or_404(Source, source_id)
    return _download(qr_png(short_url(obj.code)), "image/png", f"qr-{obj.code}.png")


# --- the public form ------------------------------------------------------------------


def _render_public(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    lang = context["lang"]
    # The page around the form in Norwegian or English; the form in the visitor's language.
    with force_locale(lang if lang in GETTEXT_LANGUAGES else "nb"):
        return render_template(template, **context), status


def _signup_rate_limit() -> str:
    return current_settings().signup.rate_limit


@bp.route("/s/<code>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_signup_rate_limit, methods=["POST"])
def form(code: str) -> tuple[str, int] | Response:
    src = service.source_by_code(code)
    languages = service.languages_for(src)
    lang = visitor_language(languages)
    activities: Sequence[Activity] = []
    if src.activity_id is None:
        activities = queries.active_activities(src.centre_id)
    error: str | None = None
    field_error: str | None = None
    values: dict[str, Any] = {}
    if request.method == "GET":
        # A link from the programme (page, feed, printed QR code) names its activity.
        values["activity_id"] = request.args.get("activity", type=int)
    status = 200
    if request.method == "POST":
        values = {
            "name": request.form.get("name", "")[:160],
            "phone": request.form.get("phone", "")[:40],
            "activity_id": request.form.get("activity_id", type=int),
            "consent": request.form.get("consent") == "yes",
        }
        data = service.SignupInput(
            name=values["name"],
            phone=values["phone"],
            consent=values["consent"],
            language=lang,
            activity_id=values["activity_id"],
            stamp=request.form.get("stamp", ""),
            honeypot=request.form.get("website", ""),
        )
        try:
            with transaction():
                service.sign_up(src.code, data, _guard())
        except service.SignupRefused as exc:
            if exc.reason in FIELD_REASONS:
                field_error = exc.field
            else:
                status = 400
            error = exc.reason
        else:
            return redirect(url_for(".thanks", code=src.code, lang=lang))
    centre = queries.centre(src.centre_id)
    return _render_public(
        "signup/form.html",
        status,
        source=src,
        centre=public_details(centre),
        activities=activities,
        lang=lang,
        form_languages=[(code_, NATIVE_NAMES.get(code_, code_)) for code_ in languages],
        t=texts_for(lang),
        notice=notice_for(lang),
        direction=text_direction(lang),
        # A form shown again after a post keeps the stamp of its first render.
        stamp=_guard().carry(request.form.get("stamp", ""), src.code)
        if request.method == "POST"
        else _guard().issue(src.code),
        values=values,
        error=error,
        field_error=field_error,
    )


@bp.route("/s/<code>/privacy")
@allow(PUBLIC)
def privacy(code: str) -> tuple[str, int]:
    """The short privacy page the form links to: what is stored, why, how to withdraw."""
    src = service.source_by_code(code)
    lang = visitor_language(service.languages_for(src))
    centre = queries.centre(src.centre_id)
    page_lang = page_language(lang)
    return _render_public(
        "signup/privacy.html",
        source=src,
        centre=public_details(centre),
        months=settings_of(src.centre_id).retention_months,
        lang=page_lang,
        form_lang=lang,
        direction="ltr",
    )


@bp.route("/s/<code>/thanks")
@allow(PUBLIC)
def thanks(code: str) -> tuple[str, int]:
    src = service.source_by_code(code)
    lang = visitor_language(service.languages_for(src))
    return _render_public(
        "signup/thanks.html",
        source=src,
        centre=public_details(queries.centre(src.centre_id)),
        lang=lang,
        t=texts_for(lang),
        direction=text_direction(lang),
    )
