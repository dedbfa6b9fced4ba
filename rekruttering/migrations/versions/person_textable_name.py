"""person textable name: the reminder picker's walk in name order

Revision ID: person_textable_name
Revises: referral_acted_on
Create Date: 2026-11-29 19:40:00

A partial index of the people the reminder picker may offer (active, with a phone),
in name order with the folded name key (reminders/picker_walk.py): a common word's
first matches are read from the index alone, not sorted out of every match.
"""

import sqlalchemy as sa
from alembic import op

revision = "person_textable_name"
down_revision = "referral_acted_on"
branch_labels = None
depends_on = None

TEXTABLE = "merged_into_id IS NULL AND anonymised_at IS NULL AND phone IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_person_centre_textable_name",
        "person",
        ["centre_id", "first_name", "last_name", "id", "search_key"],
        unique=False,
        sqlite_where=sa.text(TEXTABLE),
        postgresql_where=sa.text(TEXTABLE),
    )


def downgrade():
    op.drop_index("ix_person_centre_textable_name", table_name="person")
