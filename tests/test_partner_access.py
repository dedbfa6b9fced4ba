"""Every route in the URL map, for every role (anonymous, partner, staff, admin).

The expected answer follows from the route's declared audience:

* anonymous on a non-public route: a redirect to the login page;
* a role outside the audience: 403;
* a role inside it (or a public route): neither 403 nor a login redirect, and no 5xx.

And a partner who asks for anything by id (another partner's referral, any person,
any object of its centre) gets 403 or 404, never the data. New routes are covered
automatically: the tests walk ``app.url_map``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from rekruttering.access import ANY_USER, PUBLIC, audience_of
from rekruttering.models import UserRole
from tests.test_tenancy import PARAM_FACTORIES

SKIP_METHODS = {"HEAD", "OPTIONS"}
ROLES = ("anonymous", "partner", "staff", "admin")


class FreshClient(FlaskClient):
    """Requests do not inherit another client's logged-in user from the shared ``g``."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _int_args(rule: Rule) -> list[str]:
    return [a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)]


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if not rule.endpoint.endswith("static")
        for method in sorted((rule.methods or set()) - SKIP_METHODS)
    ]


#: Routes that log the walking client out (covered by test_auth and test_accounts).
ENDS_THE_SESSION = ("auth.logout", "accounts.logout_everywhere")


def expected(role: str, audience: frozenset[str]) -> str:
    """'login', 'forbidden' or 'allowed': what ``role`` should get from a route."""
    if PUBLIC in audience:
        return "allowed"
    if role == "anonymous":
        return "login"
    if ANY_USER in audience or role in audience:
        return "allowed"
    return "forbidden"


def _login(app: Flask, user: Any) -> FlaskClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    response = client.post(
        "/login", data={"email": user.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def centre_world(make: Any) -> dict[str, Any]:
    centre = make.centre()
    partner = make.partner(centres=[centre])
    users = {
        "partner": make.user(centre, role=UserRole.PARTNER, partner=partner),
        "staff": make.user(centre, role=UserRole.STAFF),
        "admin": make.user(centre, role=UserRole.ADMIN),
    }
    return {"centre": centre, "partner": partner, "users": users}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_gives_each_role_the_expected_answer(
    app: Flask, make: Any, centre_world: dict[str, Any], role: str
) -> None:
    """Walk the URL map as one role, with real objects of the role's own centre."""
    centre = centre_world["centre"]
    client = (
        FreshClient(app, app.response_class, use_cookies=True)
        if role == "anonymous"
        else _login(app, centre_world["users"][role])
    )
    objects: dict[str, Any] = {}
    checked: dict[str, int] = {"login": 0, "forbidden": 0, "allowed": 0}
    for rule, method in _routes(app):
        if rule.endpoint in ENDS_THE_SESSION and role != "anonymous":
            continue  # would end this walk; covered by the logout tests
        values: dict[str, Any] = {}
        for name in rule.arguments:
            if name in _int_args(rule):
                if name not in objects:
                    objects[name] = PARAM_FACTORIES[name](make, centre)
                values[name] = objects[name].id
            else:
                values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        want = expected(role, audience_of(app, rule.endpoint))
        response = client.open(url, method=method)
        where = (role, method, rule.rule, response.status_code)
        location = response.headers.get("Location", "")
        if want == "login":
            assert response.status_code == 302 and "/login" in location, where
        elif want == "forbidden":
            assert response.status_code == 403, where
        else:
            assert response.status_code < 500, where
            assert not (response.status_code == 302 and "/login?" in location), where
            if PUBLIC not in audience_of(app, rule.endpoint):
                assert response.status_code != 403, where
        checked[want] += 1
    if role == "anonymous":
        assert checked["login"] > 20 and checked["allowed"] >= 3
    elif role == "partner":
        assert checked["forbidden"] > 20 and checked["allowed"] >= 3
    else:
        assert checked["allowed"] > 20


def test_partner_gets_403_or_404_for_anything_by_id(
    app: Flask, make: Any, centre_world: dict[str, Any]
) -> None:
    """Another partner's referral, any person, any object of the centre: never the data."""
    centre = centre_world["centre"]
    secret = make.person(centre, first_name="Zelda", last_name="Hemmeligsen")
    other_partner = make.partner(centres=[centre])
    objects: dict[str, Any] = {
        "person_id": secret,
        "referral_id": make.referral(centre, partner=other_partner, person=secret),
        "partner_id": other_partner,
        "user_id": make.partner_user(centre, partner=other_partner),
    }
    own_referral = make.referral(centre, partner=centre_world["partner"], person=secret)
    client = _login(app, centre_world["users"]["partner"])
    checked = 0
    for rule, method in _routes(app):
        ints = _int_args(rule)
        if not ints:
            continue
        for ids in ("theirs", "own"):
            values: dict[str, Any] = {}
            for name in rule.arguments:
                if name not in ints:
                    values[name] = "x"
                elif name == "referral_id" and ids == "own":
                    values[name] = own_referral.id  # even its own referral has no page
                else:
                    if name not in objects:
                        objects[name] = PARAM_FACTORIES[name](make, centre)
                    values[name] = objects[name].id
            url = rule.build(values, append_unknown=False)[1]
            response = client.open(url, method=method, headers={"Accept": "application/json"})
            body = response.get_data(as_text=True)
            # The JSON API takes only tokens, which partners cannot get (staff-only page):
            # a partner's session there is "not authenticated" (401).
            allowed = (401, 403, 404) if rule.rule.startswith("/api/") else (403, 404)
            assert response.status_code in allowed, (method, rule.rule, response.status_code)
            assert "Hemmeligsen" not in body, (method, rule.rule)
            checked += 1
    assert checked > 20


def test_partner_pages_show_nothing_of_people_they_did_not_refer(
    app: Flask, make: Any, centre_world: dict[str, Any]
) -> None:
    """The partner's own pages never name a person the partner did not refer."""
    centre = centre_world["centre"]
    secret = make.person(centre, first_name="Zelda", last_name="Hemmeligsen")
    make.referral(centre, partner=make.partner(centres=[centre]), person=secret)
    client = _login(app, centre_world["users"]["partner"])
    for url in ("/partner/", "/partner/refer", "/partner/refer/sent", "/?stay=1"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert "Hemmeligsen" not in response.get_data(as_text=True), url


def test_the_expected_answer_table() -> None:
    """The rule the walk applies, spelled out for the four roles."""
    staff_only = frozenset({"staff", "admin"})
    partner_only = frozenset({"partner"})
    assert [expected(r, staff_only) for r in ROLES] == ["login", "forbidden", "allowed", "allowed"]
    assert [expected(r, partner_only) for r in ROLES] == [
        "login",
        "allowed",
        "forbidden",
        "forbidden",
    ]
    assert [expected(r, frozenset({PUBLIC})) for r in ROLES] == ["allowed"] * 4
    assert [expected(r, frozenset({ANY_USER})) for r in ROLES] == [
        "login",
        "allowed",
        "allowed",
        "allowed",
    ]
