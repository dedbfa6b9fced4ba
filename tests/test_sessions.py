"""Sessions are revocable: a copied session cookie stops working at logout (issue 12, 5)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from rekruttering.auth.passwords import check_new_password
from rekruttering.errors import ServiceError


def _copy_session(source: FlaskClient, app: Flask) -> FlaskClient:
    """A second browser holding a copy of the first one's session cookie."""
    thief = app.test_client()
    cookie = source.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_session_cookie_dies_with_logout(app: Flask, make: Any) -> None:
    """Copy the cookie, log out: the copy no longer opens a page."""
    user = make.user(make.centre())
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    thief = _copy_session(client, app)
    assert thief.get("/?stay=1").status_code == 200  # the copy works while logged in
    client.post("/logout")
    response = thief.get("/?stay=1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_from_before_the_password_changed_is_void(app: Flask, make: Any) -> None:
    """A changed password (here: set behind the session's back) ends the old sessions."""
    user = make.user(make.centre())
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    user.end_sessions()
    from rekruttering.extensions import db

    db.session.commit()
    response = client.get("/?stay=1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_old_style_session_id_is_refused(app: Flask, make: Any) -> None:
    """A cookie with the bare user id (no generation) does not log anyone in."""
    user = make.user(make.centre())
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
    assert client.get("/?stay=1").status_code == 302


def test_password_policy() -> None:
    """At least 12 characters, at most 128, not a common password; no composition rules."""
    for weak in ("short", "elleve-tegn", "qwerty123456", "LeaveMeAlone", "x" * 129):
        try:
            check_new_password(weak)
        except ServiceError:
            continue
        raise AssertionError(f"{weak!r} was accepted")
    check_new_password("fire ord som huskes")  # spaces, lower case only: fine
    check_new_password("x" * 128)
