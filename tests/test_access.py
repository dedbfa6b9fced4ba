"""Every route in the URL map has the access rule it declares, for every role.

New routes are covered automatically: the test walks ``app.url_map``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from rekruttering.access import ANY_USER, PUBLIC, audience_of
from rekruttering.extensions import db
from rekruttering.models import UserRole

SKIP_METHODS = {"HEAD", "OPTIONS"}


def _url(rule: Rule) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
        for method in sorted((rule.methods or set()) - SKIP_METHODS)
    ]


def test_every_view_declares_its_audience(app: Flask) -> None:
    """No endpoint is without an @allow declaration (create_app refuses such an app)."""
    for rule in app.url_map.iter_rules():
        assert audience_of(app, rule.endpoint), rule.endpoint


def test_logged_out_visitor_is_sent_to_login(app: Flask) -> None:
    """Every non-public route redirects an anonymous visitor to the login page."""
    client = app.test_client()
    checked = 0
    for rule, method in _routes(app):
        if PUBLIC in audience_of(app, rule.endpoint):
            continue
        response = client.open(_url(rule), method=method)
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert "/login" in response.headers["Location"], rule.rule
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize(
    "role",
    [
        UserRole.PARTNER,
        UserRole.MUNICIPALITY,
        UserRole.STAFF,
        UserRole.ADMIN,
        UserRole.DOOR,
        UserRole.INSTALLATION_ADMIN,
    ],
)
def test_roles_get_403_outside_their_audience(app: Flask, make: Any, role: UserRole) -> None:
    """A partner on a staff page (and any role outside a route's audience) gets 403."""
    centre = make.centre()
    partner = make.partner(centres=[centre]) if role == UserRole.PARTNER else None
    if role == UserRole.INSTALLATION_ADMIN:
        user = make.installation_admin()
    elif role == UserRole.DOOR:
        user = make.device(centre)
        user.set_password(make.PASSWORD)  # only to log this test in; tablets pair by link
        db.session.commit()
    else:
        user = make.user(centre, role=role, partner=partner)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert response.status_code == 302
    refused = 0
    for rule, method in _routes(app):
        audience = audience_of(app, rule.endpoint)
        if PUBLIC in audience or ANY_USER in audience or str(role) in audience:
            continue
        if rule.endpoint == "auth.logout":
            continue
        response = client.open(_url(rule), method=method)
        assert response.status_code == 403, (rule.rule, method, response.status_code)
        refused += 1
    assert refused > 0, "every role has routes outside its audience"


#: The audience of each account, mail, door-tablet and installation route: who may open it.
EXPECTED_AUDIENCES: dict[str, set[str]] = {
    "accounts.account": {"staff", "admin", "partner", "municipality", "installation-admin"},
    "accounts.change_password": {"staff", "admin", "partner", "municipality", "installation-admin"},
    "accounts.logout_everywhere": {
        "staff",
        "admin",
        "partner",
        "municipality",
        "installation-admin",
    },
    "accounts.use_link": {PUBLIC},
    "accounts.forgot_password": {PUBLIC},
    "accounts.users": {"admin"},
    "accounts.invite": {"admin"},
    "accounts.new_invitation": {"admin"},
    "accounts.change_role": {"admin"},
    "accounts.deactivate": {"admin"},
    "accounts.reactivate": {"admin"},
    "accounts.password_link": {"admin"},
    "mail.outbox": {"admin", "installation-admin"},
    "main.favicon": {PUBLIC},
    "reminders.send_test": {"admin"},
    "signup.poster": {"staff", "admin"},
    "signup.privacy": {PUBLIC},
    "devices.index": {"admin"},
    "devices.new_link": {"admin"},
    "devices.revoke": {"admin"},
    "devices.pair": {PUBLIC},
    "installation.centres": {"installation-admin"},
    "installation.new_centre": {"installation-admin"},
    "installation.municipality": {"installation-admin"},
    "installation.municipality_centres": {"installation-admin"},
    "checkin.index": {"staff", "admin", "door"},
    "checkin.session": {"staff", "admin", "door"},
    "checkin.tap": {"staff", "admin", "door"},
    "checkin.undo": {"staff", "admin", "door"},
    "checkin.walk_in_view": {"staff", "admin", "door"},
    # The programme (issue 16): staff make it; the public reads it (no people, no counts).
    "programme.index": {"staff", "admin"},
    "programme.publish": {"staff", "admin"},
    "programme.unpublish": {"staff", "admin"},
    "programme.activity": {"staff", "admin"},
    "programme.print_view": {"staff", "admin"},
    "programme.public_page": {PUBLIC},
    "programme.embed": {PUBLIC},
    "programme.calendar": {PUBLIC},
    "programme.activity_calendar": {PUBLIC},
}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED_AUDIENCES))
def test_account_routes_have_their_audience(app: Flask, endpoint: str) -> None:
    """Staff cannot manage accounts; partners and the municipality see only their own account."""
    assert set(audience_of(app, endpoint)) == EXPECTED_AUDIENCES[endpoint]


#: The administration pages (issue 11): (method, url) -> the roles that get through.
#: The channels list is read-only for staff; everything that changes channels, and the
#: centre settings, is the admin's; partners and the municipality see none of it.
ADMINISTRATION_ROUTES: list[tuple[str, str, set[UserRole]]] = [
    ("GET", "/channels/", {UserRole.ADMIN, UserRole.STAFF}),
    ("GET", "/channels/new", {UserRole.ADMIN}),
    ("POST", "/channels/new", {UserRole.ADMIN}),
    ("GET", "/channels/{channel}/edit", {UserRole.ADMIN}),
    ("POST", "/channels/{channel}/edit", {UserRole.ADMIN}),
    ("GET", "/channels/{channel}/retire", {UserRole.ADMIN}),
    ("POST", "/channels/{channel}/retire", {UserRole.ADMIN}),
    ("POST", "/channels/{channel}/reinstate", {UserRole.ADMIN}),
    ("GET", "/channels/{channel}/merge", {UserRole.ADMIN}),
    ("POST", "/channels/{channel}/merge", {UserRole.ADMIN}),
    ("GET", "/centre-settings", {UserRole.ADMIN}),
    ("POST", "/centre-settings", {UserRole.ADMIN}),
]


@pytest.mark.parametrize(
    "role", [UserRole.ADMIN, UserRole.STAFF, UserRole.PARTNER, UserRole.MUNICIPALITY]
)
def test_administration_pages_by_role(app: Flask, make: Any, role: UserRole) -> None:
    """Each role reaches exactly the administration pages listed for it (else 403)."""
    centre = make.centre()
    channel = make.channel(centre)
    partner = make.partner(centres=[centre]) if role == UserRole.PARTNER else None
    user = make.user(centre, role=role, partner=partner)
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    for method, url, allowed in ADMINISTRATION_ROUTES:
        # An empty POST: the form is refused (200) or the action done (302), never a 500.
        response = client.open(url.format(channel=channel.id), method=method)
        expected = {200, 302} if role in allowed else {403}
        assert response.status_code in expected, (role, method, url, response.status_code)


#: Closed periods (issue 14): staff read the list; the admin adds, changes and deletes.
CLOSED_PERIOD_ROUTES: list[tuple[str, str, set[UserRole]]] = [
    ("GET", "/closed-periods", {UserRole.ADMIN, UserRole.STAFF}),
    ("GET", "/closed-periods/new", {UserRole.ADMIN}),
    ("POST", "/closed-periods/new", {UserRole.ADMIN}),
    ("GET", "/closed-periods/{period}/edit", {UserRole.ADMIN}),
    ("POST", "/closed-periods/{period}/edit", {UserRole.ADMIN}),
    ("GET", "/closed-periods/{period}/delete", {UserRole.ADMIN}),
    ("POST", "/closed-periods/{period}/delete", {UserRole.ADMIN}),
]


@pytest.mark.parametrize(
    "role", [UserRole.ADMIN, UserRole.STAFF, UserRole.PARTNER, UserRole.MUNICIPALITY]
)
def test_closed_period_pages_by_role(app: Flask, make: Any, role: UserRole) -> None:
    """Each role reaches exactly the closed-period pages listed for it (else 403); the
    public is sent to the login page."""
    from rekruttering.models import ClosedPeriod

    centre = make.centre()
    period = make.closed_period(centre)
    partner = make.partner(centres=[centre]) if role == UserRole.PARTNER else None
    user = make.user(centre, role=role, partner=partner)
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    anonymous = app.test_client()
    for method, url, allowed in CLOSED_PERIOD_ROUTES:
        target = url.format(period=period.id)
        response = client.open(target, method=method)
        expected = {200, 302} if role in allowed else {403}
        assert response.status_code in expected, (role, method, url, response.status_code)
        response = anonymous.open(target, method=method)
        assert response.status_code in (302, 400), (method, url)  # login (or no CSRF token)
    kept = db.session.get(ClosedPeriod, period.id) is not None
    assert kept == (role != UserRole.ADMIN)  # only the admin's POST deleted it


def test_closed_period_routes_are_all_listed(app: Flask) -> None:
    listed = {(m, u.replace("{period}", "<int:period_id>")) for m, u, _ in CLOSED_PERIOD_ROUTES}
    found = {
        (method, rule.rule)
        for rule, method in _routes(app)
        if rule.rule.startswith("/closed-periods")
    }
    assert found == listed


def test_administration_routes_are_all_listed(app: Flask) -> None:
    """A new route in these blueprints gets a row above."""
    listed = {(m, u.replace("{channel}", "<int:channel_id>")) for m, u, _ in ADMINISTRATION_ROUTES}
    found = {
        (method, rule.rule)
        for rule, method in _routes(app)
        if rule.endpoint.split(".")[0] in ("channels", "centre_settings")
    }
    assert found == listed


def test_offline_checkin_routes_have_their_audience(app: Flask) -> None:
    """The check-in service worker is public (a script, no data, fetched outside a
    login when it updates); the sync endpoint that takes a tablet's queue is staff's and the door tablets'."""
    assert audience_of(app, "checkin.service_worker") == frozenset({PUBLIC})
    assert audience_of(app, "checkin.sync") == frozenset(
        {str(UserRole.STAFF), str(UserRole.ADMIN), str(UserRole.DOOR)}
    )
