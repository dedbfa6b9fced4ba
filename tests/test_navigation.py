"""The main menu is derived from the access rules: every role sees only links it may
open, and the important pages of its work are there. Also the favicon and the header's
organisation context."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from rekruttering import navigation
from rekruttering.extensions import db
from rekruttering.models import UserRole

#: The pages each role's work needs from the menu (a missing one fails the test).
IMPORTANT: dict[UserRole, set[str]] = {
    UserRole.STAFF: {
        "outreach.follow_up",
        "people.index",
        "outreach.log_contact",
        "activities.index",
        "reminders.index",
        "reports.conversion",
        "partners.referrals",
        "signup.sources",
    },
    UserRole.ADMIN: {
        "outreach.follow_up",
        "people.index",
        "reminders.index",
        "reports.conversion",
        "imports.upload",
        "privacy.retention",
        "privacy.audit_log",
        "accounts.users",
        "devices.index",
        "centre_settings.edit",
        "channels.index",
        "api_tokens.index",
    },
    UserRole.PARTNER: {"partners.my_referrals", "partners.refer"},
    UserRole.MUNICIPALITY: {"reports.municipality"},
    UserRole.DOOR: {"checkin.index"},
    UserRole.INSTALLATION_ADMIN: {"installation.centres", "installation.new_centre"},
}

#: Administrators' tasks that stay out of the staff's menu (reached from links instead).
NOT_FOR_STAFF = {"imports.upload", "privacy.retention", "api_tokens.index", "accounts.users"}


def _log_in_as(app: Flask, make: Any, role: UserRole) -> Any:
    centre = make.centre()
    if role == UserRole.INSTALLATION_ADMIN:
        user = make.installation_admin()
    elif role == UserRole.DOOR:
        user = make.device(centre)
        user.set_password(make.PASSWORD)  # only to log this test in; tablets pair by link
        db.session.commit()
    else:
        partner = make.partner(centres=[centre]) if role == UserRole.PARTNER else None
        user = make.user(centre, role=role, partner=partner)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", list(IMPORTANT))
def test_every_menu_link_opens_for_its_role(app: Flask, make: Any, role: UserRole) -> None:
    """Each link in a role's menu opens (no 403), and its important pages are all there."""
    client = _log_in_as(app, make, role)
    endpoints = [item.endpoint for item in navigation.menu_for(app, role)]
    missing = IMPORTANT[role] - set(endpoints)
    assert not missing, f"{role}: missing from the menu: {sorted(missing)}"
    with app.test_request_context():
        from flask import url_for

        urls = {e: url_for(e) for e in endpoints}
    for endpoint, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 302), (role, endpoint, response.status_code)
    # The menu the page draws is the same list.
    page = client.get("/?stay=1").get_data(as_text=True)
    for url in urls.values():
        assert f'href="{url}"' in page, (role, url)


def test_staff_menu_leaves_out_administration_tasks(app: Flask) -> None:
    endpoints = {item.endpoint for item in navigation.menu_for(app, UserRole.STAFF)}
    assert not endpoints & NOT_FOR_STAFF
    assert "channels.index" in endpoints  # read-only for staff, but theirs to see


def test_staff_still_reach_import_and_their_api_tokens_by_link(
    client: Any, make: Any, login: Any
) -> None:
    login(make.user(make.centre(), role=UserRole.STAFF))
    assert 'href="/import/"' in client.get("/people/").get_data(as_text=True)
    assert "/api-tokens/" in client.get("/account").get_data(as_text=True)


def test_a_menu_entry_the_route_refuses_stops_start_up(app: Flask) -> None:
    """A menu entry for roles its route does not allow is refused when the app is built."""
    entries = app.extensions[navigation.EXTENSION]
    navigation.add_nav_item(app, "accounts.users", "x", ("staff",))
    try:
        with pytest.raises(RuntimeError, match="accounts.users"):
            navigation.verify(app)
    finally:
        entries.pop()
    navigation.verify(app)  # as built: no drift


def test_favicon_is_served(client: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert client.get("/static/favicon.svg").status_code == 200


def test_pages_link_the_icon(client: Any) -> None:
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_partner_header_names_the_partner_not_the_centre(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre(name="Borgen nærmiljøsentral")
    partner = make.partner(centres=[centre], name="NAV Asker")
    login(make.user(centre, role=UserRole.PARTNER, partner=partner))
    page = client.get("/?stay=1").get_data(as_text=True)
    brand = page.split('class="navbar-brand"', 1)[1].split("</a>", 1)[0]
    assert "NAV Asker" in brand and "Borgen" not in brand


def test_municipality_header_names_the_municipality(client: Any, make: Any, login: Any) -> None:
    centre = make.centre(name="Borgen nærmiljøsentral", municipality="Asker")
    login(make.user(centre, role=UserRole.MUNICIPALITY))
    page = client.get("/?stay=1").get_data(as_text=True)
    brand = page.split('class="navbar-brand"', 1)[1].split("</a>", 1)[0]
    assert "Asker" in brand and "Borgen" not in brand


def test_demo_logins_name_their_roles_in_norwegian(app: Flask, client: Any) -> None:
    app.config["DEMO"] = True
    page = client.get("/login").get_data(as_text=True)
    assert "(Daglig leder)" in page and "(Samarbeidspartner)" in page and "(Kommune)" in page
    assert "(admin)" not in page and "(staff)" not in page and "(municipality)" not in page
