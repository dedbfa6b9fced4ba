"""closed periods: days the whole centre is closed (Christmas, summer), no sessions made

Revision ID: closed_periods
Revises: programme
Create Date: 2026-11-29 04:50:00

"""
from alembic import op
import sqlalchemy as sa
import rekruttering.models.types


# revision identifiers, used by Alembic.
revision = 'closed_periods'
down_revision = 'programme'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closed_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('created_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_closed_period_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_period'))
    )
    with op.batch_alter_table('closed_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closed_period_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('closed_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closed_period_centre_id'))

    op.drop_table('closed_period')
