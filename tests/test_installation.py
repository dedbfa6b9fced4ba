"""The installation admin: centres with their first admin, municipality accounts, sizes."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rekruttering.channels.starter import STARTER_CHANNELS
from rekruttering.extensions import db
from rekruttering.models import Centre, CentreSettings, Channel, Invitation, User, UserRole

NEW_PASSWORD = "fjelltur i regnvær"


def _client(app: Flask, user: Any) -> FlaskClient:
    from tests.factories import PASSWORD

    client = app.test_client()
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    return client


def _link(html: str) -> str:
    match = re.search(r'value="http://localhost(/link/[^"]+)"', html)
    assert match, html[:1500]
    return match[1]


def test_cli_starts_an_installation(app: Flask) -> None:
    """`create-user --role installation-admin` needs no centre."""
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "drift@example.test",
            "--name",
            "Drift",
            "--role",
            "installation-admin",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "drift@example.test"))
    assert user.is_installation_admin and user.memberships == []
    weak = app.test_cli_runner().invoke(
        args=["create-user", "--email", "x@example.test", "--name", "X"]
        + ["--role", "installation-admin", "--password", "qwerty123456"]
    )
    assert weak.exit_code != 0


def test_installation_admin_creates_a_centre_whose_manager_accepts(app: Flask, make: Any) -> None:
    root = _client(app, make.installation_admin())
    assert root.get("/").headers["Location"].endswith("/installation/centres")
    page = root.post(
        "/installation/centres/new",
        data={
            "name": "Heggedal nærmiljøsentral",
            "slug": "heggedal",
            "municipality": "Asker",
            "admin_name": "Leder Hansen",
            "admin_email": "leder@heggedal.example.test",
        },
    )
    link = _link(page.get_data(as_text=True))
    centre = db.session.scalar(select(Centre).where(Centre.slug == "heggedal"))
    # The page goes through centres.service.create_centre: starter channels and settings.
    channels = db.session.scalars(select(Channel).where(Channel.centre_id == centre.id)).all()
    assert len(channels) == len(STARTER_CHANNELS)
    assert db.session.scalar(
        select(func.count(CentreSettings.id)).where(CentreSettings.centre_id == centre.id)
    )
    manager = app.test_client()
    manager.post(
        link,
        data={"name": "Leder Hansen", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert manager.get("/users").status_code == 200  # the manager is the centre's admin
    user = db.session.scalar(select(User).where(User.email == "leder@heggedal.example.test"))
    assert user.role_in(centre.id) == UserRole.ADMIN
    listing = root.get("/installation/centres").get_data(as_text=True)
    assert "Heggedal nærmiljøsentral" in listing
    assert root.get("/people/").status_code == 403  # no centre's people


def test_a_taken_email_leaves_no_half_made_centre(app: Flask, make: Any) -> None:
    taken = make.user(make.centre())
    root = _client(app, make.installation_admin())
    page = root.post(
        "/installation/centres/new?lang=en",
        data={
            "name": "Ny sentral",
            "slug": "ny",
            "admin_name": "A B",
            "admin_email": taken.email,
        },
    )
    assert "already exists" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Centre.id)).where(Centre.slug == "ny")) == 0
    assert db.session.scalar(select(func.count(Channel.id))) == 0
    assert db.session.scalar(select(Invitation)) is None


def test_municipality_accounts_see_the_chosen_centres(app: Flask, make: Any) -> None:
    a, b, c = make.centre("Alfa"), make.centre("Beta"), make.centre("Gamma")
    root = _client(app, make.installation_admin())
    page = root.post(
        "/installation/municipality",
        data={"admin_name": "Kommune", "admin_email": "k@example.test", "centres": [a.id, b.id]},
    )
    _link(page.get_data(as_text=True))
    user = db.session.scalar(select(User).where(User.email == "k@example.test"))
    assert {m.centre_id for m in user.memberships} == {a.id, b.id}
    assert all(m.role == UserRole.MUNICIPALITY for m in user.memberships)
    root.post(f"/installation/municipality/{user.id}/centres", data={f"u{user.id}-centres": [c.id]})
    db.session.expire_all()
    assert {m.centre_id for m in user.memberships} == {c.id}
    none = root.post(f"/installation/municipality/{user.id}/centres", data={})
    assert none.status_code == 302
    db.session.expire_all()
    assert {m.centre_id for m in user.memberships} == {c.id}


def test_centre_admins_cannot_reach_installation_pages(app: Flask, make: Any) -> None:
    admin = make.user(make.centre(), role=UserRole.ADMIN)
    client = _client(app, admin)
    assert client.get("/installation/centres").status_code == 403
    assert client.post("/installation/centres/new").status_code == 403
