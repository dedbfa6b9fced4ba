"""person trigram index: the substring search of names reads its matches, not the centre

Revision ID: person_trigram
Revises: report_snapshots
Create Date: 2026-11-29 11:45:00

PostgreSQL: the pg_trgm extension and a GIN index on person(search_key, search_plain).
SQLite (3.34 or later): an FTS5 table with the trigram tokenizer over the same keys and
the person's centre as a token "{7}" (its content is a view of person: no copy of
them) and three triggers that keep it current; filled here for the people already there.
See rekruttering/models/person_trigram.py.
"""
from alembic import op

revision = 'person_trigram'
down_revision = 'report_snapshots'
branch_labels = None
depends_on = None

# The statements as they were when this revision was written (models/person_trigram.py),
# copied so that the revision does the same thing whatever the code becomes.
SQLITE_UPGRADE = (
    "CREATE VIEW IF NOT EXISTS person_trigram_source AS SELECT id, "
    "'{' || centre_id || '}' AS centre, search_key, search_plain FROM person",
    "CREATE VIRTUAL TABLE IF NOT EXISTS person_trigram USING fts5("
    "centre, search_key, search_plain, content='person_trigram_source', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER IF NOT EXISTS person_trigram_insert AFTER INSERT ON person BEGIN "
    "INSERT INTO person_trigram(rowid, centre, search_key, search_plain) "
    "VALUES (new.id, '{' || new.centre_id || '}', new.search_key, new.search_plain); END",
    "CREATE TRIGGER IF NOT EXISTS person_trigram_delete AFTER DELETE ON person BEGIN "
    "INSERT INTO person_trigram(person_trigram, rowid, centre, search_key, search_plain) "
    "VALUES ('delete', old.id, '{' || old.centre_id || '}', old.search_key, old.search_plain); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS person_trigram_update "
    "AFTER UPDATE OF id, centre_id, search_key, search_plain ON person BEGIN "
    "INSERT INTO person_trigram(person_trigram, rowid, centre, search_key, search_plain) "
    "VALUES ('delete', old.id, '{' || old.centre_id || '}', old.search_key, old.search_plain); "
    "INSERT INTO person_trigram(rowid, centre, search_key, search_plain) "
    "VALUES (new.id, '{' || new.centre_id || '}', new.search_key, new.search_plain); END",
    # Every person already there.
    "INSERT INTO person_trigram(person_trigram) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS person_trigram_insert",
    "DROP TRIGGER IF EXISTS person_trigram_delete",
    "DROP TRIGGER IF EXISTS person_trigram_update",
    "DROP TABLE IF EXISTS person_trigram",
    "DROP VIEW IF EXISTS person_trigram_source",
)
POSTGRESQL_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_person_search_trgm ON person "
    "USING gin (search_key gin_trgm_ops, search_plain gin_trgm_ops)",
)
POSTGRESQL_DOWNGRADE = ("DROP INDEX IF EXISTS ix_person_search_trgm",)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_UPGRADE)
    elif dialect == 'postgresql':
        _run(POSTGRESQL_UPGRADE)


def downgrade():
    # The extension stays: other things may use it, and it holds no data.
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_DOWNGRADE)
    elif dialect == 'postgresql':
        _run(POSTGRESQL_DOWNGRADE)
