"""Login and logout."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering.access import ANY_USER, PUBLIC, allow
from rekruttering.auth.demo_logins import DEMO_LOGINS
from rekruttering.auth.device import is_trusted_device, remember_device
from rekruttering.auth.forms import LoginForm
from rekruttering.auth.service import LoginPolicy, authenticate, log_out, refused_message
from rekruttering.auth.sessions import end_browser_session, start_session
from rekruttering.auth.site_data import clear_site_data
from rekruttering.config import current_settings
from rekruttering.extensions import limiter
from rekruttering.input_boundary import safe_next
from rekruttering.transaction import transaction

bp = Blueprint("auth", __name__)


def _login_rate_limit() -> str:
    return current_settings().security.login_rate_limit


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        settings = current_settings()
        policy = LoginPolicy(
            attempts=settings.security.login_attempts,
            lockout=timedelta(minutes=settings.security.lockout_minutes),
        )
        # A refusal is committed too: the failure count, a lock and the audit event stay.
        with transaction():
            user = authenticate(
                form.email.data,
                form.password.data,
                policy,
                request.remote_addr,
                trusted_device=lambda u: is_trusted_device(request, u),
            )
        if user is None:
            flash(refused_message(), "danger")
        else:
            start_session(user)
            response = redirect(safe_next(request.args.get("next"), url_for("main.home")))
            remember_device(response, user)
            return response
    demo = bool(current_app.config.get("DEMO"))
    return render_template(
        "auth/login.html", form=form, demo=demo, demo_logins=DEMO_LOGINS if demo else ()
    )


@bp.route("/logout", methods=["POST"])
@allow(ANY_USER)
def logout() -> Response:
    with transaction():
        log_out(current_user)
    end_browser_session()
    flash(_("You are logged out."), "info")
    # The check-in page's offline copy (today's list, the queue) goes with the login.
    return clear_site_data(redirect(url_for("auth.login")))
