"""Channels an admin manages (a case-folded name key, a note, merged channels) and
each centre's own settings.

Revision ID: channel_admin
Revises: partner_trust
"""

import unicodedata
import re

import sqlalchemy as sa
from alembic import op

import rekruttering.models.types

revision = "channel_admin"
down_revision = "partner_trust"
branch_labels = None
depends_on = None

_SPACES = re.compile(r"\s+")


def _key(name: str) -> str:
    # The same folding as rekruttering.domain.text.name_key, frozen here: a migration
    # must not change when the app's code does.
    text = _SPACES.sub(" ", name or "").strip()
    return unicodedata.normalize("NFKC", text).casefold()[:120]


def upgrade():
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_channel_merged_into_id_channel"),
            "channel",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Fill the key; names that differ only in letter case (allowed until now) get a
    # number so every centre's keys are unique.
    conn = op.get_bind()
    channel = sa.table(
        "channel",
        sa.column("id", sa.Integer),
        sa.column("centre_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    taken: set[tuple[int, str]] = set()
    rows = conn.execute(
        sa.select(channel.c.id, channel.c.centre_id, channel.c.name).order_by(channel.c.id)
    ).all()
    for row_id, centre_id, name in rows:
        new_name, n = name, 2
        while (centre_id, _key(new_name)) in taken:
            new_name, n = f"{name[:110]} ({n})", n + 1
        taken.add((centre_id, _key(new_name)))
        conn.execute(
            channel.update()
            .where(channel.c.id == row_id)
            .values(name=new_name, name_key=_key(new_name))
        )

    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_constraint("uq_channel_centre_id_name", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_channel_centre_id_name_key"), ["centre_id", "name_key"]
        )

    op.create_table(
        "centre_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("wished_volunteer_ratio", sa.Float(), nullable=True),
        sa.Column("reminder_days_before", sa.Integer(), nullable=False),
        sa.Column("reminder_time", sa.Time(), nullable=False),
        sa.Column("sms_signature", sa.String(length=40), nullable=False),
        sa.Column("reminder_languages", sa.String(length=200), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("privacy_notice", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", rekruttering.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centre.id"],
            name=op.f("fk_centre_settings_centre_id_centre"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centre_settings")),
        sa.UniqueConstraint("centre_id", name=op.f("uq_centre_settings_centre_id")),
    )
    with op.batch_alter_table("centre_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_centre_settings_centre_id"), ["centre_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("centre_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centre_settings_centre_id"))
    op.drop_table("centre_settings")

    # Merged channels hold nothing any more; their names may clash with the old
    # case-sensitive constraint's rows only if identical, so drop them first.
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM channel WHERE merged_into_id IS NOT NULL"))
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_constraint("uq_channel_centre_id_name_key", type_="unique")
        batch_op.create_unique_constraint("uq_channel_centre_id_name", ["centre_id", "name"])
        batch_op.drop_constraint("fk_channel_merged_into_id_channel", type_="foreignkey")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("note")
        batch_op.drop_column("name_key")
