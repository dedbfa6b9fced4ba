"""What the outbox shows before anything is sent: the reminders waiting for their time."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from rekruttering.extensions import db
from rekruttering.models import Reminder, ReminderState, Session

#: How many scheduled reminders the outbox lists (the soonest first).
SCHEDULED_LIMIT = 50


def scheduled_reminders(centre_id: int, limit: int = SCHEDULED_LIMIT) -> tuple[list[Reminder], int]:
    """The centre's reminders still waiting to be sent (soonest first), and how many in all."""
    where = (
        Reminder.centre_id == centre_id,
        Reminder.state.in_((ReminderState.PENDING, ReminderState.SENDING)),
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(*where)) or 0
    rows = db.session.scalars(
        sa.select(Reminder)
        .where(*where)
        .options(
            joinedload(Reminder.person),
            joinedload(Reminder.session).joinedload(Session.activity),
        )
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    ).all()
    return list(rows), total
