"""Security headers, cookie flags, session timeouts, proxy trust, no debug in production.

- Sessions are Flask's signed cookies: the idle timeout is the cookie's lifetime,
  checked again on the server from the signed timestamp (PERMANENT_SESSION_LIFETIME,
  refreshed by each request); the absolute timeout counts from ``login_at``.
- Cookies are HttpOnly, SameSite=Lax, and Secure outside demo mode.
- Every answer carries a Content-Security-Policy without 'unsafe-inline': scripts and
  styles come from our own files only. Pages for a logged-in user are not cached.
- X-Forwarded-* headers are believed only when ``app.trusted_proxies`` says how many
  proxies stand in front; otherwise a client could claim any address (and dodge the
  login rate limit, which counts per address).
- The Werkzeug debugger runs code for whoever reaches it: outside demo mode the app
  refuses to start in debug mode.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, request, session
from flask.helpers import get_debug_flag
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from rekruttering.config import ConfigError, current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.session_cookie import MaxAgeSessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def allow_framing(response: Response, ancestors: str) -> Response:
    """Let pages at ``ancestors`` (CSP frame-ancestors sources) show this one response in
    a frame; used by the embeddable programme only. Every other page keeps 'none'."""
    policy = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors or chr(39) + 'none' + chr(39)}"
    )
    response.headers["Content-Security-Policy"] = policy
    return response


def init_app(app: Flask) -> None:
    settings = current_settings(app)
    if not settings.demo and (app.debug or get_debug_flag()):
        raise ConfigError(
            "FLASK_DEBUG: debug mode runs the interactive debugger; it is allowed in demo mode only"
        )
    hops = settings.app.trusted_proxies
    if hops:
        # Only when configured: otherwise anyone could claim any client address.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented middleware hook
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    defaults = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not settings.demo,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": not settings.demo,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=settings.security.session_idle_minutes),
        "SESSION_REFRESH_EACH_REQUEST": True,
    }
    for key, value in defaults.items():
        # Flask's own defaults are weaker; a value the caller gave create_app wins.
        if key not in app.extensions["rekruttering.explicit_config"]:
            app.config[key] = value
    app.session_interface = MaxAgeSessionInterface()
    app.before_request(_enforce_absolute_timeout)
    app.after_request(_security_headers)


def _enforce_absolute_timeout() -> None:
    if not current_user.is_authenticated or current_user.is_device:
        # A door tablet stays logged in (its remember cookie) until an admin revokes it.
        return
    limit = timedelta(hours=current_settings().security.session_absolute_hours)
    started = session.get("login_at")
    try:
        started_at = datetime.fromisoformat(started) if started else None
    except ValueError:
        started_at = None
    if started_at is None or utcnow() - started_at > limit:
        logout_user()
        session.clear()


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        # Only a page that named its own frame-ancestors (allow_framing) may be framed.
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if (
        request.endpoint != "static"
        and response.mimetype in ("text/html", "application/json")
        and not current_user.is_anonymous
    ):
        # Personal data must not stay in a shared computer's cache or back button.
        # (``is_anonymous``, not ``is_authenticated``: that reads the user's row, which
        # a write's commit has expired, so every write would load the user again.)
        response.headers.setdefault("Cache-Control", "no-store")
    if not current_app.config.get("DEMO"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
