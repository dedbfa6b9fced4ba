"""Channels: the starter set, add, rename, retire, merge; staff read; the API; bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from rekruttering.centres.service import create_centre
from rekruttering.channels import service
from rekruttering.channels.starter import STARTER_CHANNELS
from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    AuditEvent,
    Channel,
    ChannelKind,
    Contact,
    Enrolment,
    Source,
    UserRole,
)
from rekruttering.transaction import transaction

WHEN = datetime(2026, 1, 8, 10, tzinfo=UTC)


def _admin(make: Any, centre: Any) -> Any:
    return make.user(centre, role=UserRole.ADMIN, locale="en")


def _names(centre_id: int, retired: bool = False) -> list[str]:
    return [c.name for c in db.session.scalars(service.channels_query(centre_id, retired))]


# --- the starter set ------------------------------------------------------------------


def test_a_new_centre_gets_the_starter_channels(app: Flask) -> None:
    """create_centre (the CLI, the installation admin's page, the demo) adds the starter set."""
    with transaction():
        centre = create_centre("Nytt senter", "nytt")
    kinds = sorted(c.kind for c in db.session.scalars(service.channels_query(centre.id)))
    assert kinds == sorted(kind for _, kind in STARTER_CHANNELS)
    assert "Muntlig fra deltakere og naboer" in _names(centre.id)  # in the installation's nb
    assert ChannelKind.PARTNER not in kinds


def test_create_centre_cli_uses_the_service(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-centre", "--name", "Senter X", "--slug", "senter-x"])
    assert result.exit_code == 0, result.output
    centre_id = db.session.scalar(sa.text("SELECT id FROM centre WHERE slug = 'senter-x'"))
    assert len(_names(centre_id)) == len(STARTER_CHANNELS)
    again = runner.invoke(args=["create-centre", "--name", "Senter Y", "--slug", "senter-x"])
    assert again.exit_code != 0
    assert db.session.scalar(sa.text("SELECT count(*) FROM centre")) == 1


# --- add and rename -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("Facebook", "FACEBOOK"), ("Plakat", "  plakat "), ("Øvre Æsj", "øvre æsj"), ("Ünï", "ÜNÏ")],
)
def test_duplicate_name_in_any_letter_case_is_refused(
    app: Flask, make: Any, first: str, second: str
) -> None:
    """Any letter case, in any alphabet (SQLite's lower() folds only A-Z): refused."""
    centre = make.centre()
    with transaction():
        service.add_channel(centre.id, first, ChannelKind.PRINT)
    with pytest.raises(Conflict) as refused, transaction():
        service.add_channel(centre.id, second, ChannelKind.PRINT)
    assert refused.value.field == "name"
    assert _names(centre.id) == [first]
    # Another centre may use the name.
    with transaction():
        service.add_channel(make.centre().id, second, ChannelKind.PRINT)


def test_the_database_refuses_a_case_twin_too(app: Flask, make: Any) -> None:
    """The unique (centre, name_key) constraint holds even for a writer that skips the check."""
    centre = make.centre()
    make.channel(centre, "Bibliotek")
    db.session.add(Channel(centre_id=centre.id, name="BIBLIOTEK", kind=ChannelKind.PRINT))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_rename_and_bad_names(app: Flask, make: Any) -> None:
    centre = make.centre()
    a = make.channel(centre, "Plakat", kind=ChannelKind.PRINT)
    make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    with transaction():
        service.edit_channel(centre.id, a.id, "Plakat på biblioteket", note="Ved inngangen")
    assert db.session.get(Channel, a.id).name == "Plakat på biblioteket"
    with transaction():
        service.edit_channel(centre.id, a.id, "PLAKAT PÅ BIBLIOTEKET")  # its own name: fine
    for bad, field in (("", "name"), ("x" * 121, "name"), ("facebook", "name")):
        with pytest.raises(ServiceError) as refused, transaction():
            service.edit_channel(centre.id, a.id, bad)
        assert refused.value.field == field
    assert db.session.get(Channel, a.id).name == "PLAKAT PÅ BIBLIOTEKET"
    with pytest.raises(ServiceError), transaction():
        service.add_channel(centre.id, "NAV", ChannelKind.PARTNER)  # partners make those
    with pytest.raises(ServiceError), transaction():
        service.add_channel(centre.id, "Radio", "radio")
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "channel_renamed" in events


def test_admin_adds_and_renames_in_the_browser(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    login(_admin(make, centre))
    page = client.get("/channels/new")
    assert page.status_code == 200
    response = client.post(
        "/channels/new", data={"name": "Plakat på biblioteket", "kind": "print", "note": ""}
    )
    assert response.status_code == 302
    # The same form twice (a double click): a clear message, still one channel.
    again = client.post(
        "/channels/new", data={"name": "plakat på BIBLIOTEKET", "kind": "print", "note": ""}
    )
    assert again.status_code == 200
    assert "There is already a channel called Plakat på biblioteket." in again.get_data(
        as_text=True
    )
    assert _names(centre.id) == ["Plakat på biblioteket"]
    channel = db.session.scalar(sa.select(Channel).where(Channel.centre_id == centre.id))
    response = client.post(
        f"/channels/{channel.id}/edit", data={"name": "Plakat, bibliotek", "kind": "print"}
    )
    assert response.status_code == 302
    html = client.get("/channels/").get_data(as_text=True)
    assert "Plakat, bibliotek" in html and "Add a channel" in html


# --- retire ---------------------------------------------------------------------------


def test_retired_channel_leaves_the_pickers_and_stays_in_reports(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    old = make.channel(centre, "Gammel brosjyre", kind=ChannelKind.PRINT)
    make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    person = make.person(centre)
    activity = make.activity(centre)
    make.enrolment(person, activity, heard_at=WHEN, first_channel_id=old.id)
    login(_admin(make, centre))
    assert client.post(f"/channels/{old.id}/retire").status_code == 302
    assert db.session.get(Channel, old.id).active is False
    assert client.post(f"/channels/{old.id}/retire").status_code == 302  # twice: harmless
    client.get("/channels/")  # shows (and so clears) the messages
    log_form = client.get("/contacts/new").get_data(as_text=True)
    assert "Gammel brosjyre" not in log_form and "Facebook" in log_form
    assert "Gammel brosjyre" not in client.get("/sources/new").get_data(as_text=True)
    assert "Gammel brosjyre" in client.get("/reports/").get_data(as_text=True)
    listing = client.get("/channels/?retired=1").get_data(as_text=True)
    assert "Gammel brosjyre" in listing
    assert "Gammel brosjyre" not in client.get("/channels/").get_data(as_text=True)
    assert client.post(f"/channels/{old.id}/reinstate").status_code == 302
    assert db.session.get(Channel, old.id).active is True


def test_retiring_a_channel_a_live_qr_code_uses(client: Any, make: Any, login: Any) -> None:
    """Refused with the codes named and a choice of where to move them; then moved."""
    centre = make.centre()
    channel = make.channel(centre, "Plakat", kind=ChannelKind.PRINT)
    other = make.channel(centre, "Brosjyre", kind=ChannelKind.PRINT)
    source = make.source(centre, "Plakat på biblioteket", channel=channel)
    down = make.source(centre, "Tatt ned", channel=channel, active=False)
    with force_locale("en"), pytest.raises(service.SourcesInUse) as refused, transaction():
        service.retire_channel(centre.id, channel.id)
    assert "Plakat på biblioteket" in refused.value.message
    assert db.session.get(Channel, channel.id).active is True

    login(_admin(make, centre))
    page = client.get(f"/channels/{channel.id}/retire").get_data(as_text=True)
    assert "Plakat på biblioteket" in page and 'name="move_to"' in page
    refused_page = client.post(f"/channels/{channel.id}/retire", data={"move_to": ""})
    assert refused_page.status_code == 200
    assert "Choose a channel to move them to" in refused_page.get_data(as_text=True)
    for bad in (channel.id, make.channel(make.centre()).id):  # itself; another centre's
        response = client.post(f"/channels/{channel.id}/retire", data={"move_to": bad})
        assert response.status_code == 200
    assert db.session.get(Channel, channel.id).active is True
    assert db.session.get(Source, source.id).channel_id == channel.id
    response = client.post(f"/channels/{channel.id}/retire", data={"move_to": other.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).active is False
    assert db.session.get(Source, source.id).channel_id == other.id
    assert db.session.get(Source, down.id).channel_id == channel.id  # taken down: stays


# --- merge ----------------------------------------------------------------------------


def _history(make: Any, centre: Any, typo: Any) -> dict[str, Any]:
    person = make.person(centre)
    activity = make.activity(centre)
    enrolment = make.enrolment(
        person,
        activity,
        heard_at=WHEN,
        asked_at=WHEN,
        first_channel_id=typo.id,
        ask_channel_id=typo.id,
    )
    contact = make.contact(person, channel_id=typo.id, outcome=Outcome.ASKED, occurred_at=WHEN)
    source = make.source(centre, channel=typo)
    return {"enrolment": enrolment, "contact": contact, "source": source}


def test_merge_moves_everything_and_is_audited(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    right = make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    typo = make.channel(centre, "Facebok", kind=ChannelKind.SOCIAL_MEDIA)
    made = _history(make, centre, typo)
    admin = _admin(make, centre)
    login(admin)
    choose = client.get(f"/channels/{typo.id}/merge").get_data(as_text=True)
    assert "Facebook" in choose
    confirm = client.post(f"/channels/{typo.id}/merge", data={"into": right.id})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Merge Facebok into Facebook?" in html
    assert "1 contacts move to Facebook" in html
    assert db.session.get(Contact, made["contact"].id).channel_id == typo.id  # not yet
    done = client.post(f"/channels/{typo.id}/merge", data={"into": right.id, "confirm": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, made["contact"].id).channel_id == right.id
    enrolment = db.session.get(Enrolment, made["enrolment"].id)
    assert (enrolment.first_channel_id, enrolment.ask_channel_id) == (right.id, right.id)
    assert db.session.get(Source, made["source"].id).channel_id == right.id
    assert _names(centre.id) == ["Facebook"] and _names(centre.id, retired=True) == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "channel_merged"))
    assert event.user_id == admin.id and "Facebok" in event.detail and "Facebook" in event.detail
    # The confirmation sent again (a double click): it says so, nothing more happens.
    again = client.post(f"/channels/{typo.id}/merge", data={"into": right.id, "confirm": "1"})
    assert again.status_code == 302
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "channel_merged"))
        == 1
    )
    # The merged name is free again, and the report shows one channel.
    with transaction():
        service.add_channel(centre.id, "Facebok", ChannelKind.SOCIAL_MEDIA)
    report = client.get("/reports/").get_data(as_text=True)
    assert "Facebook" in report


def test_merge_refusals_leave_everything_as_it_was(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    typo = make.channel(centre, "Facebok", kind=ChannelKind.SOCIAL_MEDIA)
    retired = make.channel(centre, "Gammel", kind=ChannelKind.PRINT, active=False)
    elsewhere = make.channel(make.centre(), "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    made = _history(make, centre, typo)
    cases = [
        (typo.id, "A channel cannot be merged into itself."),
        (elsewhere.id, "No such channel in this centre."),
        (retired.id, "That channel is retired."),
        (2_000_000, "No such channel in this centre."),
    ]
    for into, message in cases:
        with force_locale("en"), pytest.raises(ServiceError) as refused, transaction():
            service.merge_channels(centre.id, typo.id, into)
        assert refused.value.message.startswith(message)
    with pytest.raises(NotFound), transaction():
        service.merge_channels(centre.id, elsewhere.id, typo.id)  # from another centre
    login(_admin(make, centre))
    for into, message in cases:
        response = client.post(f"/channels/{typo.id}/merge", data={"into": into, "confirm": "1"})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, made["contact"].id).channel_id == typo.id
    assert db.session.get(Channel, typo.id).merged_into_id is None
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "channel_merged"))
        == 0
    )


def test_two_partners_channels_are_not_merged(app: Flask, make: Any) -> None:
    centre = make.centre()
    nav, school = make.partner([centre]), make.partner([centre])
    a = make.channel(centre, "NAV", kind=ChannelKind.PARTNER, partner_id=nav.id)
    b = make.channel(centre, "Skolen", kind=ChannelKind.PARTNER, partner_id=school.id)
    with pytest.raises(ServiceError), transaction():
        service.merge_channels(centre.id, a.id, b.id)
    c = make.channel(centre, "NAV-kontoret", kind=ChannelKind.OTHER)
    with transaction():
        service.merge_channels(centre.id, a.id, c.id)
    # The partner's channel is now the one merged into: its referrals keep landing there.
    assert db.session.get(Channel, c.id).partner_id == nav.id


# --- reading: staff, counts, pagination ----------------------------------------------


def test_staff_read_the_list_and_cannot_change_it(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    channel = make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    activity = make.activity(centre)
    for _ in range(3):
        make.enrolment(make.person(centre), activity, heard_at=WHEN, first_channel_id=channel.id)
    login(make.user(centre, role=UserRole.STAFF, locale="en"))
    html = client.get("/channels/").get_data(as_text=True)
    assert "Facebook" in html and "Add a channel" not in html and "Retire" not in html
    assert '<td class="text-end">3</td>' in html
    for url in ("/channels/new", f"/channels/{channel.id}/edit", f"/channels/{channel.id}/merge"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"name": "X", "kind": "print"}).status_code == 403
    assert client.post(f"/channels/{channel.id}/retire").status_code == 403
    assert db.session.get(Channel, channel.id).active is True


@pytest.mark.settings(**{"app.page_size": 5})
def test_the_list_is_paginated(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    for n in range(7):
        make.channel(centre, f"Kanal {n}")
    login(_admin(make, centre))
    first = client.get("/channels/").get_data(as_text=True)
    second = client.get("/channels/?page=2").get_data(as_text=True)
    assert "Kanal 0" in first and "Kanal 6" not in first and "Kanal 6" in second


def test_the_menu_shows_channels_and_settings_to_the_admin(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    login(_admin(make, centre))
    html = client.get("/?stay=1").get_data(as_text=True)
    assert 'href="/channels/"' in html and 'href="/centre-settings"' in html


def test_import_error_says_where_channels_are_managed(app: Flask) -> None:
    from rekruttering.domain.import_rows import Field, Problem, ProblemCode
    from rekruttering.imports.service import problem_message

    with app.test_request_context("/?lang=en"):
        message = problem_message(Problem(Field.CHANNEL, ProblemCode.UNKNOWN_CHANNEL, "Radio"))
    assert "Administration > Channels" in message


# --- the API --------------------------------------------------------------------------


def _auth(token: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.plain}"}


def test_api_lists_channels_for_every_token(client: Any, make: Any) -> None:
    centre = make.centre()
    channel = make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    make.channel(centre, "Gammel", active=False)
    make.channel(make.centre(), "Annet senter")
    response = client.get("/api/v1/channels", headers=_auth(make.api_token(centre)))
    assert response.status_code == 200
    items = response.json["items"]
    assert [(i["name"], i["active"]) for i in items] == [("Facebook", True), ("Gammel", False)]
    assert items[0] == {
        "id": channel.id,
        "name": "Facebook",
        "kind": "social_media",
        "active": True,
        "partner_id": None,
        "note": "",
    }


def test_api_adds_channels_for_admin_tokens_only(client: Any, make: Any) -> None:
    centre = make.centre()
    staff_token = make.api_token(centre)
    admin_token = make.api_token(centre, make.user(centre, role=UserRole.ADMIN))
    body = {"name": "Plakat på biblioteket", "kind": "print"}
    refused = client.post("/api/v1/channels", json=body, headers=_auth(staff_token))
    assert refused.status_code == 403 and refused.is_json
    created = client.post("/api/v1/channels", json=body, headers=_auth(admin_token))
    assert created.status_code == 201 and created.json["name"] == "Plakat på biblioteket"
    twin = {"name": "PLAKAT PÅ BIBLIOTEKET", "kind": "print"}
    duplicate = client.post("/api/v1/channels", json=twin, headers=_auth(admin_token))
    assert duplicate.status_code == 409 and "name" in duplicate.json["error"]["fields"]
    for bad in (
        {"name": "NAV", "kind": "partner"},
        {"name": "", "kind": "print"},
        {"name": "Radio", "kind": "radio"},
        {"name": "Radio"},
        {"name": "Radio", "kind": "other", "colour": "red"},
    ):
        response = client.post("/api/v1/channels", json=bad, headers=_auth(admin_token))
        assert response.status_code == 400, bad
    assert _names(centre.id) == ["Plakat på biblioteket"]
    # Another centre's admin token adds to its own centre, never to this one.
    other = make.centre()
    other_admin = make.api_token(other, make.user(other, role=UserRole.ADMIN))
    client.post(
        "/api/v1/channels", json={"name": "Radio", "kind": "other"}, headers=_auth(other_admin)
    )
    assert _names(centre.id) == ["Plakat på biblioteket"]
    assert _names(other.id) == ["Radio"]


def test_contact_logged_through_the_api_with_a_listed_channel(client: Any, make: Any) -> None:
    """The point of GET /channels: a client finds the channel_id POST /contacts needs."""
    centre = make.centre()
    make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    token = make.api_token(centre)
    person = make.person(centre)
    channel_id = client.get("/api/v1/channels", headers=_auth(token)).json["items"][0]["id"]
    response = client.post(
        "/api/v1/contacts",
        json={"person_id": person.id, "outcome": "heard", "channel_id": channel_id},
        headers=_auth(token),
    )
    assert response.status_code == 201
    assert response.json["channel_id"] == channel_id
    assert Stage.HEARD  # the funnel itself is tested elsewhere


def test_a_merged_channels_id_logs_under_its_twin(client: Any, make: Any) -> None:
    """An API client (or an old form) with the id of a merged channel: the contact lands
    under the channel it was merged into, and the merged name is no import match."""
    centre = make.centre()
    right = make.channel(centre, "Facebook", kind=ChannelKind.SOCIAL_MEDIA)
    typo = make.channel(centre, "Facebok", kind=ChannelKind.SOCIAL_MEDIA)
    with transaction():
        service.merge_channels(centre.id, typo.id, right.id)
    token = make.api_token(centre)
    response = client.post(
        "/api/v1/contacts",
        json={"person_id": make.person(centre).id, "outcome": "heard", "channel_id": typo.id},
        headers=_auth(token),
    )
    assert response.status_code == 201 and response.json["channel_id"] == right.id
    from rekruttering.imports.service import lookups

    assert set(lookups(centre.id).channels.values()) == {right.id}


def test_a_taken_down_code_on_a_retired_channel_can_be_edited(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    old = make.channel(centre, "Gammel plakat", kind=ChannelKind.PRINT)
    source = make.source(centre, "Plakat i gangen", channel=old, active=False)
    with transaction():
        service.retire_channel(centre.id, old.id)
    login(make.user(centre))
    response = client.post(
        f"/sources/{source.id}/edit", data={"name": "Plakat i gangen 2", "channel_id": old.id}
    )
    assert response.status_code == 302
    assert db.session.get(Source, source.id).name == "Plakat i gangen 2"


def test_a_partner_channel_is_renamed_and_keeps_its_kind(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    partner = make.partner([centre])
    channel = make.channel(centre, "NAV", kind=ChannelKind.PARTNER, partner_id=partner.id)
    login(_admin(make, centre))
    assert 'name="kind"' not in client.get(f"/channels/{channel.id}/edit").get_data(as_text=True)
    response = client.post(
        f"/channels/{channel.id}/edit", data={"name": "NAV Asker", "kind": "print"}
    )
    assert response.status_code == 302
    channel = db.session.get(Channel, channel.id)
    assert (channel.name, channel.kind, channel.partner_id) == (
        "NAV Asker",
        ChannelKind.PARTNER,
        partner.id,
    )
