"""Every bad value, to every parameter of every route, as every role: never a 500.

The parameter list is not written by hand. A discovery pass requests each route once
(as a role that may call it) through a request class whose query and form
dictionaries note every name a view or a WTForms form looks up; the API adds the
names its OpenAPI document lists. The attack pass then sends each bad value:

- to all parameters at once, in the query string and the body, as every role (the
  roles outside a route's audience must be refused cleanly too);
- to one parameter at a time (the others left out), as a role that may call the
  route, for the values that pass the input boundary and so reach the views;
- in place of each URL argument (an ``<int:...>`` one gets 99999999999999999999).

One app and one data set serve every case (the module-scoped ``world``); the test
runs on SQLite and, with $REKRUTTERING_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask, g
from flask import Request as FlaskRequest
from flask.testing import FlaskClient
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Rule

from rekruttering import create_app
from rekruttering.access import ANY_USER, PUBLIC, audience_of
from rekruttering.api.openapi import BASE_PATH, openapi_document
from rekruttering.models import UserRole
from tests import factories
from tests.conftest import clean_and_close, make_settings
from tests.test_tenancy import PARAM_FACTORIES

BAD_VALUES: dict[str, str] = {
    "nul": "Kari\x00Nordmann",
    "control": "Kari\x1b[31m\x07",
    "crlf": "/people/\r\nSet-Cookie: x=1",
    "long": "x" * 10_000,
    "emoji": "🙂👩‍👩‍👧‍👦🇳🇴",
    "rtl": "\u202eمرحبا \u05e9\u05dc\u05d5\u05dd\u202c",
    "intl": "🙂 \u202eمرحبا\u202c \u200b",
    "huge_int": "99999999999999999999",
    "ancient": "0001-01-01",
    "far_future": "9999-12-31",
    # Longer than any String(200) column, shorter than the boundary's limit.
    "medium": "Åse " * 80,
    "negative": "-5",
}
#: Values the input boundary lets through: these reach views, forms and the database.
DEEP_VALUES = ("intl", "ancient", "far_future", "medium")
#: What the other roles allowed on a route get (all parameters at once).
OTHER_ROLE_VALUES = ("intl", "ancient", "far_future")
#: The role that gets every value (and each parameter alone): the richest that may call.
DEEP_ROLES = ("admin", "staff", "partner", "municipality", "installation-admin", "anonymous")

ROLES = ("anonymous", "partner", "staff", "admin", "municipality", "installation-admin")
SKIP_ENDPOINTS = {"auth.logout", "static"}
SKIP_METHODS = {"HEAD", "OPTIONS"}


class _Seen:
    names: set[str] = set()


class RecordingDict(ImmutableMultiDict):  # type: ignore[type-arg]  # any keys and values
    """Query/form data that notes every name looked up."""

    def __getitem__(self, key: Any) -> Any:
        _Seen.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        _Seen.names.add(key)
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002
        _Seen.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> Any:  # noqa: A002
        _Seen.names.add(key)
        return super().getlist(key, type)


class RecordingRequest(FlaskRequest):
    parameter_storage_class = RecordingDict


@dataclass
class Route:
    rule: Rule
    method: str
    audience: frozenset[str]
    params: set[str] = field(default_factory=set)

    def allows(self, role: str) -> bool:
        return PUBLIC in self.audience or (
            role != "anonymous" and (ANY_USER in self.audience or role in self.audience)
        )


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]
    ids: dict[str, int]
    routes: list[Route]


def _fresh_request_state() -> None:
    for key in ("_login_user", "centre", "role", "memberships"):
        g.pop(key, None)


def _build_data(app: Flask) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    make = factories
    centre = make.centre()
    partner = make.partner(centres=[centre])
    users = {
        "partner": make.user(centre, role=UserRole.PARTNER, partner=partner),
        "staff": make.user(centre, role=UserRole.STAFF),
        "admin": make.user(centre, role=UserRole.ADMIN),
        "municipality": make.user(centre, role=UserRole.MUNICIPALITY),
        "installation-admin": make.installation_admin(),
    }
    ids = {name: factory(make, centre).id for name, factory in PARAM_FACTORIES.items()}
    # Data for the reports and lists to chew on.
    activity = make.activity(centre)
    person = make.person(centre)
    make.contact(person, activity=activity)
    make.session(activity, datetime(2026, 1, 8, 10, tzinfo=UTC))
    # Rows stored before dates were checked: every page must still read them.
    ancient, far = datetime(1, 1, 1, 12, tzinfo=UTC), datetime(9999, 12, 31, 12, tzinfo=UTC)
    old = make.person(centre)
    make.contact(old, activity_id=activity.id, occurred_at=ancient, follow_up_on=date(1, 1, 1))
    make.enrolment(old, activity, heard_at=ancient, asked_at=far)
    tokens = {"staff": make.api_token(centre, users["staff"]).plain}
    tokens["admin"] = make.api_token(centre, users["admin"]).plain
    return users, ids, tokens


def _api_params(rule: Rule, method: str) -> set[str]:
    document = openapi_document()
    path = rule.rule.removeprefix(BASE_PATH)
    for template, operations in document["paths"].items():
        if template.replace("{", "<").replace("}", "").split("<")[0] != path.split("<")[0]:
            continue
        operation = operations.get(method.lower())
        if not operation:
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = body.get("schema", {})
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        names |= set(schema.get("properties", {}))
        return names
    return set()


def _url(rule: Rule, ids: dict[str, int], replace: str | None = None) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if isinstance(rule._converters[name], IntegerConverter):
            values[name] = ids.get(name, 1)
        else:
            values[name] = "x"
    url = rule.build(values, append_unknown=False)[1]
    if replace is None:
        return url
    # Put the bad value where the arguments were (past the converter's own check).
    for name in rule.arguments:
        url = url.replace(f"/{values[name]}", "/" + quote(replace, safe=""), 1)
    return url


@pytest.fixture(scope="module")
def world(database_url: str, _schema: None) -> Iterator[World]:
    app = create_app(
        make_settings(database_url),
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
        PROPAGATE_EXCEPTIONS=False,
    )
    app.request_class = RecordingRequest
    logging.getLogger("rekruttering.input_boundary").setLevel(logging.WARNING)
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    with app.app_context():
        users, ids, tokens = _build_data(app)
        emails = {role: user.email for role, user in users.items()}
    clients = {"anonymous": app.test_client()}
    for role, email in emails.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 302, role
        clients[role] = client

    routes = [
        Route(rule, method, audience_of(app, rule.endpoint) or frozenset())
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIP_ENDPOINTS and not rule.endpoint.endswith(".static")
        for method in sorted((rule.methods or set()) - SKIP_METHODS)
    ]
    world = World(app, clients, tokens, ids, routes)
    for route in routes:  # discovery
        role = next(r for r in DEEP_ROLES if r != "anonymous" and route.allows(r))
        _Seen.names = set()
        _send(world, route, role, {"_probe": "1"})  # some forms read only non-empty data
        route.params = set(_Seen.names)
        if route.rule.rule.startswith(BASE_PATH):
            route.params |= _api_params(route.rule, route.method)
    try:
        yield world
    finally:
        with app.app_context():
            clean_and_close(app)
        logging.getLogger("rekruttering.input_boundary").setLevel(logging.NOTSET)


def _send(
    world: World, route: Route, role: str, params: dict[str, str], url: str | None = None
) -> int:
    url = url or _url(route.rule, world.ids)
    client = world.clients[role]
    headers = {}
    if route.rule.rule.startswith(BASE_PATH) and role in world.tokens:
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    if route.method == "GET":
        response = client.open(url, method="GET", query_string=params, headers=headers)
    elif route.rule.rule.startswith(BASE_PATH):
        response = client.open(
            url, method=route.method, query_string=params, json=params, headers=headers
        )
    else:
        response = client.open(
            url, method=route.method, query_string=params, data=params, headers=headers
        )
    return response.status_code


def _attack(world: World, roles: tuple[str, ...]) -> tuple[list[str], int]:
    failures: list[str] = []
    sent = 0

    def check(route: Route, role: str, params: dict[str, str], what: str, url: str = "") -> None:
        nonlocal sent
        sent += 1
        status = _send(world, route, role, params, url or None)
        if status >= 500:
            failures.append(f"{status} {role} {route.method} {url or route.rule.rule} {what}")

    # A name every page reads (the language switch's ``lang``) is tried alone once.
    counts = Counter(name for route in world.routes for name in route.params)
    common = {name for name, n in counts.items() if n > len(world.routes) // 3}
    tried_common: set[str] = set()
    for route in world.routes:
        names = sorted(route.params)
        deep_role = next((r for r in DEEP_ROLES if r in roles and route.allows(r)), None)
        for role in roles:
            if not route.allows(role):
                check(route, role, dict.fromkeys(names, "🙂"), "all=emoji (refused role)")
                continue
            # The boundary refuses some values whoever asks: one role is enough for those.
            labels = BAD_VALUES if role == deep_role else OTHER_ROLE_VALUES
            for label in labels:
                check(route, role, dict.fromkeys(names, BAD_VALUES[label]), f"all={label}")
        if deep_role is None:
            continue
        if route.rule.arguments:
            for label in ("huge_int", "nul", "emoji", "long"):
                bad_url = _url(route.rule, world.ids, replace=BAD_VALUES[label])
                check(route, deep_role, {}, f"url={label}", bad_url)
        for name in names:
            if name in common:
                if name in tried_common:
                    continue
                tried_common.add(name)
            for label in DEEP_VALUES:
                check(route, deep_role, {name: BAD_VALUES[label]}, f"{name}={label}")
    return failures, sent


def test_no_bad_value_gets_a_500_for_any_role(world: World) -> None:
    """Every route, parameter and bad value, as each role: no answer of 500 or more."""
    assert sum(len(r.params) for r in world.routes) > 100, "discovery found too few parameters"
    failures, sent = _attack(world, ROLES)
    print(f"{sent} requests; {sum(len(r.params) for r in world.routes)} parameters")
    assert sent > 1000
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures)
