"""PostgreSQL: a tick's start - leases that ran out released, claims past their timeout
made uncertain, the claim, the claimed reminders' numbers - as one transaction sent
whole (``dispatch._start_in_one_trip``). What the four transactions of the usual way
keep, it keeps: never more than the tick's limit claimed; a start that fails leaves
nothing and the tick goes the usual way; one whose commit is unknown claims nothing
for this tick, and what it claimed goes back by its lease, sent once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.extensions import db
from rekruttering.models import ReminderState
from rekruttering.reminders import batch_in_flight, dispatch
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.pg_prepared import Prepared
from tests.test_dispatch_batch import HookGateway, _reminders, _ticks_after_the_leases
from tests.test_dispatch_safeguards import NOW, due_reminders

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
    real = batch_in_flight.InFlight.collect
    lost: list[int] = []

    def collect(self: Any) -> Any:
        answers = real(self)
        if not lost:
            lost.append(1)
            raise batch_in_flight.InFlightFailed("no answer", committed_maybe=True)
        return answers

    monkeypatch.setattr(batch_in_flight.InFlight, "collect", collect)
    gateway = HookGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert lost and (report.claimed, report.sent) == (0, 0) and not gateway.sent
    rows = _reminders(ids)
    assert {r.state for r in rows.values()} == {ReminderState.SENDING}  # claimed unseen
    assert {r.message_id for r in rows.values()} == {None}
    _ticks_after_the_leases(app, gateway)
    assert set(Counter(s.to for s in gateway.sent).values()) == {1} and len(gateway.sent) == 3
    assert {r.state for r in _reminders(ids).values()} == {ReminderState.SENT}
