"""people list rows: the list's page of people read from indexes, not table pages

Revision ID: people_list_rows
Revises: person_centre_trigram
Create Date: 2026-11-30 02:00:00

* SQLite only: ``ix_person_list_rows`` on ``person (centre_id, id, merged_into_id,
  anonymised_at, last_activity_at, search_key, search_plain, first_name, last_name,
  phone, language)`` replaces ``ix_person_trigram_candidates`` (the same columns but
  the last four): what the search reads of each candidate and what the list shows of
  each person of its page (models/person_trigram.py).
* ``ix_enrolment_person_shown`` on ``enrolment (person_id, activity_id, role, stage)``:
  the badges of the page's people read from the index alone.

An index made in a SQLite database that has planner statistics gets its own (``ANALYZE``
of the index): SQLite weighs an index without statistics against others with them, and
chose the unique key (and the table) over the enrolment index.
"""

import sqlalchemy as sa
from alembic import op

revision = "people_list_rows"
down_revision = "person_centre_trigram"
branch_labels = None
depends_on = None

# The statements as they were when this revision was written (models/person_trigram.py),
# copied so that the revision does the same thing whatever the code becomes.
SQLITE_UPGRADE = (
    "DROP INDEX IF EXISTS ix_person_trigram_candidates",
    "CREATE INDEX IF NOT EXISTS ix_person_list_rows ON person (centre_id, id, "
    "merged_into_id, anonymised_at, last_activity_at, search_key, search_plain, "
    "first_name, last_name, phone, language)",
)
SQLITE_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_person_list_rows",
    "CREATE INDEX IF NOT EXISTS ix_person_trigram_candidates ON person (centre_id, id, "
    "merged_into_id, anonymised_at, last_activity_at, search_key, search_plain)",
)


def _has_statistics(bind) -> bool:
    return bool(
        bind.scalar(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
    )


def upgrade():
    bind = op.get_bind()
    op.create_index(
        "ix_enrolment_person_shown",
        "enrolment",
        ["person_id", "activity_id", "role", "stage"],
        unique=False,
    )
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
        if _has_statistics(bind):
            op.execute("ANALYZE ix_person_list_rows")
            op.execute("ANALYZE ix_enrolment_person_shown")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    op.drop_index("ix_enrolment_person_shown", table_name="enrolment")
