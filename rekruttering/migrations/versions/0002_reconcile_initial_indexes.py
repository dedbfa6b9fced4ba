"""Bring a database made by an earlier copy of 0001 to the released 0001's indexes.

Revision 0001 was regenerated in place while the project was young, adding and
dropping indexes. A database created before that reports revision 0001 and yet
lacks indexes the code relies on (deleting people scanned the person table per row
without ``ix_person_merged_into_id``). This revision makes every such database
match the released 0001, and does nothing on one that already does. From here on
every schema change is a revision of its own; tests/test_migrations.py fails when a
released revision file changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, index, columns) as the released 0001 creates them.
EXPECTED_INDEXES = [
    ("person", "ix_person_centre_first_name", ["centre_id", "first_name", "last_name", "id"]),
    ("person", "ix_person_centre_recent", ["centre_id", "last_activity_at", "id"]),
    ("person", "ix_person_merged_into_id", ["merged_into_id"]),
    ("contact", "ix_contact_referral_id", ["referral_id"]),
    ("reminder", "ix_reminder_message_id", ["message_id"]),
]
# Indexes an earlier 0001 made that the released one does not.
OBSOLETE_INDEXES = [("person", "ix_person_centre_name")]


def _indexes(table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade():
    for table, name in OBSOLETE_INDEXES:
        if name in _indexes(table):
            op.drop_index(name, table_name=table)
    for table, name, columns in EXPECTED_INDEXES:
        if name not in _indexes(table):
            op.create_index(name, table, columns, unique=False)


def downgrade():
    # Nothing to undo: the released 0001 already has exactly these indexes.
    pass
