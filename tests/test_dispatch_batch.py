"""The dispatcher's batch: each reminder is checked at its own moment of sending, each
answer is recorded exactly once (in the transaction that hands over the next reminder),
a failure in the middle leaves the others right, and the SQL per reminder is bounded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import (
    Centre,
    ConsentPurpose,
    Message,
    OptOut,
    Person,
    Reminder,
    ReminderState,
    Session,
)
from rekruttering.privacy.consent import withdraw_consent
from rekruttering.reminders import dispatch
from rekruttering.reminders.dispatch import DispatchReport, dispatch_due
from rekruttering.session_in_place import session_in_place
from rekruttering.sms.delivery import apply_status
from rekruttering.sms.gateway import OutgoingSms, SendResult, SmsFailure, build_gateway
from rekruttering.sms.message_status import STORED
from rekruttering.sms.number_hash import hash_of
from rekruttering.sms.provider_errors import classify_twilio
from rekruttering.sms.twilio_gateway import TwilioGateway
from rekruttering.transaction import transaction
from tests.sms_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_BASE_URL,
    TWILIO_SETTINGS,
    twilio_api,
)
from tests.statement_counter import count_statements
from tests.test_dispatch_safeguards import NOW, due_reminders


@contextmanager
def another_request() -> Iterator[None]:
    """For the block, ``db.session`` is a session of its own on another connection
    of the pool, as another request's would be (the dispatcher holds its own)."""
    with session_in_place(sa.orm.Session(bind=db.engine)):
        yield


def status_callback_delivered(sms: OutgoingSms) -> None:
    """Twilio's "delivered" callback for ``sms``, arriving while its send is in flight."""
    apply_status(
        message_id=sms.message_id,
        sid=f"SM{sms.message_id:032d}",
        status="delivered",
        error_code=None,
        now=NOW,
        settings=current_settings(),
    )


@dataclass
class HookGateway:
    """Records each send; ``during[n]`` runs while the n-th send (from 0) is in flight,
    in its own transaction on another connection (as another request would);
    ``fail[n]`` is its answer."""

    name: str = "outbox"
    sent: list[OutgoingSms] = field(default_factory=list)
    during: dict[int, Callable[[], None]] = field(default_factory=dict)
    fail: dict[int, Any] = field(default_factory=dict)

    def send(self, sms: OutgoingSms) -> SendResult:
        n = len(self.sent)
        self.sent.append(sms)
        if n in self.during:
            with another_request(), transaction():
                self.during[n]()
        if n in self.fail:
            raise self.fail[n]
        return SendResult(provider_sid=None, status=STORED)


def _reminders(ids: list[int]) -> dict[int, Reminder]:
    db.session.expire_all()
    return {r.id: r for r in db.session.scalars(sa.select(Reminder).where(Reminder.id.in_(ids)))}


def _person_of(reminder_id: int) -> Person:
    return db.session.get(Reminder, reminder_id).person


# --- checked at each reminder's own moment of sending --------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda p: db.session.add(OptOut(phone_hash=hash_of(p.phone), source="keyword")),
            "Opted out of SMS",
        ),
        (lambda p: withdraw_consent(p.id, ConsentPurpose.SMS), "No consent to SMS"),
        (lambda p: setattr(p, "sms_opted_out_at", NOW), "Opted out of SMS"),
        (
            lambda p: setattr(p, "phone_not_textable_reason", "Landline: cannot receive SMS"),
            "Landline: cannot receive SMS",
        ),
    ],
)
def test_a_change_while_the_batch_is_sending_stops_a_later_reminder_of_it(
    app: Flask, make: Any, change: Callable[[Person], None], reason: str
) -> None:
    """STOP, a withdrawn consent or a "not textable" that arrives while the first
    reminder of a batch is with the provider stops the third: the check is made for
    each reminder when it is sent, not once for the batch."""
    ids = due_reminders(make, 4)
    third = ids[2]
    gateway = HookGateway(during={0: lambda: change(_person_of(third))})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert (report.claimed, report.sent, report.skipped) == (4, 3, 1)
    rows = _reminders(ids)
    assert rows[third].state == ReminderState.CANCELLED
    assert rows[third].last_error == reason and rows[third].message_id is None
    assert _person_of(third).phone not in [sms.to for sms in gateway.sent]
    assert [r.state for i, r in rows.items() if i != third] == [ReminderState.SENT] * 3


def test_a_number_changed_while_the_batch_is_sending_gets_the_new_number(
    app: Flask, make: Any
) -> None:
    """The number is read at sending: a phone changed after the claim is texted at the
    new number (and its own opt-out entry decides)."""
    ids = due_reminders(make, 3)
    new_number = "+4748000001"
    old_number = _person_of(ids[1]).phone
    gateway = HookGateway(during={0: lambda: setattr(_person_of(ids[1]), "phone", new_number)})
    dispatch_due(now=NOW, gateway=gateway)
    # (Handed over in a batch, it is taken back and handed over again: sent last.)
    assert [sms.to for sms in gateway.sent].count(new_number) == 1
    assert old_number not in [sms.to for sms in gateway.sent] and len(gateway.sent) == 3
    message = db.session.get(Message, _reminders(ids)[ids[1]].message_id)
    assert message.to_number == new_number

    more = due_reminders(make, 3)
    blocked = "+4748000002"

    def change_and_opt_out() -> None:
        _person_of(more[1]).phone = blocked
        db.session.add(OptOut(phone_hash=hash_of(blocked), source="keyword"))

    gateway = HookGateway(during={0: change_and_opt_out})
    dispatch_due(now=NOW, gateway=gateway)
    assert blocked not in [sms.to for sms in gateway.sent]
    assert _reminders(more)[more[1]].last_error == "Opted out of SMS"


def test_a_session_cancelled_while_the_batch_is_sending_stops_its_reminder(
    app: Flask, make: Any
) -> None:
    """The session is read at sending too."""
    ids = due_reminders(make, 3)
    centre = db.session.get(Centre, db.session.get(Reminder, ids[0]).centre_id)
    session = make.session(make.activity(centre), NOW + timedelta(days=2))
    db.session.execute(
        sa.update(Reminder).where(Reminder.id.in_(ids)).values(session_id=session.id)
    )
    db.session.commit()
    ids_later = ids[1:]

    def cancel() -> None:
        db.session.execute(
            sa.update(Session).where(Session.id == session.id).values(cancelled=True)
        )

    gateway = HookGateway(during={0: cancel})
    report = dispatch_due(now=NOW, gateway=gateway)
    assert (report.sent, report.skipped) == (1, 2)
    rows = _reminders(ids_later)
    assert {r.last_error for r in rows.values()} == {"The session was cancelled"}


# --- every answer recorded exactly once --------------------------------------------------


def test_each_answer_of_a_batch_is_recorded_once_on_its_own_message(app: Flask, make: Any) -> None:
    """Through the real twilio library: each reminder sent once, each message has its
    own provider SID and status, each reminder points at its own message."""
    ids = due_reminders(make, 25)
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL)
    with twilio_api() as api:
        report = dispatch_due(now=NOW, gateway=gateway, limit=10)
        report2 = dispatch_due(now=NOW, gateway=gateway, limit=10)
        report3 = dispatch_due(now=NOW, gateway=gateway, limit=10)
    assert (report.sent, report2.sent, report3.sent) == (10, 10, 5)
    assert set(api.by_recipient().values()) == {1} and len(api.calls) == 25
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.SENT}
    assert all(r.claimed_by is None and r.claimed_at is None for r in rows.values())
    messages = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Message).where(Message.id.in_([r.message_id for r in rows.values()]))
        )
    }
    assert len(messages) == 25
    assert {m.status for m in messages.values()} == {"queued"}
    assert len({m.provider_sid for m in messages.values()}) == 25
    assert {m.from_number for m in messages.values()} == {FROM_NUMBER}
    for reminder in rows.values():
        message = messages[reminder.message_id]
        assert message.person_id == reminder.person_id and message.to_number == (
            db.session.get(Person, reminder.person_id).phone
        )
        call = next(c for c in api.calls if c["To"] == message.to_number)
        assert call["StatusCallback"].endswith(f"?m={message.id}")


def test_answers_of_every_kind_in_one_batch_each_land_on_their_own_reminder(
    app: Flask, make: Any
) -> None:
    """Accepted, transient, refused, unexpected error: mixed in one batch, each
    reminder gets its own answer, the last one's too."""
    ids = due_reminders(make, 6)
    gateway = HookGateway(
        fail={
            1: SmsFailure(classify_twilio(30003)),  # transient: pending again
            2: SmsFailure(classify_twilio(21614)),  # landline: failed, phone marked
            3: RuntimeError("connection reset"),  # may have left: uncertain
            5: SmsFailure(classify_twilio(20003, 401)),  # the last of the batch
        }
    )
    report = dispatch_due(now=NOW, gateway=gateway)
    rows = _reminders(ids)
    assert [rows[i].state for i in ids] == [
        ReminderState.SENT,
        ReminderState.PENDING,
        ReminderState.FAILED,
        ReminderState.UNCERTAIN,
        ReminderState.SENT,
        ReminderState.FAILED,
    ]
    assert (report.sent, report.failed) == (2, 3)
    assert report.outcomes == {i: str(rows[i].state) for i in ids}
    assert _person_of(ids[2]).phone_not_textable_reason == "Landline: cannot receive SMS"
    assert _person_of(ids[5]).phone_not_textable_reason is None
    statuses = [db.session.get(Message, rows[i].message_id).status for i in ids]
    assert statuses == [STORED, "failed", "failed", "unknown", STORED, "failed"]


def test_a_status_callback_before_the_answer_is_recorded_is_not_undone(
    app: Flask, make: Any
) -> None:
    """Twilio may call back ("delivered") before the dispatcher records its answer
    ("queued"): the reminder stays delivered."""
    ids = due_reminders(make, 2)

    @dataclass
    class CallsBackFirst:
        name: str = "twilio"

        def send(self, sms: OutgoingSms) -> SendResult:
            with transaction():
                status_callback_delivered(sms)
            return SendResult(f"SM{sms.message_id:032d}", "queued", FROM_NUMBER)

    report = dispatch_due(now=NOW, gateway=CallsBackFirst())
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.DELIVERED}
    assert report.sent == 2
    for r in rows.values():
        message = db.session.get(Message, r.message_id)
        assert (message.status, message.provider_sid) == (
            "delivered",
            f"SM{message.id:032d}",
        )


# --- a failure in the middle of a batch --------------------------------------------------


def test_recording_one_answer_fails_the_next_reminder_is_still_sent(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording the 2nd reminder's answer fails (every time): every other reminder is
    sent and its answer recorded (those that shared the failed transaction one by
    one); the 2nd stays handed over (it has left) and becomes uncertain, never
    resent."""
    ids = due_reminders(make, 4)
    real = dispatch._record_answer
    real_many = dispatch._record_answers

    def broken(answer: Any, tick: Any) -> str:
        if answer.reminder_id == ids[1]:
            raise RuntimeError("the database said no")
        return real(answer, tick)

    def broken_many(answers: list[Any], tick: Any) -> Any:
        # Answers of a batch are recorded together: the bad one fails them all.
        if any(answer.reminder_id == ids[1] for answer in answers):
            raise RuntimeError("the database said no")
        return real_many(answers, tick)

    monkeypatch.setattr(dispatch, "_record_answer", broken)
    monkeypatch.setattr(dispatch, "_record_answers", broken_many)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert Counter(sms.to for sms in gateway.sent).most_common(1)[0][1] == 1
    assert len(gateway.sent) == 4
    assert report.outcomes[ids[1]] == "error" and report.sent == 3
    rows = _reminders(ids)
    assert rows[ids[1]].state == ReminderState.SENDING and rows[ids[1]].message_id
    assert [rows[i].state for i in (ids[0], ids[2], ids[3])] == [ReminderState.SENT] * 3
    monkeypatch.setattr(dispatch, "_record_answer", real)
    monkeypatch.setattr(dispatch, "_record_answers", real_many)
    later = dispatch_due(now=NOW + timedelta(hours=1), gateway=gateway)
    assert later.timed_out == 1 and len(gateway.sent) == 4
    assert _reminders(ids)[ids[1]].state == ReminderState.UNCERTAIN


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(k, marks=pytest.mark.settings(**{"sms.hand_over_batch_size": k}), id=f"K{k}")
        for k in (1, 10)
    ],
)
def test_a_hand_over_that_fails_leaves_the_previous_answer_recorded(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """The 3rd reminder's hand-over fails: the 2nd's answer (same transaction, K = 1)
    is recorded alone; the 3rd was never handed over, so its lease returns it to
    pending and a later tick sends it once. With batches (K = 10) on PostgreSQL the
    batch is handed over with one statement, which the bad reminder fails for all of
    it: each is then handed over alone, and only the 3rd fails."""
    ids = due_reminders(make, 4)
    real = dispatch._hand_over
    real_many = dispatch._hand_over_many
    fails = {ids[2]}

    def broken(reminder_id: int, tick: Any, elapsed: Any) -> Any:
        if reminder_id in fails:
            raise RuntimeError("the database said no")
        return real(reminder_id, tick, elapsed)

    def broken_many(batch: list[int], tick: Any, elapsed: Any) -> Any:
        if fails & set(batch):
            raise RuntimeError("the database said no")
        return real_many(batch, tick, elapsed)

    monkeypatch.setattr(dispatch, "_hand_over", broken)
    monkeypatch.setattr(dispatch, "_hand_over_many", broken_many)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert report.outcomes == {
        ids[0]: ReminderState.SENT,
        ids[1]: ReminderState.SENT,
        ids[2]: "error",
        ids[3]: ReminderState.SENT,
    }
    rows = _reminders(ids)
    assert rows[ids[2]].state == ReminderState.SENDING and rows[ids[2]].message_id is None
    fails.clear()
    lease = timedelta(seconds=current_settings(app).sms.claim_lease_seconds)
    later = dispatch_due(now=NOW + lease + timedelta(seconds=1), gateway=gateway)
    assert (later.released, later.sent) == (1, 1)
    assert Counter(sms.to for sms in gateway.sent).most_common(1)[0][1] == 1
    assert len(gateway.sent) == 4
    assert _reminders(ids)[ids[2]].state == ReminderState.SENT


def _dispatch_losing_the_answer_to(nth: int) -> tuple[Any, HookGateway, list[int]]:
    """One tick in which the ``nth`` statement writing Message rows reaches the database
    and the dispatcher hears nothing back (as when the connection drops): its report,
    its gateway, and one entry for each such statement seen."""
    seen: list[int] = []

    def lost(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO message" in statement:
            seen.append(1)
            if len(seen) == nth:
                raise RuntimeError("the connection dropped")

    sa.event.listen(db.engine, "after_cursor_execute", lost)
    gateway = HookGateway()
    try:
        report = dispatch_due(now=NOW, gateway=gateway)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", lost)
    return report, gateway, seen


def _ticks_after_the_leases(app: Flask, gateway: Any) -> DispatchReport:
    """The next ticks: once the claim's lease has run out (what was never handed over
    goes back and is sent), and once its timeout has (what was handed over without an
    answer becomes uncertain); the second tick's report."""
    settings = current_settings(app).sms
    dispatch_due(now=NOW + timedelta(seconds=settings.claim_lease_seconds + 1), gateway=gateway)
    return dispatch_due(
        now=NOW + timedelta(minutes=settings.claim_timeout_minutes + 1), gateway=gateway
    )


@pytest.mark.settings(**{"sms.hand_over_batch_size": 1})
def test_a_hand_over_whose_answer_is_lost_is_never_sent_twice(app: Flask, make: Any) -> None:
    """The statement that hands over the 3rd reminder reaches the database, and then
    the dispatcher hears nothing back (as when the connection drops). It is not sent in
    that tick, nor ever twice: the hand-over's transaction was rolled back, so its lease
    returns it to pending and it is sent once. The 2nd's answer is recorded either way.
    (K = 1: each reminder has a hand-over statement of its own; the batch statement's
    lost answer is the next test.)"""
    ids = due_reminders(make, 4)
    report, gateway, _seen = _dispatch_losing_the_answer_to(3)
    assert report.outcomes[ids[2]] == "error"
    assert report.outcomes[ids[1]] == ReminderState.SENT
    assert len(gateway.sent) == 3
    _ticks_after_the_leases(app, gateway)
    third = _person_of(ids[2]).phone
    rows = _reminders(ids)
    assert rows[ids[1]].state == ReminderState.SENT
    assert [sms.to for sms in gateway.sent].count(third) == 1
    assert rows[ids[2]].state == ReminderState.SENT


@pytest.mark.settings(**{"sms.hand_over_batch_size": 2})
def test_a_batch_hand_over_whose_answer_is_lost_is_never_sent_twice(app: Flask, make: Any) -> None:
    """The 2nd statement that writes Message rows reaches the database, and then the
    dispatcher hears nothing back. On PostgreSQL (one statement a batch) that is the
    hand-over of the 2nd batch (the 3rd and 4th reminders), in the transaction that
    records the 1st batch's answers; on SQLite the 2nd reminder's. Nothing of that
    transaction stays: the answers are recorded alone, and every reminder it would have
    handed over is handed over alone or left to its lease, so each is sent exactly
    once, none twice, however the later ticks go."""
    ids = due_reminders(make, 4)
    report, gateway, seen = _dispatch_losing_the_answer_to(2)
    assert len(seen) >= 2
    assert report.outcomes[ids[0]] == ReminderState.SENT  # its answer, recorded alone
    assert set(Counter(sms.to for sms in gateway.sent).values()) == {1}
    _ticks_after_the_leases(app, gateway)
    phones = [_person_of(i).phone for i in ids]
    assert sorted(sms.to for sms in gateway.sent) == sorted(phones)  # each once
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


# --- the SQL a reminder costs --------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(k, marks=pytest.mark.settings(**{"sms.hand_over_batch_size": k}), id=f"K{k}")
        for k in (1, 10)
    ],
)
def test_a_reminder_costs_a_few_statements_and_a_batch_one_commit(
    app: Flask, make: Any, size: int
) -> None:
    """Clear to send and accepted: the guarded INSERT of its message and the UPDATE
    that hands it over; its answer two UPDATEs (on PostgreSQL each pair is one
    statement). With batches (K > 1): one read that checks it again just before its
    send (but the first of each batch, checked just before the commit), and the
    answers of a batch two UPDATEs for all of them. One commit per batch of K: the
    answers go with the next batch's hand-over. A tick adds a
    fixed few (the leases, the claim, the numbers). Before: 11 statements and 2
    commits a reminder, and a connection taken from the pool for each of the 2
    transactions."""
    n = 40
    due_reminders(make, n)
    commits = []

    def on_commit(*args: Any) -> None:
        commits.append(1)

    checkouts = []

    def on_checkout(*args: Any) -> None:
        checkouts.append(1)

    sa.event.listen(db.engine, "commit", on_commit)
    sa.event.listen(db.engine, "checkout", on_checkout)
    try:
        with count_statements() as counter:
            report = dispatch_due(now=NOW, gateway=HookGateway(), limit=n)
    finally:
        sa.event.remove(db.engine, "commit", on_commit)
        sa.event.remove(db.engine, "checkout", on_checkout)
    assert report.sent == n
    # PostgreSQL runs each pair as one statement (a round trip there costs more).
    pair = 1 if db.engine.dialect.name == "postgresql" else 2
    batches = -(-n // size)
    # With batches: a read before each send but the first of a batch (on SQLite only
    # PRAGMA data_version while no other connection commits), and one per batch.
    checks = 0 if size == 1 else n
    # A batch's answers: two statements for all of it (one reminder's: the pair).
    answers = pair * n if size == 1 else 2 * batches
    fixed = 8  # two lease statements, choose, take, the numbers; their commits
    assert counter.count <= pair * n + checks + answers + fixed, counter.statements[:20]
    assert len(commits) <= batches + 5
    # One connection for the whole tick: not taken from the pool (and, on PostgreSQL,
    # pinged) again for every reminder's transaction; on PostgreSQL with batches a
    # second, in autocommit, for the reads before sends (dispatch.reads_apart).
    assert len(checkouts) == (2 if size > 1 and db.engine.dialect.name == "postgresql" else 1)


@pytest.mark.settings(**TWILIO_SETTINGS)
def test_the_job_builds_its_twilio_client_once_not_every_tick(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled job keeps one gateway (for Twilio: the client and its connection
    to the API) for every tick instead of building a new one each time."""
    from rekruttering_jobs import dispatch as job

    built: list[Any] = []

    def build(settings: Any) -> Any:
        built.append(build_gateway(settings))
        return built[-1]

    monkeypatch.setattr(job, "build_gateway", build)
    for _ in range(3):
        job.dispatch_reminders(app)
    assert len(built) == 1 and isinstance(built[0], TwilioGateway)
    assert app.extensions[job.GATEWAY_KEY] is built[0]
