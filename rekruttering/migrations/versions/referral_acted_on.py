"""referral acted on: the follow-up queue reads the referrals nobody has acted on

Revision ID: referral_acted_on
Revises: report_checkin_changes
Create Date: 2026-11-29 15:00:00

referral.acted_on, stored by rekruttering/funnel/referral_acted_on.py with every change
the rule reads (funnel/referral_status.py: newly_referred_condition), and a partial
index of a centre's referrals not acted on, oldest first. Filled here by the rule as it
was when this revision was written (copied as SQL, so that the revision does the same
thing whatever the code becomes).
"""

import sqlalchemy as sa
from alembic import op

revision = "referral_acted_on"
down_revision = "report_checkin_changes"
branch_labels = None
depends_on = None


def _contact_after(condition):
    intake = "(SELECT min(c0.id) FROM contact AS c0 WHERE c0.referral_id = referral.id)"
    return (
        "EXISTS (SELECT 1 FROM contact AS c WHERE c.person_id = referral.person_id"
        f" AND (c.occurred_at >= referral.created_at OR c.id > {intake})"
        f" AND c.id <> coalesce({intake}, -1) AND {condition})"
    )


ACTED_ON = " OR ".join(
    (
        "referral.status <> 'received'",
        # came
        "EXISTS (SELECT 1 FROM attendance AS a WHERE a.person_id = referral.person_id"
        " AND a.checked_in_at >= referral.created_at)",
        "EXISTS (SELECT 1 FROM enrolment AS e WHERE e.person_id = referral.person_id"
        " AND e.showed_up_at >= referral.created_at)",
        _contact_after("c.outcome = 'showed_up'"),
        # declined
        "EXISTS (SELECT 1 FROM enrolment AS e WHERE e.person_id = referral.person_id"
        " AND e.declined_at >= referral.created_at)",
        _contact_after("c.outcome = 'declined'"),
        # contacted by anyone but a partner
        _contact_after(
            "NOT EXISTS (SELECT 1 FROM user_account AS u WHERE u.id = c.by_user_id"
            " AND u.partner_id IS NOT NULL)"
        ),
    )
)
BACKFILL = f"UPDATE referral SET acted_on = CASE WHEN {ACTED_ON} THEN true ELSE false END"


def upgrade():
    # Plain ADD COLUMN (no batch copy): a batch rebuild of referral on SQLite would
    # set the contacts' referral_id to NULL (ON DELETE SET NULL).
    op.add_column(
        "referral",
        sa.Column("acted_on", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(BACKFILL)
    op.create_index(
        "ix_referral_centre_new",
        "referral",
        ["centre_id", "created_at", "id"],
        unique=False,
        sqlite_where=sa.text("acted_on = 0"),
        postgresql_where=sa.text("acted_on = false"),
    )


def downgrade():
    op.drop_index(
        "ix_referral_centre_new",
        table_name="referral",
        sqlite_where=sa.text("acted_on = 0"),
        postgresql_where=sa.text("acted_on = false"),
    )
    # SQLite 3.35+ drops a column in place (no batch rebuild, see upgrade).
    op.drop_column("referral", "acted_on")
