"""The answers of a hand-over batch's accepted sends, recorded with two statements.

``dispatch`` records each accepted answer with two UPDATEs (the message, then the
reminder; one statement on PostgreSQL). For a batch of n answers the same two
UPDATEs are made once for all n, joined to the answers as a derived table (``UPDATE
... FROM``, on both databases): SQLAlchemy's work per statement and, on PostgreSQL,
the round trip are paid once a batch instead of once a reminder. The rules are those
of the single statements: a message moves on from ``pending`` only (a status
callback that came first has moved it already), and its reminder becomes sent (or
delivered) only if it is still ``sending`` and this message is still its latest;
the message first, then the reminder, the order the status webhook locks them in.
On PostgreSQL the two are one statement, the answers given as arrays
(``ACCEPTED_ONE_TRIP``); on SQLite each is compiled once for each number of answers
and run with the driver's parameters (``driver_sql``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from rekruttering.models import Message, Reminder, ReminderState
from rekruttering.reminders.array_rows import rows_of_arrays
from rekruttering.sms import message_status

_R = Reminder.__table__
_M = Message.__table__


#: A batch's answers, in the order each row gives them: each value's parameter name
#: (``answer<i>_<name>`` on SQLite, the array ``answers_<name>`` on PostgreSQL), its
#: column in the statements and its type.
_ANSWER_FIELDS: tuple[tuple[str, str, type[TypeEngine[Any]]], ...] = (
    ("message", "message_id", sa.Integer),
    ("reminder", "reminder_id", sa.Integer),
    ("status", "status", sa.String),
    ("sid", "sid", sa.String),
    ("from", "from_number", sa.String),
    ("state", "state", sa.String),
)
#: The columns of a batch's answers, in the order each row gives them.
ANSWER_COLUMNS = tuple(column for _, column, _ in _ANSWER_FIELDS)

#: An answer: (message id, reminder id, status, provider SID, sender, the reminder's
#: new state).
AnswerRow = tuple[int, int, str, str | None, str, str]


def _answers(n: int) -> sa.Subquery:
    """n answers as rows (message_id, reminder_id, status, sid, from_number, state),
    from the parameters ``answer0_message``, ``answer0_reminder``, ... ``answer{n-1}_state``."""
    rows = [
        sa.select(
            *(
                sa.bindparam(f"answer{i}_{name}", type_=kind).label(column)
                for name, column, kind in _ANSWER_FIELDS
            )
        )
        for i in range(n)
    ]
    return sa.union_all(*rows).subquery("answer")


def answers_numbered(rows: list[AnswerRow]) -> dict[str, Any]:
    """SQLite: the parameters of ``messages_moved(len(rows))`` and
    ``reminders_sent(len(rows))`` for these answers."""
    return {
        f"answer{i}_{name}": value
        for i, row in enumerate(rows)
        for (name, _, _), value in zip(_ANSWER_FIELDS, row, strict=True)
    }


def _messages_moved(answer: sa.Subquery) -> sa.Update:
    """The answered messages still ``pending`` move on, RETURNING their ids."""
    return (
        sa.update(_M)
        .where(_M.c.id == answer.c.message_id, _M.c.status == message_status.PENDING)
        .values(
            status=answer.c.status,
            provider_sid=sa.func.coalesce(_M.c.provider_sid, answer.c.sid),
            from_number=sa.func.coalesce(
                sa.func.nullif(answer.c.from_number, ""), _M.c.from_number
            ),
            updated_at=sa.bindparam("acc_updated", type_=_M.c.updated_at.type),
        )
        .returning(_M.c.id)
    )


def _reminders_sent(answer: sa.Subquery, moved: Any) -> sa.Update:
    """The reminders of the messages in ``moved`` become sent or delivered if still
    ``sending`` with that message, RETURNING their ids."""
    return (
        sa.update(_R)
        .where(
            _R.c.id == answer.c.reminder_id,
            _R.c.state == ReminderState.SENDING,
            _R.c.message_id == answer.c.message_id,
            answer.c.message_id.in_(moved),
        )
        .values(
            state=answer.c.state,
            last_error=None,
            claimed_at=None,
            claimed_by=None,
            updated_at=sa.bindparam("acc_updated", type_=_R.c.updated_at.type),
        )
        .returning(_R.c.id)
    )


@lru_cache(maxsize=128)
def messages_moved(n: int) -> sa.Update:
    """SQLite: n answers' messages still ``pending`` move on, RETURNING their ids
    (parameters: ``answers_numbered``). Built once per n."""
    return _messages_moved(_answers(n))


@lru_cache(maxsize=128)
def reminders_sent(n: int) -> sa.Update:
    """SQLite: the reminders of n answers whose messages are named by the parameters
    ``moved0`` ... ``moved{n-1}`` (``moved_numbered``: those that moved, the rest
    NULL, which no message id equals) become sent or delivered if still ``sending``
    with that message, RETURNING their ids. Built once per n; n parameters, not one
    expanding one, so that its SQL is the same at every execution (``driver_sql``)."""
    moved = [sa.bindparam(f"moved{i}", type_=sa.Integer) for i in range(n)]
    return _reminders_sent(_answers(n), moved)


def moved_numbered(n: int, moved: set[int]) -> dict[str, int | None]:
    """SQLite: the parameters ``moved0`` ... of ``reminders_sent(n)``: the ids of the
    messages that moved, then NULLs."""
    if len(moved) > n:
        raise ValueError(f"{len(moved)} messages moved for {n} answers")
    ids: list[int | None] = [*sorted(moved), *[None] * (n - len(moved))]
    return {f"moved{i}": ident for i, ident in enumerate(ids)}


def _answers_as_arrays() -> Any:
    """PostgreSQL: the answers as rows of the arrays ``answers_message``,
    ``answers_reminder``, ``answers_status``, ``answers_sid``, ``answers_from`` and
    ``answers_state`` (``unnest``), in ``ANSWER_COLUMNS``: one statement and six
    parameters whatever the number of answers."""
    return rows_of_arrays(
        "answer", [(f"answers_{name}", column, kind) for name, column, kind in _ANSWER_FIELDS]
    )


def _one_trip(answers: Any) -> sa.Select[tuple[str, int]]:
    """PostgreSQL: SQLite's two statements (``messages_moved``, ``reminders_sent``) as
    one (data-modifying CTEs, one round trip), ``answers()`` making each a derived table
    of them: the messages move on, then the reminders of the messages that moved (the
    reminders' CTE reads the messages' RETURNING, so the messages are updated, and
    locked, first: the webhook's order). Rows ("message", id) for each message that
    moved and ("reminder", id) for each reminder made sent or delivered."""
    moved = _messages_moved(answers()).cte("moved")
    updated = _reminders_sent(answers(), sa.select(moved.c.id)).cte("updated")
    return (
        sa.union_all(
            sa.select(sa.literal("message").label("kind"), moved.c.id),
            sa.select(sa.literal("reminder").label("kind"), updated.c.id),
        )
        .subquery("done")
        .select()
    )


#: PostgreSQL: ``_one_trip`` for any number of answers, given as arrays
#: (``answers_as_arrays``): one statement, planned once per connection, with a fixed
#: few parameters (the six arrays, the time and the statement's constants; before:
#: one statement for each number of answers, with six parameters an answer, each
#: handled by SQLAlchemy and the driver).
ACCEPTED_ONE_TRIP = _one_trip(_answers_as_arrays)


def answers_as_arrays(rows: list[AnswerRow]) -> dict[str, Any]:
    """PostgreSQL: the parameters of ``ACCEPTED_ONE_TRIP`` for these answers."""
    return {
        f"answers_{name}": list(values)
        for (name, _, _), values in zip(_ANSWER_FIELDS, zip(*rows, strict=True), strict=True)
    }
