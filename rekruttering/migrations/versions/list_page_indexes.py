"""list page indexes: the check-in list and the follow-up queue read indexes, not rows

Revision ID: list_page_indexes
Revises: person_textable_name
Create Date: 2026-11-29 22:00:00

* ``ix_enrolment_activity_stage_person``: the people expected at an activity's session
  (asked or further) read from the index alone, not from every enrolment's row.
* ``ix_enrolment_activity_refusal``: the few of those who said no or not now.
* ``ix_contact_person_open_follow_up``: whether a person has a follow-up date still
  open, one entry of a small index instead of every contact of the person.
"""

import sqlalchemy as sa
from alembic import op

revision = "list_page_indexes"
down_revision = "person_textable_name"
branch_labels = None
depends_on = None

OPEN_FOLLOW_UP = "follow_up_done_at IS NULL AND follow_up_on IS NOT NULL"
REFUSAL = "declined_at IS NOT NULL OR not_now_at IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_enrolment_activity_stage_person",
        "enrolment",
        ["activity_id", "stage", "person_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_enrolment_activity_refusal",
        "enrolment",
        ["activity_id", "stage"],
        unique=False,
        sqlite_where=sa.text(REFUSAL),
        postgresql_where=sa.text(REFUSAL),
    )
    op.create_index(
        "ix_contact_person_open_follow_up",
        "contact",
        ["person_id", "follow_up_on"],
        unique=False,
        sqlite_where=sa.text(OPEN_FOLLOW_UP),
        postgresql_where=sa.text(OPEN_FOLLOW_UP),
    )


def downgrade():
    op.drop_index("ix_contact_person_open_follow_up", table_name="contact")
    op.drop_index("ix_enrolment_activity_refusal", table_name="enrolment")
    op.drop_index("ix_enrolment_activity_stage_person", table_name="enrolment")
