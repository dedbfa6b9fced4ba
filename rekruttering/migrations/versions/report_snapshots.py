"""report snapshots: stored report figures and the change counters that date them

Revision ID: report_snapshots
Revises: account_phone
Create Date: 2026-11-29 09:10:00

Both tables start empty: the figures are computed and stored by the first request for
a report (or by ``flask reports warm``), so an existing installation needs nothing else.
"""
from alembic import op
import sqlalchemy as sa

import rekruttering.models.types


revision = 'report_snapshots'
down_revision = 'account_phone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_change',
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('centre_id', 'topic', 'month', name=op.f('pk_report_change')),
    )
    op.create_table(
        'report_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=200), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('held_until', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('computed_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['centre_id'], ['centre.id'],
            name=op.f('fk_report_snapshot_centre_id_centre'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot')),
        sa.UniqueConstraint('kind', 'centre_id', 'period', name=op.f('uq_report_snapshot_kind_centre_id_period')),
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_snapshot_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_snapshot_centre_id'))
    op.drop_table('report_snapshot')
    op.drop_table('report_change')
