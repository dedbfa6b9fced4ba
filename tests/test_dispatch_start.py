"""PostgreSQL: a tick's start - leases that ran out released, claims past their timeout
made uncertain, the claim, the claimed reminders' numbers - as one transaction sent
whole (``dispatch._start_in_one_trip``). What the four transactions of the usual way
keep, it keeps: never more than the tick's limit claimed; a start that fails leaves
nothing and the tick goes the usual way; one whose commit is unknown claims nothing
for this tick, and what it claimed goes back by its lease, sent once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.extensions import db
from rekruttering.models import Reminder, ReminderState
from rekruttering.reminders import dispatch
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.generic_plans import generic_plans
from rekruttering.reminders.pg_prepared import Prepared
from tests.test_dispatch_batch import HookGateway, _reminders, _ticks_after_the_leases
from tests.test_dispatch_safeguards import (
    NOW,
    due_reminders,
    stale_statistics,
    the_oldest_500_claimed,
)
from tests.test_dispatch_window import first_answer_lost, first_sending_breaks

pytestmark = pytest.mark.postgres_only


def test_the_start_is_one_round_trip_and_claims_at_most_the_limit(app: Flask, make: Any) -> None:
    """Six due, a limit of four: the four first are claimed and sent, by a start that
    runs no statement of its own through SQLAlchemy; the next tick sends the rest."""
    ids = due_reminders(make, 6)
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        report = dispatch_due(now=NOW, gateway=HookGateway(), limit=4)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert (report.claimed, report.sent) == (4, 4)
    assert sorted(report.outcomes) == ids[:4]
    # Neither the claim's choice nor the release ran through SQLAlchemy.
    assert not [s for s in seen if "SKIP LOCKED" in s or "attempts - " in s]
    assert dispatch_due(now=NOW, gateway=HookGateway()).sent == 2


def test_a_start_that_fails_leaves_nothing_and_the_tick_goes_the_usual_way(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement of the start fails in the server: its transaction rolls back, and
    the tick starts the usual way (and sends everything, once)."""
    ids = due_reminders(make, 3)
    broken = Prepared(sa.select(sa.literal_column("1 / 0")), "rekruttering_test_broken")
    release, expire = dispatch._release_and_expire()
    monkeypatch.setattr(dispatch, "_release_and_expire", lambda: (release, broken))
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert "the tick's start failed" in caplog.text
    assert (report.claimed, report.sent) == (3, 3)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


def test_a_start_whose_commit_is_unknown_claims_nothing_this_tick(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start's answer never comes (it did commit): the tick does not know what it
    claimed and sends nothing; the claim goes back when its lease runs out, and a
    later tick sends each once."""
    ids = due_reminders(make, 3)
    lost = first_answer_lost(monkeypatch)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert lost and (report.claimed, report.sent) == (0, 0) and not gateway.sent
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.SENDING}  # claimed unseen
    assert {r.message_id for r in rows.values()} == {None}
    _ticks_after_the_leases(app, gateway)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1} and len(gateway.sent) == 3
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


def test_the_one_statement_claim_takes_at_most_the_batch_under_a_nested_loop_plan(
    app: Flask, make: Any
) -> None:
    """The statistics of ``test_dispatch_safeguards``' nested-loop test (analysed when
    nothing was pending), under which a claim that re-runs its choice for every row
    takes thousands: the claim's choice is a MATERIALIZED CTE, scanned as such (run
    once), and five starts of 100 take exactly the 500 oldest."""
    ids = due_reminders(make, 1000)
    claim = dispatch._claim_and_read(dispatch._lock_choice, dispatch._still_pending)
    values = claim.values({"tick_now": NOW, "choose_limit": 100, "take_claimer": "old"})
    settings = current_settings(app)
    with stale_statistics():
        with db.engine.connect() as conn, generic_plans(conn):
            pgconn = conn.connection.driver_connection.pgconn
            explained = pgconn.exec_params(b"EXPLAIN " + claim.sql, values)
            plan = "\n".join(
                bytes(explained.get_value(i, 0) or b"").decode() for i in range(explained.ntuples)
            )
            assert "CTE Scan on chosen" in plan, plan
            claimed: list[int] = []
            for tick in range(5):
                started = dispatch._start_in_one_trip(conn, NOW, settings, 100, f"w{tick}")
                assert started is not None
                batch = [row[0] for row in started[2]]
                assert len(batch) == 100
                claimed += batch
        the_oldest_500_claimed(ids, claimed)


def test_a_claim_that_fails_in_the_start_undoes_the_release_too(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The claim fails in the server after the start has released a lease that ran
    out: the whole start rolls back, and the usual way releases it (counted once) and
    claims and sends everything, once."""
    ids = due_reminders(make, 3)
    lease = current_settings(app).sms.claim_lease_seconds
    db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == ids[0])
        .values(
            state=ReminderState.SENDING,
            claimed_by="gone",
            claimed_at=NOW - timedelta(seconds=lease + 60),
        )
    )
    db.session.commit()
    broken = Prepared(sa.select(sa.literal_column("1 / 0")), "rekruttering_test_broken")
    monkeypatch.setattr(dispatch, "_claim_and_read", lambda *args: broken)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert "the tick's start failed" in caplog.text
    assert (report.released, report.claimed, report.sent) == (1, 3, 3)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1}
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}


def test_a_start_that_cannot_be_sent_whole_claims_nothing_this_tick(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sending the start fails once it is queued (the socket broke): it may have
    committed (libpq sends what it queued as it closes), so the tick's connection is
    dropped and nothing is sent; what it claimed goes back by its lease and is sent
    once by a later tick."""
    ids = due_reminders(make, 3)
    failed = first_sending_breaks(monkeypatch)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert failed and (report.claimed, report.sent) == (0, 0) and not gateway.sent
    db.session.remove()
    _ticks_after_the_leases(app, gateway)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1} and len(gateway.sent) == 3
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}
