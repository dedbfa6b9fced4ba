"""Answers to "are you coming?": JA/NEI (YES/NO) replies to a session's reminders.

An inbound reply is filed on the latest reminder sent to that person, in ``Reminder.rsvp``
("yes"/"no") and ``Reminder.rsvp_at``; a later reply overwrites an earlier one, so the
latest answer wins.
"""

from __future__ import annotations

import sqlalchemy as sa

from rekruttering.extensions import db
from rekruttering.models import Reminder


def answers_for_session(session_id: int) -> dict[int, str]:
    """person_id -> "yes" / "no": each person's latest reply to a reminder for the session.

    The caller has already loaded the session through the tenancy helpers, so the
    reminders belong to the same centre. People who did not answer are absent.
    """
    rows = db.session.execute(
        sa.select(Reminder.person_id, Reminder.rsvp)
        .where(Reminder.session_id == session_id, Reminder.rsvp.is_not(None))
        .order_by(Reminder.rsvp_at, Reminder.id)
    ).all()
    answers: dict[int, str] = {}
    for person_id, rsvp in rows:
        answers[person_id] = rsvp  # ordered by time: the latest answer wins
    return answers
