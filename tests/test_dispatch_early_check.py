"""The check before each send, started as early as it may be: once the provider has
answered the send before it (``send_gate``'s ``answered``), and for the first reminder
of a batch before the next batch's transaction is sent (``dispatch._check_early``).
Through the real twilio library, HTTP intercepted. Whatever is committed before the
provider has answered the send before a reminder's is still seen by its check."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
import sqlalchemy as sa
from flask import Flask

from rekruttering.extensions import db
from rekruttering.models import Message, OptOut, Reminder, ReminderState
from rekruttering.reminders import batch_in_flight, dispatch
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.read_ahead import ReadAhead
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
)
from tests.test_dispatch_handover_batch import Crash
from tests.test_dispatch_safeguards import NOW, due_reminders


def _twilio() -> TwilioGateway:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    assert gateway.gates_requests
    return gateway


def _to(request: Any) -> str:
    body = request.body if isinstance(request.body, str) else request.body.decode()
    return parse_qs(body)["To"][0]


def _created(to: str, number: int) -> Any:
    body = {"sid": f"SM{number:032x}", "status": "queued", "to": to, "from": FROM_NUMBER}
    return 201, {"Content-Type": "application/json"}, json.dumps(body)


@contextmanager
def twilio_recording() -> Iterator[list[str]]:
    """Twilio's Messages API intercepted, every request accepted: the numbers sent to,
    in order."""
    sent: list[str] = []

    def create(request: Any) -> Any:
        sent.append(_to(request))
        return _created(sent[-1], len(sent))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        yield sent


@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
@pytest.mark.parametrize("target", [1, 2, 3])
def test_a_stop_while_the_send_before_is_with_the_provider_stops_the_next(
    app: Flask, make: Any, target: int
) -> None:
    """A STOP for reminder ``target``'s number is committed (another connection) while
    the request of the reminder just before it is with Twilio. Its check starts only
    once that request has been answered, so it sees the STOP: no request is made for
    it, it is cancelled with the reason; the others are sent once each. (K = 4; on
    PostgreSQL batches of two: the third is the first of its batch, whose check starts
    before the next transaction is sent.)"""
    ids = due_reminders(make, 5)
    phones = [_person_of(i).phone for i in ids]
    calls: list[str] = []

    def create(request: Any) -> Any:
        calls.append(_to(request))
        if calls[-1] == phones[target - 1]:
            with another_request(), transaction():
                db.session.add(OptOut(phone_hash=hash_of(phones[target]), source="keyword"))
        return _created(calls[-1], len(calls))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        report = dispatch_due(now=NOW, gateway=_twilio())
    assert calls == [p for p in phones if p != phones[target]]
    assert (report.sent, report.skipped) == (4, 1)
    rows = _reminders(ids)
    assert rows[ids[target]].state == ReminderState.CANCELLED
    assert rows[ids[target]].last_error == "Opted out of SMS"
    assert rows[ids[target]].message_id is None


def _events(monkeypatch: pytest.MonkeyPatch, phones: list[str]) -> tuple[list[str], Any]:
    """What the dispatcher sends, in order: each check's read ("read n", reminder n of
    the tick), each batch transaction ("flight"), each send's end ("sent n", the
    gateway has returned); and the request callback that adds "http n" for each
    request Twilio gets."""
    events: list[str] = []
    reminder_ids: list[int] = []
    send, flight = ReadAhead.send, batch_in_flight.InFlight.__init__

    def read(self: ReadAhead, params: dict[str, Any]) -> None:
        events.append(f"read {reminder_ids.index(params['new_reminder']) + 1}")
        send(self, params)

    def in_flight(self: Any, *args: Any, **kwargs: Any) -> None:
        events.append("flight")
        flight(self, *args, **kwargs)

    def answered(self: TwilioGateway, sms: Any, *args: Any, **kwargs: Any) -> Any:
        result = gateway_send(self, sms, *args, **kwargs)
        events.append(f"sent {phones.index(sms.to) + 1}")
        return result

    gateway_send = TwilioGateway.send
    monkeypatch.setattr(ReadAhead, "send", read)
    monkeypatch.setattr(batch_in_flight.InFlight, "__init__", in_flight)
    monkeypatch.setattr(TwilioGateway, "send", answered)

    def create(request: Any) -> Any:
        events.append(f"http {phones.index(_to(request)) + 1}")
        return _created(_to(request), len(events))

    return events, (reminder_ids, create)


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_each_check_starts_once_the_send_before_it_is_answered(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """K = 4: batches of two, the next batch's transaction under way while one is sent.
    The read that checks a reminder is sent as soon as Twilio has answered the request
    before it (within a batch), or, for the first of a batch, just before that batch's
    transaction: never before the send before it is over, and never behind a
    transaction the server would run first."""
    ids = due_reminders(make, 4)
    phones = [_person_of(i).phone for i in ids]
    events, (reminder_ids, create) = _events(monkeypatch, phones)
    reminder_ids.extend(ids)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        report = dispatch_due(now=NOW, gateway=_twilio())
    assert report.sent == 4
    assert events == [
        "flight",  # the tick's start: leases released, claims timed out, the claim
        "read 1",
        "flight",  # hands over 3 and 4
        "http 1",
        "read 2",  # Twilio has answered; the client has yet to read what it says
        "sent 1",
        "http 2",
        "sent 2",
        "read 3",
        "flight",  # records 1 and 2
        "http 3",
        "read 4",
        "sent 3",
        "http 4",
        "sent 4",
        "flight",  # records 3 and 4
    ]


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_tick_that_ends_after_a_check_started_collects_its_answer(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies just after Twilio answered the first send, the second's check
    already on its way: the read's answer is collected before the connection goes back
    to the pool (a connection with an answer pending would fail its next user). Later
    ticks send the rest, nothing twice."""
    ids = due_reminders(make, 6)
    aheads: list[ReadAhead] = []
    real_read_ahead, real_send = dispatch._read_ahead, dispatch._send

    def read_ahead(tick: Any) -> ReadAhead | None:
        ahead = real_read_ahead(tick)
        if ahead is not None and ahead not in aheads:
            aheads.append(ahead)
        return ahead

    def send(*args: Any, **kwargs: Any) -> Any:
        real_send(*args, **kwargs)  # sent, and answered: the next check is on its way
        raise Crash

    monkeypatch.setattr(dispatch, "_read_ahead", read_ahead)
    monkeypatch.setattr(dispatch, "_send", send)
    with twilio_recording() as sent:
        with pytest.raises(Crash):
            dispatch_due(now=NOW, gateway=_twilio())
        assert len(sent) == 1 and len(aheads) == 1
        assert not aheads[0]._pending  # the second's read was sent, and collected
        monkeypatch.setattr(dispatch, "_send", real_send)
        db.session.remove()
        gateway = HookGateway()
        _ticks_after_the_leases(app, gateway)
    everything = sent + [sms.to for sms in gateway.sent]
    assert set(Counter(everything).values()) == {1}
    rows = _reminders(ids)
    uncertain = [i for i in ids if rows[i].state == ReminderState.UNCERTAIN]
    # Handed over without answers: at most K = 4 (the first batch, and the second if
    # the transaction under way committed); they become uncertain, the rest are sent.
    assert uncertain == ids[: len(uncertain)] and 2 <= len(uncertain) <= 4
    assert {rows[i].state for i in ids[len(uncertain) :]} == {ReminderState.SENT}


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_check_that_cannot_start_early_keeps_its_reminder_back(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second reminder's read cannot be sent when Twilio has answered the first
    (inside the first's send, where its check starts): the second is not sent then,
    but taken back, checked in full and sent once; the tick's later reads are plain."""
    ids = due_reminders(make, 3)
    failed: list[str] = []
    in_send: list[bool] = []
    real_read, real_gateway_send = ReadAhead.send, TwilioGateway.send

    def read(self: ReadAhead, params: dict[str, Any]) -> None:
        if params["new_reminder"] == ids[1] and not failed:
            failed.append("inside a send" if in_send else "outside")
            raise sa.exc.OperationalError("SELECT", {}, Exception("gone"))
        real_read(self, params)

    def gateway_send(self: TwilioGateway, *args: Any, **kwargs: Any) -> Any:
        in_send.append(True)
        try:
            return real_gateway_send(self, *args, **kwargs)
        finally:
            in_send.pop()

    monkeypatch.setattr(ReadAhead, "send", read)
    monkeypatch.setattr(TwilioGateway, "send", gateway_send)
    with twilio_recording() as sent:
        report = dispatch_due(now=NOW, gateway=_twilio())
    assert failed == ["inside a send"]
    assert report.sent == 3 and set(Counter(sent).values()) == {1}
    phones = [_person_of(i).phone for i in ids]
    assert sent.index(phones[1]) > sent.index(phones[2])  # taken back, sent later
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.SENT}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3


@pytest.mark.settings(**{"sms.hand_over_batch_size": 2})
def test_a_refusal_that_opts_a_number_out_stops_the_next_batch_to_it(app: Flask, make: Any) -> None:
    """Twilio refuses the second reminder: the number has unsubscribed (21610). The
    third, of a later batch, goes to the same number (the same person's): it is
    checked after the refusal was recorded (the number opted out), so no request is
    made for it. (K = 2. On PostgreSQL batches of one: the transaction that records
    the refusal goes the usual way, and the third's check must not start before it.
    A refusal is recorded with the next batch, so a reminder of the same batch would
    still be sent: on SQLite the third is in the next batch of two.)"""
    ids = due_reminders(make, 4)
    second = _person_of(ids[1])
    db.session.execute(sa.update(Reminder).where(Reminder.id == ids[2]).values(person_id=second.id))
    db.session.commit()
    calls: list[str] = []

    def create(request: Any) -> Any:
        calls.append(_to(request))
        if len(calls) == 2:
            return twilio_error(21610, message="unsubscribed")
        return _created(calls[-1], len(calls))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, MESSAGES_URL, callback=create)
        report = dispatch_due(now=NOW, gateway=_twilio())
    assert calls.count(second.phone) == 1 and len(calls) == 3
    rows = _reminders(ids)
    assert rows[ids[2]].state == ReminderState.CANCELLED
    assert rows[ids[2]].message_id is None
    assert report.sent == 2


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_a_tick_ended_while_a_read_is_being_sent_drops_that_connection(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker is interrupted while the second reminder's read is being sent (its
    state unknown, perhaps half sent): that connection is dropped, not given back to
    the pool. Later ticks send the rest, nothing twice."""
    from rekruttering.reminders import read_ahead

    ids = due_reminders(make, 6)
    flushes: list[int] = []
    ticks: list[Any] = []
    real_flush, real_start = read_ahead.flush, dispatch.Tick.start

    def flush(*args: Any) -> None:
        flushes.append(1)
        if len(flushes) == 2:
            raise Crash
        real_flush(*args)

    def start(*args: Any, **kwargs: Any) -> Any:
        ticks.append(real_start(*args, **kwargs))
        return ticks[-1]

    dropped: list[bool] = []
    real_drop = dispatch._drop_pending_read

    def drop(tick: Any) -> None:
        real_drop(tick)
        dropped.append(tick.reads.invalidated)

    monkeypatch.setattr(read_ahead, "flush", flush)
    monkeypatch.setattr(dispatch.Tick, "start", start)
    monkeypatch.setattr(dispatch, "_drop_pending_read", drop)
    with twilio_recording() as sent:
        with pytest.raises(Crash):
            dispatch_due(now=NOW, gateway=_twilio())
        assert len(sent) == 1 and ticks[0].ahead_for == ids[1]
        assert dropped == [True] and ticks[0].ahead is None
        monkeypatch.setattr(read_ahead, "flush", real_flush)
        db.session.remove()
        gateway = HookGateway()
        _ticks_after_the_leases(app, gateway)
    everything = sent + [sms.to for sms in gateway.sent]
    assert set(Counter(everything).values()) == {1}
