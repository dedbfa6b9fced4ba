"""The trigram index of names (models/person_trigram.py): the person search finds
exactly what the plain substring search found, and every write of a person keeps the
index current, on SQLite (an FTS5 table kept by triggers) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekruttering.domain.clock import utcnow
from rekruttering.domain.search_text import words
from rekruttering.extensions import db
from rekruttering.imports.reading import detect_format
from rekruttering.imports.service import run_import
from rekruttering.models import Person, person_trigram
from rekruttering.people.search import PeopleFilter, people_page, search_people
from rekruttering.people.service import PersonChanges, create_person, merge_people, update_person
from rekruttering.privacy.anonymise import erase_person
from rekruttering.privacy.retention import anonymise_due
from rekruttering.transaction import transaction
from tests.postgresql_plans import plan_with_only
from tests.statement_counter import count_statements
from tests.test_import import GOOD_ROWS, HEADER, MAPPING, TODAY

#: Letters that make trigrams collide and differ: accents, their plain twins, LIKE's
#: wildcards, FTS5's quote, a space between words.
NAME_LETTERS = "aseksåæøéAÅEKS%_\"'"
names = st.text(alphabet=NAME_LETTERS + " ", min_size=1, max_size=10).filter(str.strip)
typed = st.text(alphabet=NAME_LETTERS + " ", min_size=1, max_size=6).filter(str.strip)


def _ids(centre_id: int, text: str) -> list[int]:
    return list(
        db.session.scalars(search_people(centre_id, text, limit=None).with_only_columns(Person.id))
    )


@contextmanager
def _without_trigrams(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The search as it was before the index: every word a LIKE on the centre's keys
    (on PostgreSQL the GIN index cannot be used: it answers bitmap scans only)."""
    with monkeypatch.context() as m:
        m.setattr(person_trigram, "match_expression", lambda _centre, _words: None)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        yield
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text("SET LOCAL enable_bitmapscan = on"))


@contextmanager
def _through_the_index() -> Iterator[None]:
    """PostgreSQL: no scan but through an index's bitmap (the GIN index for a LIKE)."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexonlyscan = off"))
    try:
        yield
    finally:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            db.session.execute(sa.text(f"SET LOCAL {setting} = on"))


def _indexed(word: str) -> set[int]:
    """Whom the trigram index itself finds for ``word`` (at least three letters) in
    the plain key, every centre; the database read through the index only."""
    if db.session.get_bind().dialect.name == "sqlite":
        expression = f'search_plain : "{word}"'
        return set(db.session.scalars(person_trigram.sqlite_matches(expression)))
    statement = sa.text("SELECT id FROM person WHERE search_plain LIKE :p")
    with _through_the_index():
        plan = "\n".join(
            db.session.scalars(sa.text("EXPLAIN " + statement.text), {"p": f"%{word}%"})
        )
        assert person_trigram.TRIGRAM_INDEX in plan, plan
        return set(db.session.scalars(statement, {"p": f"%{word}%"}))


def assert_index_current() -> None:
    """The index holds every person's keys as they are now."""
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        # FTS5 compares the index with the person table itself.
        db.session.execute(
            sa.text(
                "INSERT INTO person_trigram(person_trigram, rank) VALUES ('integrity-check', 1)"
            )
        )
    people = db.session.execute(sa.select(Person.id, Person.search_plain)).all()
    trigrams = {plain_key[i : i + 3] for _, plain_key in people for i in range(len(plain_key) - 2)}
    for trigram in sorted(t for t in trigrams if " " not in t)[:40]:
        expected = {pid for pid, plain_key in people if trigram in plain_key}
        assert _indexed(trigram) == expected, trigram


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(st.tuples(names, names), min_size=1, max_size=8),
    queries=st.lists(typed, min_size=1, max_size=5),
)
def test_the_index_finds_what_the_substring_search_found(
    app: Any,
    make: Any,
    monkeypatch: pytest.MonkeyPatch,
    people: list[tuple[str, str]],
    queries: list[str],
) -> None:
    """Generated names and searches: the same people in the same order with the trigram
    index as with the LIKE of every word on the centre's keys (before this index)."""
    centre = make.centre()
    for first, last in people:
        make.person(centre, first_name=first, last_name=last)
    db.session.commit()
    for text in queries:
        found = _ids(centre.id, text)
        with _without_trigrams(monkeypatch):
            before = _ids(centre.id, text)
        assert found == before, (text, people)
        # ... and that is the substring search of the typed words it always was.
        keys = {
            p.id: (p.search_key, p.search_plain)
            for p in db.session.scalars(sa.select(Person).where(Person.centre_id == centre.id))
        }
        typed_words = words(text)
        expected = {
            pid
            for pid, (key, plain_key) in keys.items()
            if all((p in plain_key) if f == p else (f in key) for f, p in typed_words)
        }
        assert set(found) == expected


@pytest.mark.parametrize("text", ["ase", "kåse", "as", "a", "ase ber", "berg", "%_a", 'a"s'])
def test_short_words_and_odd_letters_find_the_same(
    make: Any, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    centre = make.centre()
    for first, last in [("Kasem", "Ali"), ("Åse", "Berg"), ("Kåse", "Bergås"), ("%_as", 'a"sa')]:
        make.person(centre, first_name=first, last_name=last)
    db.session.commit()
    found = _ids(centre.id, text)
    statement = str(search_people(centre.id, text).compile(db.session.get_bind()))
    long_word = any(len(p if f == p else f) >= 3 for f, p in words(text))
    assert ("MATCH" in statement) == (long_word and db.session.get_bind().dialect.name == "sqlite")
    with _without_trigrams(monkeypatch):
        assert found == _ids(centre.id, text)


def test_create_edit_merge_erase_and_retention_keep_the_index(make: Any) -> None:
    centre = make.centre()
    with transaction():
        kasem = create_person(centre.id, "Kasem", "Ali", phone="+4791234567")
        asle = create_person(centre.id, "Asle", "Åsen")
        other = create_person(centre.id, "Kåre", "Berg")
    assert_index_current()
    assert _indexed("asem") == {kasem.id}
    with transaction():
        update_person(centre.id, kasem.id, PersonChanges(first_name="Hassan", last_name="Ali"))
    assert_index_current()
    assert _indexed("asem") == set()
    assert _indexed("assa") == {kasem.id}
    with transaction():
        merge_people(centre.id, kasem.id, other.id)
    assert_index_current()
    with transaction():
        erase_person(centre.id, asle.id, "asked_in_person")
    assert _indexed("sle") == set()
    assert_index_current()
    # Retention: Hassan's last activity long ago, so he is anonymised.
    with transaction():
        db.session.execute(
            sa.update(Person)
            .where(Person.id == kasem.id)
            .values(last_activity_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    with transaction():
        anonymise_due(utcnow(), 12, centre.id)
    assert _indexed("assa") == set()
    assert_index_current()


def test_import_keeps_the_index(make: Any, tmp_path: Path) -> None:
    centre = make.centre()
    make.activity(centre, name="Språkkafe")
    make.activity(centre, name="Mat og prat")
    make.channel(centre, name="Facebook")
    path = tmp_path / "people.csv"
    path.write_bytes((HEADER + GOOD_ROWS).encode())
    with transaction():
        run_import(
            centre.id, path, detect_format(path, "x.csv"), MAPPING, by_user_id=None, today=TODAY
        )
    assert_index_current()
    amina = db.session.scalar(sa.select(Person.id).where(Person.first_name == "Amina"))
    assert _indexed("ahim") == {amina}


def test_demo_people_are_indexed(app: Any, demo_installation: None) -> None:
    """The demo's people, copied in as rows (tests/demo_snapshot.py), are all indexed."""
    assert_index_current()


@pytest.mark.postgres_only
def test_postgresql_reads_one_centres_matches_from_the_index(make: Any) -> None:
    """The people list's keys statement (a word of three letters or more) can be served
    by the trigram index with the centre as one of its conditions: the index names
    this centre's matches, not every centre's to be read and filtered out (revision
    person_centre_trigram). Asked with the index the only one of ``person``."""
    centre = make.centre()
    other = make.centre()
    make.person(centre, first_name="Kasem", last_name="Haugen")
    make.person(other, first_name="Kasim", last_name="Haugland")
    db.session.commit()
    with count_statements() as counter:
        page = people_page(centre.id, PeopleFilter(q="haug"), 1, 50)
    db.session.rollback()
    assert [p.first_name for p in page.items] == ["Kasem"]
    (keys,) = [(s, p) for s, p in counter.sent if s.startswith("SELECT person.id \nFROM person")]
    plan = plan_with_only(*keys, "person", person_trigram.TRIGRAM_INDEX)
    scan = next(line for line in plan.splitlines() if "Index Scan on" in line)
    assert person_trigram.TRIGRAM_INDEX in scan, plan
    condition = plan.splitlines()[plan.splitlines().index(scan) + 1]
    assert "Index Cond:" in condition and "centre_id =" in condition, plan
