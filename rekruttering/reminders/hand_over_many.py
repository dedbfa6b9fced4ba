"""PostgreSQL: a hand-over batch's reminders handed over with one statement.

``dispatch`` hands over each reminder with one statement (the guarded ``INSERT ...
SELECT`` of its Message row and the ``UPDATE`` that points the reminder at it, as
data-modifying CTEs). For a batch of n this is the same, once for all n: the expected
number, text and opt-out hash of each reminder come as arrays (``unnest``), each gets
its message id from the table's sequence first (so the reminder can be pointed at its
own message), the ``INSERT`` writes the Message rows of those for which every
send-time check (``send_checks.clear_to_send``) holds, and the ``UPDATE`` hands over
those still ours and not handed over. One round trip a batch instead of one a
reminder; the rules are the single statement's. Every reminder of the batch comes back
with the message written for it (or None) and the message it was handed over to (or
None): one written but not handed over was taken from us between the two steps; the
dispatcher removes that message and the full check decides, as for one.

One statement for all n, whatever n (arrays, not n sets of parameters): PostgreSQL
plans it once per connection.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rekruttering.models import Message, ReminderState
from rekruttering.reminders.send_checks import MESSAGE_COLUMNS, P, R, S, clear_to_send

M = Message.__table__

_WANTED = (
    sa.func.unnest(
        sa.bindparam("many_reminder", type_=postgresql.ARRAY(sa.Integer)),
        sa.bindparam("many_phone", type_=postgresql.ARRAY(sa.String)),
        sa.bindparam("many_body", type_=postgresql.ARRAY(sa.Text)),
        sa.bindparam("many_hash", type_=postgresql.ARRAY(sa.String)),
        sa.bindparam("many_segments", type_=postgresql.ARRAY(sa.Integer)),
    )
    .table_valued("reminder_id", "phone", "body", "digest", "segments")
    .render_derived(name="wanted", with_types=False)
)
#: Each reminder of the batch with what we expect of it, and its message's id.
_WANT = sa.select(
    _WANTED.c.reminder_id,
    _WANTED.c.phone,
    _WANTED.c.body,
    _WANTED.c.digest,
    _WANTED.c.segments,
    sa.func.nextval(sa.func.pg_get_serial_sequence("message", "id")).label("message_id"),
).cte("want")

_CLAIMER = sa.bindparam("many_claimer", type_=R.c.claimed_by.type)
_UPDATED = sa.bindparam("many_updated", type_=R.c.updated_at.type)


def _guarded_messages(want: Any, with_id: bool) -> sa.Insert:
    """The batch's Message rows (``want``: a reminder id, expected number, text,
    opt-out hash and segments a row, and with ``with_id`` its message id), written
    only for the reminders that every send-time check clears at this moment."""
    columns = list(MESSAGE_COLUMNS)
    values = [
        R.c.centre_id,
        R.c.person_id,
        sa.bindparam("many_direction", type_=M.c.direction.type),
        P.c.phone,
        R.c.body,
        sa.bindparam("many_gateway", type_=M.c.gateway.type),
        sa.bindparam("many_status", type_=M.c.status.type),
        want.c.segments,
        sa.literal("", type_=M.c.from_number.type),
        sa.bindparam("many_created", type_=M.c.created_at.type),
        _UPDATED,
    ]
    if with_id:
        columns, values = ["id", *columns], [want.c.message_id, *values]
    return sa.insert(M).from_select(
        columns,
        sa.select(*values)
        .select_from(
            want.join(R, R.c.id == want.c.reminder_id)
            .join(P, P.c.id == R.c.person_id)
            .outerjoin(S, S.c.id == R.c.session_id)
        )
        .where(
            *clear_to_send(
                want.c.reminder_id,
                _CLAIMER,
                sa.bindparam("many_lease_from", type_=R.c.claimed_at.type),
                want.c.body,
                want.c.phone,
                want.c.digest,
                sa.bindparam("many_now", type_=S.c.starts_at.type),
            )
        ),
        include_defaults=False,
    )


_WRITTEN = _guarded_messages(_WANT, with_id=True).returning(M.c.id).cte("written")
_HANDED = (
    sa.update(R)
    .where(
        R.c.id == _WANT.c.reminder_id,
        _WANT.c.message_id == _WRITTEN.c.id,
        R.c.state == ReminderState.SENDING,
        R.c.claimed_by == _CLAIMER,
        R.c.message_id.is_(None),
    )
    .values(message_id=_WANT.c.message_id, updated_at=_UPDATED)
    .returning(R.c.id, R.c.message_id)
    .cte("handed")
)
#: (reminder id, the message written for it or None, the message it was handed over
#: to or None), one row for each reminder of the batch.
HAND_OVER_MANY = sa.select(
    _WANT.c.reminder_id,
    _WRITTEN.c.id.label("written"),
    _HANDED.c.message_id.label("handed"),
).select_from(
    _WANT.outerjoin(_WRITTEN, _WRITTEN.c.id == _WANT.c.message_id).outerjoin(
        _HANDED, _HANDED.c.id == _WANT.c.reminder_id
    )
)


class Wanted(NamedTuple):
    """A reminder of the batch as the dispatcher read it just after the claim."""

    reminder_id: int
    person_id: int
    phone: str
    body: str
    digest: str  # the number's opt-out hash
    segments: int


def hand_over_params(wanted: list[Wanted], claimer: str, **common: Any) -> dict[str, Any]:
    """The parameters of ``HAND_OVER_MANY`` for ``wanted`` and the batch's ``common``
    values (``lease_from``, ``now``, ``direction``, ``gateway``, ``status``,
    ``created``, ``updated``)."""
    params: dict[str, Any] = {
        "many_reminder": [w.reminder_id for w in wanted],
        "many_phone": [w.phone for w in wanted],
        "many_body": [w.body for w in wanted],
        "many_hash": [w.digest for w in wanted],
        "many_segments": [w.segments for w in wanted],
        "many_claimer": claimer,
    }
    params.update({f"many_{name}": value for name, value in common.items()})
    return params


# --- SQLite: the same in two statements -----------------------------------------------
# SQLite has no arrays and no data-modifying CTEs: the batch comes as a derived table of
# n rows of parameters, the INSERT returns each message with its person, number and
# text, and those are matched to the batch's reminders (two reminders of one person
# with the same number and text get two identical messages: either may go to either);
# then one UPDATE ... FROM hands over each reminder to its message.


def _rows(n: int, prefix: str, columns: dict[str, Any]) -> sa.Subquery:
    """n rows of parameters ``{prefix}{i}_{column}`` as a derived table."""
    return sa.union_all(
        *(
            sa.select(
                *(
                    sa.bindparam(f"{prefix}{i}_{name}", type_=type_).label(name)
                    for name, type_ in columns.items()
                )
            )
            for i in range(n)
        )
    ).subquery(prefix)


@lru_cache(maxsize=64)
def _written_in_two(n: int) -> sa.Insert:
    want = _rows(
        n,
        "want",
        {
            "reminder_id": sa.Integer(),
            "phone": sa.String(),
            "body": sa.Text(),
            "digest": sa.String(),
            "segments": sa.Integer(),
        },
    )
    return _guarded_messages(want, with_id=False).returning(
        M.c.id, M.c.person_id, M.c.to_number, M.c.body
    )


@lru_cache(maxsize=64)
def _handed_in_two(n: int) -> sa.Update:
    pair = _rows(n, "pair", {"reminder_id": sa.Integer(), "message_id": sa.Integer()})
    return (
        sa.update(R)
        .where(
            R.c.id == pair.c.reminder_id,
            R.c.state == ReminderState.SENDING,
            R.c.claimed_by == _CLAIMER,
            R.c.message_id.is_(None),
        )
        .values(message_id=pair.c.message_id, updated_at=_UPDATED)
        .returning(R.c.id, R.c.message_id)
    )


def hand_over_in_two(
    conn: sa.Connection, wanted: list[Wanted], claimer: str, **common: Any
) -> dict[int, tuple[int | None, int | None]]:
    """SQLite: ``HAND_OVER_MANY``'s work in two statements (see above); for each
    reminder, (the message written for it, the message it was handed over to)."""
    params: dict[str, Any] = {"many_claimer": claimer}
    params.update({f"many_{name}": value for name, value in common.items()})
    for i, w in enumerate(wanted):
        params.update(
            {
                f"want{i}_reminder_id": w.reminder_id,
                f"want{i}_phone": w.phone,
                f"want{i}_body": w.body,
                f"want{i}_digest": w.digest,
                f"want{i}_segments": w.segments,
            }
        )
    messages: dict[tuple[int, str, str], list[int]] = {}
    for message_id, person_id, to_number, body in sorted(
        conn.execute(_written_in_two(len(wanted)), params).all()
    ):
        messages.setdefault((person_id, to_number, body), []).append(message_id)
    written: dict[int, int] = {}
    for w in wanted:
        ours = messages.get((w.person_id, w.phone, w.body))
        if ours:
            written[w.reminder_id] = ours.pop(0)
    handed: dict[int, int] = {}
    if written:
        pairs: dict[str, Any] = {"many_claimer": claimer, "many_updated": common["updated"]}
        for i, (reminder_id, message_id) in enumerate(written.items()):
            pairs[f"pair{i}_reminder_id"] = reminder_id
            pairs[f"pair{i}_message_id"] = message_id
        handed = dict(conn.execute(_handed_in_two(len(written)), pairs).tuples().all())
    return {w.reminder_id: (written.get(w.reminder_id), handed.get(w.reminder_id)) for w in wanted}
