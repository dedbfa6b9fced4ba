"""The trigram index of people's search keys: a substring search that reads the matches,
not every person of the centre.

The person search (people/search.py) finds "ase" in Kasem: a ``LIKE '%ase%'`` that no
B-tree can answer, so it scanned the centre's narrow search-key index (20,000 entries
at 100,000 people). A trigram index answers it from the three-letter pieces of the
typed word, on each database by its own means:

* **PostgreSQL**: the ``pg_trgm`` extension and a GIN index on ``person(centre_id,
  search_key, search_plain)`` (``btree_gin`` for the centre, ``gin_trgm_ops`` for the
  keys); the planner uses it for the same ``LIKE``, and with the centre's ``=`` a
  search reads the matches of its own centre only. Without the centre in the index
  (revision ``person_trigram``, until revision ``person_centre_trigram``) the index
  named every centre's matches and each was read from the table to be filtered out:
  at 100,000 people in 50 centres a common word read 1,989 rows to keep 364.
* **SQLite** (3.34 or later): an FTS5 table ``person_trigram`` with the ``trigram``
  tokenizer (case sensitive: the keys are folded already) over the keys and the
  person's centre as a token ("{7}": a search reads one centre's matches), holding no
  copy of them (its content is the view ``person_trigram_source`` of ``person``),
  kept current by three triggers on ``person``; beside it the index
  ``ix_person_list_rows`` of what the search reads of each candidate
  (``CANDIDATE_COLUMNS``) and what the people list shows of each person of its page
  (``ROW_COLUMNS``), so that a candidate and a shown person are each one entry of a
  small index, not a page of the table.

Both are kept by the database itself on every write of a person, whatever writes it
(the ORM, Core updates that anonymise, bulk inserts of the bench generator), so no
write path can forget them. Neither is a model: a virtual table and an operator-class
index are outside SQLAlchemy's metadata. They are created with the ``person`` table
(``create_all``), dropped before it, made for existing databases by the migration
``person_trigram``, and left alone by autogenerate (``outside_metadata``).

A migration that rebuilds ``person`` on SQLite (``batch_alter_table``) drops the
triggers with the old table: it must call ``create`` again (tests/test_migrations.py
checks the triggers at head).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rekruttering.models.people import Person

#: The FTS5 table (SQLite) and the GIN index (PostgreSQL).
TRIGRAM_TABLE = "person_trigram"
TRIGRAM_INDEX = "ix_person_centre_search_trgm"
#: SQLite: what the search reads of each candidate the FTS5 table names
#: (``CANDIDATE_COLUMNS``), then what the people list shows of its page's people
#: (``ROW_COLUMNS``), in an index of its own, the centre's people side by side.
CANDIDATE_INDEX = "ix_person_list_rows"
#: Its first form (revision ``trigram_candidates``), the candidates' columns alone:
#: dropped where it is made.
FORMER_CANDIDATE_INDEX = "ix_person_trigram_candidates"
#: The candidate's centre and id (the index's key: the search looks each candidate up
#: by both), whether it is merged or anonymised, and what confirms and orders it.
CANDIDATE_COLUMNS = (
    "centre_id",
    "id",
    "merged_into_id",
    "anonymised_at",
    "last_activity_at",
    "search_key",
    "search_plain",
)
#: What a row of the people list shows of the person besides the latest activity
#: (people/search.py ``_PAGE_PEOPLE``): a page's people are candidates the keys
#: statement has just read, so their entries are in pages already read.
ROW_COLUMNS = ("first_name", "last_name", "phone", "language")
#: A trigram index finds words of at least three letters; shorter ones are searched
#: the old way (the centre's search-key index).
MIN_LENGTH = 3
_TRIGGERS = ("person_trigram_insert", "person_trigram_delete", "person_trigram_update")

#: What the FTS5 table indexes: the keys and the person's centre as a token of its own
#: ("{7}"), so a search reads the matches of one centre, not of every centre.
TRIGRAM_SOURCE = "person_trigram_source"
_SQLITE_CREATE = (
    f"CREATE VIEW IF NOT EXISTS {TRIGRAM_SOURCE} AS SELECT id, "
    "'{' || centre_id || '}' AS centre, search_key, search_plain FROM person",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TRIGRAM_TABLE} USING fts5("
    f"centre, search_key, search_plain, content='{TRIGRAM_SOURCE}', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER IF NOT EXISTS person_trigram_insert AFTER INSERT ON person BEGIN "
    f"INSERT INTO {TRIGRAM_TABLE}(rowid, centre, search_key, search_plain) "
    "VALUES (new.id, '{' || new.centre_id || '}', new.search_key, new.search_plain); END",
    f"CREATE TRIGGER IF NOT EXISTS person_trigram_delete AFTER DELETE ON person BEGIN "
    f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, centre, search_key, search_plain) "
    "VALUES ('delete', old.id, '{' || old.centre_id || '}', old.search_key, old.search_plain); "
    "END",
    # Only when a key changes: the many updates of last_activity_at leave it alone.
    "CREATE TRIGGER IF NOT EXISTS person_trigram_update "
    "AFTER UPDATE OF id, centre_id, search_key, search_plain ON person BEGIN "
    f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, centre, search_key, search_plain) "
    "VALUES ('delete', old.id, '{' || old.centre_id || '}', old.search_key, old.search_plain); "
    f"INSERT INTO {TRIGRAM_TABLE}(rowid, centre, search_key, search_plain) "
    "VALUES (new.id, '{' || new.centre_id || '}', new.search_key, new.search_plain); END",
    # Without it each candidate was a lookup of its row in the table, where a centre's
    # people are spread among every centre's: a common word's first search read about
    # one table page per candidate (830 for 793 candidates at 100,000 people) from the
    # operating system; this index holds a centre's people together, in ~60-byte
    # entries. The page's people shown by the list were likewise a table page each
    # (38 of a first search's 132 reads at 100,000 people), so their columns are in
    # it too: ~100-byte entries (docs/performance.md). Not on PostgreSQL: there it
    # would offer the planner a scan of the centre's whole index instead of the GIN
    # index.
    f"DROP INDEX IF EXISTS {FORMER_CANDIDATE_INDEX}",
    f"CREATE INDEX IF NOT EXISTS {CANDIDATE_INDEX} ON person "
    f"({', '.join(CANDIDATE_COLUMNS + ROW_COLUMNS)})",
)
_POSTGRESQL_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # GIN operator classes for plain values (the centre's id): shipped with PostgreSQL,
    # trusted since 13, as pg_trgm (docs/operations.md).
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON person "
    "USING gin (centre_id, search_key gin_trgm_ops, search_plain gin_trgm_ops)",
)


def _exists(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        names = set(
            connection.scalars(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE name IN "
                    "('person_trigram', 'person_trigram_source', 'person_trigram_insert', "
                    f"'person_trigram_delete', 'person_trigram_update', '{CANDIDATE_INDEX}')"
                )
            )
        )
        return names == {TRIGRAM_TABLE, TRIGRAM_SOURCE, CANDIDATE_INDEX, *_TRIGGERS}
    if connection.dialect.name == "postgresql":
        return bool(connection.scalar(sa.text("SELECT to_regclass(:n)"), {"n": TRIGRAM_INDEX}))
    return True


def create(connection: Connection) -> None:
    """The index and what keeps it current (idempotent); it is filled by ``fill``."""
    statements = {"sqlite": _SQLITE_CREATE, "postgresql": _POSTGRESQL_CREATE}
    for statement in statements.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


def fill(connection: Connection) -> None:
    """Index every person there is (SQLite; PostgreSQL builds its index on creation)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('rebuild')"
        )


def ensure(connection: Connection) -> bool:
    """Create and fill the index if the database lacks it (a reused bench database);
    True when it was added."""
    if _exists(connection):
        return False
    filled = connection.dialect.name == "sqlite" and bool(
        connection.scalar(
            sa.text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": TRIGRAM_TABLE}
        )
    )
    create(connection)
    if not filled:  # a database with the table but not the candidates' index
        fill(connection)
    return True


def drop(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TRIGRAM_TABLE}")
        connection.exec_driver_sql(f"DROP VIEW IF EXISTS {TRIGRAM_SOURCE}")
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {CANDIDATE_INDEX}")
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {FORMER_CANDIDATE_INDEX}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def outside_metadata(name: str | None, type_: str) -> bool:
    """The index's objects, which autogenerate must neither drop nor report."""
    if type_ == "table":
        return bool(name) and (name == TRIGRAM_TABLE or str(name).startswith(TRIGRAM_TABLE + "_"))
    return type_ == "index" and name in (TRIGRAM_INDEX, CANDIDATE_INDEX, FORMER_CANDIDATE_INDEX)


def include_object(
    _object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's ``include_object``: everything but the trigram index's objects (the
    view is never reflected: autogenerate compares tables and indexes only)."""
    return not outside_metadata(name, type_)


def match_expression(centre_id: int, words: list[tuple[str, str]]) -> str | None:
    """The FTS5 query for the centre's people whose keys hold the typed name words
    ((column, word) each) of at least ``MIN_LENGTH`` letters, every one a quoted phrase
    (a substring for the trigram tokenizer); None when no word is long enough."""
    terms = [
        f'{column} : "{word.replace(chr(34), chr(34) * 2)}"'
        for column, word in words
        if len(word) >= MIN_LENGTH
    ]
    if not terms:
        return None
    return " AND ".join([f'centre : "{{{int(centre_id)}}}"', *terms])


def sqlite_matches(expression: str | sa.BindParameter[Any]) -> sa.Select[Any]:
    """The ids of the people whose keys hold every phrase of ``expression`` (SQLite): a
    ``match_expression``, or a bind parameter that holds one."""
    table = sa.table(TRIGRAM_TABLE, sa.column("rowid", sa.Integer))
    if isinstance(expression, str):
        expression = sa.bindparam("trigram_match", expression, unique=True)
    return sa.select(table.c.rowid).where(sa.literal_column(TRIGRAM_TABLE).op("MATCH")(expression))


@sa.event.listens_for(Person.__table__, "after_create")
def _created(_table: sa.Table, connection: Connection, **_kw: Any) -> None:
    create(connection)


@sa.event.listens_for(Person.__table__, "before_drop")
def _dropping(_table: sa.Table, connection: Connection, **_kw: Any) -> None:
    drop(connection)
