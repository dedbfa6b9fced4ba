"""trigram candidates: SQLite reads a search's candidates from an index, not the table

Revision ID: trigram_candidates
Revises: list_page_indexes
Create Date: 2026-11-30 01:00:00

SQLite only: ``ix_person_trigram_candidates`` on ``person (centre_id, id,
merged_into_id, anonymised_at, last_activity_at, search_key, search_plain)``, what the
people search reads of each candidate the FTS5 table names (models/person_trigram.py).
A centre's people are spread over the table among every centre's; in this index they
are side by side. Not on PostgreSQL, where the GIN index finds the matches.
"""

from alembic import op

revision = "trigram_candidates"
down_revision = "list_page_indexes"
branch_labels = None
depends_on = None

# The statement as it was when this revision was written (models/person_trigram.py),
# copied so that the revision does the same thing whatever the code becomes.
SQLITE_UPGRADE = (
    "CREATE INDEX IF NOT EXISTS ix_person_trigram_candidates ON person (centre_id, id, "
    "merged_into_id, anonymised_at, last_activity_at, search_key, search_plain)"
)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_person_trigram_candidates")
