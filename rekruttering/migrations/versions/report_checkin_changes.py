"""report checkin changes: logged check-ins that stored funder figures fold in

Revision ID: report_checkin_changes
Revises: person_trigram
Create Date: 2026-11-29 14:30:00

A new table (empty: the listener fills it with each check-in made or undone) and a
nullable column on report_snapshot (NULL: the figures stored before cannot be folded,
and are computed again once, as before). See rekruttering/reports/funder_fold.py.
"""
from alembic import op
import sqlalchemy as sa

import rekruttering.models.types


revision = 'report_checkin_changes'
down_revision = 'person_trigram'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_checkin_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum('participant', 'volunteer', name='role', native_enum=False, length=20), nullable=False),
        sa.Column('delta', sa.SmallInteger(), nullable=False),
        sa.Column('created_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['centre_id'], ['centre.id'],
            name=op.f('fk_report_checkin_change_centre_id_centre'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['person_id'], ['person.id'],
            name=op.f('fk_report_checkin_change_person_id_person'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['session_id'], ['session.id'],
            name=op.f('fk_report_checkin_change_session_id_session'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_checkin_change')),
    )
    with op.batch_alter_table('report_checkin_change', schema=None) as batch_op:
        batch_op.create_index(
            'ix_report_checkin_change_counter', ['centre_id', 'month', 'version'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_report_checkin_change_person_id'), ['person_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_report_checkin_change_session_id'), ['session_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_report_checkin_change_created_at'), ['created_at'], unique=False
        )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('versions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_column('versions')
    with op.batch_alter_table('report_checkin_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_checkin_change_created_at'))
        batch_op.drop_index(batch_op.f('ix_report_checkin_change_session_id'))
        batch_op.drop_index(batch_op.f('ix_report_checkin_change_person_id'))
        batch_op.drop_index('ix_report_checkin_change_counter')
    op.drop_table('report_checkin_change')
