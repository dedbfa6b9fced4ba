"""person centre trigram: PostgreSQL's trigram index holds the person's centre too

Revision ID: person_centre_trigram
Revises: trigram_candidates
Create Date: 2026-11-30 01:40:00

PostgreSQL only: the GIN index of the search keys (revision ``person_trigram``) becomes
``ix_person_centre_search_trgm`` on ``person (centre_id, search_key, search_plain)``,
with the ``btree_gin`` extension for the centre's column. A search (always within one
centre) then reads its own centre's matches; the old index named every centre's, each
read from the table only to be filtered out (at 100,000 people in 50 centres a common
word read 1,989 rows to keep 364). A GIN index serves any of its columns alone, so a
search by key without a centre uses it as before. SQLite is unchanged (its FTS5 table
holds the centre as a token). See rekruttering/models/person_trigram.py.
"""

from alembic import op

revision = "person_centre_trigram"
down_revision = "trigram_candidates"
branch_labels = None
depends_on = None

# The statements as they were when this revision was written (models/person_trigram.py),
# copied so that the revision does the same thing whatever the code becomes.
POSTGRESQL_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS ix_person_centre_search_trgm ON person "
    "USING gin (centre_id, search_key gin_trgm_ops, search_plain gin_trgm_ops)",
    "DROP INDEX IF EXISTS ix_person_search_trgm",
)
POSTGRESQL_DOWNGRADE = (
    "CREATE INDEX IF NOT EXISTS ix_person_search_trgm ON person "
    "USING gin (search_key gin_trgm_ops, search_plain gin_trgm_ops)",
    "DROP INDEX IF EXISTS ix_person_centre_search_trgm",
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_UPGRADE)


def downgrade():
    # The extension stays: other things may use it, and it holds no data.
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_DOWNGRADE)
