"""The JSON API: bearer tokens only, the same services as the pages, JSON errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from rekruttering.api.auth import ATTRIBUTE
from rekruttering.api.tokens import create_token, find_valid_token, hash_token, revoke_token
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import ApiToken, AuditEvent, Contact, Enrolment, Person, UserRole
from rekruttering.transaction import transaction


def _auth(token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.plain}"}


@pytest.fixture
def setup(app: Flask, make: Any) -> Any:
    centre = make.centre()
    token = make.api_token(centre)
    return centre, token


def test_every_api_view_requires_a_token(app: Flask) -> None:
    """Each /api/v1 view except the OpenAPI document is wrapped in token_required."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            assert getattr(app.view_functions[rule.endpoint], ATTRIBUTE, False), rule.rule


def test_no_token_bad_token_and_session_cookie_get_401(client: Any, make: Any, login: Any) -> None:
    """Without a valid bearer token the API answers 401 JSON, even to a logged-in browser."""
    centre = make.centre()
    make.person(centre)
    for headers in ({}, {"Authorization": "Bearer rk_nope"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/people", headers=headers)
        assert response.status_code == 401 and response.is_json
        assert response.json["error"]["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    login(make.user(centre, role=UserRole.ADMIN))  # a session cookie is not enough
    assert client.get("/api/v1/people").status_code == 401
    assert client.post("/api/v1/people", json={"first_name": "X"}).status_code == 401
    assert db.session.scalar(select(Person.id).where(Person.first_name == "X")) is None


def test_tokens_stored_hashed_revoked_and_expired(app: Flask, make: Any) -> None:
    """Only the hash is stored; a revoked or expired token, or a lost role, stops working."""
    centre = make.centre()
    staff = make.user(centre)
    with transaction():
        row, plain = create_token(centre.id, staff.id, "Nettskjema", 30)
    assert plain.startswith("rk_") and plain not in (row.token_hash, row.prefix)
    assert row.token_hash == hash_token(plain)
    assert find_valid_token(plain).id == row.id
    assert find_valid_token(plain, now=utcnow() + timedelta(days=31)) is None
    with transaction():
        revoke_token(centre.id, row.id, staff.id, may_revoke_others=False)
    assert find_valid_token(plain) is None
    partner = make.partner_user(centre)
    with pytest.raises(ServiceError), transaction():
        create_token(centre.id, partner.id, "Partner", 30)
    with pytest.raises(ServiceError) as info, transaction():
        create_token(centre.id, staff.id, "  ", 30)
    assert info.value.field == "name"
    with transaction():
        _row2, plain2 = create_token(centre.id, staff.id, "Annet", 365)
    staff.memberships[0].role = UserRole.PARTNER
    db.session.commit()
    assert find_valid_token(plain2) is None


def test_list_and_search_people(client: Any, make: Any, setup: Any) -> None:
    """GET /people lists the token's centre only, searches by name or phone, paginates."""
    centre, token = setup
    make.person(centre, first_name="Amina", phone="+4791234567")
    make.person(centre, first_name="Ole")
    make.person(make.centre(), first_name="Amina")  # another centre
    response = client.get("/api/v1/people", headers=_auth(token))
    assert response.status_code == 200
    assert {p["first_name"] for p in response.json["items"]} == {"Amina", "Ole"}
    found = client.get("/api/v1/people?q=912 34 567", headers=_auth(token)).json
    assert [p["first_name"] for p in found["items"]] == ["Amina"]
    assert found["items"][0]["phone"] == "+4791234567" and "note" not in found["items"][0]
    paged = client.get("/api/v1/people?per_page=1&page=2", headers=_auth(token)).json
    assert (paged["page"], paged["per_page"], paged["total"], len(paged["items"])) == (2, 1, 2, 1)
    bad = client.get("/api/v1/people?per_page=0&page=x&colour=red", headers=_auth(token))
    assert bad.status_code == 400
    assert set(bad.json["error"]["fields"]) == {"per_page", "page", "colour"}


def test_get_person_and_other_centre_is_404(client: Any, make: Any, setup: Any) -> None:
    """GET /people/<id> gives the person with enrolments; another centre's person is 404."""
    centre, token = setup
    person = make.person(centre)
    make.enrolment(person, make.activity(centre), heard_at=datetime(2026, 1, 5, tzinfo=UTC))
    response = client.get(f"/api/v1/people/{person.id}", headers=_auth(token))
    assert response.status_code == 200
    assert response.json["enrolments"][0]["stage"] == "heard"
    stranger = make.person(make.centre())
    for url in (f"/api/v1/people/{stranger.id}", "/api/v1/people/99999999999999999999"):
        missing = client.get(url, headers=_auth(token))
        assert missing.status_code == 404 and missing.is_json
    assert client.get("/api/v1/nothing-here", headers=_auth(token)).is_json
    wrong_method = client.delete(f"/api/v1/people/{person.id}", headers=_auth(token))
    assert wrong_method.status_code == 405 and wrong_method.is_json
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person_viewed"))
    assert viewed.person_id == person.id and viewed.user_id == token.user_id


def test_create_person(client: Any, make: Any, setup: Any) -> None:
    """POST /people normalises the phone, refuses bad input per field and duplicates with 409."""
    centre, token = setup
    response = client.post(
        "/api/v1/people",
        json={"first_name": " Amina ", "phone": "912 34 567", "language": "ar"},
        headers=_auth(token),
    )
    assert response.status_code == 201, response.json
    assert response.json["phone"] == "+4791234567" and response.json["first_name"] == "Amina"
    assert response.headers["Location"].endswith(f"/api/v1/people/{response.json['id']}")
    again = client.post(
        "/api/v1/people", json={"first_name": "B", "phone": "+47 912 34 567"}, headers=_auth(token)
    )
    assert again.status_code == 409
    assert again.json["error"]["existing_person_id"] == response.json["id"]
    bad = client.post(
        "/api/v1/people",
        json={"first_name": "", "phone": "12", "shoe_size": 42, "recruited_by_id": 0},
        headers=_auth(token),
    )
    assert bad.status_code == 400
    assert set(bad.json["error"]["fields"]) == {"first_name", "shoe_size", "recruited_by_id"}
    phone = client.post(
        "/api/v1/people", json={"first_name": "C", "phone": "12"}, headers=_auth(token)
    )
    assert phone.status_code == 400 and "phone" in phone.json["error"]["fields"]
    nul = client.post("/api/v1/people", json={"first_name": "A\x00"}, headers=_auth(token))
    assert nul.status_code == 400
    assert client.post("/api/v1/people", data="x", headers=_auth(token)).status_code == 415
    broken = client.post(
        "/api/v1/people", data="{", content_type="application/json", headers=_auth(token)
    )
    assert broken.status_code == 400 and broken.is_json
    assert db.session.scalar(select(Person.id).where(Person.first_name != "Amina")) is None


def test_log_contact_moves_the_funnel_once(client: Any, make: Any, setup: Any) -> None:
    """POST /contacts logs through log_contact; the same idempotency key logs one contact."""
    centre, token = setup
    person = make.person(centre)
    activity = make.activity(centre)
    body = {
        "person_id": person.id,
        "activity_id": activity.id,
        "outcome": "asked",
        "occurred_at": "2026-03-06T18:00:00+01:00",
        "note": "Spurt på Mat og prat",
        "idempotency_key": "abc-1",
    }
    first = client.post("/api/v1/contacts", json=body, headers=_auth(token))
    assert first.status_code == 201, first.json
    assert first.json["occurred_at"] == "2026-03-06T17:00:00+00:00"
    second = client.post("/api/v1/contacts", json=body, headers=_auth(token))
    assert second.json["id"] == first.json["id"]
    assert db.session.scalar(select(db.func.count(Contact.id))) == 1
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.stage == Stage.ASKED
    other = make.centre()
    bad = client.post(
        "/api/v1/contacts",
        json={
            "person_id": person.id,
            "outcome": "maybe",
            "activity_id": make.activity(other).id,
            "occurred_at": "2026-03-06T18:00:00",
            "follow_up_on": "06.03.2026",
        },
        headers=_auth(token),
    )
    assert bad.status_code == 400
    assert set(bad.json["error"]["fields"]) == {
        "outcome",
        "activity_id",
        "occurred_at",
        "follow_up_on",
    }
    missing = client.post("/api/v1/contacts", json={}, headers=_auth(token))
    assert set(missing.json["error"]["fields"]) == {"person_id", "outcome"}


def test_the_same_key_in_two_centres_are_two_contacts(client: Any, make: Any) -> None:
    """Idempotency keys are per centre and user: another client's key never collides."""
    a, b = make.centre(), make.centre()
    token_a, token_b = make.api_token(a), make.api_token(b)
    for centre, token in ((a, token_a), (b, token_b)):
        person = make.person(centre)
        body = {"person_id": person.id, "outcome": "heard", "idempotency_key": "same"}
        assert client.post("/api/v1/contacts", json=body, headers=_auth(token)).status_code == 201
    assert db.session.scalar(select(db.func.count(Contact.id))) == 2


def test_activities_and_sessions(client: Any, make: Any, setup: Any) -> None:
    """GET /activities and /activities/<id>/sessions with a date range (Oslo days)."""
    centre, token = setup
    activity = make.activity(centre, name="Språkkafe")
    make.activity(make.centre(), name="Andres")
    for day in (5, 12, 19):
        make.session(activity, datetime(2026, 3, day, 10, tzinfo=UTC))
    listed = client.get("/api/v1/activities", headers=_auth(token)).json
    assert [a["name"] for a in listed["items"]] == ["Språkkafe"]
    url = f"/api/v1/activities/{activity.id}/sessions"
    ranged = client.get(f"{url}?from=2026-03-06&to=2026-03-12", headers=_auth(token)).json
    assert [s["starts_at"][:10] for s in ranged["items"]] == ["2026-03-12"]
    assert (
        client.get(f"{url}?from=2026-03-12&to=2026-03-01", headers=_auth(token)).status_code == 400
    )
    assert client.get(f"{url}?from=9999-12-31", headers=_auth(token)).status_code == 400
    other = make.activity(make.centre())
    assert (
        client.get(f"/api/v1/activities/{other.id}/sessions", headers=_auth(token)).status_code
        == 404
    )


def test_token_page_makes_shows_once_and_revokes(client: Any, make: Any, login: Any) -> None:
    """Staff make a token on the page (shown once), use it, and revoke it."""
    centre = make.centre()
    staff = make.user(centre)
    login(staff)
    page = client.post("/api-tokens/", data={"name": "Nettskjema", "days": "90"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    plain = html.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert plain.startswith("rk_")
    assert plain not in client.get("/api-tokens/").get_data(as_text=True)
    assert (
        client.get("/api/v1/activities", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 200
    )
    row = db.session.scalar(select(ApiToken))
    assert client.post(f"/api-tokens/{row.id}/revoke").status_code == 302
    assert (
        client.get("/api/v1/activities", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 401
    )
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("api_token%"))
    ).all()
    assert sorted(actions) == ["api_token_created", "api_token_revoked"]


def test_staff_cannot_revoke_a_colleagues_token(client: Any, make: Any, login: Any) -> None:
    """A staff member revokes only their own tokens; an admin any of the centre's."""
    centre = make.centre()
    theirs = make.api_token(centre)
    login(make.user(centre))
    client.post(f"/api-tokens/{theirs.id}/revoke")
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_create_api_token_command(app: Flask, make: Any) -> None:
    """`rekruttering create-api-token` prints a working token once."""
    centre = make.centre(slug="borgen")
    staff = make.user(centre, email="ola@example.test")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-api-token",
            "--email",
            "OLA@example.test",
            "--centre",
            "borgen",
            "--name",
            "CRM",
        ]
    )
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert find_valid_token(plain).user_id == staff.id
    partner = make.partner_user(centre)
    refused = runner.invoke(
        args=["create-api-token", "--email", partner.email, "--centre", "borgen", "--name", "X"]
    )
    assert refused.exit_code != 0
