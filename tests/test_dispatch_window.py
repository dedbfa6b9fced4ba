"""PostgreSQL, a gateway that waits on the network (``waits_on_network``): the next
batch's transaction is under way while a batch is sent (``dispatch._send_in_window``,
``batch_in_flight``). What it must keep is what batches of K keep
(tests/test_dispatch_handover_batch.py): nothing is sent before its hand-over is
committed; at most K are handed over without their answers recorded, so a crash
leaves at most K uncertain, never resent; a transaction that fails sends nothing of
what it handed over twice; each reminder is checked again just before its own send,
the first of each batch too; the connection goes back to the pool as it was."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import pq

from rekruttering.extensions import db
from rekruttering.models import Message, OptOut, Reminder, ReminderState
from rekruttering.reminders import batch_in_flight, dispatch
from rekruttering.reminders.dispatch import dispatch_due, window_size
from rekruttering.reminders.pg_prepared import Prepared, check_prepared, text_value
from rekruttering.reminders.pg_prepared import prepared as prepared_statement
from rekruttering.sms.gateway import OutgoingSms, SendResult, SmsFailure
from rekruttering.sms.number_hash import hash_of
from rekruttering.sms.provider_errors import Failure, FailureKind
from tests.test_dispatch_batch import (
    HookGateway,
    _person_of,
    _reminders,
    _ticks_after_the_leases,
)
from tests.test_dispatch_handover_batch import Crash, outside
from tests.test_dispatch_safeguards import NOW, due_reminders

pytestmark = pytest.mark.postgres_only


def _size(k: int) -> Any:
    return pytest.param(
        k, marks=pytest.mark.settings(**{"sms.hand_over_batch_size": k}), id=f"K{k}"
    )


@dataclass
class NetworkHooks(HookGateway):
    """``HookGateway`` as a gateway that waits on the network (as Twilio's)."""

    waits_on_network: bool = True


@dataclass
class CountsAtSend(NetworkHooks):
    """At each send, reads from a connection of its own (committed rows only) how many
    reminders are handed over without their answers recorded, and whether the message
    being sent is committed."""

    conn: Any = None
    open_at_send: list[int] = field(default_factory=list)
    committed: list[bool] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> SendResult:
        rows = self.conn.execute(
            sa.select(Reminder.message_id).where(
                Reminder.state == ReminderState.SENDING, Reminder.message_id.is_not(None)
            )
        ).all()
        self.conn.rollback()
        self.open_at_send.append(len(rows))
        self.committed.append(sms.message_id in {mid for (mid,) in rows})
        return super().send(sms)


@pytest.fixture
def flights(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the batch transactions sent ahead (not the tick's start, which is sent
    whole the same way: ``dispatch._start_in_one_trip``)."""
    made: list[int] = []
    real = batch_in_flight.InFlight.__init__
    starts = {p.name for p in dispatch._release_and_expire()}

    def init(self: Any, conn: Any, statements: Any) -> None:
        if statements[0][0].name not in starts:
            made.append(1)
        real(self, conn, statements)

    monkeypatch.setattr(batch_in_flight.InFlight, "__init__", init)
    return made


def first_answer_lost(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first transaction sent whole commits, and its answer is lost (as when the
    connection drops just after): ``[1]`` once that happened."""
    real = batch_in_flight.InFlight.collect
    lost: list[int] = []

    def collect(self: Any) -> Any:
        answers = real(self)
        if not lost:
            lost.append(1)
            raise batch_in_flight.InFlightFailed("no answer", committed_maybe=True)
        return answers

    monkeypatch.setattr(batch_in_flight.InFlight, "collect", collect)
    return lost


def first_sending_breaks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sending the first transaction sent whole fails once it is queued (the socket
    broke): ``[1]`` once that happened."""
    real = batch_in_flight.flush
    failed: list[int] = []

    def flush(*args: Any) -> None:
        if not failed:
            failed.append(1)
            raise OSError("the socket broke")
        real(*args)

    monkeypatch.setattr(batch_in_flight, "flush", flush)
    return failed


@pytest.fixture
def usual_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tick starts the usual way (four transactions), not sent whole: the first
    transaction sent ahead is then the first batch's."""
    monkeypatch.setattr(dispatch, "_start_in_one_trip", lambda *args: None)


@pytest.mark.parametrize("count", [1, 2, 5, 13])
@pytest.mark.parametrize("size", [_size(2), _size(3), _size(4), _size(10)])
def test_at_most_k_are_handed_over_without_their_answers_and_each_is_sent_once(
    app: Flask,
    make: Any,
    flights: list[int],
    size: int,
    count: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = due_reminders(make, count)
    ticks: list[Any] = []  # the tick's own libpq connection
    real = dispatch._send_in_window

    def spy(ids: list[int], connection: Any, *args: Any) -> None:
        ticks.append(connection.connection.driver_connection.pgconn)
        real(ids, connection, *args)

    monkeypatch.setattr(dispatch, "_send_in_window", spy)
    with outside() as conn:
        gateway = CountsAtSend(conn=conn)
        report = dispatch_due(now=NOW, gateway=gateway)
    assert report.sent == count and sorted(s.message_id for s in gateway.sent) == sorted(
        r.message_id for r in _reminders(ids).values()
    )
    assert all(gateway.committed)  # every message committed before its send
    assert max(gateway.open_at_send) <= size
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}
    if count > window_size(size):
        assert flights  # the window was used
    if count > 1:  # the tick's connection went back idle, outside a pipeline
        (pgconn,) = ticks
        assert pgconn.pipeline_status == pq.PipelineStatus.OFF
        assert pgconn.transaction_status == pq.TransactionStatus.IDLE


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
@pytest.mark.parametrize("target", [1, 2, 3])
def test_a_stop_while_a_batch_is_sent_stops_a_later_reminder_first_of_its_batch_too(
    app: Flask, make: Any, flights: list[int], target: int
) -> None:
    """K = 4: batches of two. A STOP for reminder ``target``'s number arrives while the
    first is with the provider: the second (same batch), the third (first of the
    next batch, handed over by the transaction under way) and the fourth are each
    checked just before their own send: that one is not sent, cancelled with the
    reason, its Message row removed; the others are sent once each."""
    ids = due_reminders(make, 6)
    stopped = ids[target]

    def stop() -> None:
        db.session.add(OptOut(phone_hash=hash_of(_person_of(stopped).phone), source="keyword"))

    gateway = NetworkHooks(during={0: stop})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert flights
    assert (report.sent, report.skipped) == (5, 1)
    rows = _reminders(ids)
    assert rows[stopped].state == ReminderState.CANCELLED
    assert rows[stopped].last_error == "Opted out of SMS" and rows[stopped].message_id is None
    assert _person_of(stopped).phone not in [sms.to for sms in gateway.sent]
    messages = db.session.scalars(sa.select(Message.id)).all()
    assert sorted(messages) == sorted(rows[i].message_id for i in ids if i != stopped)


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_crash_leaves_at_most_k_uncertain_never_resent(
    app: Flask, make: Any, flights: list[int]
) -> None:
    """The worker dies during the fourth send (the second batch of two, while the
    transaction that records the first batch's answers and hands over the third is
    under way). At most K = 4 are handed over without answers; they become uncertain
    after the claim's timeout and are never resent; the rest are sent once."""
    ids = due_reminders(make, 10)

    @dataclass
    class DiesAtFourthSend(NetworkHooks):
        def send(self, sms: OutgoingSms) -> SendResult:
            if len(self.sent) == 3:
                self.sent.append(sms)
                raise Crash
            return super().send(sms)

    dying = DiesAtFourthSend()
    with pytest.raises(Crash):
        dispatch_due(now=NOW, gateway=dying)
    assert flights
    # The dispatcher's connection was dropped with its transaction under way, as a dead
    # worker's would be; the server may still be running it: wait until it has ended.
    db.session.remove()
    with outside() as conn:
        for _ in range(500):
            busy = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            ).scalar()
            conn.rollback()
            if not busy:
                break
            time.sleep(0.01)
    rows = _reminders(ids)
    handed = [i for i in ids if rows[i].state == ReminderState.SENDING and rows[i].message_id]
    assert 0 < len(handed) <= 4

    gateway = HookGateway()
    later = _ticks_after_the_leases(app, gateway)
    assert later.timed_out == len(handed)
    rows = _reminders(ids)
    assert [i for i in ids if rows[i].state == ReminderState.UNCERTAIN] == handed
    assert [rows[i].state for i in ids].count(ReminderState.SENT) == 10 - len(handed)
    everything = [sms.to for sms in dying.sent + gateway.sent]
    assert set(Counter(everything).values()) == {1}  # nothing sent twice


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_transaction_under_way_that_fails_hands_over_each_alone(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, flights: list[int]
) -> None:
    """A transaction sent ahead fails in the server (a statement's error): none
    of it stays; its answers are recorded and its reminders handed over each in a
    transaction of its own, and sent once."""
    ids = due_reminders(make, 6)
    real = dispatch.hand_over_params
    broken: list[int] = []

    def params(*args: Any, **kwargs: Any) -> dict[str, Any]:
        values = real(*args, **kwargs)
        if flights and not broken:  # one sent ahead
            broken.append(1)
            values["many_reminder"] = ["not a number"] * len(values["many_reminder"])
        return values

    monkeypatch.setattr(dispatch, "hand_over_params", params)
    gateway = NetworkHooks()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert broken
    assert report.sent == 6
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 6


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_transaction_whose_commit_is_unknown_leaves_its_reminders_to_their_timeout(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, flights: list[int], usual_start: None
) -> None:
    """The answer to the first transaction sent ahead never comes (it did commit): its
    reminders are not sent by this tick ("error"), and nothing more is handed over;
    after the claim's timeout they are uncertain, never sent; the rest go back by
    their lease and are sent once."""
    ids = due_reminders(make, 6)
    first_answer_lost(monkeypatch)
    gateway = NetworkHooks()
    report = dispatch_due(now=NOW, gateway=gateway)
    errors = [rid for rid, outcome in report.outcomes.items() if outcome == "error"]
    assert len(errors) == window_size(4) and report.sent == window_size(4)
    later = _ticks_after_the_leases(app, gateway)
    assert later.timed_out == len(errors)
    rows = _reminders(ids)
    assert {rows[i].state for i in errors} == {ReminderState.UNCERTAIN}
    assert [rows[i].state for i in ids].count(ReminderState.SENT) == 6 - len(errors)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert not {_person_of(i).phone for i in errors} & {s.to for s in gateway.sent}


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_refusal_is_recorded_the_usual_way_and_the_rest_go_on(
    app: Flask, make: Any, flights: list[int]
) -> None:
    """The provider refuses the second reminder: the transaction that records it is
    made the usual way (``_next_batch``), the reminder failed with the reason; the
    others are sent."""
    ids = due_reminders(make, 7)
    refused = SmsFailure(Failure(FailureKind.REJECTED, "refused"), "HTTP 400")
    gateway = NetworkHooks(fail={1: refused})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert flights
    rows = _reminders(ids)
    assert rows[ids[1]].state == ReminderState.FAILED
    assert [rows[i].state for i in ids].count(ReminderState.SENT) == 6
    assert report.sent == 6 and report.failed == 1


def test_the_text_format_of_parameters_reads_back_as_sent(app: Flask) -> None:
    """Every kind of value the dispatcher sends through libpq (``pg_prepared``): the
    server reads each as it reads the same value sent by psycopg (compared as the
    server prints both)."""
    values = {
        "texts": ['a"b', "c,d", "{x}", "back\\slash", None, "æøå ✓", "", "NULL", " sp "],
        "numbers": [1, None, 2_000_000_000, 0],
        "when": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        "state": ReminderState.SENDING,
        "flag": True,
        "nothing": None,
    }
    statement = sa.select(
        sa.bindparam("texts", type_=sa.ARRAY(sa.String)),
        sa.bindparam("numbers", type_=sa.ARRAY(sa.Integer)),
        sa.bindparam("when", type_=sa.DateTime(timezone=True)),
        sa.bindparam("state", type_=sa.String),
        sa.bindparam("flag", type_=sa.Boolean),
        sa.bindparam("nothing", type_=sa.String),
    )
    prepared = Prepared(statement, "rekruttering_test_text_values")
    with db.engine.connect() as conn:
        check_prepared(conn)
        pgconn = prepared.prepare_on(conn)
        result = pgconn.exec_prepared(prepared.name, prepared.values(values))
        assert result.status == pq.ExecStatus.TUPLES_OK, result.error_message
        ours = [result.get_value(0, i) for i in range(result.nfields)]
        theirs = conn.exec_driver_sql(
            "SELECT %(texts)s::varchar[], %(numbers)s::integer[], %(when)s::timestamptz,"
            " %(state)s::varchar, %(flag)s::boolean, %(nothing)s::varchar",
            {**values, "state": ReminderState.SENDING.value},
        ).one()
        printed = conn.exec_driver_sql(
            "SELECT %s::varchar[]::text, %s::integer[]::text, %s::timestamptz::text",
            (theirs[0], theirs[1], theirs[2]),
        ).one()
    assert ours[:3] == [p.encode() for p in printed]
    assert ours[3:] == [b"sending", b"t", None]
    with pytest.raises(ValueError, match="naive"):
        text_value(datetime(2026, 1, 1))  # noqa: DTZ001 - the case refused


def test_the_usual_way_when_the_gateway_does_not_wait_on_the_network(
    app: Flask, make: Any, flights: list[int]
) -> None:
    """The outbox (and any gateway without ``waits_on_network``) may use the database
    while it sends: nothing is sent ahead then."""
    due_reminders(make, 6)
    report = dispatch_due(now=NOW, gateway=HookGateway())
    assert report.sent == 6 and not flights


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_statements_deallocated_between_ticks_are_prepared_again(
    app: Flask, make: Any, flights: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    """psycopg runs ``DEALLOCATE ALL`` after a rollback on a connection where it prepared
    statements of its own (a web request's, between two ticks): the next tick finds its
    statements gone, prepares them again, and neither its reads nor its batches fail."""
    due_reminders(make, 6)
    assert dispatch_due(now=NOW, gateway=NetworkHooks()).sent == 6
    with ExitStack() as stack:  # every idle connection of the pool, the tick's among them
        conns = [stack.enter_context(db.engine.connect()) for _ in range(4)]
        for conn in conns:
            conn.exec_driver_sql("DEALLOCATE ALL")
            conn.commit()
    later = NOW + timedelta(hours=1)
    due_reminders(make, 6, due_at=later)
    caplog.clear()
    report = dispatch_due(now=later, gateway=NetworkHooks())
    assert report.sent == 6 and flights
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text


_TEXT = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.one_of(st.none(), _TEXT), max_size=6))
def test_any_text_array_reads_back_as_psycopg_sends_it(app: Flask, texts: list[str | None]) -> None:
    """Generated arrays of text (quotes, backslashes, braces, commas, spaces, NULLs,
    any character PostgreSQL stores): the server reads ours as it reads psycopg's."""
    statement = sa.select(sa.bindparam("texts", type_=sa.ARRAY(sa.String)))
    ours = prepared_statement(statement, "rekruttering_test_text_array")
    with db.engine.connect() as conn:
        check_prepared(conn)  # as a tick does: psycopg may have deallocated it
        pgconn = ours.prepare_on(conn)
        result = pgconn.exec_prepared(ours.name, ours.values({"texts": texts}))
        assert result.status == pq.ExecStatus.TUPLES_OK, result.error_message
        theirs = conn.exec_driver_sql("SELECT %s::varchar[]", (texts,)).scalar()
        assert theirs == texts
        printed = conn.exec_driver_sql("SELECT %s::varchar[]::text", (texts,)).scalar()
    assert result.get_value(0, 0) == printed.encode()


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_transaction_not_sent_whole_stops_the_hand_overs_and_nothing_is_lost(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, flights: list[int], usual_start: None
) -> None:
    """Sending a transaction fails once it is queued: it counts as one whose commit may
    have happened (here it does: libpq sends what it queued as it closes the
    connection). Its reminders are not sent, the tick hands over nothing more (so a
    crash could still leave at most K uncertain), and the rest of the claim goes back
    by its lease: a later tick sends each once; the failed batch's become uncertain
    after the claim's timeout (or, had nothing reached the server, go back by their
    lease too), never sent twice."""
    ids = due_reminders(make, 10)
    failed = first_sending_breaks(monkeypatch)
    gateway = NetworkHooks()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert failed and flights
    errors = [rid for rid, outcome in report.outcomes.items() if outcome == "error"]
    assert len(errors) == window_size(4)
    assert report.sent == window_size(4)  # the first batch only: nothing handed over after
    _ticks_after_the_leases(app, gateway)
    rows = _reminders(ids)
    uncertain = {i for i in ids if rows[i].state == ReminderState.UNCERTAIN}
    assert uncertain <= set(errors)
    assert {rows[i].state for i in set(ids) - uncertain} == {ReminderState.SENT}
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert not {_person_of(i).phone for i in uncertain} & {s.to for s in gateway.sent}


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_when_reading_what_became_of_the_answers_fails_each_is_recorded_alone(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, flights: list[int]
) -> None:
    """After a transaction under way committed, working out what became of its answers
    fails: each is recorded alone, none is lost, the tick goes on."""
    ids = due_reminders(make, 8)
    real = dispatch._recorded_fast
    failed: list[int] = []

    def recorded_fast(*args: Any) -> dict[int, str]:
        if not failed:
            failed.append(1)
            raise RuntimeError("the read failed")
        return real(*args)

    monkeypatch.setattr(dispatch, "_recorded_fast", recorded_fast)
    report = dispatch_due(now=NOW, gateway=NetworkHooks())
    assert failed and flights
    assert report.sent == 8
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_the_connection_killed_with_a_transaction_under_way_loses_nothing(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, flights: list[int]
) -> None:
    """The server ends the tick's connection (an administrator, a restart) while a
    transaction is under way: it may or may not have committed. The tick hands over
    nothing more and ends cleanly on a new connection; its answers so far are
    recorded; later ticks send the rest once; at most K end uncertain, none twice."""
    ids = due_reminders(make, 10)
    pids: list[int] = []
    real = dispatch._send_in_window

    def spy(ids: list[int], connection: Any, *args: Any) -> None:
        pids.append(connection.connection.driver_connection.info.backend_pid)
        real(ids, connection, *args)

    monkeypatch.setattr(dispatch, "_send_in_window", spy)

    def kill() -> None:
        db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})

    gateway = NetworkHooks(during={2: kill})  # the second batch's first send
    report = dispatch_due(now=NOW, gateway=gateway)
    assert pids and flights
    assert report.sent >= 2  # the first batch, its answers recorded on a new connection
    _ticks_after_the_leases(app, gateway)
    rows = _reminders(ids)
    uncertain = [i for i in ids if rows[i].state == ReminderState.UNCERTAIN]
    assert len(uncertain) <= 4
    assert {rows[i].state for i in ids if i not in uncertain} == {ReminderState.SENT}
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
