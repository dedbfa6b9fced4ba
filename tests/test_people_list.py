"""The people list: search by name, phone (any format) and language; filters; no query per row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Role, Stage
from rekruttering.extensions import db
from rekruttering.models import Person, Referral
from rekruttering.people.search import PeopleFilter, languages_in_use, people_query
from tests.statement_counter import count_statements

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def found(centre: Any, **filters: Any) -> set[int]:
    return {p.id for p in db.session.scalars(people_query(centre.id, PeopleFilter(**filters)))}


@pytest.mark.parametrize(
    "typed",
    [
        "912 34 567",
        "+47 912 34 567",
        "0047 91234567",
        "91234567",
        "+4791234567",
        "(+47) 912-34-567",
    ],
)
def test_search_finds_a_phone_in_any_common_format(make: Any, typed: str) -> None:
    """The phone is found however it is written."""
    centre = make.centre()
    person = make.person(centre, phone="+4791234567")
    make.person(centre, phone="+4745678901")
    assert found(centre, q=typed) == {person.id}


def test_search_finds_part_of_a_phone(make: Any) -> None:
    """A few digits of the number are enough."""
    centre = make.centre()
    person = make.person(centre, phone="+4791234567")
    make.person(centre, phone="+4745678901")
    assert found(centre, q="34 56") == {person.id}


def test_search_by_name_words_and_language(make: Any) -> None:
    """Every word must match a name; a language code or name finds its speakers."""
    centre = make.centre()
    amina = make.person(centre, first_name="Amina", last_name="Hassan", language="so")
    make.person(centre, first_name="Amina", last_name="Berg", language="nb")
    olena = make.person(centre, first_name="Olena", last_name="Kovalenko", language="uk")
    assert found(centre, q="amina hass") == {amina.id}
    assert found(centre, q="uk") == {olena.id}
    assert found(centre, q="Ukrainian") == {olena.id}
    assert found(centre, q="ukrainsk") == {olena.id}
    assert found(centre, language="so") == {amina.id}
    assert found(centre, q="nobody-like-this") == set()


def test_filters_by_activity_stage_role_channel_and_partner(make: Any) -> None:
    """Enrolment filters must all hold for one enrolment of the person."""
    centre = make.centre()
    partner = make.partner(centres=[centre])
    kindergarten = make.channel(centre, partner_id=partner.id)
    facebook = make.channel(centre)
    mat, sprak = make.activity(centre), make.activity(centre)
    a, b, c = make.person(centre), make.person(centre), make.person(centre)
    make.enrolment(a, mat, heard_at=T0, asked_at=T0, first_channel_id=kindergarten.id)
    make.enrolment(b, sprak, heard_at=T0, role=Role.VOLUNTEER, first_channel_id=facebook.id)
    make.enrolment(c, mat, heard_at=T0, declined_at=T0)
    assert found(centre, activity_id=mat.id) == {a.id, c.id}
    assert found(centre, activity_id=mat.id, stage=Stage.ASKED.value) == {a.id}
    assert found(centre, stage="declined") == {c.id}
    assert found(centre, role=Role.VOLUNTEER) == {b.id}
    assert found(centre, channel_id=facebook.id) == {b.id}
    assert found(centre, partner_id=partner.id) == {a.id}
    assert found(centre, activity_id=sprak.id, channel_id=kindergarten.id) == set()


def test_partner_filter_includes_referred_people(make: Any) -> None:
    """A person a partner referred counts as theirs even before any enrolment."""
    centre = make.centre()
    partner = make.partner(centres=[centre])
    person = make.person(centre)
    db.session.add(Referral(centre_id=centre.id, partner_id=partner.id, person_id=person.id))
    db.session.commit()
    assert found(centre, partner_id=partner.id) == {person.id}


def test_no_contact_for_weeks_and_merged_people_left_out(make: Any) -> None:
    """'No contact for N weeks' keeps the quiet ones; merged people never show."""
    centre = make.centre()
    quiet = make.person(centre, last_activity_at=utcnow() - timedelta(weeks=10))
    make.person(centre, last_activity_at=utcnow() - timedelta(weeks=1))
    merged = make.person(centre, last_activity_at=utcnow() - timedelta(weeks=10))
    merged.merged_into_id = quiet.id
    db.session.commit()
    assert found(centre, no_contact_weeks=4) == {quiet.id}


def test_list_page_searches_and_paginates(client: Any, make: Any, login: Any) -> None:
    """The page lists people, filters by query args and splits long lists into pages."""
    centre = make.centre()
    login(make.user(centre))
    for n in range(7):
        make.person(centre, first_name=f"Person{n}", last_name="Test")
    make.person(centre, first_name="Olena", language="uk")
    html = client.get("/people/?q=olena").get_data(as_text=True)
    assert "Olena" in html and "Person1" not in html
    html = client.get("/people/?q=abc%27%22<script>").get_data(as_text=True)
    assert "<script>" not in html


@pytest.mark.settings(**{"app.page_size": 5})
def test_list_page_is_paginated(client: Any, make: Any, login: Any) -> None:
    """Beyond the page size the list continues on the next page."""
    centre = make.centre()
    login(make.user(centre))
    for n in range(7):
        make.person(centre, first_name=f"Person{n}", last_activity_at=T0 + timedelta(days=n))
    first = client.get("/people/").get_data(as_text=True)
    second = client.get("/people/?page=2").get_data(as_text=True)
    assert "Person6" in first and "Person0" not in first
    assert "Person0" in second and "Person6" not in second
    assert 'aria-label="Sider"' in first or 'aria-label="Pages"' in first


def test_list_page_sends_the_same_number_of_statements_for_few_and_many(
    app: Any, client: Any, make: Any, login: Any
) -> None:
    """No query per row: 3 people and 40 people (with enrolments) cost the same statements."""
    centre = make.centre()
    login(make.user(centre))
    activities = [make.activity(centre) for _ in range(3)]

    def add_people(n: int) -> None:
        for _ in range(n):
            person = make.person(centre)
            for activity in activities[:2]:
                make.enrolment(person, activity, heard_at=T0)

    add_people(3)
    client.get("/people/")  # warm up caches
    with count_statements() as few:
        assert client.get("/people/?sort=name").status_code == 200
    add_people(37)
    client.get("/people/")  # the same warm-up after the factories' commits
    with count_statements() as many:
        html = client.get("/people/?sort=name").get_data(as_text=True)
    assert html.count('href="/people/') >= 40
    assert many.count == few.count, "\n".join(s[:150] for s in many.statements)
    assert many.count <= 15
    assert db.session.scalar(select(Person.id).limit(1))


def test_language_filter_lists_the_languages_in_use(make: Any) -> None:
    """Each language of the centre's people once, in order; merged people and other
    centres do not add theirs (one index seek per language, not a read of everyone)."""
    centre, other = make.centre(), make.centre()
    make.person(centre, language="uk")
    make.person(centre, language="ar")
    make.person(centre, language="uk")
    keep = make.person(centre, language="nb")
    merged = make.person(centre, language="so")
    merged.merged_into_id = keep.id
    make.person(other, language="ti")
    db.session.commit()
    assert languages_in_use(centre.id) == ["ar", "nb", "uk"]
    assert languages_in_use(make.centre().id) == []
