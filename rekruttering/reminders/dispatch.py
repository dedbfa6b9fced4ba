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

Each safeguard is a small function of its own (``_lock_choice``, ``_still_pending``,
``_owned_by``) so the tests can remove one at a time and show that its test then fails.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rekruttering.config import Settings, current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.phone import mask_phone
from rekruttering.domain.sms_segments import count_segments
from rekruttering.extensions import db
from rekruttering.models import Direction, Message, Reminder, ReminderState, Session
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.sms import message_status
from rekruttering.sms.gateway import Gateway, OutgoingSms, SmsFailure, build_gateway
from rekruttering.sms.provider_errors import NO_ANSWER_REASON, Failure, FailureKind, _l
from rekruttering.sms.reminder_outcomes import quiet_hours, record_accepted, record_failure
from rekruttering.transaction import execute_dml, transaction

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
        count = execute_dml(
            sa.update(Reminder)
            .where(
                Reminder.state == ReminderState.SENDING,
                Reminder.message_id.is_(None),
                Reminder.claimed_at <= now - lease,
            )
            .values(
                state=ReminderState.PENDING,
                claimed_at=None,
                claimed_by=None,
                attempts=Reminder.attempts - 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    if count:
        log.warning(
            "%d claimed reminders were never sent (lease ran out): pending again", count
        )
    return count


def expire_stale_claims(now: datetime, timeout: timedelta) -> int:
    """Reminders handed to the gateway without an answer past the timeout: ``uncertain``."""
    with transaction():
        count = execute_dml(
            sa.update(Reminder)
            .where(
                Reminder.state == ReminderState.SENDING,
                Reminder.message_id.is_not(None),
                Reminder.claimed_at < now - timeout,
            )
            .values(state=ReminderState.UNCERTAIN, last_error=CLAIM_TIMED_OUT, updated_at=now)
            .execution_options(synchronize_session=False)
        )
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
    choose = (
        sa.select(Reminder.id)
        .where(Reminder.state == ReminderState.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    return list(db.session.scalars(_lock_choice(choose)).all())


def take(ids: list[int], now: datetime, claimer: str) -> list[int]:
    """Step 2 of a claim: move exactly these ids to ``sending`` under our claim."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.update(Reminder)
            .where(Reminder.id.in_(ids), _still_pending())
            .values(
                state=ReminderState.SENDING,
                claimed_at=now,
                claimed_by=claimer,
                message_id=None,
                attempts=Reminder.attempts + 1,
                updated_at=now,
            )
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        ).all()
    )


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


def _prepare(
    reminder_id: int,
    claimer: str,
    now: datetime,
    settings: Settings,
    gateway: Gateway,
    elapsed: timedelta = timedelta(0),
) -> tuple[str, OutgoingSms | None]:
    """Check the reminder at the moment of sending and write its Message row.

    ``elapsed`` is how long the tick has been sending (``now`` is its start): the
    lease is checked against ``now + elapsed``. Returns ("send", sms) or
    (outcome, None) when it is not to be sent now.
    """
    with transaction():
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
        sms = OutgoingSms(to=message.to_number, body=message.body, message_id=message.id)
    return "send", sms


def _record(reminder_id: int, message_id: int, outcome: Any, now: datetime, settings: Settings) -> str:
    with transaction():
        reminder: Reminder = _locked(Reminder, reminder_id)
        message: Message = _locked(Message, message_id)
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


def send_claimed(
    reminder_id: int,
    claimer: str,
    now: datetime,
    settings: Settings,
    gateway: Gateway,
    elapsed: timedelta = timedelta(0),
) -> str:
    """Send one claimed reminder; returns what became of it."""
    step, sms = _prepare(reminder_id, claimer, now, settings, gateway, elapsed)
    if sms is None:
        return step
    try:
        outcome: Any = gateway.send(sms)
    except SmsFailure as exc:
        outcome = exc.failure
    except Exception:  # noqa: BLE001 - the message may have left: never resend blindly
        log.exception("gateway %s raised while sending reminder %s", gateway.name, reminder_id)
        outcome = Failure(FailureKind.UNCERTAIN, NO_ANSWER_REASON)
    return _record(reminder_id, sms.message_id, outcome, now, settings)


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
    report = DispatchReport()
    report.released = release_expired_leases(
        now, timedelta(seconds=settings.sms.claim_lease_seconds)
    )
    report.timed_out = expire_stale_claims(
        now, timedelta(minutes=settings.sms.claim_timeout_minutes)
    )
    ids = claim_due(now, limit or settings.sms.dispatch_batch_size, claimer)
    report.claimed = len(ids)
    started = time.monotonic()
    for reminder_id in ids:
        # The lease runs on while the batch is sent: check it against the time spent.
        elapsed = timedelta(seconds=time.monotonic() - started)
        try:
            result = send_claimed(reminder_id, claimer, now, settings, gateway, elapsed)
        except Exception:  # noqa: BLE001 - one bad row must not stop the batch
            db.session.rollback()
            log.exception("reminder %s: dispatch failed; its lease decides", reminder_id)
            result = "error"
        report.outcomes[reminder_id] = result
        if result in (ReminderState.SENT, ReminderState.DELIVERED):
            report.sent += 1
        elif result == "skipped":
            report.skipped += 1
        elif result in ("deferred", "released"):
            report.deferred += 1
        elif result in (ReminderState.FAILED, ReminderState.UNCERTAIN, "error"):
            report.failed += 1
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
