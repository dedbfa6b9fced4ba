"""The programme: staff page, print view; the public page, its embed and calendar feeds.

The public routes find the centre by the code of its "website programme" QR source
(as the public sign-up form finds it by a source's code): an unknown, taken-down or
other kind of code is a 404, and so is an activity that is not the centre's, not public
or retired. They show no people and no counts.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, get_day_names
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import PUBLIC, STAFF, allow
from rekruttering.centre_settings.service import public_details, settings_of
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_today, to_oslo, utcnow
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import limiter
from rekruttering.languages import visitor_language
from rekruttering.models import Activity, ProgrammeSource, ProgrammeSourceKind
from rekruttering.programme import feed, queries, service
from rekruttering.programme.forms import ActivityProgrammeForm, PlainForm, PrintRunForm
from rekruttering.programme.texts import NATIVE_NAMES, direction, language_name, texts_for
from rekruttering.security import allow_framing
from rekruttering.signup.qr import qr_svg
from rekruttering.signup.service import stats_by_source
from rekruttering.transaction import transaction

bp = Blueprint("programme", __name__)

#: Days ahead the public page lists dates for; the feed goes further and a little back
#: (so a cancellation of last week still reaches calendars that hold it).
PAGE_DAYS = 28
FEED_DAYS_BACK = 7
FEED_DAYS_AHEAD = 120
DATES_PER_ACTIVITY = 4


def _base_url() -> str:
    return current_settings().app.public_base_url or request.host_url.rstrip("/")


def _signup_url(code: str, activity_id: int | None, lang: str) -> str:
    return _base_url() + url_for("signup.form", code=code, activity=activity_id, lang=lang)


def _babel_locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


# --- what the templates show ------------------------------------------------------------


@dataclass(frozen=True)
class WhenLine:
    """A weekly slot: the day in the visitor's language, the time, the place (as
    staff wrote it); shown with their own text direction (an Arabic day, Latin times)."""

    day: str
    time: str
    place: str


@dataclass(frozen=True)
class DateLine:
    day: str
    time: str
    place: str
    cancelled: bool


@dataclass(frozen=True)
class ActivityView:
    id: int
    title: str
    description: str
    for_whom: str
    when: list[WhenLine]
    season: str
    signup_required: bool
    dates: list[DateLine]
    signup_url: str
    qr: str  # a data: URI (print view), else empty


def _clock(moment: datetime) -> str:
    return to_oslo(moment).strftime("%H.%M")


def _views(
    items: list[queries.ProgrammeActivity],
    lang: str,
    code: str,
    with_qr: bool = False,
    dates_per_activity: int | None = DATES_PER_ACTIVITY,
) -> list[ActivityView]:
    t = texts_for(lang)
    locale = _babel_locale(lang)
    days = get_day_names("wide", locale=locale)
    views = []
    for item in items:
        when = [
            WhenLine(days[slot.weekday], f"{slot.start:%H.%M}–{slot.end:%H.%M}", slot.place)
            for slot in item.slots
        ]
        season = ""
        if item.season_start or item.season_end:
            parts = [
                format_skeleton("yMMMd", d, locale=locale) if d else ""
                for d in (item.season_start, item.season_end)
            ]
            season = "–".join(parts)
        dates = [
            DateLine(
                day=format_skeleton("MMMMEEEEd", to_oslo(s.starts_at).date(), locale=locale),
                time=f"{_clock(s.starts_at)}–{_clock(s.ends_at)}",
                place=s.place,
                cancelled=s.cancelled,
            )
            for s in item.sessions
        ]
        if dates_per_activity is not None:
            dates = dates[:dates_per_activity]
        url = _signup_url(code, item.id, lang)
        qr = ""
        if with_qr:
            qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")
        group = f"tg_{item.target_group}" if item.target_group else "everyone"
        views.append(
            ActivityView(
                id=item.id,
                title=item.title,
                description=item.description,
                for_whom=t.get(group, t["everyone"]),
                when=when,
                season=season,
                signup_required=item.signup_required,
                dates=dates,
                signup_url=url,
                qr=qr,
            )
        )
    return views


# --- the staff page ---------------------------------------------------------------------


def _print_languages(centre_id: int) -> list[tuple[str, str]]:
    codes = list(
        dict.fromkeys(
            [
                "nb",
                *queries.offered_languages(centre_id),
                *settings_of(centre_id).languages,
                *NATIVE_NAMES,
            ]
        )
    )
    return [(code, f"{service.language_label(code)} ({language_name(code)})") for code in codes]


@bp.route("/programme/", methods=["GET", "POST"])
@allow(*STAFF)
def index() -> str | Response:
    centre_id = tenancy.current_centre_id()
    form = PrintRunForm()
    form.language.choices = _print_languages(centre_id)
    if request.method == "GET" and form.starts_on.data is None:
        form.starts_on.data = oslo_today()
    if form.validate_on_submit():
        data = service.PrintRunInput(form.period.data, form.starts_on.data, form.language.data)
        try:
            with transaction():
                run = service.create_print_run(centre_id, data)
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            return redirect(url_for(".print_view", run_id=run.id))
    website = service.website_source(centre_id)
    public_url = feed_url = embed_url = ""
    if website is not None and website.source.active:
        code = website.source.code
        public_url = _base_url() + url_for(".public_page", code=code)
        feed_url = _base_url() + url_for(".calendar", code=code)
        embed_url = _base_url() + url_for(".embed", code=code)
    activities = queries.active_activities(centre_id)
    return render_template(
        "programme/index.html",
        form=form,
        plain=PlainForm(),
        website=website,
        public_url=public_url,
        feed_url=feed_url,
        embed_url=embed_url,
        activities=activities,
        texts=queries.texts_of([a.id for a in activities]),
        runs=queries.print_runs(centre_id),
        source_stats=stats_by_source(centre_id),
        language_stats=queries.stats_by_language(centre_id),
        language_label=service.language_label,
    )


@bp.route("/programme/publish", methods=["POST"])
@allow(*STAFF)
def publish() -> Response:
    centre_id = tenancy.current_centre_id()
    if PlainForm().validate_on_submit():
        with transaction():
            service.publish(centre_id)
        flash(_("The programme is online."), "success")
    return redirect(url_for(".index"))


@bp.route("/programme/unpublish", methods=["POST"])
@allow(*STAFF)
def unpublish() -> Response:
    centre_id = tenancy.current_centre_id()
    if PlainForm().validate_on_submit():
        try:
            with transaction():
                service.unpublish(centre_id)
        except NotFound:
            flash(_("The programme is not online."), "warning")
        else:
            flash(_("The programme is offline. Publishing it again keeps its address."), "success")
    return redirect(url_for(".index"))


def _text_languages(centre_id: int, activity_id: int) -> list[str]:
    own = queries.texts_of([activity_id]).get(activity_id, {})
    return list(dict.fromkeys(["nb", "en", *settings_of(centre_id).languages, *NATIVE_NAMES, *own]))


@bp.route("/programme/activities/<int:activity_id>", methods=["GET", "POST"])
@allow(*STAFF)
def activity(activity_id: int) -> str | Response:
    obj = tenancy.get_or_404(Activity, activity_id)
    form = ActivityProgrammeForm(is_public=obj.is_public)
    languages = _text_languages(obj.centre_id, obj.id)
    if form.validate_on_submit():
        texts = [
            service.TextInput(
                code,
                request.form.get(f"title_{code}", ""),
                request.form.get(f"description_{code}", ""),
            )
            for code in languages
        ]
        try:
            with transaction():
                service.save_texts(obj.centre_id, obj.id, texts)
                service.set_public(obj.centre_id, obj.id, bool(form.is_public.data))
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".activity", activity_id=obj.id))
    own = queries.texts_of([obj.id]).get(obj.id, {})
    rows = [
        (
            code,
            service.language_label(code),
            language_name(code),
            direction(code),
            request.form.get(f"title_{code}", own[code].title if code in own else ""),
            request.form.get(f"description_{code}", own[code].description if code in own else ""),
        )
        for code in languages
    ]
    return render_template("programme/activity.html", activity=obj, form=form, rows=rows)


@bp.route("/programme/runs/<int:run_id>/print")
@allow(*STAFF)
def print_view(run_id: int) -> str:
    run = tenancy.get_or_404(ProgrammeSource, run_id)
    if run.kind != ProgrammeSourceKind.PRINT or run.starts_on is None:
        abort(404)
    first, last = service.period_days(run.period, run.starts_on)
    lang = run.language
    items = queries.programme(run.centre_id, lang, first, last)
    locale = _babel_locale(lang)
    if run.period == "week":
        heading = "–".join(format_skeleton("MMMMd", d, locale=locale) for d in (first, last))
    else:
        heading = format_skeleton("yMMMM", first, locale=locale)
    centre = queries.centre(run.centre_id)
    return render_template(
        "programme/print.html",
        run=run,
        heading=heading,
        centre=public_details(centre),
        activities=_views(items, lang, run.source.code, with_qr=True, dates_per_activity=None),
        short_url=_base_url() + url_for("signup.form", code=run.source.code),
        lang=lang,
        dir=direction(lang),
        t=texts_for(lang),
    )


# --- public -----------------------------------------------------------------------------


def _rate_limit() -> str:
    return current_settings().programme.rate_limit


def _public_context(code: str) -> dict[str, Any]:
    website = queries.website_by_code(code)
    offered = queries.offered_languages(website.centre_id)
    lang = visitor_language(offered)
    today = oslo_today()
    items = queries.programme(website.centre_id, lang, today, today + timedelta(days=PAGE_DAYS - 1))
    centre = queries.centre(website.centre_id)
    return {
        "code": website.source.code,
        "centre": public_details(centre),
        "activities": _views(items, lang, website.source.code),
        "lang": lang,
        "dir": direction(lang),
        "t": texts_for(lang),
        "languages": [(c, language_name(c)) for c in offered],
        "signup_url": _signup_url(website.source.code, None, lang),
    }


def _public(response_body: str) -> Response:
    response = current_app.response_class(response_body, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/p/<code>")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def public_page(code: str) -> Response:
    return _public(render_template("programme/public.html", **_public_context(code)))


@bp.route("/p/<code>/embed")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def embed(code: str) -> Response:
    response = _public(render_template("programme/embed.html", **_public_context(code)))
    return allow_framing(response, current_settings().programme.embed_ancestors)


def _feed(code: str, activity_id: int | None) -> Response:
    website = queries.website_by_code(code)
    centre = queries.centre(website.centre_id)
    details = public_details(centre)
    name = details.name
    if activity_id is not None:
        name = f"{queries.public_activity(website.centre_id, activity_id).name} · {name}"
    today = oslo_today()
    items = queries.programme(
        website.centre_id,
        "nb",
        today - timedelta(days=FEED_DAYS_BACK),
        today + timedelta(days=FEED_DAYS_AHEAD),
        activity_id,
    )
    events = [
        feed.FeedEvent(
            activity_id=item.id,
            title=item.title,
            description=item.description,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            place=", ".join(p for p in (s.place, details.address) if p),
            cancelled=s.cancelled,
            url=_signup_url(website.source.code, item.id, "nb"),
        )
        for item in items
        for s in item.sessions
    ]
    body = feed.build_calendar(name, centre.slug, events, utcnow())
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="programme.ics"'
    response.headers["Cache-Control"] = "public, max-age=900"
    return response


@bp.route("/p/<code>/calendar.ics")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def calendar(code: str) -> Response:
    return _feed(code, None)


@bp.route("/p/<code>/activities/<int:activity_id>/calendar.ics")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def activity_calendar(code: str, activity_id: int) -> Response:
    return _feed(code, activity_id)
