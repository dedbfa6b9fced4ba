"""partners per centre link, link requests, held records (issue 12, items 1 and 2)

Partner names are no longer unique (each centre adds its own organisation); the name
and kind a centre gives a partner live on its link; invitations remember the centre
that issued them; a centre asks a partner to work with it through a request the
partner accepts; a person record held for staff to confirm may share a phone.

Revision ID: partner_trust
Revises: 0002
Create Date: 2026-11-29 01:40:00

"""
from alembic import op
import sqlalchemy as sa
import rekruttering.models.types


# revision identifiers, used by Alembic.
revision = 'partner_trust'
down_revision = '0002'
branch_labels = None
depends_on = None

PARTNER_KINDS = ('kindergarten', 'school', 'nav', 'refugee_service', 'municipal', 'other')


def _kind() -> sa.Enum:
    return sa.Enum(*PARTNER_KINDS, name='partnerkind', native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_constraint('uq_partner_name', type_='unique')

    with op.batch_alter_table('partner_centre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('kind', _kind(), nullable=True))
    op.execute(
        "UPDATE partner_centre SET "
        "name = (SELECT partner.name FROM partner WHERE partner.id = partner_centre.partner_id), "
        "kind = (SELECT partner.kind FROM partner WHERE partner.id = partner_centre.partner_id)"
    )
    with op.batch_alter_table('partner_centre', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=120), nullable=False)
        batch_op.alter_column('kind', existing_type=_kind(), nullable=False)

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centre_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitation_centre_id'), ['centre_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_invitation_centre_id_centre'), 'centre', ['centre_id'], ['id'],
            ondelete='CASCADE',
        )

    op.create_table('partner_link_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', _kind(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decided_at', rekruttering.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_partner_link_request_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_partner_link_request_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_link_request_partner_id_partner'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_link_request'))
    )
    with op.batch_alter_table('partner_link_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_link_request_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_link_request_email'), ['email'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_match_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_person_held_match_id'), ['held_match_id'], unique=False)
        batch_op.drop_constraint('uq_person_centre_id_phone', type_='unique')
        batch_op.create_index(
            'uq_person_centre_phone', ['centre_id', 'phone'], unique=True,
            sqlite_where=sa.text('held_match_id IS NULL'),
            postgresql_where=sa.text('held_match_id IS NULL'),
        )


def downgrade():
    # Held records share a phone with the person they may be: they lose it here.
    op.execute("UPDATE person SET phone = NULL WHERE held_match_id IS NOT NULL")
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('uq_person_centre_phone')
        batch_op.create_unique_constraint('uq_person_centre_id_phone', ['centre_id', 'phone'])
        batch_op.drop_index(batch_op.f('ix_person_held_match_id'))
        batch_op.drop_column('held_match_id')

    with op.batch_alter_table('partner_link_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_link_request_email'))
        batch_op.drop_index(batch_op.f('ix_partner_link_request_centre_id'))
    op.drop_table('partner_link_request')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_centre_id_centre'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_centre_id'))
        batch_op.drop_column('centre_id')

    with op.batch_alter_table('partner_centre', schema=None) as batch_op:
        batch_op.drop_column('kind')
        batch_op.drop_column('name')

    # Names were per centre; the unique constraint needs them unique again.
    op.execute(
        "UPDATE partner SET name = name || ' (' || id || ')' WHERE id NOT IN "
        "(SELECT MIN(id) FROM partner GROUP BY lower(name))"
    )
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_partner_name', ['name'])
