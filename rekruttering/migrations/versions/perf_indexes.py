"""perf indexes: the follow-up queue's sections in index order, the language filter

Revision ID: perf_indexes
Revises: person_search_key
Create Date: 2026-11-29 05:00:00

"""
from alembic import op


revision = 'perf_indexes'
down_revision = 'person_search_key'
branch_labels = None
depends_on = None


def upgrade():
    # The follow-up queue reads its sections the oldest first and stops after a page
    # of rows (docs/performance.md); the language filter seeks each language once.
    op.create_index('ix_enrolment_centre_stage_heard', 'enrolment', ['centre_id', 'stage', 'heard_at', 'id'], unique=False)
    op.create_index('ix_enrolment_centre_stage_asked', 'enrolment', ['centre_id', 'stage', 'asked_at', 'id'], unique=False)
    op.create_index('ix_person_centre_language', 'person', ['centre_id', 'language'], unique=False)


def downgrade():
    op.drop_index('ix_person_centre_language', table_name='person')
    op.drop_index('ix_enrolment_centre_stage_asked', table_name='enrolment')
    op.drop_index('ix_enrolment_centre_stage_heard', table_name='enrolment')
