"""The dispatcher's batch statements as the database runs them: on PostgreSQL each
reminder of a hand-over is found by its primary key under the generic plans the
dispatcher's connections use (``generic_plans``), a batch's answers are one statement
with a fixed handful of parameters, and SQLite's ``data_version`` is asked of the driver
itself."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from psycopg import pq
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from rekruttering.extensions import db
from rekruttering.models import Person, Reminder, ReminderState
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.reminders.hand_over_many import HAND_OVER_MANY, Wanted, hand_over_params
from rekruttering.sms import message_status
from rekruttering.sms.number_hash import current_key, number_hash
from rekruttering.transaction import transaction
from tests.statement_counter import count_statements
from tests.test_dispatch_batch import HookGateway
from tests.test_dispatch_safeguards import NOW, due_reminders

CLAIMER = "plan-test"


def _claimed(make: Any, count: int) -> list[Wanted]:
    """``count`` reminders claimed by ``CLAIMER`` at ``NOW``, as the hand-over wants them;
    and many more sent ones, so that the reminders are a table worth an index."""
    ids = due_reminders(make, count + 200)
    with transaction():
        db.session.execute(
            sa.update(Reminder).where(Reminder.id.in_(ids[count:])).values(state=ReminderState.SENT)
        )
        db.session.execute(
            sa.update(Reminder)
            .where(Reminder.id.in_(ids[:count]))
            .values(state=ReminderState.SENDING, claimed_by=CLAIMER, claimed_at=NOW)
        )
    key = current_key()
    rows = db.session.execute(
        sa.select(Reminder.id, Person.id, Person.phone, Reminder.body)
        .join(Person, Person.id == Reminder.person_id)
        .where(Reminder.id.in_(ids[:count]))
    ).all()
    return [
        Wanted(rid, pid, phone, body, number_hash(phone, key), 1) for rid, pid, phone, body in rows
    ]


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


@pytest.mark.postgres_only
def test_postgresql_hands_over_each_reminder_by_its_primary_key_under_a_generic_plan(
    app: Flask, make: Any
) -> None:
    """The batch hand-over, prepared and planned generically (as on the dispatcher's
    connections), reads and locks every reminder through its primary key, one lookup a
    reminder. Joined to the batch, the planner preferred scanning every ``sending`` and
    every unsent reminder (bitmap scans of ``state`` and ``message_id``, dead entries
    included) to ten primary-key lookups. It hands over all of them."""
    wanted = _claimed(make, 10)
    params = hand_over_params(
        wanted,
        CLAIMER,
        lease_from=NOW - timedelta(minutes=5),
        now=NOW,
        direction="outbound",
        gateway="outbox",
        status=message_status.PENDING,
        created=NOW,
        updated=NOW,
    )
    compiled = HAND_OVER_MANY.compile(dialect=PGDialect_psycopg(paramstyle="numeric_dollar"))
    values = [
        params[key] if key in params else compiled.binds[key].value
        for key in compiled.positiontup or []
    ]
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("SET plan_cache_mode = force_generic_plan")
        try:
            prepared = driver.pgconn.prepare(b"hand_over_plan_test", str(compiled).encode())
            assert prepared.status == pq.ExecStatus.COMMAND_OK, prepared.error_message
            placeholders = ", ".join(["%s"] * len(values))
            explain = f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE hand_over_plan_test({placeholders})"
            # The values as literals (a utility statement's parameters have no types).
            row = psycopg.ClientCursor(driver).execute(explain, values).fetchone()
            assert row is not None
            (plan,) = row
        finally:
            driver.rollback()
            driver.execute("DEALLOCATE ALL")
            driver.execute("RESET plan_cache_mode")
            driver.commit()
    nodes = _nodes((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    reads = [n for n in nodes if n.get("Relation Name") == "reminder" and "Scan" in n["Node Type"]]
    assert reads, nodes
    assert {(n["Node Type"], n.get("Index Name")) for n in reads} == {("Index Scan", "pk_reminder")}
    # Once each reminder in the INSERT's check and in the lock, then once in the UPDATE.
    assert sum(n["Actual Loops"] * n["Actual Rows"] for n in reads) == 3 * len(wanted)
    handed = [n for n in nodes if n["Node Type"] == "ModifyTable" and n["Operation"] == "Update"]
    assert handed and handed[0]["Actual Rows"] == len(wanted)


@pytest.mark.postgres_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 4})
def test_postgresql_records_a_batch_of_answers_with_one_statement_of_a_few_parameters(
    app: Flask, make: Any
) -> None:
    """PostgreSQL records a batch's accepted answers with one statement, the answers
    as arrays: the same statement, with the same few parameters, for every number of
    answers (here 4, then 3). Before: six parameters an answer, and one statement
    text for each number."""
    ids = due_reminders(make, 7)
    seen: list[tuple[str, int]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if "UPDATE message" in statement:
            seen.append((statement, len(params)))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        report = dispatch_due(now=NOW, gateway=HookGateway())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    assert report.sent == len(ids)
    assert len(seen) == 2  # the 1st batch's answers, then the 2nd's
    assert seen[0][0] == seen[1][0]
    assert seen[0][1] == seen[1][1] < 20
    states = db.session.scalars(sa.select(Reminder.state).where(Reminder.id.in_(ids)))
    assert set(states) == {ReminderState.SENT}


@pytest.mark.sqlite_only
@pytest.mark.settings(**{"sms.hand_over_batch_size": 5})
def test_sqlite_asks_data_version_of_the_driver_not_through_sqlalchemy(
    app: Flask, make: Any
) -> None:
    """Before every later send of a batch the dispatcher asks SQLite whether another
    connection has committed (``PRAGMA data_version``): of the driver's connection,
    not through SQLAlchemy's ``execute``, which cost ~0.08 ms each."""
    due_reminders(make, 5)
    with count_statements() as counter:
        report = dispatch_due(now=NOW, gateway=HookGateway())
    assert report.sent == 5
    assert not [s for s in counter.statements if "data_version" in s]


@pytest.mark.sqlite_only
def test_once_asking_data_version_failed_every_later_send_is_checked(app: Flask) -> None:
    """The tick asks ``data_version`` by a cursor of its own. If it fails (the
    connection went away), no version is compared again in that tick (one of another
    connection would mean nothing): every later send is checked before it leaves."""
    import time

    from rekruttering.config import current_settings
    from rekruttering.reminders import dispatch

    tick = dispatch.Tick(
        claimer="me",
        now=NOW,
        settings=current_settings(app),
        gateway=HookGateway(),
        lease=timedelta(minutes=5),
        quiet=False,
    )
    with dispatch.one_connection():
        version = dispatch._data_version(tick)
        assert isinstance(version, int) and tick.versions is not None
        started = time.monotonic()
        assert dispatch._unchanged(version, tick, started)
        tick.versions.close()  # as when its connection is gone
        assert dispatch._data_version(tick) is None
        assert tick.versions_failed and tick.versions is None
        assert not dispatch._unchanged(version, tick, started)
        assert dispatch._data_version(tick) is None  # not asked again
