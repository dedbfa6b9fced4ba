"""Send due reminders. The database is the truth; the scheduler only ticks.

One tick (``dispatch_due``):

1. Claims whose lease ran out (``sms.claim_lease_seconds``) are settled. A reminder
   that was never handed to the gateway (no Message row for this claim) goes back to
   ``pending``: its worker died, nothing left the server, another worker may send it.
   One already handed over (Message row written, provider answer missing) becomes
   ``uncertain`` once ``sms.claim_timeout_minutes`` have passed: it may have left, so a
   person decides; it is never resent silently.
2. Due ``pending`` reminders are claimed in two steps inside one transaction: choose at
   most ``batch`` ids (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers
   take different rows without waiting for each other), then move exactly those ids to
   ``sending``, re-checking ``state = 'pending'`` (a choice made without row locks,
   as on SQLite, can still claim a row only once). Choosing the ids first, in their own
   statement, means no query plan can claim more than the batch: PostgreSQL may re-run
   an ``IN (SELECT ... LIMIT n)`` subquery for every row it joins. The claim is
   committed before anything is sent, and clears ``message_id``: the claim has no
   Message row until it is handed over.
3. Each claimed reminder is checked again at the moment of sending: still ours (the
   claim owner check: a lease that ran out may have been re-claimed by another worker),
   still within our lease, consent, opt-out, not textable, session cancelled or
   started, quiet hours. Its Message row is written and committed (the hand-over), then
   the gateway is called, and the answer recorded.

   Reminders are handed over in batches of ``sms.hand_over_batch_size`` (K): one
   transaction records the previous batch's answers and hands over the next K
   (``_next_batch``), committed before any of them is sent; then they are sent one by
   one (``_send_batch``). One commit per K reminders. So at any moment at most K
   reminders of a worker are handed over without their answers recorded: at a crash
   each of them becomes uncertain (it may have left), never resent by itself; with
   K = 1, only the one with the provider, as before batches. A batch whose
   transaction does not commit sends nothing: its reminders stay claimed without a
   Message row, and the lease returns them to pending; one whose commit may have
   happened (its answer lost) stops the tick's hand-overs (``Tick.stop_handing_over``). Each reminder but the first
   of a batch is checked again just before its own send (``_STILL_CLEAR``, a read,
   skipped on SQLite while no other connection has committed: ``_unchanged``; on
   PostgreSQL on a connection of its own: ``reads_apart``);
   one that fails it is not sent but taken back with the next batch (its Message row
   removed, then the full check decides and records why, or hands it over anew).
   The hand-over is an ``INSERT ... SELECT`` that writes the Message row only if every
   check still holds (``_GUARDED_MESSAGE``), then the UPDATE that points the reminder
   at it; the answer is two UPDATEs (on PostgreSQL each pair is one statement).
   Anything else - a check that fails, a failure from the provider, a status callback
   that came first - goes the full way (``_prepare_in``, ``_record_in``), which
   decides and says why.

Each safeguard is a small function of its own (``_lock_choice``, ``_still_pending``,
``_owned_by``) so the tests can remove one at a time and show that its test then fails.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rekruttering.config import Settings, current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.phone import is_mobile, mask_phone
from rekruttering.domain.sms_segments import count_segments
from rekruttering.extensions import db
from rekruttering.models import (
    Consent,
    Direction,
    Message,
    OptOut,
    Person,
    Reminder,
    ReminderState,
    Session,
)
from rekruttering.reminders.accepted_many import (
    ACCEPTED_ONE_TRIP,
    AnswerRow,
    answers_as_arrays,
    answers_numbered,
    messages_moved,
    moved_numbered,
    reminders_sent,
)
from rekruttering.reminders.batch_in_flight import InFlight, InFlightFailed, as_int
from rekruttering.reminders.driver_sql import execute, execute_built
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.reminders.generic_plans import generic_plans
from rekruttering.reminders.hand_over_many import (
    HAND_OVER_MANY,
    Wanted,
    hand_over_in_two,
    hand_over_params,
)
from rekruttering.reminders.pg_prepared import Prepared, check_prepared
from rekruttering.reminders.read_ahead import ReadAhead
from rekruttering.reminders.send_checks import (
    MESSAGE_COLUMNS,
    REMINDER_PERSON_SESSION,
    clear_to_send,
)
from rekruttering.session_in_place import session_in_place
from rekruttering.sms import message_status
from rekruttering.sms.gateway import Gateway, OutgoingSms, SendResult, SmsFailure, build_gateway
from rekruttering.sms.number_hash import current_key, number_hash
from rekruttering.sms.provider_errors import NO_ANSWER_REASON, Failure, FailureKind, _l
from rekruttering.sms.reminder_outcomes import quiet_hours, record_accepted, record_failure
from rekruttering.sms.send_gate import Gate, NotSent
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)

CLAIM_TIMED_OUT = _l("The worker stopped before the SMS provider answered: check and decide")
SESSION_CANCELLED = _l("The session was cancelled")
SESSION_STARTED = _l("The session had already started")


@dataclass
class DispatchReport:
    """What one tick did (for logs and tests)."""

    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    timed_out: int = 0
    released: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


def new_claimer_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def release_expired_leases(now: datetime, lease: timedelta) -> int:
    """Claims past their lease that were never handed over go back to ``pending``.

    Nothing of them left the server (no Message row for this claim), so sending them
    later is not a second send. The attempt they were counted as is given back.
    """
    with transaction():
        conn = db.session.connection()
        count = execute(conn, _RELEASE, {"lease_before": now - lease, "tick_now": now}).rowcount
    return _released(count)


def _released(count: int) -> int:
    if count:
        log.warning("%d claimed reminders were never sent (lease ran out): pending again", count)
    return count


def expire_stale_claims(now: datetime, timeout: timedelta) -> int:
    """Reminders handed to the gateway without an answer past the timeout: ``uncertain``."""
    with transaction():
        conn = db.session.connection()
        count = execute(conn, _EXPIRE, {"claimed_before": now - timeout, "tick_now": now}).rowcount
    return _timed_out(count)


def _timed_out(count: int) -> int:
    if count:
        log.warning("%d reminders timed out while sending: now uncertain", count)
    return count


# --- the safeguards (one function each, so a test can remove exactly one) -------------


def _lock_choice(choose: sa.Select[Any]) -> sa.Select[Any]:
    """SKIP LOCKED: rows another worker is claiming are passed over, not waited for."""
    if db.session.get_bind().dialect.name == "postgresql":
        return choose.with_for_update(skip_locked=True)
    return choose  # SQLite locks the whole database for a write; _still_pending decides


def _still_pending() -> sa.ColumnElement[bool]:
    """The pending re-check: a chosen row is taken only if nobody took it meanwhile."""
    return Reminder.state == ReminderState.PENDING


def _owned_by(reminder: Reminder, claimer: str) -> bool:
    """The claim owner check: our lease may have run out and another worker re-claimed."""
    return reminder.claimed_by == claimer


def choose_due(now: datetime, limit: int) -> list[int]:
    """Step 1 of a claim: the ids of at most ``limit`` due pending reminders."""
    conn = db.session.connection()
    values = {"tick_now": now, "choose_limit": limit}
    return list(execute(conn, _lock_choice(_CHOOSE), values).scalars().all())


def take(ids: list[int], now: datetime, claimer: str) -> list[int]:
    """Step 2 of a claim: move exactly these ids to ``sending`` under our claim."""
    if not ids:
        return []
    conn = db.session.connection()
    values: dict[str, Any] = {"tick_now": now, "take_claimer": claimer}
    if _one_trip(conn):  # PostgreSQL: the ids as one array (one statement for any n)
        values["take_ids"] = ids
        statement = _take_any(_still_pending)
    else:
        values.update({f"take{i}": ident for i, ident in enumerate(ids)})
        statement = _take(len(ids), _still_pending)
    return list(execute(conn, statement, values).scalars().all())


def claim_due(now: datetime, limit: int, claimer: str) -> list[int]:
    """Atomically move up to ``limit`` due pending reminders to ``sending``; their ids.

    Never more than ``limit``, whatever plan the database picks: the ids are chosen
    in a statement of their own and the update names them.
    """
    with transaction():
        ids = take(choose_due(now, limit), now, claimer)
    return sorted(ids)


def _locked(model: type[Any], ident: int) -> Any:
    """Load a row for update (a row lock on PostgreSQL; SQLite locks the database)."""
    return db.session.scalar(
        sa.select(model)
        .where(model.id == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _release(reminder: Reminder) -> None:
    reminder.state = ReminderState.PENDING
    reminder.attempts -= 1
    reminder.claimed_at = reminder.claimed_by = None


# --- one tick's constants ---------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A claimed reminder as it was just after the claim: its person's number (with
    its opt-out hash) and its text (with its segments), and its person."""

    phone: str
    digest: str
    body: str
    segments: int
    person_id: int = 0


@dataclass
class Tick:
    """What stays the same for every reminder of one tick, worked out once: the
    settings, the lease, whether it is quiet hours, and each claimed reminder as it
    was just after the claim (``Claimed``), for those that may be sent the fast way."""

    claimer: str
    now: datetime
    settings: Settings
    gateway: Gateway
    lease: timedelta
    quiet: bool
    claimed: dict[int, Claimed] = field(default_factory=dict)
    key: bytes = b""  # the opt-out list's key (when anything was claimed)
    #: PostgreSQL: where the reads before sends go (``reads_apart``); else the session.
    reads: sa.Connection | None = None
    #: PostgreSQL: ``_STILL_CLEAR`` prepared on ``reads``, sent ahead (``_gate``); None
    #: before the tick's first check, and for the rest of the tick once it failed.
    ahead: ReadAhead | None = None
    ahead_failed: bool = False
    #: The reminder whose read ``ahead`` last sent (its answer maybe not collected yet).
    ahead_for: int | None = None
    #: The check of the next reminder to be sent, started early: once the provider has
    #: answered the send before it (``_send_gated``), or for the first of a batch just
    #: before the next batch's transaction (``_check_early``): (its reminder, its gate).
    early: tuple[int, Gate] | None = None
    #: SQLite: the cursor that asks ``PRAGMA data_version`` (``_data_version``), made
    #: at its first question; ``versions_failed`` once it failed (never asked again).
    versions: sqlite3.Cursor | None = None
    versions_failed: bool = False
    #: A batch transaction's commit may have happened without our knowing: nothing
    #: more is handed over this tick (the rest of the claim goes back by its lease), so
    #: what a crash could leave uncertain stays within one batch.
    stop_handing_over: bool = False

    @classmethod
    def start(
        cls,
        claimer: str,
        now: datetime,
        settings: Settings,
        gateway: Gateway,
        ids: list[int],
        rows: list[ClaimedRow] | None = None,
    ) -> Tick:
        """The tick's constants; the claimed reminders' numbers and texts are read
        unless the claim returned them (``rows``: id, phone, text, person)."""
        claimed: dict[int, Claimed] = {}
        key = b""
        if ids:
            key = current_key()
            if rows is None:
                rows = _claimed_rows(ids)
            segments: dict[str, int] = {}  # a tick's reminders often share their text
            claimed = {
                rid: Claimed(
                    phone,
                    number_hash(phone, key),
                    body,
                    segments.get(body) or segments.setdefault(body, _segments(body)),
                    person_id,
                )
                for rid, phone, body, person_id in rows
                if phone and is_mobile(phone)  # else the full check says why not
            }
        return cls(
            claimer=claimer,
            now=now,
            settings=settings,
            gateway=gateway,
            lease=timedelta(seconds=settings.sms.claim_lease_seconds),
            quiet=quiet_hours(settings).contains(now),
            claimed=claimed,
            key=key,
        )


#: A claimed reminder's id, its person's number (None: none), its text, its person.
ClaimedRow = tuple[int, str | None, str, int]


def _claimed_rows(ids: list[int]) -> list[ClaimedRow]:
    """The claimed reminders' numbers and texts, and their people (those with a number)."""
    with transaction():  # a read; no transaction stays open while sending
        conn = db.session.connection()
        if _one_trip(conn):  # PostgreSQL: the ids as one array
            rows = execute(conn, _NUMBERS_OF_ANY, {"claimed_ids": ids}).all()
        else:
            values = {f"claimed{i}": ident for i, ident in enumerate(ids)}
            rows = execute(conn, _numbers_of(len(ids)), values).all()
    return [(rid, phone, body, person_id) for rid, phone, body, person_id in rows]


def _segments(body: str) -> int:
    """The SMS segments ``body`` takes (at least one)."""
    return max(count_segments(body).segments, 1)


# --- the send-time check and the hand-over, the fast way ---------------------------------
# Core statements on the tables, built once. A reminder that is clear to send costs an
# INSERT ... SELECT that writes its Message row only if every send-time check still
# holds, and one UPDATE; its answer two UPDATEs (see _record_answer).

_R = Reminder.__table__
_P = Person.__table__
_S = Session.__table__
_M = Message.__table__
_C = Consent.__table__
_O = OptOut.__table__

# The tick's own statements, built once (for the claim and the claimed reminders'
# numbers, once for each number of ids): on SQLite each is compiled once and run with
# the driver's parameters (``driver_sql``), elsewhere with ``Connection.execute``.
_TICK_NOW = sa.bindparam("tick_now", type_=_R.c.updated_at.type)
#: Claims past their lease never handed over go back to pending (``release_expired_leases``).
_RELEASE = (
    sa.update(_R)
    .where(
        _R.c.state == ReminderState.SENDING,
        _R.c.message_id.is_(None),
        _R.c.claimed_at <= sa.bindparam("lease_before", type_=_R.c.claimed_at.type),
    )
    .values(
        state=ReminderState.PENDING,
        claimed_at=None,
        claimed_by=None,
        attempts=_R.c.attempts - 1,
        updated_at=_TICK_NOW,
    )
)
#: Handed over, no answer past the timeout: uncertain (``expire_stale_claims``).
_EXPIRE = (
    sa.update(_R)
    .where(
        _R.c.state == ReminderState.SENDING,
        _R.c.message_id.is_not(None),
        _R.c.claimed_at < sa.bindparam("claimed_before", type_=_R.c.claimed_at.type),
    )
    .values(state=ReminderState.UNCERTAIN, last_error=CLAIM_TIMED_OUT, updated_at=_TICK_NOW)
)
#: The claim's first step (``choose_due``; ``_lock_choice`` adds its lock).
_CHOOSE = (
    sa.select(_R.c.id)
    .where(
        _R.c.state == ReminderState.PENDING,
        _R.c.due_at <= sa.bindparam("tick_now", type_=_R.c.due_at.type),
    )
    .order_by(_R.c.due_at, _R.c.id)
    .limit(sa.bindparam("choose_limit", type_=sa.Integer))
)


#: PostgreSQL: the ids of a claim as one array parameter (``= ANY``): one statement for
#: any number of ids, and a parameter SQLAlchemy and psycopg handle once, not n times
#: (a claim of 100: the take and the read of the numbers ~2 ms less each).
_TAKE_IDS = sa.bindparam("take_ids", type_=postgresql.ARRAY(sa.Integer))
_CLAIMED_IDS = sa.bindparam("claimed_ids", type_=postgresql.ARRAY(sa.Integer))


@lru_cache(maxsize=128)
def _take(n: int, still_pending: Callable[[], sa.ColumnElement[bool]]) -> sa.Update:
    """The claim's second step for n ids (``take0`` ...), with this pending re-check
    (``_still_pending``, which a test removes: a statement for each)."""
    ids = [sa.bindparam(f"take{i}", type_=sa.Integer) for i in range(n)]
    return _taking(_R.c.id.in_(ids), still_pending)


@lru_cache(maxsize=8)
def _take_any(still_pending: Callable[[], sa.ColumnElement[bool]]) -> sa.Update:
    """PostgreSQL: ``_take`` for the ids of the array ``take_ids``."""
    return _taking(_R.c.id == sa.any_(_TAKE_IDS), still_pending)


def _taking(
    chosen: sa.ColumnElement[bool],
    still_pending: Callable[[], sa.ColumnElement[bool]],
    *returning: sa.ColumnElement[Any],
) -> sa.Update:
    """The take: the chosen reminders still pending move to ``sending`` under our claim;
    returning their ids (or the columns ``returning`` names)."""
    return (
        sa.update(_R)
        .where(chosen, still_pending())
        .values(
            state=ReminderState.SENDING,
            claimed_at=_TICK_NOW,
            claimed_by=sa.bindparam("take_claimer", type_=_R.c.claimed_by.type),
            message_id=None,
            attempts=_R.c.attempts + 1,
            updated_at=_TICK_NOW,
        )
        .returning(*(returning or (_R.c.id,)))
    )


def _numbers_where(chosen: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return (
        sa.select(_R.c.id, _P.c.phone, _R.c.body, _R.c.person_id)
        .select_from(_R.join(_P, _P.c.id == _R.c.person_id))
        .where(chosen, _P.c.phone.is_not(None))
    )


@lru_cache(maxsize=128)
def _numbers_of(n: int) -> sa.Select[Any]:
    """n claimed reminders' (``claimed0`` ...) numbers and texts, and their people."""
    return _numbers_where(
        _R.c.id.in_([sa.bindparam(f"claimed{i}", type_=sa.Integer) for i in range(n)])
    )


#: PostgreSQL: ``_numbers_of`` for the ids of the array ``claimed_ids``.
_NUMBERS_OF_ANY = _numbers_where(_R.c.id == sa.any_(_CLAIMED_IDS))


#: Every send-time check (``send_checks.clear_to_send``) for one reminder, its
#: expected number, text and opt-out hash as parameters.
_CLEAR_TO_SEND = clear_to_send(
    sa.bindparam("new_reminder"),
    sa.bindparam("new_claimer", type_=_R.c.claimed_by.type),
    sa.bindparam("new_lease_from", type_=_R.c.claimed_at.type),
    sa.bindparam("new_body", type_=_R.c.body.type),
    sa.bindparam("new_phone", type_=_P.c.phone.type),
    sa.bindparam("new_hash", type_=_O.c.phone_hash.type),
    sa.bindparam("new_now", type_=_S.c.starts_at.type),
)
_REMINDER_PERSON_SESSION = REMINDER_PERSON_SESSION

#: The Message row, written only if every check of ``_CLEAR_TO_SEND`` holds at this
#: moment. The same rules as ``_prepare_in`` and ``eligibility.why_not_textable`` (a
#: landline never comes this way: Tick leaves it out); when any fails, nothing is
#: written and ``_prepare_in`` decides and says why.
_GUARDED_MESSAGE = (
    sa.insert(_M)
    .from_select(
        list(MESSAGE_COLUMNS),
        sa.select(
            _R.c.centre_id,
            _R.c.person_id,
            sa.bindparam("new_direction", type_=_M.c.direction.type),
            _P.c.phone,
            _R.c.body,
            sa.bindparam("new_gateway", type_=_M.c.gateway.type),
            sa.bindparam("new_status", type_=_M.c.status.type),
            sa.bindparam("new_segments", type_=_M.c.segments.type),
            sa.bindparam("new_from", type_=_M.c.from_number.type),
            sa.bindparam("new_created", type_=_M.c.created_at.type),
            sa.bindparam("new_updated", type_=_M.c.updated_at.type),
        )
        .select_from(_REMINDER_PERSON_SESSION)
        .where(*_CLEAR_TO_SEND),
        include_defaults=False,
    )
    .returning(_M.c.id)
)
#: Just before a send that is not the first after its hand-over's commit (see
#: ``_send_batch``): every check again, and the reminder still points at its message.
#: A read: nothing is written, nothing committed.
_STILL_CLEAR = (
    sa.select(_R.c.id)
    .select_from(_REMINDER_PERSON_SESSION)
    .where(*_CLEAR_TO_SEND, _R.c.message_id == sa.bindparam("new_message"))
)
#: The hand-over: the reminder points at its message (re-checked under the row lock).
_HAND_OVER = (
    sa.update(_R)
    .where(
        _R.c.id == sa.bindparam("hand_id"),
        _R.c.state == ReminderState.SENDING,
        _R.c.claimed_by == sa.bindparam("hand_claimer", type_=_R.c.claimed_by.type),
        _R.c.message_id.is_(None),
    )
    .values(message_id=sa.bindparam("hand_message"))
)
_DROP_MESSAGE = sa.delete(_M).where(_M.c.id == sa.bindparam("drop_id"))
#: The provider took it: the message moves on from ``pending`` only (a status callback
#: that came first has moved it already; the full record handles that).
_ACCEPTED_MESSAGE = (
    sa.update(_M)
    .where(_M.c.id == sa.bindparam("acc_message"), _M.c.status == message_status.PENDING)
    .values(
        status=sa.bindparam("acc_status"),
        provider_sid=sa.func.coalesce(_M.c.provider_sid, sa.bindparam("acc_sid", type_=sa.String)),
        from_number=sa.func.coalesce(
            sa.func.nullif(sa.bindparam("acc_from", type_=sa.String), ""), _M.c.from_number
        ),
    )
)
#: ... and the reminder is sent, if it is still ours and this message is its latest.
_ACCEPTED_REMINDER = (
    sa.update(_R)
    .where(
        _R.c.id == sa.bindparam("acc_reminder"),
        _R.c.state == ReminderState.SENDING,
        _R.c.message_id == sa.bindparam("acc_message"),
    )
    .values(
        state=sa.bindparam("acc_state", type_=_R.c.state.type),
        last_error=None,
        claimed_at=None,
        claimed_by=None,
    )
)


# PostgreSQL: each pair above as one statement (data-modifying CTEs). There every
# statement is a round trip to the server, and under load a round trip costs more than
# the statement itself; SQLite, in the process, runs the pairs as they are.
_NEW = _GUARDED_MESSAGE.cte("new_message")
_HANDED = (
    sa.update(_R)
    .where(
        _R.c.id == sa.bindparam("new_reminder"),
        _R.c.state == ReminderState.SENDING,
        _R.c.claimed_by == sa.bindparam("new_claimer", type_=_R.c.claimed_by.type),
        _R.c.message_id.is_(None),
        sa.exists(sa.select(_NEW.c.id)),
    )
    .values(
        message_id=sa.select(_NEW.c.id).scalar_subquery(),
        updated_at=sa.bindparam("new_updated", type_=_R.c.updated_at.type),
    )
    .returning(_R.c.message_id)
    .cte("handed")
)
#: (the message written, or None; the reminder handed over to it, or None)
_HAND_OVER_ONE_TRIP = sa.select(
    sa.select(_NEW.c.id).scalar_subquery().label("written"),
    sa.select(_HANDED.c.message_id).scalar_subquery().label("handed"),
)
_ACCEPTED = (
    sa.update(_M)
    .where(_M.c.id == sa.bindparam("acc_message"), _M.c.status == message_status.PENDING)
    .values(
        status=sa.bindparam("acc_status"),
        provider_sid=sa.func.coalesce(_M.c.provider_sid, sa.bindparam("acc_sid", type_=sa.String)),
        from_number=sa.func.coalesce(
            sa.func.nullif(sa.bindparam("acc_from", type_=sa.String), ""), _M.c.from_number
        ),
        updated_at=sa.bindparam("acc_updated", type_=_M.c.updated_at.type),
    )
    .returning(_M.c.id)
    .cte("accepted")
)
_SENT = (
    sa.update(_R)
    .where(
        _R.c.id == sa.bindparam("acc_reminder"),
        _R.c.state == ReminderState.SENDING,
        _R.c.message_id == sa.bindparam("acc_message"),
        sa.exists(sa.select(_ACCEPTED.c.id)),  # the message first, as the webhook locks
    )
    .values(
        state=sa.bindparam("acc_state", type_=_R.c.state.type),
        last_error=None,
        claimed_at=None,
        claimed_by=None,
        updated_at=sa.bindparam("acc_updated", type_=_R.c.updated_at.type),
    )
    .returning(_R.c.state)
    .cte("sent")
)
#: (how many messages moved on: 0 or 1; the reminder's new state, or None)
_ACCEPTED_ONE_TRIP = sa.select(
    sa.select(sa.func.count()).select_from(_ACCEPTED).scalar_subquery().label("moved"),
    sa.select(_SENT.c.state).scalar_subquery().label("state"),
)


def _one_trip(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _hand_over(reminder_id: int, tick: Tick, elapsed: timedelta) -> tuple[str, OutgoingSms | None]:
    """Check the reminder at the moment of sending and write its Message row, in the
    caller's transaction. Returns ("send", sms) or (outcome, None) as ``_prepare_in``."""
    seen = tick.claimed.get(reminder_id)
    if seen is not None and not tick.quiet:
        conn = db.session.connection()
        params = {
            "new_reminder": reminder_id,
            "new_claimer": tick.claimer,
            "new_lease_from": tick.now + elapsed - tick.lease,
            "new_body": seen.body,
            "new_phone": seen.phone,
            "new_hash": seen.digest,
            "new_now": tick.now,
            "new_direction": Direction.OUTBOUND,
            "new_gateway": tick.gateway.name,
            "new_status": message_status.PENDING,
            "new_segments": seen.segments,
            "new_from": "",
            "new_created": tick.now,
            "new_updated": utcnow(),
        }
        handed: int | None = None
        if _one_trip(conn):
            written, handed = conn.execute(_HAND_OVER_ONE_TRIP, params).one()
        else:
            written = conn.execute(_GUARDED_MESSAGE, params).scalar()
            if written is not None:
                result = conn.execute(
                    _HAND_OVER,
                    {"hand_id": reminder_id, "hand_claimer": tick.claimer, "hand_message": written},
                )
                handed = written if result.rowcount == 1 else None
        return _handed_over(reminder_id, written, handed, tick, elapsed)
    return _prepare_in(reminder_id, tick.claimer, tick.now, tick.settings, tick.gateway, elapsed)


def _handed_over(
    reminder_id: int, written: int | None, handed: int | None, tick: Tick, elapsed: timedelta
) -> tuple[str, OutgoingSms | None]:
    """After a hand-over statement (``_hand_over``'s or ``_hand_over_many``'s): the
    reminder handed over to its message is to be sent; one whose message was written
    but which was taken from us between the two steps has that message removed; for
    both of those and one for which nothing was written, the full check decides."""
    seen = tick.claimed[reminder_id]
    if handed is not None:
        return "send", OutgoingSms(to=seen.phone, body=seen.body, message_id=handed)
    if written is not None:
        # Taken from us between the two steps: no Message row; the full check.
        db.session.execute(_DROP_MESSAGE, {"drop_id": written})
    return _prepare_in(reminder_id, tick.claimer, tick.now, tick.settings, tick.gateway, elapsed)


def _wanted(ids: list[int], tick: Tick) -> list[Wanted]:
    """The claimed reminders of ``ids`` that may go the fast way, as the claim read them."""
    return [
        Wanted(rid, seen.person_id, seen.phone, seen.body, seen.digest, seen.segments)
        for rid in ids
        if (seen := tick.claimed.get(rid)) is not None
    ]


def _hand_over_common(tick: Tick, elapsed: timedelta) -> dict[str, Any]:
    """The values a batch hand-over (``hand_over_many``) shares for all its reminders."""
    return {
        "lease_from": tick.now + elapsed - tick.lease,
        "now": tick.now,
        "direction": Direction.OUTBOUND,
        "gateway": tick.gateway.name,
        "status": message_status.PENDING,
        "created": tick.now,
        "updated": utcnow(),
    }


def _hand_over_many(
    ids: list[int], tick: Tick, elapsed: timedelta
) -> dict[int, tuple[int | None, int | None]]:
    """The guarded hand-over of these claimed reminders for all of them at once
    (``hand_over_many``: one statement on PostgreSQL, two on SQLite), in the caller's
    transaction; for each, (the message written for it, the message it was handed
    over to), each None when not. Empty in quiet hours or for fewer than two
    (``_hand_over`` then hands over each)."""
    conn = db.session.connection()
    wanted = _wanted(ids, tick)
    if tick.quiet or len(wanted) < 2:
        return {}
    common = _hand_over_common(tick, elapsed)
    if _one_trip(conn):
        params = hand_over_params(wanted, tick.claimer, **common)
        return {
            rid: (written, handed) for rid, written, handed in conn.execute(HAND_OVER_MANY, params)
        }
    return hand_over_in_two(conn, wanted, tick.claimer, **common)


def _prepare_in(
    reminder_id: int,
    claimer: str,
    now: datetime,
    settings: Settings,
    gateway: Gateway,
    elapsed: timedelta = timedelta(0),
) -> tuple[str, OutgoingSms | None]:
    """The full check of a reminder at the moment of sending, and its Message row.

    ``elapsed`` is how long the tick has been sending (``now`` is its start): the
    lease is checked against ``now + elapsed``. Returns ("send", sms) or
    (outcome, None) when it is not to be sent now (and records why).
    """
    reminder: Reminder | None = _locked(Reminder, reminder_id)
    if reminder is None or reminder.state != ReminderState.SENDING:
        return "gone", None
    if not _owned_by(reminder, claimer):
        return "gone", None
    lease = timedelta(seconds=settings.sms.claim_lease_seconds)
    if reminder.claimed_at is None or reminder.claimed_at + lease <= now + elapsed:
        # Past our lease another worker may release and send it: hand it back.
        _release(reminder)
        return "released", None
    session: Session | None = reminder.session
    reason = None
    if session is not None and session.cancelled:
        reason = SESSION_CANCELLED
    elif session is not None and session.starts_at <= now:
        reason = SESSION_STARTED
    else:
        reason = why_not_textable(reminder.person)
    if reason is not None:
        reminder.state = ReminderState.CANCELLED
        reminder.last_error = reason
        reminder.claimed_at = reminder.claimed_by = None
        return "skipped", None
    quiet = quiet_hours(settings)
    if quiet.contains(now):
        # Due before quiet hours but picked up late (a worker was down): wait.
        _release(reminder)
        reminder.due_at = quiet.next_allowed(now)
        return "deferred", None
    person = reminder.person
    message = Message(
        centre_id=reminder.centre_id,
        person_id=person.id,
        direction=Direction.OUTBOUND,
        to_number=person.phone or "",
        body=reminder.body,
        gateway=gateway.name,
        status=message_status.PENDING,
        segments=max(count_segments(reminder.body).segments, 1),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    reminder.message_id = message.id
    return "send", OutgoingSms(to=message.to_number, body=message.body, message_id=message.id)


# --- the answer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A reminder handed over and sent, with the provider's answer, not yet recorded."""

    reminder_id: int
    sms: OutgoingSms
    outcome: SendResult | Failure


def _send(
    gateway: Gateway,
    sms: OutgoingSms,
    reminder_id: int,
    gate: Gate | None = None,
    answered: Callable[[], None] | None = None,
) -> SendResult | Failure:
    """The provider call; every way it can end becomes an answer to record. With a
    ``gate`` (a gateway that ``gates_requests``), ``send_gate.NotSent`` is raised when
    the gate said no: nothing was sent; ``answered`` is called when the provider's
    answer has arrived (``send_gate.gated``)."""
    try:
        if gate is not None:
            # Only gateways that gate_requests take a gate; the Gateway protocol does not.
            return gateway.send(sms, gate=gate, answered=answered)  # type: ignore[call-arg]  # see above
        return gateway.send(sms)
    except NotSent:
        raise
    except SmsFailure as exc:
        return exc.failure
    except Exception:  # noqa: BLE001 - the message may have left: never resend blindly
        log.exception("gateway %s raised while sending reminder %s", gateway.name, reminder_id)
        return Failure(FailureKind.UNCERTAIN, NO_ANSWER_REASON)


def _record_answer(answer: Answer, tick: Tick) -> str:
    """Record the provider's answer, in the caller's transaction; the reminder's state.

    Accepted, with our message still ``pending`` (the usual case): two UPDATEs (one
    statement on PostgreSQL), the message first and then the reminder (the order the
    status webhook locks them in). A failure, or a status callback that came first:
    the full record, ``_record_in``.
    """
    outcome, sms = answer.outcome, answer.sms
    if isinstance(outcome, SendResult) and message_status.advances(
        message_status.PENDING, outcome.status
    ):
        conn = db.session.connection()
        state = ReminderState.DELIVERED if outcome.status == "delivered" else ReminderState.SENT
        params = {
            "acc_message": sms.message_id,
            "acc_reminder": answer.reminder_id,
            "acc_status": outcome.status,
            "acc_sid": outcome.provider_sid,
            "acc_from": (outcome.from_number or "")[:40],
            "acc_state": state,
            "acc_updated": utcnow(),
        }
        if _one_trip(conn):
            moved, new_state = conn.execute(_ACCEPTED_ONE_TRIP, params).one()
            updated = new_state is not None
        else:
            moved = conn.execute(_ACCEPTED_MESSAGE, params).rowcount
            updated = bool(moved) and conn.execute(_ACCEPTED_REMINDER, params).rowcount == 1
        if moved == 1:
            log.info(
                "reminder %s sent to %s via %s",
                answer.reminder_id,
                mask_phone(sms.to),
                tick.gateway.name,
            )
            if updated:
                return str(state)
            # No longer ours, or a newer message: the message moved, the reminder not.
            return str(
                db.session.scalar(sa.select(_R.c.state).where(_R.c.id == answer.reminder_id))
            )
    return _record_in(answer.reminder_id, sms.message_id, outcome, tick.now, tick.settings)


def _record_in(
    reminder_id: int, message_id: int, outcome: Any, now: datetime, settings: Settings
) -> str:
    """The full record of an answer (the ORM rows and reminder_outcomes' rules)."""
    message: Message = _locked(Message, message_id)  # message, then reminder: as the webhook
    reminder: Reminder = _locked(Reminder, reminder_id)
    if isinstance(outcome, Failure):
        if reminder.message_id == message.id and reminder.state == ReminderState.SENDING:
            record_failure(reminder, message, outcome, now, settings)
        else:
            message.error_code = outcome.code
        return str(reminder.state)
    if outcome.provider_sid and not message.provider_sid:
        message.provider_sid = outcome.provider_sid
    if outcome.from_number:
        message.from_number = outcome.from_number[:40]
    record_accepted(reminder, message, outcome.status)
    log.info(
        "reminder %s sent to %s via %s",
        reminder.id,
        mask_phone(message.to_number),
        message.gateway,
    )
    return str(reminder.state)


def _accepted(answer: Answer) -> SendResult | None:
    """The provider's acceptance, if it moves a ``pending`` message on (the usual case)."""
    outcome = answer.outcome
    if isinstance(outcome, SendResult) and message_status.advances(
        message_status.PENDING, outcome.status
    ):
        return outcome
    return None


#: Accepted answers that may be recorded the fast way (``accepted_many``), each with
#: what the provider said, the reminder's new state, and the batch's rows.
FastAnswers = tuple[list[tuple[Answer, SendResult]], dict[int, ReminderState], list[AnswerRow]]


def _fast_answers(answers: list[Answer]) -> FastAnswers:
    """The accepted answers whose messages may still be ``pending`` (the usual case),
    their reminders' new states, and their rows for ``accepted_many``'s statements."""
    fast = [(answer, result) for answer in answers if (result := _accepted(answer))]
    states = {
        answer.reminder_id: (
            ReminderState.DELIVERED if result.status == "delivered" else ReminderState.SENT
        )
        for answer, result in fast
    }
    rows: list[AnswerRow] = [
        (
            answer.sms.message_id,
            answer.reminder_id,
            result.status,
            result.provider_sid,
            (result.from_number or "")[:40],
            states[answer.reminder_id].value,
        )
        for answer, result in fast
    ]
    return fast, states, rows


def _recorded_fast(
    fast: FastAnswers, moved: set[int], updated: set[int], tick: Tick
) -> dict[int, str]:
    """What became of the fast answers' reminders, given the messages that moved on
    and the reminders made sent or delivered; logged. A reminder whose message moved
    but which did not change (no longer ours, or a newer message) is read as it is
    (in the caller's transaction); one whose message did not move is not in it (the
    full record decides)."""
    answers, states, _ = fast
    done: dict[int, str] = {}
    for answer, _result in answers:
        if answer.sms.message_id in moved:
            log.info(
                "reminder %s sent to %s via %s",
                answer.reminder_id,
                mask_phone(answer.sms.to),
                tick.gateway.name,
            )
            if answer.reminder_id in updated:
                done[answer.reminder_id] = str(states[answer.reminder_id])
    # Moved, but no longer ours or a newer message: the message moved, the reminder not.
    others = [a.reminder_id for a, _ in answers if a.sms.message_id in moved]
    others = [rid for rid in others if rid not in done]
    if others:
        done.update(
            (rid, str(state))
            for rid, state in db.session.execute(
                sa.select(_R.c.id, _R.c.state).where(_R.c.id.in_(others))
            ).all()
        )
    return done


def _record_answers(answers: list[Answer], tick: Tick) -> list[tuple[int, str]]:
    """Record a batch's answers, in the caller's transaction; each reminder's state.

    The accepted ones whose messages are still ``pending`` (the usual case) with two
    statements for all of them (``accepted_many``); the rest - a failure, a status
    callback that came first - one by one (``_record_answer``).
    """
    fast = _fast_answers(answers)
    rows = fast[2]
    if len(rows) < 2:
        return [(answer.reminder_id, _record_answer(answer, tick)) for answer in answers]
    conn = db.session.connection()
    params: dict[str, Any] = {"acc_updated": utcnow()}
    if _one_trip(conn):  # PostgreSQL: one statement, the answers as arrays
        params.update(answers_as_arrays(rows))
        done_rows = conn.execute(ACCEPTED_ONE_TRIP, params).all()
        moved = {ident for kind, ident in done_rows if kind == "message"}
        updated = {ident for kind, ident in done_rows if kind == "reminder"}
    else:
        # SQLite: two statements, compiled once for each number of answers (driver_sql).
        params.update(answers_numbered(rows))
        moved = set(execute_built(conn, messages_moved, len(rows), params).scalars().all())
        params.update(moved_numbered(len(rows), moved))
        updated = set(execute_built(conn, reminders_sent, len(rows), params).scalars().all())
    done = _recorded_fast(fast, moved, updated, tick)
    return [
        (a.reminder_id, done[a.reminder_id])
        if a.reminder_id in done
        else (a.reminder_id, _record_answer(a, tick))
        for a in answers
    ]


def _record_alone(answer: Answer, tick: Tick) -> str:
    """Record one answer in a transaction of its own; "error" if even that fails (the
    reminder then stays handed over, and becomes uncertain: it has left)."""
    try:
        with transaction():
            return _record_answer(answer, tick)
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        log.exception("reminder %s: recording the answer failed", answer.reminder_id)
        return "error"


def send_claimed(
    reminder_id: int,
    claimer: str,
    now: datetime,
    settings: Settings,
    gateway: Gateway,
    elapsed: timedelta = timedelta(0),
) -> str:
    """Send one claimed reminder on its own (check, hand over, send, record); returns
    what became of it. ``dispatch_due`` does the same for a batch, recording each
    answer in the transaction that hands over the next reminder."""
    tick = Tick.start(claimer, now, settings, gateway, [reminder_id])
    with transaction():
        step, sms = _hand_over(reminder_id, tick, elapsed)
    if sms is None:
        return step
    answer = Answer(reminder_id, sms, _send(gateway, sms, reminder_id))
    with transaction():
        return _record_answer(answer, tick)


# --- a hand-over batch ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What became of a reminder in a hand-over transaction: to be sent (``sms``), or
    not, and why (``step``, as ``_prepare_in`` returns it)."""

    reminder_id: int
    step: str
    sms: OutgoingSms | None


def _elapsed(started: float) -> timedelta:
    """How long the tick has been sending: the lease runs on while a batch is sent."""
    return timedelta(seconds=time.monotonic() - started)


def _take_back(handed: Step, tick: Tick, elapsed: timedelta) -> tuple[str, OutgoingSms | None]:
    """A reminder handed over but not sent (a check failed just before its send), in the
    caller's transaction: its Message row, which never left, is removed, and the full
    check decides again (``_prepare_in``: why not, or a new Message row to send now,
    e.g. to a number changed meanwhile). "gone" if it is no longer ours as handed over
    (then nothing is changed, and its claim's timeout decides)."""
    assert handed.sms is not None
    reminder: Reminder | None = _locked(Reminder, handed.reminder_id)
    if (
        reminder is None
        or reminder.state != ReminderState.SENDING
        or not _owned_by(reminder, tick.claimer)
        or reminder.message_id != handed.sms.message_id
    ):
        return "gone", None
    reminder.message_id = None
    db.session.flush()
    db.session.execute(_DROP_MESSAGE, {"drop_id": handed.sms.message_id})
    return _prepare_in(
        handed.reminder_id, tick.claimer, tick.now, tick.settings, tick.gateway, elapsed
    )


def _step(item: int | Step, tick: Tick, elapsed: timedelta) -> Step:
    """Hand over a claimed reminder (an id), or take back one not sent (a ``Step``)."""
    if isinstance(item, Step):
        return Step(item.reminder_id, *_take_back(item, tick, elapsed))
    return Step(item, *_hand_over(item, tick, elapsed))


def _step_alone(item: int | Step, tick: Tick, started: float) -> Step:
    """``_step`` in a transaction of its own; "error" if even that fails (the lease, or
    for one handed over already the claim's timeout, decides)."""
    reminder_id = item.reminder_id if isinstance(item, Step) else item
    try:
        with transaction():
            return _step(item, tick, _elapsed(started))
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        db.session.rollback()
        log.exception("reminder %s: dispatch failed; its lease decides", reminder_id)
        return Step(reminder_id, "error", None)


def _next_batch(
    batch: list[int], answered: list[Answer], unsent: list[Step], tick: Tick, started: float
) -> tuple[list[tuple[int, str]], list[Step], int | None]:
    """One transaction: record the previous batch's answers, take back what it handed
    over but did not send, and hand over this batch (``sms.hand_over_batch_size``
    reminders). Committed before any of them is sent: at any moment at most one
    batch of a worker is handed over without its answers recorded. Returns (each
    previous reminder and what became of it; each of this transaction's reminders;
    on SQLite the database's ``data_version`` as this transaction checked it).

    A failure costs no more than before: the answers are recorded one by one, each
    in a transaction of its own, and so is each reminder handed over - except the one
    whose statement failed, and every one when the commit itself failed (it may have
    happened): those are left to their lease, never handed over twice. On PostgreSQL
    the batch is handed over with one statement (``_hand_over_many``); when that one
    fails, no reminder in particular did, and nothing of it stays (the transaction
    rolled back): each is handed over alone, and one whose own hand-over fails then
    is left to its lease.
    """
    items: list[int | Step] = [*unsent, *batch]
    phase, current = "record", -1
    try:
        with transaction():
            recorded = _record_answers(answered, tick)
            phase = "hand over"
            steps: list[Step] = []
            for take in unsent:
                current = len(steps)  # the one whose statements fail, if any
                steps.append(_step(take, tick, _elapsed(started)))
            # PostgreSQL: the batch with one statement. If it fails, none in particular
            # did: each is handed over alone below (the transaction rolled back).
            current = -1
            many = _hand_over_many(batch, tick, _elapsed(started))
            for reminder_id in batch:
                current = len(steps)
                if reminder_id in many:
                    step = _handed_over(reminder_id, *many[reminder_id], tick, _elapsed(started))
                else:
                    step = _hand_over(reminder_id, tick, _elapsed(started))
                steps.append(Step(reminder_id, *step))
            # Inside the transaction: no other writer until its commit.
            version = _data_version(tick) if len(items) > 1 else None
            phase = "commit"
        return recorded, steps, version
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        log.exception("dispatch: a hand-over batch failed (%s)", phase)
    if phase == "commit":
        tick.stop_handing_over = True
    recorded, steps = _batch_alone(answered, items, phase == "commit", current, tick, started)
    return recorded, steps, None


def _batch_alone(
    answered: list[Answer],
    items: list[int | Step],
    committed_maybe: bool,
    current: int,
    tick: Tick,
    started: float,
) -> tuple[list[tuple[int, str]], list[Step]]:
    """After a batch transaction failed: each answer recorded, and each reminder
    handed over (or taken back), in a transaction of its own - except, when the
    commit may have happened (``committed_maybe``), every reminder, and otherwise
    the one whose statement failed (``current``, an index into ``items``; -1 when
    none in particular): those are left to their lease, never handed over twice."""
    recorded = [(a.reminder_id, _record_alone(a, tick)) for a in answered]
    steps = []
    for index, item in enumerate(items):
        if committed_maybe or index == current:
            # Its hand-over may have been the failure, or the commit: the lease decides.
            reminder_id = item.reminder_id if isinstance(item, Step) else item
            steps.append(Step(reminder_id, "error", None))
        else:
            steps.append(_step_alone(item, tick, started))
    return recorded, steps


def _still_clear_params(handed: Step, tick: Tick, elapsed: timedelta) -> dict[str, Any]:
    """The parameters of ``_STILL_CLEAR`` for a reminder handed over (``handed.sms``)."""
    sms = handed.sms
    assert sms is not None
    seen = tick.claimed.get(handed.reminder_id)
    digest = (
        seen.digest
        if seen is not None and seen.phone == sms.to
        else number_hash(sms.to, tick.key or current_key())
    )
    return {
        "new_reminder": handed.reminder_id,
        "new_message": sms.message_id,
        "new_claimer": tick.claimer,
        "new_lease_from": tick.now + elapsed - tick.lease,
        "new_body": sms.body,
        "new_phone": sms.to,
        "new_hash": digest,
        "new_now": tick.now,
    }


def _still_clear(handed: Step, tick: Tick, elapsed: timedelta) -> bool:
    """Every send-time check again, just before the send (one read, no commit); False
    also when the read fails (the reminder is then taken back, not sent)."""
    params = _still_clear_params(handed, tick, elapsed)
    conn = tick.reads or db.session.connection()
    try:
        return conn.execute(_STILL_CLEAR, params).first() is not None
    except Exception:  # noqa: BLE001 - when in doubt, do not send
        if tick.reads is not None:
            conn.rollback()
        else:
            db.session.rollback()
        log.exception("reminder %s: the check before sending failed", handed.reminder_id)
        return False


def _read_ahead(tick: Tick) -> ReadAhead | None:
    """PostgreSQL: ``_STILL_CLEAR`` prepared on the tick's connection for reads (once a
    tick); None on SQLite, or once it failed (``_still_clear`` then reads)."""
    if tick.ahead is None and tick.reads is not None and not tick.ahead_failed:
        try:
            tick.ahead = ReadAhead(tick.reads, _STILL_CLEAR, "rekruttering_still_clear")
        except Exception:  # noqa: BLE001 - the plain read stays
            tick.ahead_failed = True
            log.exception("dispatch: preparing the check before sends failed")
    return tick.ahead


def _gate(handed: Step, tick: Tick, elapsed: timedelta) -> Gate:
    """The check before a later send of a batch, as the gateway's gate (``send_gate``):
    called at the moment the request leaves, True if still clear to send.

    PostgreSQL: the read is sent now, on the connection for reads, and its answer
    collected when the gate is called (``read_ahead``): the round trip overlaps the
    HTTP client's own work before its request leaves. Now is never before the send
    before this one is over: its provider has answered (``_send_gated``), or it is the
    first of a batch whose hand-over has committed (``_check_early``). Elsewhere
    (SQLite, or once sending ahead failed) the gate reads when called
    (``_still_clear``). A read that fails says no: the reminder is taken back, not
    sent."""
    ahead = _read_ahead(tick)
    if ahead is None:
        return lambda: _still_clear(handed, tick, elapsed)
    try:
        tick.ahead_for = handed.reminder_id
        ahead.send(_still_clear_params(handed, tick, elapsed))
    except Exception:  # noqa: BLE001 - when in doubt, do not send
        _ahead_failed(tick, handed.reminder_id)
        return lambda: False

    def found() -> bool:
        try:
            return ahead.found()
        except Exception:  # noqa: BLE001 - when in doubt, do not send
            _ahead_failed(tick, handed.reminder_id)
            return False

    return found


def _ahead_failed(tick: Tick, reminder_id: int | None) -> None:
    log.exception("reminder %s: the check before sending failed", reminder_id)
    tick.ahead, tick.ahead_failed = None, True
    if tick.reads is not None:
        try:  # its libpq state is unknown: a new connection for the plain reads
            tick.reads.invalidate()
            tick.reads.rollback()
        except Exception:  # noqa: BLE001 - closing a broken connection
            log.exception("dispatch: closing the connection for reads failed")


def _send_gated(
    handed: Step, tick: Tick, started: float, then: Step | None = None
) -> SendResult | Failure | None:
    """Send a later reminder of a batch, checked again at the moment it leaves
    (``_gate``); None when the check said no (nothing was sent).

    A gateway that ``gates_requests`` tells when the provider's answer has arrived
    (``send_gate``): the send is over then, and the check of the next reminder of the
    batch (``then``) starts at once, while the client works out the answer (on
    PostgreSQL its read is on its way; ``tick.early`` until that reminder's send)."""
    sms = handed.sms
    assert sms is not None
    gate = _early_gate(handed.reminder_id, tick) or _gate(handed, tick, _elapsed(started))
    ahead = tick.ahead
    result: SendResult | Failure | None = None
    try:
        if getattr(tick.gateway, "gates_requests", False):

            def answered() -> None:
                if then is not None and then.sms is not None:
                    tick.early = (then.reminder_id, _gate(then, tick, _elapsed(started)))

            result = _send(tick.gateway, sms, handed.reminder_id, gate, answered)
        elif gate():
            result = _send(tick.gateway, sms, handed.reminder_id)
    except NotSent:
        result = None
    # (Interrupted, the tick ends: ``_tick`` drops the connection if a read is pending.)
    # The send did not get as far as the gate: this reminder's read is collected (a read
    # on its way is the next reminder's, started once the provider answered: it stays).
    if ahead is not None and tick.ahead is ahead and tick.ahead_for == handed.reminder_id:
        _drain(tick)
    return result


def _early_gate(reminder_id: int, tick: Tick) -> Gate | None:
    """The check started early for this reminder (``tick.early``), if any; one started
    for another (which is then not sent next) is forgotten."""
    early = tick.early
    if early is not None and early[0] == reminder_id:
        tick.early = None
        return early[1]
    _forget_early(tick)
    return None


def _forget_early(tick: Tick) -> None:
    """A check started early whose reminder is not sent after all: its read's answer
    is collected (the connection must be idle when it is next used)."""
    if tick.early is not None:
        tick.early = None
        _drain(tick)


def _drop_pending_read(tick: Tick) -> None:
    """The tick ends by an exception while a read is on its way (perhaps half sent, or
    its answer half read): the connection for reads is dropped, not given back to the
    pool with an answer pending."""
    if tick.ahead is None or not tick.ahead.pending or tick.reads is None:
        return
    log.warning("dispatch: ended with a check on its way; its connection is dropped")
    tick.ahead, tick.ahead_failed = None, True
    try:
        tick.reads.invalidate()
    except Exception:  # noqa: BLE001 - closing a broken connection
        log.exception("dispatch: closing the connection for reads failed")


def _drain(tick: Tick) -> None:
    """Collect an answer of ``tick.ahead`` that nobody asked for."""
    if tick.ahead is None:
        return
    try:
        tick.ahead.drain()
    except Exception:  # noqa: BLE001 - the read's answer is not needed
        _ahead_failed(tick, tick.ahead_for)


@contextmanager
def reads_apart(size: int) -> Iterator[sa.Connection | None]:
    """PostgreSQL, batches of more than one (``size``): a connection of its own, in autocommit,
    for the reads before sends. On the tick's connection such a read would begin a
    transaction and leave it open while the provider is called (psycopg begins one
    before any statement); in autocommit the read is one round trip and nothing stays
    open. None on SQLite, whose driver begins no transaction for a read."""
    if size <= 1 or db.engine.dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect() as conn, generic_plans(conn):
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def _data_version(tick: Tick) -> int | None:
    """SQLite: ``PRAGMA data_version``, which changes on this connection when another
    connection commits to the database (this connection's own commits leave it as
    it is). None on PostgreSQL, which has no such counter.

    Asked of the driver's connection itself (the session's, so the same connection;
    a tick holds one, ``one_connection``), by a cursor of the tick's own
    (``tick.versions``): it is asked before every later send of a batch; through
    SQLAlchemy's ``execute`` it cost ~0.08 ms a reminder, and finding the session's
    connection for each question a tenth of that. None once that cursor failed (the
    connection went away): a version of another connection must never be compared
    with this one's, so for the rest of the tick every later send is checked."""
    if tick.versions is None:
        if tick.versions_failed:
            return None
        conn = db.session.connection()
        if conn.dialect.name != "sqlite":
            return None
        driver = conn.connection.driver_connection
        assert driver is not None
        tick.versions = driver.cursor()
    try:
        (row,) = tick.versions.execute("PRAGMA data_version").fetchall()
    except sqlite3.Error:
        log.exception("dispatch: asking SQLite's data_version failed; each send is checked")
        tick.versions, tick.versions_failed = None, True
        return None
    return int(row[0])


@contextmanager
def _versions_closed(tick: Tick) -> Iterator[None]:
    """The tick's ``data_version`` cursor is closed when its batches are done (its
    connection goes back to the pool)."""
    try:
        yield
    finally:
        if tick.versions is not None:
            tick.versions.close()
            tick.versions = None


def _unchanged(version: int | None, tick: Tick, started: float) -> bool:
    """Nothing can have changed since the hand-over checked: SQLite says no other
    connection has committed since (``version``), and the lease still holds (a claim
    of this tick was made at ``tick.now``). Then the check before a send is the
    hand-over's own; otherwise ``_still_clear`` reads it again."""
    return version is not None and _elapsed(started) < tick.lease and _data_version(tick) == version


def _send_batch(
    steps: list[Step],
    tick: Tick,
    report: DispatchReport,
    started: float,
    version: int | None,
    check_first: bool = False,
) -> tuple[list[Answer], list[Step]]:
    """Send what a hand-over transaction handed over, one by one; (the answers, to be
    recorded with the next hand-over; those not sent, to be taken back there).

    The first is sent right after the commit that checked it; each later one is
    checked again before its own send, after the send before it is over (``_gate``),
    so a STOP, a withdrawn consent or a cancelled session that arrives while the batch
    is being sent stops the reminders of it not yet sent, as when each had its own
    transaction. On
    SQLite that read is skipped when no other connection has committed since the
    hand-over (``_unchanged``): nothing it would read can differ. With
    ``check_first`` the first is checked too (its hand-over was not the last commit).
    """
    answered: list[Answer] = []
    unsent: list[Step] = []
    following = _next_to_send(steps)
    try:
        for position, handed in enumerate(steps):
            if handed.sms is None:
                _count(report, handed.reminder_id, handed.step)
            elif (answered or check_first) and not _unchanged(version, tick, started):
                checked = _send_gated(handed, tick, started, following[position])
                if checked is None:
                    unsent.append(handed)
                else:
                    answered.append(Answer(handed.reminder_id, handed.sms, checked))
            else:
                outcome = _send(tick.gateway, handed.sms, handed.reminder_id)
                answered.append(Answer(handed.reminder_id, handed.sms, outcome))
    finally:
        _forget_early(tick)  # started for the next one, and the batch ended before it
    return answered, unsent


def _next_to_send(steps: list[Step]) -> list[Step | None]:
    """For each step, the next one after it that is to be sent (None: none)."""
    following: list[Step | None] = []
    then: Step | None = None
    for step in reversed(steps):
        following.append(then)
        if step.sms is not None:
            then = step
    following.reverse()
    return following


def _send_in_batches(
    ids: list[int], size: int, tick: Tick, report: DispatchReport, started: float
) -> None:
    """Send the claimed reminders in batches of ``size`` (K): each batch's transaction
    (``_next_batch``) records the previous batch's answers and hands over this one;
    then this batch is sent (``_send_batch``)."""
    answered: list[Answer] = []  # sent, their answers not yet recorded
    unsent: list[Step] = []  # handed over, not sent: to be taken back
    position = 0
    while (position < len(ids) and not tick.stop_handing_over) or answered or unsent:
        batch = [] if tick.stop_handing_over else ids[position : position + size]
        position += len(batch)
        recorded, steps, version = _next_batch(batch, answered, unsent, tick, started)
        for reminder_id, result in recorded:
            _count(report, reminder_id, result)
        answered, unsent = _send_batch(steps, tick, report, started, version)


# --- PostgreSQL: the next batch's transaction under way while this batch is sent --------


@dataclass
class _Ahead:
    """A batch transaction sent ahead (``batch_in_flight``): the answers it records
    (``fast``) and the reminders it hands over (``batch``), and the statements' order."""

    flight: InFlight
    fast: FastAnswers
    batch: list[int]
    records: bool
    hands_over: bool


@lru_cache(maxsize=1)
def _prepared_batch() -> tuple[Prepared, Prepared]:
    """PostgreSQL: the answers and the hand-over statements, compiled once."""
    return (
        Prepared(ACCEPTED_ONE_TRIP, "rekruttering_answers"),
        Prepared(HAND_OVER_MANY, "rekruttering_hand_over"),
    )


def _send_ahead(
    connection: sa.Connection,
    batch: list[int],
    answered: list[Answer],
    unsent: list[Step],
    tick: Tick,
    started: float,
    steps: list[Step],
) -> _Ahead | None:
    """Send the transaction that records ``answered`` and hands over ``batch``
    without waiting for it (``batch_in_flight``), if it can go the fast way: every
    answer an acceptance of a message still to move on, every reminder as the claim
    read it, nothing to take back, not quiet hours. None otherwise (nothing sent:
    ``_next_batch`` does it), or if sending failed (then the connection is dropped,
    and ``_next_batch`` does it on a new one). Just before it, the check of the first
    of ``steps`` (the batch to be sent meanwhile) is started (``_check_early``)."""
    fast = _fast_answers(answered)
    wanted = _wanted(batch, tick)
    if (
        unsent
        or tick.quiet
        or len(fast[2]) != len(answered)
        or len(wanted) != len(batch)
        or not (answered or batch)
        or connection.in_transaction()
    ):
        return None
    answers_statement, hand_over_statement = _prepared_batch()
    statements: list[tuple[Prepared, dict[str, Any]]] = []
    if answered:
        statements.append(
            (answers_statement, {"acc_updated": utcnow(), **answers_as_arrays(fast[2])})
        )
    if batch:
        common = _hand_over_common(tick, _elapsed(started))
        statements.append((hand_over_statement, hand_over_params(wanted, tick.claimer, **common)))
    try:
        _check_early(steps, tick, started)
        flight = InFlight(connection, statements)
    except Exception:  # noqa: BLE001 - the batch is then made the usual way
        log.exception("dispatch: sending a batch ahead failed")
        _forget_early(tick)  # checked again after that transaction
        return None
    return _Ahead(flight, fast, batch, bool(answered), bool(batch))


def _landed(ahead: _Ahead, tick: Tick, started: float) -> tuple[list[tuple[int, str]], list[Step]]:
    """Wait for a batch transaction sent ahead; (each answered reminder and what became
    of it, each reminder of its batch as handed over). What it could not settle - an
    answer whose message had moved on already, a reminder it did not hand over - is
    settled now, each in a transaction of its own, as ``_next_batch`` would have. If
    it failed, as when ``_next_batch``'s transaction fails (``_batch_alone``)."""
    answers = [answer for answer, _ in ahead.fast[0]]
    try:
        results = ahead.flight.collect()
    except InFlightFailed as exc:
        log.error("dispatch: a hand-over batch failed (%s)", exc)
        tick.stop_handing_over = tick.stop_handing_over or exc.committed_maybe
        items: list[int | Step] = list(ahead.batch)
        return _batch_alone(answers, items, exc.committed_maybe, -1, tick, started)
    recorded: list[tuple[int, str]] = []
    if ahead.records:
        rows = results.pop(0)
        moved = {int(ident) for kind, ident in rows if kind == b"message" and ident is not None}
        updated = {int(ident) for kind, ident in rows if kind == b"reminder" and ident is not None}
        done: dict[int, str] = {}
        try:
            if all(a.reminder_id in updated for a in answers if a.sms.message_id in moved):
                done = _recorded_fast(ahead.fast, moved, updated, tick)
            else:  # some need a read (``_recorded_fast``)
                with transaction():
                    done = _recorded_fast(ahead.fast, moved, updated, tick)
        except Exception:  # noqa: BLE001 - each is then recorded alone (below)
            db.session.rollback()
            log.exception("dispatch: reading what became of a batch's answers failed")
        recorded = [
            (a.reminder_id, done[a.reminder_id])
            if a.reminder_id in done
            else (a.reminder_id, _record_alone(a, tick))
            for a in answers
        ]
    steps: list[Step] = []
    if ahead.hands_over:
        handed = {as_int(rid): (as_int(w), as_int(h)) for rid, w, h in results.pop(0)}
        for reminder_id in ahead.batch:
            written, to = handed.get(reminder_id, (None, None))
            if to is not None:
                seen = tick.claimed[reminder_id]
                sms = OutgoingSms(to=seen.phone, body=seen.body, message_id=to)
                steps.append(Step(reminder_id, "send", sms))
            else:
                steps.append(_settle_alone(reminder_id, written, tick, started))
    return recorded, steps


def _settle_alone(reminder_id: int, written: int | None, tick: Tick, started: float) -> Step:
    """A reminder a batch sent ahead did not hand over (a check failed, or it was
    taken from us between the statement's steps), in a transaction of its own: the
    message written for it, if any, is removed, and the full check decides
    (``_handed_over``). "error" if that fails (its lease decides)."""
    try:
        with transaction():
            return Step(
                reminder_id,
                *_handed_over(reminder_id, written, None, tick, _elapsed(started)),
            )
    except Exception:  # noqa: BLE001 - one bad row must not stop the batch
        db.session.rollback()
        log.exception("reminder %s: dispatch failed; its lease decides", reminder_id)
        return Step(reminder_id, "error", None)


def _recheck_prepared(connection: sa.Connection) -> None:
    """Ask again which statements are prepared on the tick's connection (after a path
    that may have rolled back: psycopg then deallocates them)."""
    try:
        check_prepared(connection)
    except Exception:  # noqa: BLE001 - the next batch then goes the usual way
        log.exception("dispatch: asking for the prepared statements failed")


def window_size(batch_size: int) -> int:
    """How many reminders each transaction hands over when the next one is under way
    while a batch is sent (``_send_in_window``): half of ``sms.hand_over_batch_size``
    (K), so that at most K are handed over without their answers recorded."""
    return max(batch_size // 2, 1)


def _send_in_window(
    ids: list[int],
    connection: sa.Connection,
    tick: Tick,
    report: DispatchReport,
    started: float,
) -> None:
    """PostgreSQL: send the claimed reminders in batches of half of K
    (``window_size``), the transaction that records one batch's answers and hands
    over the batch after next under way while the next batch is sent.

    Before each batch (B) is sent, the transaction (T) that records the previous
    batch's answers and hands over the batch after B is sent to the server
    (``_send_ahead``); B is sent while the server works; then T's answers are
    collected. T commits before any reminder it hands over is sent. Handed over
    without their answers recorded are at most two batches: until T commits, the
    previous batch and B; after it, B and the one T handed over: never more than K,
    as with ``_tick``'s batches of K. Each reminder is checked again just before its
    send (its hand-over was not the last commit); the read that checks B's first is
    sent just before T, so that the server runs it first (``_check_early``), and each
    later one's as soon as the provider has answered the send before it
    (``_send_gated``). A transaction that cannot go the
    fast way (a failure to record, one to take back, quiet hours) is made the usual
    way (``_next_batch``), at the same point: before B is sent."""
    half = window_size(tick.settings.sms.hand_over_batch_size)
    batches = [ids[i : i + half] for i in range(0, len(ids), half)]
    _recheck_prepared(connection)
    recorded, steps, _ = _next_batch(batches[0], [], [], tick, started)
    answered: list[Answer] = []
    unsent: list[Step] = []
    position = 1
    while True:
        for reminder_id, result in recorded:
            _count(report, reminder_id, result)
        batch = batches[position] if position < len(batches) else []
        position += 1
        if tick.stop_handing_over:
            batch = []  # the rest of the claim goes back by its lease
        if not (steps or batch or answered or unsent):
            return
        if unsent:
            # Those taken back may be handed over anew: this transaction hands over no
            # other (the batch waits for the next), so never more than K are open.
            position -= 1
            batch = []
        ahead = _send_ahead(connection, batch, answered, unsent, tick, started, steps)
        recorded, after = [], list[Step]()
        if ahead is None and (batch or answered or unsent):
            recorded, after, _ = _next_batch(batch, answered, unsent, tick, started)
            _recheck_prepared(connection)  # a rollback in it deallocates them
        try:
            answered, unsent = _send_batch(steps, tick, report, started, None, check_first=True)
        except BaseException:
            if ahead is not None:  # the tick ends with a transaction under way
                ahead.flight.abandon()
            raise
        if ahead is not None:
            recorded, after = _landed(ahead, tick, started)
            if tick.stop_handing_over:
                _recheck_prepared(connection)
        steps = after


def _check_early(steps: list[Step], tick: Tick, started: float) -> None:
    """Start the check of the first reminder of a batch to be sent (its hand-over has
    committed) just before the next batch transaction is sent the fast way
    (``_send_ahead``): the server then runs the short read first, not after the
    transaction (on two cores the read waited for it, ~1.5 ms, in most batches).
    Nothing it reads is changed by that transaction: it records accepted answers
    only (a refusal, which may record an opt-out, goes the usual way, and the check
    is then made after it) and hands over other reminders."""
    first = next((step for step in steps if step.sms is not None), None)
    if first is not None and tick.early is None:
        tick.early = (first.reminder_id, _gate(first, tick, _elapsed(started)))


# --- PostgreSQL: a tick's start in one round trip -------------------------------------


@lru_cache(maxsize=1)
def _release_and_expire() -> tuple[Prepared, Prepared]:
    """``_RELEASE`` and ``_EXPIRE``, each returning the ids it changed (to count them)."""
    return (
        Prepared(_RELEASE.returning(_R.c.id), "rekruttering_release"),
        Prepared(_EXPIRE.returning(_R.c.id), "rekruttering_expire"),
    )


@lru_cache(maxsize=8)
def _claim_and_read(
    lock_choice: Callable[[sa.Select[Any]], sa.Select[Any]],
    still_pending: Callable[[], sa.ColumnElement[bool]],
) -> Prepared:
    """PostgreSQL: the claim's two steps and the read of the claimed reminders' numbers
    (``_claimed_rows``) as one statement. The choice (``_CHOOSE`` with ``lock_choice``'s
    lock) is a CTE, run once, so never more than its limit are taken, whatever the plan
    (unlike ``IN (SELECT ... LIMIT n)``, which a nested loop re-runs for every row:
    ``test_dispatch_safeguards``); PostgreSQL does not fold a locking CTE into the
    query, and MATERIALIZED says so outright. The take (with ``still_pending``'s
    re-check; the lock's own re-check of a row changed meanwhile is PostgreSQL's)
    returns the
    reminders it took, read with their people's numbers. One for each pair of
    safeguards (a test removes one), each prepared under a name of its own text."""
    chosen = lock_choice(_CHOOSE).cte("chosen").prefix_with("MATERIALIZED")
    taken = _taking(
        _R.c.id.in_(sa.select(chosen.c.id)), still_pending, _R.c.id, _R.c.person_id, _R.c.body
    ).cte("taken")
    statement = (
        sa.select(taken.c.id, _P.c.phone, taken.c.body, taken.c.person_id)
        .select_from(taken.outerjoin(_P, _P.c.id == taken.c.person_id))
        .order_by(taken.c.id)
    )
    claim = Prepared(statement, "rekruttering_claim")
    claim.name += b"_" + hashlib.sha256(claim.sql).hexdigest()[:12].encode()
    return claim


def _start_in_one_trip(
    connection: sa.Connection, now: datetime, settings: Settings, limit: int, claimer: str
) -> tuple[int, int, list[ClaimedRow]] | None:
    """PostgreSQL: what a tick does first - leases that ran out released
    (``release_expired_leases``), claims past their timeout made uncertain
    (``expire_stale_claims``), the claim (``claim_due``) and the claimed reminders'
    numbers (``Tick.start``) - as one transaction sent whole (``batch_in_flight``): one
    round trip, where those are four transactions. (released, timed out, the claimed
    rows in id order). None when it did not happen (nothing of it stays): the tick then
    goes the usual way. A commit that may have happened unseen claims nothing for this
    tick: what it claimed goes back when its lease runs out."""
    lease = timedelta(seconds=settings.sms.claim_lease_seconds)
    timeout = timedelta(minutes=settings.sms.claim_timeout_minutes)
    try:
        release, expire = _release_and_expire()
        statements: list[tuple[Prepared, dict[str, Any]]] = [
            (release, {"lease_before": now - lease, "tick_now": now}),
            (expire, {"claimed_before": now - timeout, "tick_now": now}),
            (
                _claim_and_read(_lock_choice, _still_pending),
                {"tick_now": now, "choose_limit": limit, "take_claimer": claimer},
            ),
        ]
        check_prepared(connection)
        released, timed_out, claimed = InFlight(connection, statements).collect()
    except InFlightFailed as exc:
        if not exc.committed_maybe:
            log.error("dispatch: the tick's start failed (%s); the usual way", exc)
            return None
        # Leases released and claims timed out unseen are not counted; what it may have
        # claimed goes back by its lease.
        log.error(
            "dispatch: the tick's start may have committed unseen (%s): releases, "
            "timeouts and a claim may have happened; nothing is sent this tick",
            exc,
        )
        return 0, 0, []
    except Exception:  # noqa: BLE001 - nothing was sent: the usual way
        log.exception("dispatch: the tick's start could not be sent; the usual way")
        return None
    rows: list[ClaimedRow] = []
    for rid, phone, body, person in claimed:
        assert rid is not None and body is not None and person is not None  # NOT NULL
        rows.append(
            (int(rid), None if phone is None else phone.decode(), body.decode(), int(person))
        )
    return _released(len(released)), _timed_out(len(timed_out)), rows


def _count(report: DispatchReport, reminder_id: int, result: str) -> None:
    report.outcomes[reminder_id] = result
    if result in (ReminderState.SENT, ReminderState.DELIVERED):
        report.sent += 1
    elif result == "skipped":
        report.skipped += 1
    elif result in ("deferred", "released"):
        report.deferred += 1
    elif result in (ReminderState.FAILED, ReminderState.UNCERTAIN, "error"):
        report.failed += 1


@contextmanager
def one_connection() -> Iterator[sa.Connection]:
    """Run a tick on one connection of the pool, held from its start to its end.

    The app's session gives its connection back to the pool at every commit and takes
    one again for the next transaction - on PostgreSQL with a ping first
    (``pool_pre_ping``), one more round trip. A tick commits once a reminder, so for
    the tick the app context's session is one bound to a connection held throughout:
    each transaction is still begun, committed and rolled back by ``transaction()``.
    The app context's own session is back in place afterwards.
    """
    # A plain Session, bound to the held connection, stands in for Flask-SQLAlchemy's
    # (whose get_bind would pick the engine, i.e. the pool, again).
    with (
        db.engine.connect() as connection,
        generic_plans(connection),
        session_in_place(sa.orm.Session(bind=connection)),
    ):
        yield connection


def dispatch_due(
    now: datetime | None = None,
    gateway: Gateway | None = None,
    claimer: str | None = None,
    limit: int | None = None,
) -> DispatchReport:
    """One tick: expire stale claims, claim due reminders, send them. Needs an app context."""
    settings = current_settings()
    now = now or utcnow()
    gateway = gateway or build_gateway(settings)
    claimer = claimer or new_claimer_id()
    with one_connection() as connection:
        limit = limit or settings.sms.dispatch_batch_size
        return _tick(now, gateway, claimer, limit, settings, connection)


def _tick(
    now: datetime,
    gateway: Gateway,
    claimer: str,
    limit: int,
    settings: Settings,
    connection: sa.Connection,
) -> DispatchReport:
    report = DispatchReport()
    first = (
        _start_in_one_trip(connection, now, settings, limit, claimer)
        if connection.dialect.name == "postgresql"
        else None
    )
    rows: list[ClaimedRow] | None = None
    if first is not None:
        report.released, report.timed_out, rows = first
        ids = [row[0] for row in rows]
    else:
        report.released = release_expired_leases(
            now, timedelta(seconds=settings.sms.claim_lease_seconds)
        )
        report.timed_out = expire_stale_claims(
            now, timedelta(minutes=settings.sms.claim_timeout_minutes)
        )
        ids = claim_due(now, limit, claimer)
    report.claimed = len(ids)
    tick = Tick.start(claimer, now, settings, gateway, ids, rows)
    started = time.monotonic()
    size = settings.sms.hand_over_batch_size
    with reads_apart(min(size, len(ids))) as tick.reads, _versions_closed(tick):
        try:
            if tick.reads is not None and getattr(gateway, "waits_on_network", False):
                # PostgreSQL, batches of more than one, a gateway that waits on the
                # network and never touches the database: the next transaction under
                # way meanwhile.
                _send_in_window(ids, connection, tick, report, started)
            else:
                _send_in_batches(ids, size, tick, report, started)
        except BaseException:
            _drop_pending_read(tick)
            raise
        finally:
            _forget_early(tick)  # a check started for a reminder not sent after all
    if report.claimed or report.timed_out or report.released:
        log.info(
            "dispatch: %d claimed, %d sent, %d skipped, %d deferred, %d failed, %d timed out, "
            "%d released",
            report.claimed,
            report.sent,
            report.skipped,
            report.deferred,
            report.failed,
            report.timed_out,
            report.released,
        )
    return report
