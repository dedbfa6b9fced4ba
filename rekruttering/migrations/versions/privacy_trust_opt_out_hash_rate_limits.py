"""Opt-out list as keyed hashes; rate-limit counters in the database

The opt-out list keeps HMAC-SHA256(key, number) instead of the number (key: [privacy]
opt_out_key / $REKRUTTERING_OPTOUT_KEY, else derived from app.secret_key; see
rekruttering/sms/number_hash.py). Existing rows are converted, so STOP is still
honoured. Downgrading cannot give the numbers back: it empties the list (the people
keep ``sms_opted_out_at``, which sending checks too).

Revision ID: privacy_trust
Revises: offline_checkin
Create Date: 2026-11-29 02:10:00
"""

import sqlalchemy as sa
from alembic import op

import rekruttering.models.types

revision = "privacy_trust"
down_revision = "offline_checkin"
branch_labels = None
depends_on = None


def _key() -> bytes:
    from flask import current_app

    from rekruttering.sms.number_hash import opt_out_key

    settings = current_app.extensions["rekruttering.settings"]
    return opt_out_key(settings["privacy.opt_out_key"], current_app.config["SECRET_KEY"])


def upgrade():
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "expires_at", rekruttering.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counter_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, phone FROM opt_out")).all()
    if rows:
        from rekruttering.sms.number_hash import number_hash

        key = _key()
        for row in rows:
            bind.execute(
                sa.text("UPDATE opt_out SET phone_hash = :h WHERE id = :id"),
                {"h": number_hash(row.phone, key), "id": row.id},
            )
    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.alter_column("phone_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_opt_out_phone"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_opt_out_phone_hash"), ["phone_hash"])
        batch_op.drop_column("phone")


def downgrade():
    op.execute(sa.text("DELETE FROM opt_out"))
    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_opt_out_phone_hash"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_opt_out_phone"), ["phone"])
        batch_op.drop_column("phone_hash")

    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counter_expires_at"))
    op.drop_table("rate_limit_counter")
