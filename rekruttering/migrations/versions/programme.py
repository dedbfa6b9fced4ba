"""programme: public activities, their texts per language, programme QR sources

Revision ID: programme
Revises: staff_accounts
Create Date: 2026-11-29 04:45:00

"""
from alembic import op
import sqlalchemy as sa
import rekruttering.models.types


revision = 'programme'
down_revision = 'staff_accounts'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: a batch rebuild of activity on SQLite would cascade-delete its rows.
    op.add_column('activity', sa.Column('is_public', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('activity_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=600), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_text_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_activity_text_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_text')),
    sa.UniqueConstraint('activity_id', 'language', name=op.f('uq_activity_text_activity_id_language'))
    )
    with op.batch_alter_table('activity_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_text_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_text_centre_id'), ['centre_id'], unique=False)

    op.create_table('programme_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('website', 'print', name='programmesourcekind', native_enum=False, create_constraint=False, length=20), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('created_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_programme_source_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_programme_source_source_id_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_source')),
    sa.UniqueConstraint('source_id', name=op.f('uq_programme_source_source_id'))
    )
    with op.batch_alter_table('programme_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_source_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('programme_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_source_centre_id'))
    op.drop_table('programme_source')

    with op.batch_alter_table('activity_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_text_centre_id'))
        batch_op.drop_index(batch_op.f('ix_activity_text_activity_id'))
    op.drop_table('activity_text')

    # drop_column on SQLite 3.35+ needs no table rebuild (no cascade through activity).
    op.drop_column('activity', 'is_public')
