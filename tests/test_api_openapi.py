"""The hand-written OpenAPI document says what the API does: routes, parameters, fields."""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from flask import Flask

from rekruttering.api import routes
from rekruttering.api.openapi import BASE_PATH, DOCUMENT

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_rules(app: Flask) -> dict[tuple[str, str], Any]:
    """(OpenAPI path, method) -> rule, for every /api/v1 route but the document itself."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path.startswith(BASE_PATH)
        for method in (rule.methods or set()) & METHODS:
            found[(path[len(BASE_PATH) :], method.lower())] = rule
    return found


def _documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}


def test_every_route_is_documented_and_nothing_else(app: Flask) -> None:
    """The document's paths and methods are exactly the API's routes."""
    assert set(_api_rules(app)) == _documented()


def test_path_and_query_parameters_match(app: Flask) -> None:
    """Path parameters match the route's arguments; query parameters what the view reads."""
    accepted = {
        ("/people", "get"): routes.PEOPLE_QUERY,
        ("/activities", "get"): routes.ACTIVITIES_QUERY,
        ("/activities/{activity_id}/sessions", "get"): routes.SESSIONS_QUERY,
    }
    for (path, method), rule in _api_rules(app).items():
        parameters = DOCUMENT["paths"][path][method].get("parameters", [])
        in_path = {p["name"] for p in parameters if p["in"] == "path"}
        assert in_path == set(rule.arguments), (path, method)
        in_query = {p["name"] for p in parameters if p["in"] == "query"}
        assert in_query == accepted.get((path, method), set()), (path, method)


def test_request_bodies_list_the_fields_the_views_read() -> None:
    """PersonInput and ContactInput name exactly the fields the views accept."""
    schemas = DOCUMENT["components"]["schemas"]
    assert set(schemas["PersonInput"]["properties"]) == routes.PERSON_FIELDS
    assert set(schemas["ContactInput"]["properties"]) == routes.CONTACT_FIELDS


def test_document_is_served_publicly_and_valid(client: Any, app: Flask) -> None:
    """GET /api/v1/openapi.json needs no token, is the document, and loads as OpenAPI 3."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json == DOCUMENT
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    labels = sorted(result.ok().label for result in schema.get_all_operations())
    assert labels == sorted(f"{m.upper()} {p}" for p, m in _documented())
