"""The picker's walk in name order (reminders/picker_walk.py) gives the shared search's
people: the same people in the same order, for common and rare words, accents, odd
characters and limits; never another centre's, a merged, an anonymised or a phoneless
person. The walk's window and probe are made small so that a test centre is walked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Person
from rekruttering.people.search import search_people
from rekruttering.reminders import picker_walk
from rekruttering.reminders.picker import textable_people

FIRST = ["Anna", "Andreas", "Hanne", "Åse", "Asel", "Kasem", "Berit", "Jan", "Ane", "Stian"]
LAST = ["Hansen", "Berg", "Dahl", "Ås", "Lund", "Strand", "Moen", "Nilsen", "Bakke"]


@pytest.fixture
def small_walk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(picker_walk, "WALK_WINDOW", 24)
    monkeypatch.setattr(picker_walk, "PROBE", 8)
    picker_walk.forget_windows()
    yield
    picker_walk.forget_windows()


def _people(make: Any, centre: Any, count: int) -> list[Person]:
    return [
        make.person(centre, first_name=FIRST[i % len(FIRST)], last_name=LAST[(i * 7) % len(LAST)])
        for i in range(count)
    ]


def _searched(centre_id: int, text: str, limit: int) -> list[tuple[int, str, str]]:
    statement = search_people(
        centre_id, text, limit=limit, where=(Person.phone.is_not(None),)
    ).with_only_columns(Person.id, Person.first_name, Person.last_name)
    return [tuple(row) for row in db.session.execute(statement)]


def test_the_walk_gives_the_searchs_people_in_its_order(
    app: Any, make: Any, small_walk: None
) -> None:
    centre, other = make.centre(), make.centre()
    people = _people(make, centre, 60)
    _people(make, other, 30)
    # Left out by the search, so by the walk too.
    people[0].merged_into_id = people[1].id
    people[2].anonymised_at = utcnow()
    people[3].phone = None
    db.session.commit()
    hidden = {people[0].id, people[2].id, people[3].id}
    mine = {p.id for p in people}
    words = ["an", "a", "n", "ase", "åse", "ås", "as", "berg", "hansen", "zz", "an%", "_", "/"]
    words += ["ann berg", "anna hansen", "+47", "arabisk", "ANNA", "  an  "]
    walked = 0
    for text in words:
        for limit in (1, 3, 5, 21):
            picked = [tuple(p) for p in textable_people(centre.id, text, limit)]
            assert picked == _searched(centre.id, text, limit), (text, limit)
            assert not {p[0] for p in picked} & hidden
            assert {p[0] for p in picked} <= mine
            walked += picker_walk.first_by_name(centre.id, text, limit) is not None
    # The common words were walked; a word nobody has, two words and a phone were not.
    assert walked >= 10
    assert picker_walk.first_by_name(centre.id, "an", 3) is not None
    for text in ("zz", "ann berg", "+47"):
        assert picker_walk.first_by_name(centre.id, text, 3) is None


def test_a_rare_word_is_left_to_the_search_and_a_small_centre_is_not_walked(
    app: Any, make: Any, small_walk: None
) -> None:
    centre, small = make.centre(), make.centre()
    _people(make, centre, 60)
    make.person(centre, first_name="Zelda", last_name="Quist")
    _people(make, small, 10)  # no more textable people than the window
    assert picker_walk.first_by_name(centre.id, "zel", 3) is None
    assert [tuple(p) for p in textable_people(centre.id, "zel", 3)] == _searched(
        centre.id, "zel", 3
    )
    assert picker_walk.first_by_name(small.id, "an", 1) is None
    assert [tuple(p) for p in textable_people(small.id, "an", 1)] == _searched(small.id, "an", 1)


def test_the_route_shows_the_walked_people_of_the_own_centre_only(
    client: Any, make: Any, login: Any, small_walk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(picker_walk, "WALK_WINDOW", 50)
    monkeypatch.setattr(picker_walk, "PROBE", 30)
    centre, other = make.centre(), make.centre()
    _people(make, centre, 60)
    theirs = {p.id for p in _people(make, other, 60)}
    login(make.user(centre))
    answer = client.get("/reminders/people?q=an").get_json()
    expected = _searched(centre.id, "an", 21)
    assert picker_walk.first_by_name(centre.id, "an", 21) is not None
    assert [p["id"] for p in answer["people"]] == [row[0] for row in expected[:20]]
    assert answer["more"] is (len(expected) > 20)
    assert not {p["id"] for p in answer["people"]} & theirs


def test_a_person_changed_but_not_yet_flushed_is_walked_as_the_search_sees_them(
    app: Any, make: Any, small_walk: None
) -> None:
    # The walk reads through the connection, which does not autoflush; the search does.
    centre = make.centre()
    people = _people(make, centre, 60)
    db.session.commit()
    renamed = next(p for p in people if "an" not in p.first_name.lower())
    assert picker_walk.first_by_name(centre.id, "an", 3) is not None  # window ends known
    with db.session.no_autoflush:
        renamed.first_name = "Aan"  # first in name order, and now an "an"
    assert renamed in db.session.dirty
    picked = [tuple(p) for p in textable_people(centre.id, "an", 3)]
    assert picker_walk.first_by_name(centre.id, "an", 3) is not None
    assert picked[0] == (renamed.id, "Aan", renamed.last_name)
    assert picked == _searched(centre.id, "an", 3)


def test_a_word_found_after_the_probe_is_walked_to_the_window_on_postgresql(
    app: Any, make: Any, small_walk: None
) -> None:
    # No match among the probe's first 8 by name, enough of them before the window's end
    # (24): PostgreSQL walks every word to the window's end, SQLite leaves it to the
    # search as rare (the probe's density). The same people either way.
    centre = make.centre()
    for _ in range(8):
        make.person(centre, first_name="Anna", last_name="Berg")
    for _ in range(5):
        make.person(centre, first_name="Azelia", last_name="Dahl")
    for _ in range(20):
        make.person(centre, first_name="Berit", last_name="Moen")
    db.session.commit()
    assert [tuple(p) for p in textable_people(centre.id, "zel", 3)] == _searched(
        centre.id, "zel", 3
    )
    walked = picker_walk.first_by_name(centre.id, "zel", 3)
    if db.session.get_bind().dialect.name == "postgresql":
        assert walked is not None
        assert [tuple(p) for p in walked] == _searched(centre.id, "zel", 3)
    else:
        assert walked is None
    # Fewer than ``limit`` in the window: the search answers on both.
    assert picker_walk.first_by_name(centre.id, "zel", 6) is None
    assert [tuple(p) for p in textable_people(centre.id, "zel", 6)] == _searched(
        centre.id, "zel", 6
    )
