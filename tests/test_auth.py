"""Logins: passwords, lockout, sessions, CSRF, the create-user command."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import AuditEvent, User, UserRole


def test_login_and_logout(client: Any, make: Any) -> None:
    """A correct password logs in, a wrong one does not, logout ends the session."""
    user = make.user(make.centre())
    bad = client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert bad.status_code == 200
    assert "Feil e-post eller passord" in bad.get_data(as_text=True)
    assert client.get("/?stay=1").status_code == 302
    good = client.post("/login", data={"email": user.email.upper(), "password": make.PASSWORD})
    assert good.status_code == 302
    assert client.get("/?stay=1").status_code == 200
    client.post("/logout")
    assert client.get("/?stay=1").status_code == 302


def test_passwords_are_hashed(make: Any) -> None:
    """The stored password is a salted scrypt hash, never the password."""
    user = make.user(make.centre())
    user.set_password(make.PASSWORD)
    first = user.password_hash
    assert first.startswith("scrypt:")
    assert make.PASSWORD not in first
    user.set_password(make.PASSWORD)
    assert user.password_hash != first  # salted
    assert user.check_password(make.PASSWORD) and not user.check_password("wrong")


@pytest.mark.settings(**{"security.login_attempts": 3})
def test_lockout_expires(client: Any, make: Any) -> None:
    """After too many failures the account is locked, and the lock expires by itself."""
    from datetime import timedelta

    from rekruttering.domain.clock import utcnow

    user = make.user(make.centre())
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": "nope-nope-nope"})
    locked = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert "eller for mange forsøk" in locked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until is not None
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        client.post("/login", data={"email": user.email, "password": make.PASSWORD}).status_code
        == 302
    )


def test_login_is_audited(client: Any, make: Any) -> None:
    """Logins and failed logins land in the audit log, without the password."""
    user = make.user(make.centre())
    client.post("/login", data={"email": user.email, "password": "wrong-one-here"})
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login_failed", "login"]


def test_open_redirect_is_refused(client: Any, make: Any) -> None:
    """?next= only goes to paths on this site."""
    user = make.user(make.centre())
    response = client.post(
        "/login?next=https://evil.example/x", data={"email": user.email, "password": make.PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_csrf_is_required(database_url: str, _schema: None) -> None:
    """With CSRF on (as in production), a form post without token is refused."""
    from rekruttering import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(database_url), SESSION_COOKIE_SECURE=False)
    response = app.test_client().post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400


def test_create_user_command(app: Flask, make: Any) -> None:
    """`rekruttering create-user` makes a login with a role in the named centre."""
    centre = make.centre(slug="borgen")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Ny@Example.test",
            "--name",
            "Ny Ansatt",
            "--role",
            "staff",
            "--centre",
            "borgen",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ny@example.test"))
    assert user is not None and user.role_in(centre.id) == UserRole.STAFF
    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ny@example.test",
            "--name",
            "X",
            "--password",
            "long-enough-pw",
        ]
    )
    assert again.exit_code != 0 and "finnes allerede" in again.output
    short = runner.invoke(
        args=["create-user", "--email", "z@example.test", "--name", "Z", "--password", "short"]
    )
    assert short.exit_code != 0 and "minst 12" in short.output


def test_language_switch_is_remembered(client: Any, make: Any, login: Any) -> None:
    """Norwegian by default; English on request, remembered for the account."""
    assert "Logg inn" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert ">Log in<" in client.get("/login").get_data(as_text=True)
    user = make.user(make.centre())
    login(user)
    client.post("/language", data={"lang": "en"})
    db.session.refresh(user)
    assert user.locale == "en"
