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

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rekruttering.models import Message, ReminderState
from rekruttering.reminders.send_checks import P, R, S, clear_to_send

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

_WRITTEN = (
    sa.insert(M)
    .from_select(
        [
            "id",
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
        ],
        sa.select(
            _WANT.c.message_id,
            R.c.centre_id,
            R.c.person_id,
            sa.bindparam("many_direction", type_=M.c.direction.type),
            P.c.phone,
            R.c.body,
            sa.bindparam("many_gateway", type_=M.c.gateway.type),
            sa.bindparam("many_status", type_=M.c.status.type),
            _WANT.c.segments,
            sa.literal("", type_=M.c.from_number.type),
            sa.bindparam("many_created", type_=M.c.created_at.type),
            _UPDATED,
        )
        .select_from(
            _WANT.join(R, R.c.id == _WANT.c.reminder_id)
            .join(P, P.c.id == R.c.person_id)
            .outerjoin(S, S.c.id == R.c.session_id)
        )
        .where(
            *clear_to_send(
                _WANT.c.reminder_id,
                _CLAIMER,
                sa.bindparam("many_lease_from", type_=R.c.claimed_at.type),
                _WANT.c.body,
                _WANT.c.phone,
                _WANT.c.digest,
                sa.bindparam("many_now", type_=S.c.starts_at.type),
            )
        ),
        include_defaults=False,
    )
    .returning(M.c.id)
    .cte("written")
)
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


def hand_over_params(
    wanted: list[tuple[int, str, str, str, int]], claimer: str, **common: Any
) -> dict[str, Any]:
    """The parameters of ``HAND_OVER_MANY`` for ``wanted`` (reminder id, number, text,
    the number's opt-out hash, segments) and the batch's ``common`` values
    (``lease_from``, ``now``, ``direction``, ``gateway``, ``status``, ``created``,
    ``updated``)."""
    columns = list(zip(*wanted, strict=True)) if wanted else [(), (), (), (), ()]
    params = {
        "many_reminder": list(columns[0]),
        "many_phone": list(columns[1]),
        "many_body": list(columns[2]),
        "many_hash": list(columns[3]),
        "many_segments": list(columns[4]),
        "many_claimer": claimer,
    }
    params.update({f"many_{name}": value for name, value in common.items()})
    return params
