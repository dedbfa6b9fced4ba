"""Home, language switch, centre switch, health."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import tenancy
from rekruttering.access import ANY_USER, PUBLIC, allow
from rekruttering.i18n import LANGUAGES
from rekruttering.i18n import SESSION_KEY as LANG_KEY
from rekruttering.main.service import database_answers, remember_language
from rekruttering.models import UserRole
from rekruttering.transaction import transaction

bp = Blueprint("main", __name__)

#: Where each role starts; a feature that is not installed falls back to the home page.
START_PAGES: dict[UserRole, str] = {
    UserRole.STAFF: "outreach.follow_up",
    UserRole.ADMIN: "outreach.follow_up",
    UserRole.PARTNER: "partners.my_referrals",
    UserRole.MUNICIPALITY: "reports.municipality",
    UserRole.DOOR: "checkin.index",
    UserRole.INSTALLATION_ADMIN: "installation.centres",
}


@bp.route("/")
@allow(ANY_USER)
def home() -> str | Response:
    start = START_PAGES.get(g.role) if g.role else None
    if start and request.args.get("stay") is None:
        return redirect(url_for(start))
    return render_template("main/home.html")


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    session[LANG_KEY] = lang
    if current_user.is_authenticated:
        with transaction():
            remember_language(current_user, lang)
    return redirect(_back())


@bp.route("/centre", methods=["POST"])
@allow(ANY_USER)
def switch_centre() -> Response:
    try:
        centre_id = int(request.form.get("centre_id", ""))
    except ValueError:
        abort(400)
    if not tenancy.switch_centre(centre_id):
        abort(404)
    return redirect(url_for("main.home"))


@bp.route("/favicon.ico")
@allow(PUBLIC)
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; pages link the SVG."""
    response = send_from_directory(
        current_app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response


@bp.route("/healthz")
@allow(PUBLIC)
def health() -> tuple[dict[str, str], int]:
    if not database_answers():
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


def _back() -> str:
    target = request.form.get("next") or request.referrer or ""
    if target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")
