"""The people list's keys statement, built once per shape and run with the search's values
(people/search.py ``people_page``): the same people in the same order as a statement
built for the request, for every shape of search, in every centre."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Person, person_trigram
from rekruttering.pages import COUNT_CAP
from rekruttering.people import search
from rekruttering.people.search import PeopleFilter, people_page, people_query
from tests.statement_counter import count_statements

#: Texts of many shapes: one and two letters, words of three letters or more, accents
#: and their plain twins, two and three words, LIKE's wildcards and the escape
#: character, quotes, a phone number and some of its digits, a language name, no match.
TEXTS = [
    "",
    "a",
    "ås",
    "ase",
    "åse",
    "ÅSE",
    "berg",
    "ærø",
    "aero",
    "ola nor",
    "åse be",
    "ka se m",
    "50%",
    "a_b",
    "x/y",
    'o"b',
    "o'b",
    "+47 912 34 567",
    "912",
    "34 5",
    "arabisk",
    "English",
    "zzzz",
]

NAMES = [
    ("Åse", "Berg"),
    ("Åse", "Ærø"),
    ("Kasem", "Aero"),
    ("Ola", "Nordmann"),
    ("Berit", "Åsen"),
    ("Per", "50% Berg"),
    ("Anna", "A_b"),
    ("Xi", "X/y"),
    ("Odd", 'O"brien'),
    ("Olav", "O'brien"),
    ("Karim", "Sem"),
    ("Laila", "Arabisk"),
]


def _fill(make: Any, centre: Any, shift: int) -> None:
    for i, (first, last) in enumerate(NAMES):
        make.person(
            centre,
            first_name=first,
            last_name=last,
            phone=f"+4791234{567 + shift + i:03d}" if i % 3 else f"+47{91234567 + shift + i}",
            language=("ar", "en", "nb")[i % 3],
            last_activity_at=utcnow() - timedelta(days=(i * 7 + shift) % 40),
        )


def _fresh(centre_id: int, f: PeopleFilter) -> list[int]:
    """The ids a statement built for this request alone finds, in order."""
    keys = people_query(centre_id, f, with_enrolments=False).with_only_columns(Person.id)
    return list(db.session.scalars(keys.limit(COUNT_CAP + 1)))


def _listed(centre_id: int, f: PeopleFilter) -> list[int]:
    return [p.id for p in people_page(centre_id, f, page=1, per_page=COUNT_CAP).items]


@pytest.mark.parametrize("sort", ["recent", "name"])
def test_a_statement_built_once_finds_what_a_fresh_one_finds(make: Any, sort: str) -> None:
    """Each text is searched in two centres after a text of its shape was searched in the
    other: a value kept from the statement's first use (a word, a centre) would show."""
    one, two = make.centre(), make.centre()
    _fill(make, one, 0)
    _fill(make, two, 20)
    search._KEYS.clear()
    filters: list[dict[str, Any]] = [
        {},
        {"language": "nb"},
        {"no_contact_weeks": 1},
        {"language": "ar", "no_contact_weeks": 2},
    ]
    for extra in filters:
        for text in TEXTS:
            for centre in (two, one, two):
                f = PeopleFilter(q=text, sort=sort, **extra)
                assert _listed(centre.id, f) == _fresh(centre.id, f), (text, extra, centre.id)
    assert search._KEYS  # the statements were kept


def test_the_keys_statement_is_built_once_per_shape(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = make.centre()
    _fill(make, centre, 0)
    search._KEYS.clear()
    built: list[Any] = []
    build = search._search_statement

    def counted(*args: Any) -> Any:
        built.append(args)
        return build(*args)

    monkeypatch.setattr(search, "_search_statement", counted)
    for text in ("berg", "sem", "aero", "nordmann"):  # one word of plain letters each
        people_page(centre.id, PeopleFilter(q=text), page=1, per_page=50)
    assert len(built) == 1
    people_page(centre.id, PeopleFilter(q="åsen"), page=1, per_page=50)  # another column
    people_page(centre.id, PeopleFilter(q="ola nor"), page=1, per_page=50)  # two words
    assert len(built) == 3


def test_an_enrolment_filter_is_built_for_the_request(make: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre, first_name="Åse", last_name="Berg")
    make.enrolment(person, activity)
    search._KEYS.clear()
    f = PeopleFilter(q="berg", activity_id=activity.id)
    assert _listed(centre.id, f) == _fresh(centre.id, f) == [person.id]
    assert not search._KEYS


def test_a_value_left_in_a_kept_statement_is_refused(make: Any) -> None:
    """A literal would be bound to the first search's value for every later search of
    the shape: building such a statement fails."""
    centre = make.centre()
    text = search.text_search(centre.id, "berg", db.session.get_bind().dialect.name)
    values = {**text.values}
    with pytest.raises(RuntimeError, match="holds values"):
        search._list_keys(text, (Person.language == "nb",), "recent", values)
    named = (Person.language == sa.bindparam("filter_language", "nb"),)
    search._list_keys(text, named, "recent", {**values, "filter_language": "nb"})


def test_later_pages_and_the_cap_are_kept(make: Any) -> None:
    """Page bounds are bound per request: page 2 of a kept statement, and the count up to
    the cap ("more than")."""
    centre = make.centre()
    for i in range(12):
        make.person(centre, first_name=f"Berg{i:02d}", last_name="Berg")
    search._KEYS.clear()
    f = PeopleFilter(q="berg")
    first = people_page(centre.id, f, page=1, per_page=5)
    second = people_page(centre.id, f, page=2, per_page=5)
    fresh = _fresh(centre.id, f)
    assert [p.id for p in first.items] + [p.id for p in second.items] == fresh[:10]
    assert (first.total, second.total, first.capped) == (12, 12, False)
    past = people_page(centre.id, f, page=9, per_page=5)
    assert (past.items, past.total) == ([], 12)


@pytest.mark.sqlite_only
def test_sqlite_reads_each_candidate_from_the_candidates_index(make: Any) -> None:
    """The keys statement's every column of a candidate is in
    ``ix_person_list_rows`` (planned ``INDEXED BY`` it: a covering search by
    centre and id), so no candidate's row is read from the table. Which index SQLite
    picks on a real database is its planner's (docs/performance.md)."""
    centre = make.centre()
    _fill(make, centre, 0)
    with count_statements() as counter:
        for text in ("berg", "åse be", "ola nor"):
            people_page(centre.id, PeopleFilter(q=text), page=1, per_page=50)
    keys = [(s, p) for s, p in counter.sent if s.startswith("SELECT person.id") and "MATCH" in s]
    assert len(keys) == 3
    for statement, parameters in keys:
        indexed = statement.replace(
            "FROM person ", f"FROM person INDEXED BY {person_trigram.CANDIDATE_INDEX} ", 1
        )
        plan = " / ".join(
            row[3]
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + indexed, parameters
            )
        )
        assert f"COVERING INDEX {person_trigram.CANDIDATE_INDEX} (centre_id=? AND id=?" in plan


def test_the_candidates_index_is_on_sqlite_only(app: Any) -> None:
    with db.engine.connect() as conn:
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("person")}
        expected = conn.dialect.name == "sqlite"
    assert (person_trigram.CANDIDATE_INDEX in indexes) is expected


@pytest.mark.sqlite_only
def test_sqlite_reads_the_page_people_from_indexes(make: Any) -> None:
    """The page's people and their badges are read by centre and id from
    ``ix_person_list_rows`` and by person from ``ix_enrolment_person_shown`` alone
    (planned ``INDEXED BY`` them: covering searches), so no shown person or enrolment
    is a page of its table (docs/performance.md). Asked of every page of the list:
    found by a kept keys statement, by one built for the request (an enrolment
    filter) and with no search."""
    centre = make.centre()
    _fill(make, centre, 0)
    activity = make.activity(centre)
    for person in db.session.scalars(sa.select(Person).where(Person.centre_id == centre.id)):
        make.enrolment(person, activity)
    with count_statements() as counter:
        for f in (PeopleFilter(q="berg"), PeopleFilter(), PeopleFilter(q="a", stage="heard")):
            people_page(centre.id, f, page=1, per_page=50)
    pages = [(s, p) for s, p in counter.sent if s.startswith("SELECT person.id, person.first_name")]
    assert len(pages) == 3
    for statement, parameters in pages:
        indexed = statement.replace(
            "FROM person ", f"FROM person INDEXED BY {person_trigram.CANDIDATE_INDEX} ", 1
        ).replace("JOIN enrolment ", "JOIN enrolment INDEXED BY ix_enrolment_person_shown ", 1)
        plan = " / ".join(
            row[3]
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + indexed, parameters
            )
        )
        assert f"COVERING INDEX {person_trigram.CANDIDATE_INDEX} (centre_id=? AND id=?)" in plan
        assert "COVERING INDEX ix_enrolment_person_shown (person_id=?)" in plan
