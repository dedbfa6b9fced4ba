"""Centres are separate: staff of one centre get 404 for every object of another.

The test walks the URL map: every route with an ``<int:…_id>`` argument is requested
with the id of an object that belongs to another centre. A route whose argument has no
factory below fails the test, so new routes must be added here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from rekruttering.access import ANY_USER, PUBLIC, audience_of
from rekruttering.extensions import db
from rekruttering.models import UserRole

# argument name -> factory(make, other_centre) returning an object of the other centre
PARAM_FACTORIES: dict[str, Callable[[Any, Any], Any]] = {
    "person_id": lambda make, c: make.person(c),
    "activity_id": lambda make, c: make.activity(c),
    "channel_id": lambda make, c: make.channel(c),
    "session_id": lambda make, c: make.session(
        make.activity(c), datetime(2026, 1, 8, 10, tzinfo=UTC)
    ),
    # Partners are installation-wide: one linked only to the other centre is not found.
    "partner_id": lambda make, c: make.partner(centres=[c]),
    "user_id": lambda make, c: make.partner_user(c),
    "referral_id": lambda make, c: make.referral(c),
    "request_id": lambda make, c: make.link_request(c),
    "source_id": lambda make, c: make.source(c),
    "reminder_id": lambda make, c: make.reminder(make.person(c)),
    "message_id": lambda make, c: make.message(make.person(c)),
    "token_id": lambda make, c: make.api_token(c),
    "contact_id": lambda make, c: make.contact(make.person(c), follow_up_on=date(2026, 1, 5)),
    "link_id": lambda make, c: make.person_link(c),
    "notification_id": lambda make, c: make.notification(make.person(c)),
    "device_id": lambda make, c: make.device(c),
    "run_id": lambda make, c: make.print_run(c),
}


def test_staff_get_404_for_every_object_of_another_centre(app: Flask, make: Any) -> None:
    """Each id-taking route answers 404 for an object of another centre, GET and POST."""
    mine, other = make.centre(), make.centre()
    admin = make.user(mine, role=UserRole.ADMIN)
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": make.PASSWORD})
    objects: dict[str, Any] = {}
    checked = 0
    for rule in app.url_map.iter_rules():
        int_args = [a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)]
        audience = audience_of(app, rule.endpoint)
        if not int_args or PUBLIC in audience:
            continue
        if "admin" not in audience and ANY_USER not in audience:
            continue  # not a centre's page (the installation admin's): 403, see test_access
        values = {}
        for name in rule.arguments:
            if name in int_args:
                assert name in PARAM_FACTORIES, f"add a factory for <{name}> ({rule.rule})"
                if name not in objects:
                    objects[name] = PARAM_FACTORIES[name](make, other)
                values[name] = objects[name].id
            else:
                values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 404, (rule.rule, method, response.status_code)
            checked += 1
    assert checked > 0
    unused = sorted(set(PARAM_FACTORIES) - set(objects))
    assert not unused, f"factories for id arguments no route takes any more: {unused}"


def test_single_centre_shows_no_centre_switch(client: Any, make: Any, login: Any) -> None:
    """A single-centre installation shows no trace of several centres in the UI."""
    centre = make.centre()
    login(make.user(centre))
    html = client.get("/?stay=1").get_data(as_text=True)
    assert 'name="centre_id"' not in html


def test_user_with_two_centres_can_switch(app: Flask, make: Any) -> None:
    """A user of two centres sees a switch and can change the current centre."""
    a, b = make.centre("Alfa senter"), make.centre("Beta senter")
    user = make.user(centres=[a, b])
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    html = client.get("/?stay=1").get_data(as_text=True)
    assert 'name="centre_id"' in html
    assert client.post("/centre", data={"centre_id": b.id}).status_code == 302
    html = client.get("/?stay=1").get_data(as_text=True)
    assert 'class="navbar-brand" href="/">Beta senter</a>' in html
    other = make.centre("Gamma senter")
    assert client.post("/centre", data={"centre_id": other.id}).status_code == 404


def test_another_centres_admin_cannot_see_or_touch_its_channels(app: Flask, make: Any) -> None:
    """Channels of another centre: 404 on every page (a merged one too), absent from the
    API's list, and refused as the target of a merge."""
    from rekruttering.channels.service import merge_channels
    from rekruttering.transaction import transaction

    mine, other = make.centre(), make.centre()
    theirs = make.channel(other, "Facebook")
    typo = make.channel(other, "Facebok")
    with transaction():
        merge_channels(other.id, typo.id, theirs.id)
    admin = make.user(mine, role=UserRole.ADMIN)
    own = make.channel(mine, "Plakat")
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": make.PASSWORD})
    for channel in (theirs, typo):
        for action in ("edit", "retire", "merge"):
            assert client.get(f"/channels/{channel.id}/{action}").status_code == 404
        assert client.post(f"/channels/{channel.id}/reinstate").status_code == 404
    response = client.post(f"/channels/{own.id}/merge", data={"into": theirs.id, "confirm": "1"})
    assert response.status_code == 200  # refused with a message; nothing moved
    token = make.api_token(mine, admin)
    listed = client.get("/api/v1/channels", headers={"Authorization": f"Bearer {token.plain}"})
    assert [c["name"] for c in listed.json["items"]] == ["Plakat"]


def test_public_programme_shows_nothing_of_another_centre(app: Flask, make: Any) -> None:
    """The public programme's routes take a centre's code: another centre's activity
    under it is not found, and a code of the other centre shows only that centre."""
    from rekruttering.programme import service as programme

    mine, other = make.centre("Alfa senter"), make.centre("Beta senter")
    ours = make.activity(mine, name="Alfa-kafe", is_public=True)
    theirs = make.activity(other, name="Beta-kafe", is_public=True)
    from rekruttering.activities.sessions import generate_sessions

    generate_sessions(mine.id)
    generate_sessions(other.id)
    code = programme.publish(mine.id).source.code
    other_code = programme.publish(other.id).source.code
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/p/{code}/activities/{theirs.id}/calendar.ics").status_code == 404
    assert client.get(f"/p/{other_code}/activities/{ours.id}/calendar.ics").status_code == 404
    for suffix in ("", "/embed", "/calendar.ics"):
        body = client.get(f"/p/{code}{suffix}").get_data(as_text=True)
        assert "Alfa-kafe" in body and "Beta-kafe" not in body, suffix
