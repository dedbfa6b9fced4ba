"""Accounts: the account page, staff accounts, invitation and password links, forgot password."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Invitation, MailMessage, User, UserRole

NEW_PASSWORD = "fjelltur i regnvær"


def _client(app: Flask, user: Any, password: str | None = None) -> FlaskClient:
    from tests.factories import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _link(html: str) -> str:
    match = re.search(r'value="(http[^"]+/link/[^"]+)"', html)
    assert match, html[:2000]
    return match[1].replace("http://localhost", "")


def _invite(admin_client: FlaskClient, email: str = "ny@example.test", role: str = "staff") -> str:
    response = admin_client.post(
        "/users/invite", data={"name": "Kari Nordmann", "email": email, "role": role}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return _link(response.get_data(as_text=True))


def test_admin_invites_a_colleague_who_accepts_and_logs_in(app: Flask, make: Any) -> None:
    """Invite -> link (stored hashed, mailed to the outbox) -> name and password -> logged in."""
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    admin_client = _client(app, admin)
    link = _invite(admin_client)
    token = link.rsplit("/", 1)[1]
    assert db.session.scalar(select(Invitation.token_hash)) != token  # only the hash is kept
    mail = db.session.scalar(select(MailMessage))
    assert mail is not None and mail.centre_id == centre.id and token in mail.body
    colleague = app.test_client()
    assert colleague.get(link).status_code == 200
    weak = colleague.post(
        link + "?lang=en",
        data={"name": "Kari N.", "password": "qwerty123456", "password_again": "qwerty123456"},
    )
    assert "most common" in weak.get_data(as_text=True)
    done = colleague.post(
        link,
        data={"name": "Kari N.", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert colleague.get("/?stay=1").status_code == 200
    user = db.session.scalar(select(User).where(User.email == "ny@example.test"))
    assert user.name == "Kari N." and user.role_in(centre.id) == UserRole.STAFF
    again = app.test_client().get(link)
    assert again.status_code == 410  # used once
    _client(app, user, NEW_PASSWORD)
    listing = admin_client.get("/users").get_data(as_text=True)
    assert "Kari N." in listing


def test_an_expired_invitation_says_so(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin_client = _client(app, make.user(centre, role=UserRole.ADMIN))
    link = _invite(admin_client)
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(link + "?lang=en")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_an_email_already_in_use_is_refused(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    other = make.user(make.centre())
    response = _client(app, admin).post(
        "/users/invite?lang=en", data={"name": "X Y", "email": other.email, "role": "staff"}
    )
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    client = _client(app, admin)
    demote = client.post(f"/users/{admin.id}/role?lang=en", data={"role": "staff"})
    assert demote.status_code == 302
    assert "only admin" in client.get("/users?lang=en").get_data(as_text=True)
    client.post(f"/users/{admin.id}/deactivate")
    db.session.expire_all()
    assert admin.role_in(centre.id) == UserRole.ADMIN and admin.is_active_account
    second = make.user(centre, role=UserRole.ADMIN)
    client.post(f"/users/{second.id}/role", data={"role": "staff"})
    db.session.expire_all()
    assert second.role_in(centre.id) == UserRole.STAFF


def test_deactivation_keeps_the_name_and_ends_the_session(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    colleague = make.user(centre, name="Ola Nordmann")
    colleague_client = _client(app, colleague)
    admin_client = _client(app, admin)
    assert admin_client.post(f"/users/{colleague.id}/deactivate").status_code == 302
    assert colleague_client.get("/?stay=1").status_code == 302  # logged out at once
    assert db.session.get(User, colleague.id).name == "Ola Nordmann"
    assert "Ola Nordmann" in admin_client.get("/users").get_data(as_text=True)
    refused = admin_client.post(f"/users/{colleague.id}/password-link?lang=en")
    assert refused.status_code == 302
    assert "deactivated" in admin_client.get("/users?lang=en").get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None


def test_password_link_for_a_colleague(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    colleague = make.user(centre)
    colleague_client = _client(app, colleague)
    page = _client(app, admin).post(f"/users/{colleague.id}/password-link")
    link = _link(page.get_data(as_text=True))
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    done = visitor.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302
    assert colleague_client.get("/?stay=1").status_code == 302  # old sessions ended
    _client(app, colleague, NEW_PASSWORD)


def test_a_reset_link_of_a_since_deactivated_account_is_refused(app: Flask, make: Any) -> None:
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    colleague = make.user(centre)
    admin_client = _client(app, admin)
    link = _link(admin_client.post(f"/users/{colleague.id}/password-link").get_data(as_text=True))
    # Deactivation ends unused links; and even a still-valid one is refused for it.
    colleague_row = db.session.get(User, colleague.id)
    colleague_row.is_active_account = False
    db.session.commit()
    response = app.test_client().get(link + "?lang=en")
    assert response.status_code == 410 and "deactivated" in response.get_data(as_text=True)


def test_staff_cannot_manage_accounts(app: Flask, make: Any) -> None:
    centre = make.centre()
    staff = make.user(centre)
    other = make.user(centre)
    client = _client(app, staff)
    assert client.get("/users").status_code == 403
    assert client.post(f"/users/{other.id}/deactivate").status_code == 403


def test_account_page_changes_name_language_and_password(app: Flask, make: Any) -> None:
    user = make.user(make.centre())
    client = _client(app, user)
    other_browser = _client(app, user)
    assert client.get("/account").status_code == 200
    client.post("/account", data={"name": "Nytt Navn", "locale": "en"})
    db.session.expire_all()
    assert user.name == "Nytt Navn" and user.locale == "en"
    wrong = client.post(
        "/account/password",
        data={"old_password": "nope", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert "current password is wrong" in wrong.get_data(as_text=True)
    from tests.factories import PASSWORD

    ok = client.post(
        "/account/password",
        data={"old_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert ok.status_code == 302
    assert client.get("/?stay=1").status_code == 200  # this browser stays logged in
    assert other_browser.get("/?stay=1").status_code == 302  # the other one is out


def test_log_out_everywhere(app: Flask, make: Any) -> None:
    user = make.user(make.centre())
    first, second = _client(app, user), _client(app, user)
    assert first.post("/account/logout-everywhere").status_code == 302
    assert first.get("/?stay=1").status_code == 302
    assert second.get("/?stay=1").status_code == 302


def test_forgot_password_mails_a_link_and_answers_alike(app: Flask, make: Any) -> None:
    """Same answer for a known and an unknown address; the outbox holds the link."""
    user = make.user(make.centre())
    visitor = app.test_client()
    known = visitor.post("/forgot-password", data={"email": user.email.upper()})
    unknown = visitor.post("/forgot-password", data={"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    mails = db.session.scalars(select(MailMessage)).all()
    assert [m.to_address for m in mails] == [user.email]
    link = re.search(r"http://localhost(/link/\S+)", mails[0].body)[1]
    done = visitor.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302
    _client(app, user, NEW_PASSWORD)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_reset"))


@pytest.mark.settings(**{"mail.gateway": "off"})
def test_forgot_password_without_mail_says_ask_the_manager(app: Flask, make: Any) -> None:
    response = app.test_client().get("/forgot-password?lang=en")
    assert "Ask your manager" in response.get_data(as_text=True)
    assert 'name="email"' not in response.get_data(as_text=True)


def test_mail_page_shows_the_centres_mail_to_its_admin_only(app: Flask, make: Any) -> None:
    mine, other = make.centre(), make.centre()
    admin = make.user(mine, role=UserRole.ADMIN)
    admin_client = _client(app, admin)
    _invite(admin_client, "mine@example.test")
    other_admin_client = _client(app, make.user(other, role=UserRole.ADMIN))
    _invite(other_admin_client, "theirs@example.test")
    page = admin_client.get("/mail").get_data(as_text=True)
    assert "mine@example.test" in page and "theirs@example.test" not in page
    assert _client(app, make.user(mine)).get("/mail").status_code == 403


def test_an_admin_cannot_see_or_touch_another_centres_staff(app: Flask, make: Any) -> None:
    mine, other = make.centre(), make.centre()
    admin = make.user(mine, role=UserRole.ADMIN)
    theirs = make.user(other, name="Fremmed Person")
    client = _client(app, admin)
    assert "Fremmed Person" not in client.get("/users").get_data(as_text=True)
    for action in ("role", "deactivate", "reactivate", "password-link", "new-invitation"):
        response = client.post(f"/users/{theirs.id}/{action}", data={"role": "admin"})
        assert response.status_code == 404, action
    db.session.expire_all()
    assert theirs.is_active_account and theirs.role_in(other.id) == UserRole.STAFF


def test_partners_and_the_municipality_see_no_staff_pages(app: Flask, make: Any) -> None:
    centre = make.centre()
    partner = make.partner(centres=[centre])
    for user in (
        make.user(centre, role=UserRole.PARTNER, partner=partner),
        make.user(centre, role=UserRole.MUNICIPALITY),
    ):
        client = _client(app, user)
        assert client.get("/users").status_code == 403
        assert client.get("/devices").status_code == 403
        assert client.get("/mail").status_code == 403
        assert client.get("/account").status_code == 200  # their own account only


def test_a_login_shared_with_another_centre_gets_no_new_invitation_link(
    app: Flask, make: Any
) -> None:
    """One centre cannot re-invite (and so set the password of) a login another centre uses."""
    from rekruttering.accounts.staff import renew_invitation
    from rekruttering.errors import Conflict
    from rekruttering.models import Membership
    from rekruttering.transaction import transaction

    mine, other = make.centre(), make.centre()
    shared = make.user(mine)
    db.session.add(Membership(user_id=shared.id, centre_id=other.id, role=UserRole.STAFF))
    db.session.get(User, shared.id).password_hash = ""  # still waiting for its invitation
    db.session.commit()
    with pytest.raises(Conflict), transaction():
        renew_invitation(mine.id, shared.id, None, 7)
    assert db.session.scalars(select(Invitation).where(Invitation.user_id == shared.id)).all() == []
