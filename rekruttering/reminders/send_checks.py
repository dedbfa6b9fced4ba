"""The send-time checks of a reminder, as SQL conditions (one source for every statement
that writes or reads a reminder's hand-over).

``clear_to_send`` takes what the dispatcher expects of a reminder (its id, the number and
text read after the claim, the number's opt-out hash) as expressions: bound parameters
for one reminder (``dispatch._CLEAR_TO_SEND``), or the columns of a derived table for a
batch (``hand_over_many``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from rekruttering.models import Consent, ConsentPurpose, OptOut, Person, Reminder, ReminderState
from rekruttering.models import Session as SessionRow

R = Reminder.__table__
P = Person.__table__
S = SessionRow.__table__
C = Consent.__table__
O = OptOut.__table__  # noqa: E741 - the table's initial, as its neighbours

#: A reminder with its person and, outer, its session.
REMINDER_PERSON_SESSION = R.join(P, P.c.id == R.c.person_id).outerjoin(S, S.c.id == R.c.session_id)


def clear_to_send(
    reminder: Any, claimer: Any, lease_from: Any, body: Any, phone: Any, digest: Any, now: Any
) -> tuple[sa.ColumnElement[bool], ...]:
    """Every send-time check, as conditions on ``REMINDER_PERSON_SESSION``: the reminder
    is still ours (``claimer``), in ``sending``, claimed after ``lease_from`` (within our
    lease), with the text we read (``body``); its person still has the number we read
    (``phone``), is not anonymised, not opted out, not marked "not textable", the
    number (its hash ``digest``) is not on the opt-out list and SMS consent is active;
    its session (if any) is neither cancelled nor started at ``now``."""
    return (
        R.c.id == reminder,
        R.c.state == ReminderState.SENDING,
        R.c.claimed_by == claimer,
        R.c.claimed_at > lease_from,
        R.c.body == body,
        P.c.phone == phone,
        P.c.anonymised_at.is_(None),
        P.c.sms_opted_out_at.is_(None),
        sa.func.coalesce(P.c.phone_not_textable_reason, "") == "",
        ~sa.exists().where(O.c.phone_hash == digest),
        sa.exists().where(
            C.c.person_id == R.c.person_id,
            C.c.purpose == ConsentPurpose.SMS,
            C.c.withdrawn_at.is_(None),
        ),
        sa.or_(
            R.c.session_id.is_(None),
            sa.and_(sa.not_(S.c.cancelled), S.c.starts_at > now),
        ),
    )


#: The columns a reminder's guarded Message INSERT writes (its id, where given, aside).
MESSAGE_COLUMNS = (
    "centre_id",
    "person_id",
    "direction",
    "to_number",
    "body",
    "gateway",
    "status",
    "segments",
    "from_number",
    "created_at",
    "updated_at",
)
