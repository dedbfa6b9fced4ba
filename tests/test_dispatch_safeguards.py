"""The dispatcher's claim, lease and safeguards.

Each safeguard of the claim (SKIP LOCKED, the pending re-check, the claim owner check)
has a scenario with two concurrent dispatchers on PostgreSQL. The scenario returns
the problems it saw; one test shows it sees none with every safeguard in place, and
another removes that one safeguard alone and shows the scenario then catches the
problem (so the test would fail if the safeguard were ever dropped).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Message,
    Person,
    Reminder,
    ReminderState,
)
from rekruttering.reminders import dispatch
from rekruttering.reminders.dispatch import claim_due, dispatch_due
from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.message_status import STORED
from tests.sms_fakes import RecordingGateway

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Oslo: outside quiet hours
WAIT = 20  # seconds a scenario waits for a step before calling it a problem


def due_reminders(make: Any, count: int, due_at: datetime = NOW) -> list[int]:
    """``count`` due reminders for textable people (bulk inserts); their ids in order."""
    centre_id = make.centre().id
    person_ids = db.session.scalars(
        sa.insert(Person).returning(Person.id, sort_by_parameter_order=True),
        [
            {"centre_id": centre_id, "first_name": f"P{n}", "phone": f"+4741{n:06d}"}
            for n in range(count)
        ],
    ).all()
    db.session.execute(
        sa.insert(Consent),
        [
            {
                "centre_id": centre_id,
                "person_id": pid,
                "purpose": ConsentPurpose.SMS,
                "method": ConsentMethod.IN_PERSON,
            }
            for pid in person_ids
        ],
    )
    ids = db.session.scalars(
        sa.insert(Reminder).returning(Reminder.id, sort_by_parameter_order=True),
        [
            {
                "centre_id": centre_id,
                "person_id": pid,
                "body": "Hei",
                "due_at": due_at,
                "state": ReminderState.PENDING,
                "attempts": 0,
            }
            for pid in person_ids
        ],
    ).all()
    db.session.commit()
    db.session.remove()
    return list(ids)


def _state(reminder_id: int) -> Reminder:
    db.session.expire_all()
    return db.session.get(Reminder, reminder_id)


class Parties:
    """Threads with their own app context; exceptions are kept, not lost."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.errors: dict[str, BaseException] = {}
        self.threads: dict[str, threading.Thread] = {}

    def start(self, name: str, work: Callable[[], Any]) -> None:
        def run() -> None:
            with self.app.app_context():
                try:
                    work()
                except BaseException as exc:  # noqa: BLE001 - reported by the scenario
                    self.errors[name] = exc
                finally:
                    db.session.remove()

        thread = threading.Thread(target=run, name=name, daemon=True)
        self.threads[name] = thread
        thread.start()

    def join(self, name: str, timeout: float = WAIT) -> bool:
        self.threads[name].join(timeout)
        return not self.threads[name].is_alive()


@pytest.fixture
def remove(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """``remove("skip_locked")`` takes exactly one safeguard out of the dispatcher."""

    def without(safeguard: str) -> None:
        if safeguard == "skip_locked":
            # Still FOR UPDATE, but waiting for locked rows instead of passing them over.
            monkeypatch.setattr(dispatch, "_lock_choice", lambda q: q.with_for_update())
        elif safeguard == "pending_recheck":
            monkeypatch.setattr(dispatch, "_still_pending", lambda: sa.true())
        elif safeguard == "owner_check":
            monkeypatch.setattr(dispatch, "_owned_by", lambda reminder, claimer: True)
        else:  # pragma: no cover - a typo in a test
            raise ValueError(safeguard)

    yield without


# --- the claim never takes more than the batch --------------------------------------


OLD_CLAIM = """
UPDATE reminder SET state = 'sending', claimed_by = 'old'
WHERE id IN (SELECT id FROM reminder WHERE state = 'pending' AND due_at <= :now
             ORDER BY due_at, id LIMIT :n FOR UPDATE SKIP LOCKED)
  AND state = 'pending'
"""


def the_oldest_500_claimed(ids: list[int], claimed: list[int]) -> None:
    """Five claims of 100 of ``ids`` took the 500 oldest: no gaps, none twice."""
    assert claimed == sorted(ids)[:500]
    counts = db.session.execute(
        sa.select(Reminder.state, sa.func.count()).group_by(Reminder.state)
    ).all()
    assert dict(counts) == {ReminderState.SENDING: 500, ReminderState.PENDING: 500}


@contextmanager
def stale_statistics() -> Iterator[None]:
    """PostgreSQL: the reminder table's statistics say nothing is pending (analysed
    when every reminder was sent), while all are; autovacuum off for the block."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE reminder SET (autovacuum_enabled = false)"))
        conn.execute(sa.text("UPDATE reminder SET state = 'sent'"))
        conn.execute(sa.text("ANALYZE reminder"))  # statistics: nothing is pending
        conn.execute(sa.text("UPDATE reminder SET state = 'pending'"))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE reminder RESET (autovacuum_enabled)"))


@pytest.mark.postgres_only
def test_claim_takes_at_most_the_batch_under_a_nested_loop_plan(app: Flask, make: Any) -> None:
    """With stale statistics (the table analysed when nothing was pending) PostgreSQL
    re-runs an `IN (SELECT ... LIMIT 100)` for every row: the old one-statement claim
    takes thousands. The two-step claim takes exactly the batch, every time."""
    ids = due_reminders(make, 1000)
    with stale_statistics():
        # The trap is real here: the old claim over-claims under these statistics.
        with db.engine.begin() as conn:
            plan = "\n".join(
                conn.scalars(sa.text("EXPLAIN " + OLD_CLAIM), {"now": NOW, "n": 100}).all()
            )
            over = conn.execute(sa.text(OLD_CLAIM), {"now": NOW, "n": 100}).rowcount
            conn.rollback()
        assert "Nested Loop" in plan and over > 100, (over, plan)

        claimed: list[int] = []
        for tick in range(5):
            batch = claim_due(NOW, 100, f"w{tick}")
            assert len(batch) == 100
            claimed += batch
        the_oldest_500_claimed(ids, claimed)


@pytest.mark.postgres_only
def test_claim_takes_at_most_the_batch_with_joins_forced_to_nested_loops(
    app: Flask, make: Any
) -> None:
    """Hash and merge joins switched off for the claiming connection: still the batch."""
    due_reminders(make, 300)
    with dispatch.transaction():
        for setting in ("enable_hashjoin", "enable_mergejoin", "enable_hashagg"):
            db.session.execute(sa.text(f"SET LOCAL {setting} = off"))
        ids = dispatch.take(dispatch.choose_due(NOW, 50), NOW, "w")
    assert len(ids) == 50


# --- the lease ----------------------------------------------------------------------


@pytest.mark.settings(**{"sms.claim_lease_seconds": 120, "sms.claim_timeout_minutes": 10})
def test_claim_never_handed_over_returns_to_pending_when_the_lease_runs_out(
    app: Flask, make: Any
) -> None:
    """A worker claims and dies before writing any Message: after the lease the reminder
    is pending again (the attempt given back) and the next tick sends it once."""
    [rid] = due_reminders(make, 1)
    assert claim_due(NOW, 10, "dead-worker") == [rid]
    gateway = RecordingGateway()
    early = dispatch_due(now=NOW + timedelta(seconds=100), gateway=gateway)
    assert (early.released, early.claimed) == (0, 0)
    assert _state(rid).state == ReminderState.SENDING
    report = dispatch_due(now=NOW + timedelta(seconds=121), gateway=gateway)
    assert report.released == 1 and report.sent == 1
    reminder = _state(rid)
    assert (reminder.state, reminder.attempts) == (ReminderState.SENT, 1)
    assert len(gateway.sent) == 1
    dispatch_due(now=NOW + timedelta(hours=1), gateway=gateway)
    assert len(gateway.sent) == 1


@pytest.mark.settings(**{"sms.claim_lease_seconds": 120, "sms.claim_timeout_minutes": 10})
def test_handed_over_claim_becomes_uncertain_and_is_never_resent(app: Flask, make: Any) -> None:
    """A worker dies after writing the Message (the SMS may have left): the lease does
    not bring it back; after the timeout it is uncertain, and nobody resends it."""
    [rid] = due_reminders(make, 1)

    class DiesWhileSending:
        name = "outbox"

        def send(self, sms: OutgoingSms) -> SendResult:
            raise SystemExit  # the process ends inside the provider call

    with pytest.raises(SystemExit):
        dispatch_due(now=NOW, gateway=DiesWhileSending())  # type: ignore[arg-type]  # a fake gateway
    db.session.rollback()
    reminder = _state(rid)
    assert reminder.state == ReminderState.SENDING and reminder.message_id is not None
    gateway = RecordingGateway()
    assert dispatch_due(now=NOW + timedelta(minutes=5), gateway=gateway).released == 0
    assert _state(rid).state == ReminderState.SENDING
    assert dispatch_due(now=NOW + timedelta(minutes=11), gateway=gateway).timed_out == 1
    assert _state(rid).state == ReminderState.UNCERTAIN
    dispatch_due(now=NOW + timedelta(hours=2), gateway=gateway)
    assert gateway.sent == []


@pytest.mark.settings(**{"sms.claim_lease_seconds": 60})
def test_a_worker_hands_back_what_it_has_not_sent_when_its_own_lease_runs_out(
    app: Flask, make: Any
) -> None:
    """A slow worker stops sending at the end of its lease and hands the rest back."""
    first, second = due_reminders(make, 2)
    ids = claim_due(NOW, 10, "slow")
    assert ids == [first, second]
    settings = current_settings(app)
    gateway = RecordingGateway()
    assert dispatch.send_claimed(first, "slow", NOW, settings, gateway) == ReminderState.SENT
    late = dispatch.send_claimed(
        second, "slow", NOW, settings, gateway, elapsed=timedelta(seconds=61)
    )
    assert late == "released"
    reminder = _state(second)
    assert (reminder.state, reminder.claimed_by, reminder.attempts) == (
        ReminderState.PENDING,
        None,
        0,
    )
    assert len(gateway.sent) == 1


# --- SKIP LOCKED ----------------------------------------------------------------------


def skip_locked_scenario(app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A claims 10 of 20 and holds its transaction open; B claims meanwhile.

    B must get the 10 others at once, neither waiting for A nor taking A's rows.
    """
    due_reminders(make, 20)
    a_took, release_a = threading.Event(), threading.Event()
    real_take = dispatch.take
    got: dict[str, list[int]] = {}

    def take_then_hold(ids: list[int], now: datetime, claimer: str) -> list[int]:
        taken = real_take(ids, now, claimer)
        if claimer == "A":
            a_took.set()
            release_a.wait(WAIT)
        return taken

    monkeypatch.setattr(dispatch, "take", take_then_hold)

    def claim_b() -> None:
        db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        got["B"] = claim_due(NOW, 10, "B")

    parties = Parties(app)
    parties.start("A", lambda: got.setdefault("A", claim_due(NOW, 10, "A")))
    problems: list[str] = []
    if not a_took.wait(WAIT):
        return ["A never claimed"]
    parties.start("B", claim_b)
    b_done = parties.join("B")
    release_a.set()
    parties.join("A")
    if not b_done:
        problems.append("B waited for A's claim")
    if "B" in parties.errors:
        problems.append(f"B failed while A held its claim: {parties.errors['B']!r}")
    a, b = set(got.get("A", [])), set(got.get("B", []))
    if len(a) != 10:
        problems.append(f"A claimed {len(a)}")
    if len(b) != 10:
        problems.append(f"B claimed {len(b)} while A held 10 of 20")
    if a & b:
        problems.append("A and B claimed the same reminders")
    return problems


@pytest.mark.postgres_only
def test_skip_locked_lets_a_second_dispatcher_claim_other_rows_at_once(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SKIP LOCKED: while A's claim is open, B claims the other reminders at once."""
    assert skip_locked_scenario(app, make, monkeypatch) == []


@pytest.mark.postgres_only
def test_without_skip_locked_the_second_dispatcher_waits(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, remove: Any
) -> None:
    """Proof that the test above guards SKIP LOCKED: without it, B blocks on A."""
    remove("skip_locked")
    problems = skip_locked_scenario(app, make, monkeypatch)
    assert any("B failed while A held its claim" in p for p in problems), problems


# --- the pending re-check -------------------------------------------------------------


def pending_recheck_scenario(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], Counter[str]]:
    """B chooses 5 due reminders without row locks (as every choice on SQLite is) and
    is slow to take them; meanwhile A claims and sends the same 5. Then B takes.

    On PostgreSQL the row lock alone would already stop this; the re-check is what
    makes an unlocked choice safe, so B chooses the way SQLite does.
    """
    due_reminders(make, 5)
    b_chose, a_done = threading.Event(), threading.Event()
    real_lock = dispatch._lock_choice
    real_choose = dispatch.choose_due

    def lock_choice(choose: sa.Select[Any]) -> sa.Select[Any]:
        return choose if threading.current_thread().name == "B" else real_lock(choose)

    def choose_then_pause(now: datetime, limit: int) -> list[int]:
        ids = real_choose(now, limit)
        if threading.current_thread().name == "B":
            b_chose.set()
            a_done.wait(WAIT)
        return ids

    monkeypatch.setattr(dispatch, "_lock_choice", lock_choice)
    monkeypatch.setattr(dispatch, "choose_due", choose_then_pause)
    # The pause falls between the claim's two statements, which the usual start has;
    # on PostgreSQL a tick's start is one statement (``_start_in_one_trip``), with no
    # "between" for another worker to act in.
    monkeypatch.setattr(dispatch, "_start_in_one_trip", lambda *args: None)
    gateway = RecordingGateway()
    reports: dict[str, Any] = {}
    parties = Parties(app)
    parties.start("B", lambda: reports.setdefault("B", dispatch_due(NOW, gateway, "B", 5)))
    if not b_chose.wait(WAIT):
        return ["B never chose"], Counter()

    def run_a() -> None:
        reports["A"] = dispatch_due(NOW, gateway, "A", 5)
        a_done.set()

    parties.start("A", run_a)
    parties.join("A")
    a_done.set()
    parties.join("B")
    problems = [f"{name}: {exc!r}" for name, exc in parties.errors.items()]
    sends = Counter(sms.to for sms in gateway.sent)
    if len(sends) != 5:
        problems.append(f"{len(sends)} of 5 reminders sent")
    problems += [f"{to} sent {n} times" for to, n in sends.items() if n > 1]
    if reports.get("B") is not None and reports["B"].claimed:
        problems.append(f"B claimed {reports['B'].claimed} reminders A had sent")
    return problems, sends


@pytest.mark.postgres_only
def test_pending_recheck_stops_a_stale_choice_from_claiming_sent_reminders(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pending re-check: B's stale choice takes nothing; each reminder sent once."""
    problems, sends = pending_recheck_scenario(app, make, monkeypatch)
    assert problems == []
    assert set(sends.values()) == {1}


@pytest.mark.postgres_only
def test_without_the_pending_recheck_reminders_are_sent_twice(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, remove: Any
) -> None:
    """Proof that the test above guards the re-check: without it, B resends all five."""
    remove("pending_recheck")
    problems, sends = pending_recheck_scenario(app, make, monkeypatch)
    assert set(sends.values()) == {2}, problems


# --- the claim owner check ------------------------------------------------------------


class BlockingGateway:
    """Records each send; the first one waits for ``release`` (a slow provider)."""

    name = "outbox"

    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []
        self.sending = threading.Event()
        self.release = threading.Event()

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        if len(self.sent) == 1:
            self.sending.set()
            self.release.wait(WAIT)
        return SendResult(provider_sid=None, status=STORED)


#: The scenario needs R2 outside A's hand-over batch (with batches of two or more, A
#: hands R1 and R2 over together, and a reminder handed over is never released to
#: another worker; test_dispatch_handover_batch covers that case).
OWNER_CHECK_SETTINGS = {"sms.claim_lease_seconds": 60, "sms.hand_over_batch_size": 1}


def owner_check_scenario(app: Flask, make: Any) -> tuple[list[str], Counter[str]]:
    """A claims R1 and R2 and hangs in the provider call for R1 past its lease. B's
    tick (after the lease) returns R2, never handed over, to pending, claims it and
    hangs in the provider call for it. Then A wakes up and reaches R2: it is B's now."""
    first, second = due_reminders(make, 2)
    lease = timedelta(seconds=current_settings(app).sms.claim_lease_seconds)
    gateway_a, gateway_b = BlockingGateway(), BlockingGateway()
    reports: dict[str, Any] = {}
    parties = Parties(app)
    parties.start("A", lambda: reports.setdefault("A", dispatch_due(NOW, gateway_a, "A", 2)))
    if not gateway_a.sending.wait(WAIT):
        return ["A never sent"], Counter()
    later = NOW + lease + timedelta(seconds=1)
    parties.start("B", lambda: reports.setdefault("B", dispatch_due(later, gateway_b, "B", 2)))
    if not gateway_b.sending.wait(WAIT):
        gateway_a.release.set()
        parties.join("A")
        return [f"B never sent: {parties.errors}"], Counter()
    gateway_a.release.set()
    parties.join("A")
    gateway_b.release.set()
    parties.join("B")
    problems = [f"{name}: {exc!r}" for name, exc in parties.errors.items()]
    sends = Counter(sms.to for sms in gateway_a.sent + gateway_b.sent)
    problems += [f"{to} sent {n} times" for to, n in sends.items() if n > 1]
    if [s.message_id for s in gateway_b.sent] != [_state(second).message_id]:
        problems.append("R2 was not sent by B, its owner")
    if reports.get("A") is not None and reports["A"].outcomes.get(second) != "gone":
        problems.append(f"A did not leave R2 alone: {reports['A'].outcomes}")
    if _state(first).state != ReminderState.SENT:
        problems.append("R1 was not recorded as sent")
    return problems, sends


@pytest.mark.postgres_only
@pytest.mark.settings(**OWNER_CHECK_SETTINGS)
def test_owner_check_stops_a_late_worker_from_sending_a_reclaimed_reminder(
    app: Flask, make: Any
) -> None:
    """The claim owner check: A, late past its lease, leaves B's claim alone."""
    problems, sends = owner_check_scenario(app, make)
    assert problems == []
    assert sorted(sends.values()) == [1, 1]


@pytest.mark.postgres_only
@pytest.mark.settings(**OWNER_CHECK_SETTINGS)
def test_without_the_owner_check_a_reclaimed_reminder_is_sent_twice(
    app: Flask, make: Any, remove: Any
) -> None:
    """Proof that the test above guards the owner check: without it, R2 goes twice."""
    remove("owner_check")
    problems, sends = owner_check_scenario(app, make)
    assert sorted(sends.values()) == [1, 2], problems


def test_message_rows_match_sends(app: Flask, make: Any) -> None:
    """Each send has its own Message row and the reminder points at it."""
    ids = due_reminders(make, 3)
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    rows = db.session.scalars(sa.select(Reminder).where(Reminder.id.in_(ids))).all()
    assert sorted(r.message_id for r in rows) == sorted(s.message_id for s in gateway.sent)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3
