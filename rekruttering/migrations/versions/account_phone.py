"""account phone: a staff member's own mobile, for "send a test to myself"

Revision ID: account_phone
Revises: perf_indexes
Create Date: 2026-11-29 05:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'account_phone'
down_revision = 'perf_indexes'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): a batch rebuild of user_account on SQLite would
    # cascade-delete memberships and links (see staff_accounts).
    op.add_column('user_account', sa.Column('phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone')
