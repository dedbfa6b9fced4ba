"""Hardening: rate limit, lockout, sessions, cookies, headers, CSP, CSRF, proxies, debug."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from rekruttering import create_app
from rekruttering.auth.device import COOKIE as DEVICE_COOKIE
from rekruttering.config import ConfigError
from rekruttering.demo.accounts import DEMO_PASSWORD
from rekruttering.domain.clock import utcnow
from rekruttering.extensions import csrf, db
from rekruttering.models import AuditEvent, Person, UserRole
from tests.conftest import make_settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _app(database_url: str, **settings: Any) -> Flask:
    """An app as in production (cookie flags, CSRF, rate limit), on the test database."""
    flask_config = settings.pop("flask_config", {})
    return create_app(
        make_settings(database_url, **settings),
        TESTING=True,
        RATELIMIT_ENABLED=flask_config.pop("RATELIMIT_ENABLED", False),
        **flask_config,
    )


def _set_cookies(response: Any, name: str) -> str:
    return next((h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")), "")


# --- brute force and lockout -------------------------------------------------------


@pytest.mark.settings(**{"security.login_rate_limit": "5 per minute"})
def test_brute_force_gets_429_after_the_limit(app: Flask, make: Any, database_url: str) -> None:
    """Guessing from one address is cut off with 429 after the limit; others still get in."""
    user = make.user(make.centre())
    limited = _app(
        database_url,
        **{"security.login_rate_limit": "5 per minute", "security.login_attempts": 100},
        flask_config={"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False},
    )
    attacker = limited.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [
        attacker.post("/login", data={"email": user.email, "password": f"guess-{n}"}).status_code
        for n in range(8)
    ]
    assert codes == [200] * 5 + [429] * 3
    # even the right password is refused from that address until the window passes
    right = attacker.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert right.status_code == 429
    assert "For mange forsøk" in right.get_data(as_text=True)
    staff = limited.test_client()
    staff.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    ok = staff.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert ok.status_code == 302
    assert attacker.get("/login").status_code == 200  # the limit is on posting only


@pytest.mark.settings(**{"security.login_attempts": 3})
def test_stranger_cannot_lock_out_staff_from_their_browser(app: Flask, make: Any) -> None:
    """Failures from outside lock the account for untrusted browsers only."""
    user = make.user(make.centre())
    staff_browser = app.test_client()
    assert (
        staff_browser.post(
            "/login", data={"email": user.email, "password": make.PASSWORD}
        ).status_code
        == 302
    )
    staff_browser.post("/logout")
    stranger = app.test_client()
    for n in range(4):
        stranger.post("/login", data={"email": user.email, "password": f"wrong-{n}"})
    db.session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    refused = stranger.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert "eller for mange forsøk" in refused.get_data(as_text=True)
    again = staff_browser.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert again.status_code == 302  # the browser they logged in from before still works


def test_device_cookie_is_bound_to_user_and_password(app: Flask, make: Any) -> None:
    """A forged device cookie, another user's, or one from before a password change is void."""
    from rekruttering.auth.device import is_trusted_device

    centre = make.centre()
    user, other = make.user(centre), make.user(centre)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    token = _set_cookies(response, DEVICE_COOKIE).split(";")[0].split("=", 1)[1]
    with app.test_request_context(headers={"Cookie": f"{DEVICE_COOKIE}={token}"}):
        from flask import request

        assert is_trusted_device(request, user)
        assert not is_trusted_device(request, other)
        user.set_password("a-new-password-1")
        assert not is_trusted_device(request, user)
    with app.test_request_context(headers={"Cookie": f"{DEVICE_COOKIE}={token[:-2]}xx"}):
        from flask import request

        assert not is_trusted_device(request, other)


def test_unknown_email_and_wrong_password_look_the_same(client: Any, make: Any) -> None:
    """The same answer for an unknown address and a wrong password; both audited."""
    user = make.user(make.centre())
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": "x" * 12})
    wrong = client.post("/login", data={"email": user.email, "password": "x" * 12})
    message = "Feil e-post eller passord"
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)
    assert db.session.scalar(select(sa.func.count(AuditEvent.id))) == 2


def test_unlock_user_command(app: Flask, make: Any) -> None:
    """`rekruttering unlock-user` lifts a lock at once."""
    user = make.user(make.centre(), locked_until=utcnow() + timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["unlock-user", user.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.locked_until is None


# --- sessions ----------------------------------------------------------------------


def test_login_starts_a_new_session(client: Any, make: Any) -> None:
    """Whatever the session held before login is gone after it (no fixation)."""
    user = make.user(make.centre())
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["lang"] = "en"
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"  # the language choice is kept on purpose
        assert sess["_user_id"] == user.get_id() and "login_at" in sess


def test_idle_timeout(client: Any, make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session unused for longer than security.session_idle_minutes ends."""
    user = make.user(make.centre())
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    real = TimestampSigner.get_timestamp

    def shift(minutes: int) -> None:
        monkeypatch.setattr(
            TimestampSigner, "get_timestamp", lambda self: real(self) + minutes * 60
        )

    shift(59)
    assert client.get("/?stay=1").status_code == 200  # used within the hour: refreshed
    shift(59 + 59)
    assert client.get("/?stay=1").status_code == 200
    shift(59 + 59 + 61)
    response = client.get("/?stay=1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.settings(**{"security.session_absolute_hours": 12})
def test_absolute_timeout(client: Any, make: Any) -> None:
    """However active, a session ends security.session_absolute_hours after login."""
    user = make.user(make.centre())
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    with client.session_transaction() as sess:
        sess["login_at"] = (utcnow() - timedelta(hours=11, minutes=59)).isoformat()
    assert client.get("/?stay=1").status_code == 200
    with client.session_transaction() as sess:
        sess["login_at"] = (utcnow() - timedelta(hours=12, minutes=1)).isoformat()
    response = client.get("/?stay=1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_lifetime_comes_from_settings(database_url: str, _schema: None) -> None:
    """PERMANENT_SESSION_LIFETIME is security.session_idle_minutes."""
    app = _app(database_url, **{"security.session_idle_minutes": 15})
    assert app.permanent_session_lifetime == timedelta(minutes=15)


# --- cookies -------------------------------------------------------------------------


def test_cookies_secure_httponly_samesite(app: Flask, make: Any, database_url: str) -> None:
    """Outside demo mode the session cookie is Secure, HttpOnly and SameSite=Lax."""
    user = make.user(make.centre())
    production = _app(database_url, flask_config={"WTF_CSRF_ENABLED": False})
    client = production.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": make.PASSWORD},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    session_cookie = _set_cookies(response, "session")
    assert "; Secure" in session_cookie and "; HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    device = _set_cookies(response, DEVICE_COOKIE)
    assert "; Secure" in device and "; HttpOnly" in device and "SameSite=Strict" in device
    assert "Path=/login" in device
    assert (
        production.config["REMEMBER_COOKIE_SECURE"]
        and production.config["REMEMBER_COOKIE_HTTPONLY"]
    )


def test_demo_mode_cookies_work_on_plain_http(database_url: str, _schema: None) -> None:
    """In demo mode (http://127.0.0.1) cookies are not Secure, but still HttpOnly and Lax."""
    demo = _app(database_url, **{"app.demo": True})
    assert demo.config["SESSION_COOKIE_SECURE"] is False
    assert demo.config["SESSION_COOKIE_HTTPONLY"] is True
    assert demo.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# --- headers and CSP -----------------------------------------------------------------


def test_security_headers_and_csp(database_url: str, _schema: None) -> None:
    """Every answer carries a CSP without inline scripts or styles, and the other headers."""
    production = _app(database_url)
    response = production.test_client().get("/login")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    not_found = production.test_client().get("/no-such-page")
    assert not_found.status_code == 404 and "Content-Security-Policy" in not_found.headers


def test_pages_of_a_logged_in_user_are_not_cached(client: Any, make: Any, login: Any) -> None:
    """Pages with personal data say Cache-Control: no-store; static files may be cached."""
    login(make.user(make.centre()))
    assert client.get("/?stay=1").headers["Cache-Control"] == "no-store"
    assert client.get("/static/app.css").headers.get("Cache-Control") != "no-store"


def test_rendered_pages_have_no_inline_script_or_style(client: Any, make: Any, login: Any) -> None:
    """The pages as served: every <script> has a src, no style= or on…= attributes."""
    centre = make.centre()
    person = make.person(centre)
    login(make.user(centre, role=UserRole.ADMIN))
    for url in (
        "/?stay=1",
        f"/privacy/people/{person.id}/consents",
        f"/privacy/people/{person.id}/access",
        f"/privacy/people/{person.id}/erase",
        "/privacy/retention",
        "/privacy/audit",
        "/api-tokens/",
    ):
        html = client.get(url).get_data(as_text=True)
        assert _inline_problems(html) == [], url


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def _inline_problems(html: str) -> list[str]:
    problems = [m.group(0) for m in INLINE_SCRIPT.finditer(html)]
    for tag in TAG.findall(html):
        if HANDLER.search(tag) or STYLE_ATTR.search(tag):
            problems.append(tag[:120])
    return problems


def test_templates_have_no_inline_script_handlers_or_styles() -> None:
    """No template has an inline <script>, an on…= handler or a style= attribute (CSP)."""
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        # Jinja comments and expressions may hold anything; look at the markup only.
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        problems = _inline_problems(text)
        if problems:
            found[str(path.relative_to(TEMPLATES))] = problems
    assert found == {}


# --- CSRF, methods, upload size, proxies ---------------------------------------------


def test_every_form_post_needs_a_csrf_token(app: Flask, make: Any, database_url: str) -> None:
    """Each POST route refuses a request without a CSRF token (400); only the token-
    authenticated API and the signed Twilio webhooks are exempt."""
    admin = make.user(make.centre(), role=UserRole.ADMIN)
    production = _app(database_url)
    client = production.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/login", data={"email": admin.email, "password": make.PASSWORD, "csrf_token": token[1]}
    )
    assert response.status_code == 302
    exempt_blueprints = {bp.name for bp in csrf._exempt_blueprints}  # type: ignore[attr-defined]  # Flask-WTF's private list
    assert exempt_blueprints <= {"api", "sms_webhooks", "webhooks", "sms"}, exempt_blueprints
    checked = 0
    for rule in production.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint in exempt_blueprints:
            continue
        values = dict.fromkeys(rule.arguments, 1)
        url = rule.build(values, append_unknown=False)[1]
        assert client.post(url).status_code == 400, rule.rule
        checked += 1
    assert checked >= 5
    assert client.get("/logout").status_code == 405


@pytest.mark.settings(**{"app.max_upload_mb": 1})
def test_request_larger_than_max_content_length_is_refused(client: Any, app: Flask) -> None:
    """MAX_CONTENT_LENGTH comes from app.max_upload_mb; a bigger request gets 413."""
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    response = client.post("/login", data={"email": "a@b.c", "password": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_proxy_headers_are_ignored_unless_configured(
    app: Flask, make: Any, database_url: str
) -> None:
    """X-Forwarded-For only counts when app.trusted_proxies says a proxy is in front."""
    user = make.user(make.centre())
    spoof = {"X-Forwarded-For": "192.0.2.66", "X-Forwarded-Proto": "https"}
    direct = _app(
        database_url, flask_config={"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False}
    )
    direct.test_client().post(
        "/login", data={"email": user.email, "password": "wrong-wrong"}, headers=spoof
    )
    behind = _app(
        database_url,
        **{"app.trusted_proxies": 1},
        flask_config={"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False},
    )
    behind.test_client().post(
        "/login", data={"email": user.email, "password": "wrong-wrong"}, headers=spoof
    )
    ips = db.session.scalars(select(AuditEvent.ip).order_by(AuditEvent.id)).all()
    assert ips == ["127.0.0.1", "192.0.2.66"]


# --- demo and debug -------------------------------------------------------------------


def test_no_demo_logins_outside_demo_mode(database_url: str, _schema: None) -> None:
    """Only demo mode lists the demo logins on the login page."""
    production = _app(database_url).test_client().get("/login").get_data(as_text=True)
    assert DEMO_PASSWORD not in production and "leder@borgen.demo" not in production
    demo = _app(database_url, **{"app.demo": True}).test_client().get("/login")
    assert DEMO_PASSWORD in demo.get_data(as_text=True)


def test_debug_mode_is_refused_outside_demo(
    database_url: str, _schema: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FLASK_DEBUG (the interactive debugger) stops start-up unless in demo mode."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        _app(database_url)
    assert _app(database_url, **{"app.demo": True}).debug
    monkeypatch.delenv("FLASK_DEBUG")
    assert not _app(database_url).debug


# --- data minimisation ----------------------------------------------------------------

FORBIDDEN = re.compile(
    r"ethnic|religio|faith|health|diagnos|disab|country|origin|nationality|birthplace|race",
    re.IGNORECASE,
)


def test_no_column_for_sensitive_categories() -> None:
    """No table has a column for ethnicity, religion, health or country of origin."""
    columns = [f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns]
    assert [c for c in columns if FORBIDDEN.search(c)] == []
    assert "language" in Person.__table__.c  # kept on purpose: messages are written in it


def test_huge_ids_in_urls_are_not_found(client: Any, make: Any, login: Any) -> None:
    """An id beyond 32 bits is simply not found (not a 500 from the database driver)."""
    login(make.user(make.centre()))
    for url in (
        "/privacy/people/99999999999999999999/consents",
        "/privacy/people/2147483648/access",
    ):
        assert client.get(url).status_code == 404, url
