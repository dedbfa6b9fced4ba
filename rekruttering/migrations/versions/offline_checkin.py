"""offline check-in: the taps a door tablet sent, keyed by the tablet's own id

Revision ID: offline_checkin
Revises: channel_admin
Create Date: 2026-11-29 01:40:00

"""
from alembic import op
import sqlalchemy as sa
import rekruttering.models.types


# revision identifiers, used by Alembic.
revision = 'offline_checkin'
down_revision = 'channel_admin'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_tap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('tapped_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_offline_tap_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_offline_tap_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_offline_tap_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_offline_tap_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_tap')),
    sa.UniqueConstraint('centre_id', 'client_id', name=op.f('uq_offline_tap_centre_id_client_id'))
    )
    with op.batch_alter_table('offline_tap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_tap_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_tap_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_tap_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offline_tap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_tap_session_id'))
        batch_op.drop_index(batch_op.f('ix_offline_tap_person_id'))
        batch_op.drop_index(batch_op.f('ix_offline_tap_centre_id'))

    op.drop_table('offline_tap')
