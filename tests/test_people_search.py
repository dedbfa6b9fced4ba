"""One person search for every search box: Norwegian letters in any case, on both databases.

SQLite's lower() folds only A-Z; the search compares folded keys written in Python
(person.search_key / search_plain), so "åse", "ÅSE" and "Åse" find Åse everywhere,
and "ase" finds her too, after the exact matches.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from rekruttering.domain.clock import utcnow
from rekruttering.domain.search_text import fold, person_keys, plain
from rekruttering.extensions import db
from rekruttering.models import Person, UserRole
from rekruttering.people.search import (
    PeopleFilter,
    find_other_people,
    people_query,
    quick_search,
    search_people,
)
from rekruttering.people.service import PersonChanges, update_person
from rekruttering.privacy.anonymise import anonymise_people
from rekruttering.transaction import transaction


def _names(people: Any) -> list[str]:
    return [p.display_name for p in people]


def test_folding_is_unicode_case_folding_with_a_plain_twin() -> None:
    assert fold("  ÅSE \t Økland ") == "åse økland"
    assert fold("Straße") == "strasse"
    assert plain("Ærø Åse Øyvind Müller") == "aero ase oyvind muller"
    assert person_keys("Åse", "") == ("åse", "ase")


def test_keys_follow_every_write_of_the_name(make: Any) -> None:
    """Created, renamed in the service, anonymised: the keys always match the name."""
    centre = make.centre()
    person = make.person(centre, first_name="Åse", last_name="Ærø")
    assert (person.search_key, person.search_plain) == ("åse ærø", "ase aero")
    with transaction():
        update_person(centre.id, person.id, PersonChanges(first_name="Øyvind", last_name="Økland"))
    db.session.refresh(person)
    assert (person.search_key, person.search_plain) == ("øyvind økland", "oyvind okland")
    with transaction():
        anonymise_people([person.id])
    db.session.refresh(person)
    assert (person.search_key, person.search_plain) == ("", "")


@pytest.mark.parametrize("typed", ["åse", "ÅSE", "Åse", "  åSe  "])
def test_any_case_of_a_norwegian_letter_finds_the_person(make: Any, typed: str) -> None:
    centre = make.centre()
    ase = make.person(centre, first_name="Åse", last_name="Berg")
    make.person(centre, first_name="Ola", last_name="Nordmann")
    assert _names(quick_search(centre.id, typed)) == [ase.display_name]
    listed = db.session.scalars(people_query(centre.id, PeopleFilter(q=typed)))
    assert _names(listed) == [ase.display_name]


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("øyvind", "Øyvind", "Hansen"),
        ("ØYVIND hansen", "Øyvind", "Hansen"),
        ("økland", "Kari", "Økland"),
        ("ærø", "Per", "Ærø"),
        ("ÆRØ", "Per", "Ærø"),
    ],
)
def test_oe_ae_and_aa_in_first_and_last_names(make: Any, typed: str, first: str, last: str) -> None:
    centre = make.centre()
    wanted = make.person(centre, first_name=first, last_name=last)
    make.person(centre, first_name="Ola", last_name="Nordmann")
    assert _names(quick_search(centre.id, typed)) == [wanted.display_name]


def test_without_norwegian_letters_the_person_is_found_second(make: Any) -> None:
    """'ase' finds Åse through the plain key, after the people with 'ase' as typed,
    whatever the list's own order (here the latest activity first)."""
    centre = make.centre()
    kasem = make.person(centre, first_name="Kasem", last_name="Ali")
    kasem.last_activity_at = utcnow() - timedelta(days=30)
    ase = make.person(centre, first_name="Åse", last_name="Berg")
    ase.last_activity_at = utcnow()
    zaseem = make.person(centre, first_name="Zaseem", last_name="Khan")
    zaseem.last_activity_at = utcnow() - timedelta(days=60)
    make.person(centre, first_name="Ola", last_name="Nordmann")
    db.session.commit()
    recent_first = db.session.scalars(people_query(centre.id, PeopleFilter(q="ase")))
    assert _names(recent_first) == [kasem.display_name, zaseem.display_name, ase.display_name]
    by_name = db.session.scalars(search_people(centre.id, "ase"))
    assert _names(by_name)[-1] == ase.display_name
    # Typed with the letter, only the exact match is found.
    assert _names(quick_search(centre.id, "åse")) == [ase.display_name]
    assert _names(quick_search(centre.id, "aero")) == []
    per = make.person(centre, first_name="Per", last_name="Ærø")
    assert _names(quick_search(centre.id, "aero")) == [per.display_name]


def test_a_phone_is_still_found_by_its_digits(make: Any) -> None:
    centre = make.centre()
    person = make.person(centre, first_name="Åse", phone="+4791234567")
    assert _names(quick_search(centre.id, "912 34 567")) == [person.display_name]


# --- every entry point -----------------------------------------------------------------


@pytest.fixture
def staff_with_ase(make: Any, login: Any) -> tuple[Any, Person, Person]:
    centre = make.centre()
    login(make.user(centre, role=UserRole.STAFF))
    ase = make.person(centre, first_name="Åse", last_name="Ærø")
    other = make.person(centre, first_name="Ola", last_name="Nordmann")
    return centre, ase, other


@pytest.mark.parametrize("typed", ["åse", "ÅSE", "ase", "ærø"])
def test_every_search_box_finds_her(
    client: FlaskClient, make: Any, staff_with_ase: Any, typed: str
) -> None:
    centre, ase, other = staff_with_ase
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    holiday = make.activity(centre, signup_required=True, capacity=10)
    holiday_session = make.session(holiday, utcnow() + timedelta(days=2))
    pages = {
        "people list": f"/people/?q={typed}",
        "log a contact": f"/contacts/new?q={typed}",
        "merge": f"/people/{other.id}/merge?q={typed}",
        "family link": f"/people/{other.id}?link_q={typed}",
        "check-in": f"/checkin/sessions/{session.id}?q={typed}",
        "session sign-ups": f"/sessions/{holiday_session.id}/signups?q={typed}",
        "reminder form": f"/reminders/new?person_q={typed}",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        html = response.get_data(as_text=True)
        assert "Åse Ærø" in html, f"{where} did not find Åse for {typed!r}"
        if where in ("people list", "check-in", "session sign-ups", "reminder form"):
            assert "Nordmann" not in html, f"{where} found Ola for {typed!r}"


def test_the_api_search_finds_her(app: Flask, make: Any) -> None:
    centre = make.centre()
    token = make.api_token(centre)
    ase = make.person(centre, first_name="Åse", last_name="Ærø")
    make.person(centre, first_name="Ola", last_name="Nordmann")
    client = app.test_client()
    for typed in ("åse", "ÅSE", "ase"):
        response = client.get(
            f"/api/v1/people?q={typed}", headers={"Authorization": f"Bearer {token.plain}"}
        )
        assert response.status_code == 200
        body = json.loads(response.get_data(as_text=True))
        assert [p["id"] for p in body["items"]] == [ase.id], typed


def test_check_in_search_uses_the_shared_search(make: Any) -> None:
    centre = make.centre()
    ase = make.person(centre, first_name="Åse", last_name="Berg")
    assert find_other_people(centre.id, "åse", set()) == [ase]
    assert find_other_people(centre.id, "ÅSE", {ase.id}) == []


def test_the_reminder_search_as_you_type_finds_her(
    client: FlaskClient, staff_with_ase: Any
) -> None:
    _centre, ase, _other = staff_with_ase
    for typed in ("åse", "ÅSE", "ase", "ærø"):
        answer = json.loads(client.get(f"/reminders/people?q={typed}").get_data(as_text=True))
        assert [p["id"] for p in answer["people"]] == [ase.id], typed
