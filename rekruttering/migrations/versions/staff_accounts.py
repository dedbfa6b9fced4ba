"""staff accounts: revocable sessions, installation admin, door tablets, link purposes, mail

Revision ID: staff_accounts
Revises: privacy_trust
Create Date: 2026-11-29 01:30:00

"""
from alembic import op
import sqlalchemy as sa
import rekruttering.models.types


revision = 'staff_accounts'
down_revision = 'privacy_trust'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy of the table): on SQLite a batch rebuild drops
    # user_account, and ON DELETE CASCADE would take memberships and links with it.
    op.add_column('user_account', sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    op.add_column('user_account', sa.Column('is_installation_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user_account', sa.Column('is_device', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user_account', sa.Column('last_seen_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('invitation', sa.Column('purpose', sa.Enum('invite', 'reset', 'device', name='linkpurpose', native_enum=False, length=20), server_default='invite', nullable=False))

    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('created_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_mail_message_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_mail_message_centre_id'))
    op.drop_table('mail_message')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('purpose')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('is_device')
        batch_op.drop_column('is_installation_admin')
        batch_op.drop_column('session_generation')
