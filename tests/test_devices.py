"""Door tablets: made and revoked by an admin in the browser, check-in only."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import User, UserRole


def _client(app: Flask, user: Any) -> FlaskClient:
    from tests.factories import PASSWORD

    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def _make_tablet(admin_client: FlaskClient, name: str = "Tablet i kafeen") -> str:
    response = admin_client.post("/devices", data={"name": name})
    assert response.status_code == 200
    match = re.search(r'value="http://localhost(/tablet/[^"]+)"', response.get_data(as_text=True))
    assert match
    return match[1]


def test_a_tablet_pairs_checks_in_only_and_is_revoked_at_once(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin_client = _client(app, make.user(centre, role=UserRole.ADMIN))
    link = _make_tablet(admin_client)
    tablet = app.test_client()
    assert tablet.get(link).status_code == 200
    paired = tablet.post(link)
    assert paired.status_code == 302 and paired.headers["Location"].endswith("/checkin/")
    assert tablet.get("/checkin/").status_code == 200
    assert tablet.get("/people/").status_code == 403  # check-in only
    assert tablet.get("/account").status_code == 403
    assert app.test_client().get(link).status_code == 410  # the link works once
    device = db.session.scalar(select(User).where(User.is_device.is_(True)))
    assert device.name == "Tablet i kafeen" and device.last_seen_at is not None
    listing = admin_client.get("/devices").get_data(as_text=True)
    assert "Tablet i kafeen" in listing
    admin_client.post(f"/devices/{device.id}/revoke")
    response = tablet.get("/checkin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_tablet_stays_logged_in_after_its_session_cookie_is_gone(app: Flask, make: Any) -> None:
    """The remember cookie brings the tablet back; after revocation it does not."""
    centre = make.centre()
    admin_client = _client(app, make.user(centre, role=UserRole.ADMIN))
    link = _make_tablet(admin_client)
    tablet = app.test_client()
    tablet.post(link)
    tablet.delete_cookie("session")
    assert tablet.get("/checkin/").status_code == 200
    device = db.session.scalar(select(User).where(User.is_device.is_(True)))
    admin_client.post(f"/devices/{device.id}/revoke")
    tablet.delete_cookie("session")
    assert tablet.get("/checkin/").status_code == 302


def test_a_tablet_cannot_log_in_with_a_password_or_reset_one(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin_client = _client(app, make.user(centre, role=UserRole.ADMIN))
    _make_tablet(admin_client)
    device = db.session.scalar(select(User).where(User.is_device.is_(True)))
    response = app.test_client().post("/login", data={"email": device.email, "password": ""})
    assert response.status_code == 200
    assert device.email.endswith(".invalid")


def test_staff_cannot_manage_tablets(app: Flask, make: Any) -> None:
    centre = make.centre()
    client = _client(app, make.user(centre))
    assert client.get("/devices").status_code == 403
