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

Each reminder is found by its primary key, once a row of the batch (``_by_id``: a
``LATERAL`` subquery that PostgreSQL cannot flatten). The dispatcher's connections use
generic plans (``generic_plans``), which estimate ``state = $1`` and ``message_id IS
NULL`` without the values; joined, the planner often preferred scanning the reminders
by those (two bitmap index scans of every ``sending`` and every unsent reminder, dead
index entries included: they grow with every reminder sent until a vacuum) to ten
primary-key lookups. The hand-over's reminders are locked in such a subquery (``FOR
UPDATE``), and what makes a reminder ours to hand over (its state, its claimer, no
message yet) is checked on the version it locked (the newest), so the update itself
needs only their ids and no reminder is handed over twice. The other send-time checks
(``clear_to_send``: the body, the lease, the session, the person's opt-out and consent)
are read in the statement's snapshot, as the single hand-over reads them; the read just
before each later send (``read_ahead``) checks them again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.util import ClauseAdapter

from rekruttering.models import Message, ReminderState
from rekruttering.reminders.array_rows import rows_of_arrays
from rekruttering.reminders.driver_sql import execute_built
from rekruttering.reminders.send_checks import MESSAGE_COLUMNS, P, R, S, clear_to_send

M = Message.__table__

_WANTED = rows_of_arrays(
    "wanted",
    [
        ("many_reminder", "reminder_id", sa.Integer),
        ("many_phone", "phone", sa.String),
        ("many_body", "body", sa.Text),
        ("many_hash", "digest", sa.String),
        ("many_segments", "segments", sa.Integer),
    ],
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


def _by_id(want: Any, lock: bool = False) -> Any:
    """PostgreSQL: the reminder of each row of ``want`` (its ``reminder_id``), by its
    primary key (with ``lock``, locked: ``FOR UPDATE``): a ``LATERAL`` subquery with
    ``OFFSET 0``, which the planner keeps apart, so it runs once a row and looks the
    row up by ``id`` (see the module's docstring). The checks go outside it."""
    found = sa.select(R).where(R.c.id == want.c.reminder_id).offset(sa.literal_column("0"))
    if lock:
        found = found.with_for_update()
    return found.lateral("reminder")


def _guarded_messages(want: Any, with_id: bool) -> sa.Insert:
    """The batch's Message rows (``want``: a reminder id, expected number, text,
    opt-out hash and segments a row, and with ``with_id`` its message id), written
    only for the reminders that every send-time check clears at this moment. With
    ``with_id`` (PostgreSQL) each reminder is looked up by its primary key
    (``_by_id``); SQLite joins the reminders to ``want``."""
    columns = list(MESSAGE_COLUMNS)
    reminder: Any = _by_id(want) if with_id else R
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
    checks: list[Any] = list(
        clear_to_send(
            want.c.reminder_id,
            _CLAIMER,
            sa.bindparam("many_lease_from", type_=R.c.claimed_at.type),
            want.c.body,
            want.c.phone,
            want.c.digest,
            sa.bindparam("many_now", type_=S.c.starts_at.type),
        )
    )
    on_reminder: Any = R.c.id == want.c.reminder_id
    if reminder is not R:
        # The same columns and checks, read from the reminder found by its key.
        adapt = ClauseAdapter(reminder).traverse
        values, checks = [adapt(v) for v in values], [adapt(c) for c in checks]
        on_reminder = sa.true()
    return sa.insert(M).from_select(
        columns,
        sa.select(*values)
        .select_from(
            want.join(reminder, on_reminder)
            .join(P, P.c.id == reminder.c.person_id)
            .outerjoin(S, S.c.id == reminder.c.session_id)
        )
        .where(*checks),
        include_defaults=False,
    )


_WRITTEN = _guarded_messages(_WANT, with_id=True).returning(M.c.id).cte("written")
#: The reminders whose messages were written and that are still ours and not handed
#: over, each with its message's id. Each is found by its primary key and locked
#: (``_by_id``), then checked (state, claimer, no message yet) on its newest version,
#: the one the update will change.
#: (The checks inside the lookup would let the planner take the ``state`` index.)
_OURS = _by_id(_WANT, lock=True)
_LOCKED = (
    sa.select(_OURS.c.id, _WANT.c.message_id)
    .select_from(_WANT.join(_WRITTEN, _WRITTEN.c.id == _WANT.c.message_id).join(_OURS, sa.true()))
    .where(
        _OURS.c.state == ReminderState.SENDING,
        _OURS.c.claimed_by == _CLAIMER,
        _OURS.c.message_id.is_(None),
    )
    .cte("locked")
)
_HANDED = (
    sa.update(R)
    .where(R.c.id == _LOCKED.c.id)
    .values(message_id=_LOCKED.c.message_id, updated_at=_UPDATED)
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
# then one UPDATE ... FROM hands over each reminder to its message. Each is compiled once
# for each n and run with the driver's parameters (``driver_sql``).


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
        execute_built(conn, _written_in_two, len(wanted), params).all()
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
        handed = dict(execute_built(conn, _handed_in_two, len(written), pairs).tuples().all())
    return {w.reminder_id: (written.get(w.reminder_id), handed.get(w.reminder_id)) for w in wanted}
