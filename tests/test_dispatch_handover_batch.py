"""Batched hand-over (``sms.hand_over_batch_size``, K): one transaction hands over up to
K reminders (their Message rows committed before any of them is sent) and records the
previous batch's answers. What it must keep: nothing is sent before its hand-over is
committed; a hand-over that does not commit sends nothing and its reminders stay due;
a crash leaves at most K handed over without an answer, each uncertain, never resent;
each answer is recorded on its own reminder; each reminder is checked again just
before its own send."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
import sqlalchemy as sa
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import Consent, Message, OptOut, Person, Reminder, ReminderState
from rekruttering.reminders.dispatch import DispatchReport, dispatch_due
from rekruttering.sms.gateway import OutgoingSms, SendResult
from rekruttering.sms.message_status import STORED
from rekruttering.sms.number_hash import hash_of
from rekruttering.sms.twilio_gateway import TwilioGateway
from rekruttering.transaction import transaction
from tests.sms_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    MESSAGES_URL,
    PUBLIC_BASE_URL,
    twilio_error,
)
from tests.test_dispatch_batch import (
    HookGateway,
    _person_of,
    _reminders,
    _ticks_after_the_leases,
    another_request,
    status_callback_delivered,
)
from tests.test_dispatch_safeguards import NOW, due_reminders


def _size(k: int) -> Any:
    return pytest.param(
        k, marks=pytest.mark.settings(**{"sms.hand_over_batch_size": k}), id=f"K{k}"
    )


@contextmanager
def outside() -> Iterator[sa.Connection]:
    """A connection of its own (not the dispatcher's): it sees only what is committed."""
    engine = sa.create_engine(db.engine.url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@dataclass
class CommittedAtSend:
    """At each send, reads from its own connection which reminders are handed over
    (their message committed) and whether the message being sent is among them."""

    conn: sa.Connection
    name: str = "outbox"
    sent: list[OutgoingSms] = field(default_factory=list)
    handed_at_send: list[set[int]] = field(default_factory=list)
    committed: list[bool] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        rows = self.conn.execute(
            sa.select(Reminder.id, Reminder.message_id).where(Reminder.message_id.is_not(None))
        ).all()
        self.conn.rollback()
        self.handed_at_send.append({rid for rid, _ in rows})
        self.committed.append(sms.message_id in {mid for _, mid in rows})
        return SendResult(provider_sid=None, status=STORED)


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_batch_is_handed_over_and_committed_before_any_of_it_is_sent(
    app: Flask, make: Any
) -> None:
    """K = 4, six reminders: at the first send the first four are handed over, as
    another connection sees them (committed), the last two not yet; at the fifth send
    all six. Every message sent was committed before its send."""
    ids = due_reminders(make, 6)
    with outside() as conn:
        gateway = CommittedAtSend(conn)
        report = dispatch_due(now=NOW, gateway=gateway)
    assert report.sent == 6 and len(gateway.sent) == 6
    assert all(gateway.committed)
    assert gateway.handed_at_send[0] == set(ids[:4])
    assert gateway.handed_at_send[3] == set(ids[:4])
    assert gateway.handed_at_send[4] == set(ids)


def _commit_fails(after_hand_overs: int) -> tuple[DispatchReport, HookGateway, list[int]]:
    """A tick in which the first commit after the ``after_hand_overs``-th hand-over
    statement (an ``INSERT INTO message``) fails; its report, its gateway, and one entry
    if the commit did fail."""
    inserts: list[int] = []
    failed: list[int] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO message" in statement:
            inserts.append(1)

    def refuse(conn: Any) -> None:
        if len(inserts) == after_hand_overs and not failed:
            failed.append(1)
            raise RuntimeError("the commit failed")

    sa.event.listen(db.engine, "after_cursor_execute", note)
    sa.event.listen(db.engine, "commit", refuse)
    gateway = HookGateway()
    try:
        report = dispatch_due(now=NOW, gateway=gateway)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", note)
        sa.event.remove(db.engine, "commit", refuse)
    return report, gateway, failed


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_batch_whose_hand_over_does_not_commit_sends_nothing_and_stays_due(
    app: Flask, make: Any
) -> None:
    """The commit of the transaction that hands over a batch fails: none of the batch
    is sent, none has a Message row, all are still claimed without one (so the lease
    gives them back), and a later tick sends each once."""
    ids = due_reminders(make, 4)
    report, gateway, failed = _commit_fails(after_hand_overs=1)
    assert failed and gateway.sent == []
    assert report.outcomes == dict.fromkeys(ids, "error")
    rows = _reminders(ids)
    assert {(r.state, r.message_id) for r in rows.values()} == {(ReminderState.SENDING, None)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0

    lease = timedelta(seconds=current_settings(app).sms.claim_lease_seconds)
    later = dispatch_due(now=NOW + lease + timedelta(seconds=1), gateway=gateway)
    assert (later.released, later.sent) == (4, 4)
    assert sorted(Counter(sms.to for sms in gateway.sent).values()) == [1, 1, 1, 1]
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


@pytest.mark.settings(**{"sms.hand_over_batch_size": 2})
def test_after_a_commit_that_may_have_happened_the_tick_hands_over_nothing_more(
    app: Flask, make: Any
) -> None:
    """K = 2, six reminders: the commit of the second batch's transaction fails (it may
    have happened, for all the dispatcher knows). Its reminders are left to their
    lease or timeout, and the tick hands over nothing more, so that a crash now could
    leave at most that batch uncertain, not it and the next. The third batch goes
    back by its lease and is sent once; the second is sent once if its commit did not
    happen, or becomes uncertain after the timeout, never sent, if it did."""
    ids = due_reminders(make, 6)
    report, gateway, failed = _commit_fails(after_hand_overs=2)  # the second batch's
    assert failed
    assert report.sent == 2 and [sms.message_id for sms in gateway.sent]  # the first batch
    assert [report.outcomes[i] for i in ids[2:4]] == ["error", "error"]
    assert set(ids[4:]).isdisjoint(report.outcomes)  # never handed over
    rows = _reminders(ids)
    assert [rows[i].message_id for i in ids[4:]] == [None, None]
    _ticks_after_the_leases(app, gateway)
    rows = _reminders(ids)
    uncertain = {i for i in ids if rows[i].state == ReminderState.UNCERTAIN}
    assert uncertain <= set(ids[2:4])  # handed over if that commit did happen, never sent
    assert {rows[i].state for i in set(ids) - uncertain} == {ReminderState.SENT}
    assert set(Counter(sms.to for sms in gateway.sent).values()) == {1}
    assert not {_person_of(i).phone for i in uncertain} & {sms.to for sms in gateway.sent}


class Crash(BaseException):
    """The worker dies (nothing in the dispatcher catches it)."""


@pytest.mark.parametrize("size", [_size(1), _size(4)])
def test_a_crash_between_hand_over_and_answers_leaves_at_most_a_batch_uncertain(
    app: Flask, make: Any, size: int
) -> None:
    """The worker dies during the third send. With K = 4: the first batch (four) was
    handed over, two of it sent and answered but not recorded, the third in flight,
    the fourth not sent: all four become uncertain after the claim's timeout and are
    never resent; the six not handed over go back by their lease and are sent once.
    With K = 1 only the one in flight is uncertain, as before batches."""
    ids = due_reminders(make, 10)

    @dataclass
    class DiesAtThirdSend(HookGateway):
        def send(self, sms: OutgoingSms) -> SendResult:
            if len(self.sent) == 2:
                self.sent.append(sms)
                raise Crash
            return super().send(sms)

    dying = DiesAtThirdSend()
    with pytest.raises(Crash):
        dispatch_due(now=NOW, gateway=dying)
    rows = _reminders(ids)
    handed = [  # handed over, no answer recorded
        i for i in ids if rows[i].state == ReminderState.SENDING and rows[i].message_id
    ]
    recorded_before = 2 if size == 1 else 0  # K = 1: each answer goes with the next
    assert len(handed) == (size if size > 1 else 1)
    assert [rows[i].state for i in ids].count(ReminderState.SENT) == recorded_before

    gateway = HookGateway()
    settings = current_settings(app).sms
    first = dispatch_due(
        now=NOW + timedelta(seconds=settings.claim_lease_seconds + 1), gateway=gateway
    )
    second = dispatch_due(
        now=NOW + timedelta(minutes=settings.claim_timeout_minutes + 1), gateway=gateway
    )
    assert first.released == 10 - len(handed) - recorded_before
    assert second.timed_out == len(handed)
    rows = _reminders(ids)
    uncertain = [i for i in ids if rows[i].state == ReminderState.UNCERTAIN]
    assert uncertain == handed and len(uncertain) <= size
    assert [rows[i].state for i in ids].count(ReminderState.SENT) == 10 - len(handed)
    everything = [sms.to for sms in dying.sent + gateway.sent]
    assert set(Counter(everything).values()) == {1}  # nothing sent twice
    never_sent = {_person_of(i).phone for i in handed} - set(everything)
    assert len(never_sent) == len(handed) - (3 - recorded_before)  # handed over, not sent


@pytest.mark.parametrize("size", [_size(1), _size(4)])
def test_a_stop_during_a_batch_stops_its_later_reminders_and_leaves_no_message(
    app: Flask, make: Any, size: int
) -> None:
    """A STOP for the third reminder's number arrives while the first is with the
    provider: with K = 4 the third was handed over already, so it is checked again
    just before its send, taken back (its Message row, which never left, removed) and
    cancelled with the reason; the others are sent, each with its one message."""
    ids = due_reminders(make, 6)
    third = ids[2]

    def stop() -> None:
        db.session.add(OptOut(phone_hash=hash_of(_person_of(third).phone), source="keyword"))

    gateway = HookGateway(during={0: stop})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert (report.sent, report.skipped) == (5, 1)
    rows = _reminders(ids)
    assert rows[third].state == ReminderState.CANCELLED
    assert rows[third].last_error == "Opted out of SMS" and rows[third].message_id is None
    assert _person_of(third).phone not in [sms.to for sms in gateway.sent]
    messages = db.session.scalars(sa.select(Message.id)).all()
    assert sorted(messages) == sorted(rows[i].message_id for i in ids if i != third)


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_failed_check_before_a_send_is_taken_back_not_sent(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read that checks a reminder again before its send fails (the database went
    away for a moment): the reminder is not sent then but taken back with the next
    hand-over, checked in full again, and sent once. (On PostgreSQL the read is sent
    ahead and its answer collected at the send, ``read_ahead``: there that answer
    fails; the later reads of the tick are then made the plain way.)"""
    from rekruttering.reminders import dispatch
    from rekruttering.reminders.read_ahead import ReadAhead

    ids = due_reminders(make, 4)
    monkeypatch.setattr(dispatch, "_unchanged", lambda *args: False)  # SQLite: read anyway
    real = dispatch._STILL_CLEAR
    calls: list[int] = []

    def execute(self: Any, statement: Any, *args: Any, **kw: Any) -> Any:
        if statement is real and not calls:
            calls.append(1)
            raise sa.exc.OperationalError("SELECT", {}, Exception("gone"))
        return original(self, statement, *args, **kw)

    def found(self: ReadAhead) -> bool:
        if not calls:
            calls.append(1)
            self.drain()
            raise sa.exc.OperationalError("SELECT", {}, Exception("gone"))
        return original_found(self)

    original = sa.Connection.execute
    original_found = ReadAhead.found
    monkeypatch.setattr(sa.Connection, "execute", execute)
    monkeypatch.setattr(ReadAhead, "found", found)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    monkeypatch.setattr(sa.Connection, "execute", original)
    assert calls == [1]
    assert report.sent == 4 and len(gateway.sent) == 4
    assert set(Counter(sms.to for sms in gateway.sent).values()) == {1}
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.SENT}
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    assert count == 4  # the message of the one taken back was removed, a new one sent


@pytest.mark.parametrize("size", [_size(1), _size(3)])
def test_every_answer_of_a_batch_is_recorded_when_sends_fail_or_raise(
    app: Flask, make: Any, size: int
) -> None:
    """Sends that raise (a provider failure, an unexpected error) in the middle of a
    batch: the rest of the batch is still sent, and each answer lands on its own
    reminder, those recorded with the next batch's hand-over and the last alone."""
    ids = due_reminders(make, 7)
    gateway = HookGateway(fail={1: RuntimeError("connection reset"), 4: ValueError("bad")})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert len(gateway.sent) == 7
    rows = _reminders(ids)
    expected = [ReminderState.SENT] * 7
    expected[1] = expected[4] = ReminderState.UNCERTAIN
    assert [rows[i].state for i in ids] == expected
    assert report.outcomes == {i: str(rows[i].state) for i in ids}
    statuses = [db.session.get(Message, rows[i].message_id).status for i in ids]
    assert statuses.count("unknown") == 2 and statuses.count(STORED) == 5


@pytest.mark.parametrize("size", [_size(1), _size(5)])
def test_one_commit_per_batch(app: Flask, make: Any, size: int) -> None:
    """The commits of a tick: a fixed few (leases, claim, the numbers), one per
    hand-over batch and one for the last answers."""
    n = 20
    due_reminders(make, n)
    commits: list[int] = []

    def on_commit(*args: Any) -> None:
        commits.append(1)

    sa.event.listen(db.engine, "commit", on_commit)
    try:
        report = dispatch_due(now=NOW, gateway=HookGateway(), limit=n)
    finally:
        sa.event.remove(db.engine, "commit", on_commit)
    assert report.sent == n
    batches = -(-n // size)
    assert batches + 1 <= len(commits) <= batches + 1 + 4


def test_the_batch_size_is_a_setting_of_at_least_one() -> None:
    from rekruttering.config import ConfigError, parse_settings

    base = {"app": {"database_url": "sqlite://", "secret_key": "x"}}
    assert parse_settings(base, {}).sms.hand_over_batch_size == 10
    parsed = parse_settings({**base, "sms": {"hand_over_batch_size": 1}}, {})
    assert parsed.sms.hand_over_batch_size == 1
    with pytest.raises(ConfigError, match="hand_over_batch_size"):
        parse_settings({**base, "sms": {"hand_over_batch_size": 0}}, {})


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_batch_of_answers_with_a_callback_first_and_a_claim_lost_each_lands_right(
    app: Flask, make: Any
) -> None:
    """The answers of a batch are recorded together; within it, a status callback
    that came before the 2nd's answer is not undone ("delivered" stays), and the 1st,
    whose claim another worker's timeout made uncertain meanwhile, keeps that state
    (its message still records the provider's answer)."""
    ids = due_reminders(make, 4)

    @dataclass
    class Twists(HookGateway):
        def send(self, sms: OutgoingSms) -> SendResult:
            n = len(self.sent)
            self.sent.append(sms)
            with another_request(), transaction():
                if n == 1:
                    status_callback_delivered(sms)
                if n == 2:
                    db.session.execute(
                        sa.update(Reminder)
                        .where(Reminder.id == ids[0])
                        .values(state=ReminderState.UNCERTAIN)
                    )
            return SendResult(f"SM{sms.message_id:032d}", "queued", "+4759440000")

    report = dispatch_due(now=NOW, gateway=Twists())
    rows = _reminders(ids)
    assert [rows[i].state for i in ids] == [
        ReminderState.UNCERTAIN,
        ReminderState.DELIVERED,
        ReminderState.SENT,
        ReminderState.SENT,
    ]
    assert report.outcomes == {i: str(rows[i].state) for i in ids}
    messages = [db.session.get(Message, rows[i].message_id) for i in ids]
    assert [m.status for m in messages] == ["queued", "delivered", "queued", "queued"]
    assert [m.provider_sid for m in messages] == [f"SM{m.id:032d}" for m in messages]
    assert {m.from_number for m in messages} == {"+4759440000"}


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(
            k,
            marks=pytest.mark.settings(
                **{"sms.hand_over_batch_size": k, "sms.claim_lease_seconds": 60}
            ),
            id=f"K{k}",
        )
        for k in (1, 2)
    ],
)
def test_a_late_worker_and_a_second_one_never_send_a_reminder_twice(
    app: Flask, make: Any, size: int
) -> None:
    """Worker A claims R1 and R2 and is stuck in the provider call for R1 past its
    lease, while worker B ticks. With K = 1 R2 was not handed over: B returns it to
    pending and sends it, and A, reaching R2, leaves it alone (the claim owner
    check). With K = 2 R2 was handed over with R1: B may not take it (a reminder
    handed over is never released), and A sends it. Either way each is sent once."""
    first, second = due_reminders(make, 2)
    lease = timedelta(seconds=current_settings(app).sms.claim_lease_seconds)
    gateway_b = HookGateway()
    reports: dict[str, Any] = {}

    def b_ticks() -> None:
        reports["B"] = dispatch_due(
            now=NOW + lease + timedelta(seconds=1), gateway=gateway_b, claimer="B"
        )

    gateway_a = HookGateway()
    gateway_a.send = _first_send_runs(gateway_a, b_ticks)  # type: ignore[method-assign]  # a test double
    report_a = dispatch_due(now=NOW, gateway=gateway_a, claimer="A")
    sent = Counter(sms.to for sms in gateway_a.sent + gateway_b.sent)
    assert sorted(sent.values()) == [1, 1]
    second_phone = _person_of(second).phone
    if size == 1:
        assert (reports["B"].released, reports["B"].sent) == (1, 1)
        assert [sms.to for sms in gateway_b.sent] == [second_phone]
        assert report_a.outcomes[second] == "gone"
    else:
        assert (reports["B"].released, reports["B"].claimed, gateway_b.sent) == (0, 0, [])
        assert [sms.to for sms in gateway_a.sent][1] == second_phone
        assert report_a.outcomes[second] == ReminderState.SENT
    assert {r.state for r in _reminders([first, second]).values()} == {ReminderState.SENT}


def _first_send_runs(gateway: HookGateway, action: Any) -> Any:
    """``gateway.send`` that runs ``action`` (outside any transaction of the sender)
    while its first send is in flight."""
    real = type(gateway).send

    def send(sms: OutgoingSms) -> SendResult:
        if not gateway.sent:
            action()
        return real(gateway, sms)

    return send


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_batch_whose_lease_runs_out_while_sending_hands_the_rest_back(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider was so slow that the lease ran out after the first send of a
    batch: the three others, handed over with it, are not sent late but taken back
    (their Message rows removed) and returned to pending, the attempt given back, for
    a later tick. Nothing else has committed meanwhile, so on SQLite only the lease
    tells."""
    from rekruttering.reminders import dispatch

    ids = due_reminders(make, 4)
    lease = timedelta(seconds=current_settings(app).sms.claim_lease_seconds)
    gateway = HookGateway()
    monkeypatch.setattr(
        dispatch, "_elapsed", lambda started: lease * 2 if gateway.sent else timedelta(0)
    )
    report = dispatch_due(now=NOW, gateway=gateway)
    assert len(gateway.sent) == 1 and report.sent == 1 and report.deferred == 3
    rows = _reminders(ids)
    assert [rows[i].state for i in ids] == [ReminderState.SENT] + [ReminderState.PENDING] * 3
    assert [rows[i].attempts for i in ids] == [1, 0, 0, 0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1


@pytest.mark.settings(**{"sms.hand_over_batch_size": 3})
def test_through_the_twilio_library_each_answer_of_the_batches_lands_on_its_reminder(
    app: Flask, make: Any
) -> None:
    """The real twilio library, HTTP intercepted: seven reminders in batches of three;
    Twilio answers "landline" for the 2nd, a server error for the 4th, and the 6th's
    connection drops after the request left. Every one is sent once, each answer is
    recorded on its own reminder and message, and the others of each batch are sent
    and recorded as accepted."""
    ids = due_reminders(make, 7)
    phones = [_person_of(i).phone for i in ids]
    calls: list[str] = []

    def create(request: Any) -> Any:
        to = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())[
            "To"
        ][0]
        calls.append(to)
        n = phones.index(to)
        if n == 1:
            return twilio_error(21614, 400, "not a mobile number")
        if n == 3:
            return twilio_error(20500, 500, "internal error")
        if n == 5:
            raise requests.exceptions.ConnectionError("connection reset by peer")
        body = {"sid": f"SM{n:032x}", "status": "queued", "to": to, "from": FROM_NUMBER}
        return 201, {"Content-Type": "application/json"}, json.dumps(body)

    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        report = dispatch_due(now=NOW, gateway=gateway)
    assert sorted(calls) == sorted(phones)  # each once
    rows = _reminders(ids)
    assert [rows[i].state for i in ids] == [
        ReminderState.SENT,
        ReminderState.FAILED,
        ReminderState.SENT,
        ReminderState.PENDING,  # transient: retried later
        ReminderState.SENT,
        ReminderState.UNCERTAIN,  # may have left
        ReminderState.SENT,
    ]
    assert report.outcomes == {i: str(rows[i].state) for i in ids}
    messages = [db.session.get(Message, rows[i].message_id) for i in ids]
    assert [m.provider_sid for m in messages] == [
        f"SM{n:032x}" if n in (0, 2, 4, 6) else None for n in range(7)
    ]
    assert [m.status for m in messages] == [
        "queued",
        "failed",
        "queued",
        "failed",
        "queued",
        "unknown",
        "queued",
    ]
    assert _person_of(ids[1]).phone_not_textable_reason is not None


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_no_transaction_stays_open_while_a_batch_is_sent(app: Flask, make: Any) -> None:
    """PostgreSQL: the reads before the later sends of a batch go to a connection of
    their own in autocommit, so at every send the tick's connection is idle, not
    "idle in transaction" (as a read on it would leave it while the provider works)."""
    due_reminders(make, 6)
    states: list[str] = []

    with outside() as conn:

        @dataclass
        class Watches(HookGateway):
            def send(self, sms: OutgoingSms) -> SendResult:
                dbapi = db.session.connection().connection.dbapi_connection
                pid = dbapi.info.backend_pid  # type: ignore[union-attr]  # psycopg connection
                states.append(
                    conn.execute(
                        sa.text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                        {"pid": pid},
                    ).scalar_one()
                )
                conn.rollback()
                return super().send(sms)

        report = dispatch_due(now=NOW, gateway=Watches())
    assert report.sent == 6
    assert states == ["idle"] * 6


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_through_the_twilio_library_a_stop_during_a_batch_stops_its_later_request(
    app: Flask, make: Any
) -> None:
    """The real twilio library, HTTP intercepted: a STOP for the third reminder's number
    is committed (another connection) while the first request is with Twilio. The
    third's check runs at the moment its request would be handed to the transport
    (``send_gate``; on PostgreSQL its read sent ahead, ``read_ahead``) and says no: no
    request for it is made, it is cancelled with the reason, its Message row removed;
    the other three are sent once each."""
    ids = due_reminders(make, 4)
    phones = [_person_of(i).phone for i in ids]
    third = ids[2]
    calls: list[str] = []

    def create(request: Any) -> Any:
        to = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())[
            "To"
        ][0]
        calls.append(to)
        if len(calls) == 1:
            with another_request(), transaction():
                db.session.add(OptOut(phone_hash=hash_of(phones[2]), source="keyword"))
        body = {"sid": f"SM{len(calls):032x}", "status": "queued", "to": to, "from": FROM_NUMBER}
        return 201, {"Content-Type": "application/json"}, json.dumps(body)

    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    assert gateway.gates_requests
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        report = dispatch_due(now=NOW, gateway=gateway)
    assert sorted(calls) == sorted(phones[:2] + phones[3:])  # each once, never the third
    assert (report.sent, report.skipped) == (3, 1)
    rows = _reminders(ids)
    assert rows[third].state == ReminderState.CANCELLED
    assert rows[third].last_error == "Opted out of SMS" and rows[third].message_id is None
    messages = db.session.scalars(sa.select(Message.id)).all()
    assert sorted(messages) == sorted(rows[i].message_id for i in ids if i != third)


@pytest.mark.settings(**{"sms.hand_over_batch_size": 10})
def test_a_batch_is_handed_over_at_once_each_reminder_to_its_own_message(
    app: Flask, make: Any
) -> None:
    """One INSERT writes a batch's Message rows (one statement on PostgreSQL, an INSERT
    and an UPDATE on SQLite). Each reminder gets a message of its own, for its own
    person, number and text, also when two reminders of one person have the same text
    and two people share a number (SQLite matches the messages to the reminders by
    person, number and text)."""
    ids = due_reminders(make, 6)
    people = [_person_of(i) for i in ids]
    # ids[1] is a second reminder of ids[0]'s person with the same text; ids[2]'s person
    # (at another centre: a number is unique within a centre) shares ids[3]'s number;
    # ids[4] has its own text.
    db.session.execute(
        sa.update(Reminder).where(Reminder.id == ids[1]).values(person_id=people[0].id)
    )
    other = make.centre().id
    db.session.execute(
        sa.update(Person)
        .where(Person.id == people[2].id)
        .values(phone=people[3].phone, centre_id=other)
    )
    db.session.execute(sa.update(Reminder).where(Reminder.id == ids[2]).values(centre_id=other))
    db.session.execute(
        sa.update(Consent).where(Consent.person_id == people[2].id).values(centre_id=other)
    )
    db.session.execute(sa.update(Reminder).where(Reminder.id == ids[4]).values(body="Hallo"))
    db.session.commit()
    inserts: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO message" in statement:
            inserts.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", note)
    gateway = HookGateway()
    try:
        report = dispatch_due(now=NOW, gateway=gateway)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", note)
    assert report.sent == 6 and len(inserts) == 1
    rows = _reminders(ids)
    assert len({rows[i].message_id for i in ids}) == 6
    for i in ids:
        message = db.session.get(Message, rows[i].message_id)
        reminder = rows[i]
        person = db.session.get(Person, reminder.person_id)
        assert (message.person_id, message.to_number, message.body) == (
            reminder.person_id,
            person.phone,
            reminder.body,
        )
    sent = sorted((sms.message_id, sms.to, sms.body) for sms in gateway.sent)
    assert sent == sorted(
        (rows[i].message_id, db.session.get(Message, rows[i].message_id).to_number, rows[i].body)
        for i in ids
    )
