"""reminders/driver_sql: SQLite's batch statements compiled once and run with
``exec_driver_sql`` send the driver exactly what ``Connection.execute`` sends (the same
SQL, the same parameters value for value and type for type, on the edge values the
dispatcher can give: microseconds or none, aware datetimes in UTC and in Oslo, None,
enums as members and as their values), refuse what it would refuse, give the same
rows, and still pass through the cursor events the fault-injection tests use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.extensions import db
from rekruttering.models import Direction, Message, Person, Reminder, ReminderState
from rekruttering.reminders import dispatch
from rekruttering.reminders.accepted_many import (
    answers_numbered,
    messages_moved,
    moved_numbered,
    reminders_sent,
)
from rekruttering.reminders.dispatch import claim_due
from rekruttering.reminders.driver_sql import (
    DriverStatement,
    driver_statement,
    execute,
    execute_built,
)
from rekruttering.reminders.hand_over_many import _handed_in_two, _written_in_two
from rekruttering.sms import message_status
from rekruttering.sms.number_hash import hash_of
from tests.test_dispatch_safeguards import NOW, due_reminders

pytestmark = pytest.mark.sqlite_only

CLAIMER = "test-claimer"
OSLO = ZoneInfo("Europe/Oslo")

#: Times as the dispatcher gives them (aware), with and without microseconds, in UTC
#: and in another zone; SQLite stores them as naive UTC text with six decimals.
TIMES = {
    "microseconds": datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC),
    "none": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    "one": datetime(2026, 11, 30, 23, 59, 59, 1, tzinfo=UTC),
    "oslo": datetime(2026, 7, 1, 14, 30, 0, 999999, tzinfo=OSLO),
}


@contextmanager
def sent_to_driver() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Each statement and its parameters as the driver receives them."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, tuple(params)))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _typed(params: tuple[Any, ...]) -> list[tuple[type, Any]]:
    """Value and type: 1 and "1", 1 and True, differ."""
    return [(type(value), value) for value in params]


def both_ways(
    statement: Any, values: dict[str, Any]
) -> tuple[tuple[str, tuple[Any, ...], Any], tuple[str, tuple[Any, ...], Any]]:
    """(SQL, parameters, rows or the number of rows changed) through
    ``Connection.execute`` and through the driver (``driver_sql.execute``), each in a
    savepoint rolled back: the same database state for both."""
    results = []
    for way in ("execute", "driver"):
        savepoint = db.session.begin_nested()
        conn = db.session.connection()
        with sent_to_driver() as seen:
            if way == "execute":
                result = conn.execute(statement, values)
            else:
                result = execute(conn, statement, values)
            rows = (
                sorted(tuple(row) for row in result.all())
                if result.returns_rows
                else result.rowcount
            )
        savepoint.rollback()
        assert len(seen) == 1
        results.append((*seen[0], rows))
    return results[0], results[1]


def assert_same(build: Callable[[int], Any], n: int, values: dict[str, Any]) -> Any:
    """``both_ways`` of ``build(n)`` gave the same; its rows (or the number changed)."""
    return assert_same_of(build(n), values)


def assert_same_of(statement: Any, values: dict[str, Any]) -> Any:
    (sql, params, rows), (driver_sql, driver_params, driver_rows) = both_ways(statement, values)
    assert driver_sql == sql
    assert _typed(driver_params) == _typed(params)
    assert driver_rows == rows
    return rows


def _claimed(make: Any, n: int) -> list[Reminder]:
    ids = due_reminders(make, n)
    db.session.commit()
    assert claim_due(NOW, n, CLAIMER) == ids
    return list(db.session.scalars(sa.select(Reminder).where(Reminder.id.in_(ids))))


def _written_values(reminders: list[Reminder], time: datetime, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "many_claimer": CLAIMER,
        "many_lease_from": time.replace(year=2020),
        "many_now": NOW,
        "many_direction": Direction.OUTBOUND,
        "many_gateway": "twilio",
        "many_status": message_status.PENDING,
        "many_created": time,
        "many_updated": time,
    }
    for i, reminder in enumerate(reminders):
        phone = db.session.get(Person, reminder.person_id).phone
        values.update(
            {
                f"want{i}_reminder_id": reminder.id,
                f"want{i}_phone": phone,
                f"want{i}_body": reminder.body,
                f"want{i}_digest": hash_of(phone),
                f"want{i}_segments": 1,
            }
        )
    values.update(changes)
    return values


@pytest.mark.parametrize("n", [1, 2, 3, 10])
@pytest.mark.parametrize("time", TIMES.values(), ids=TIMES.keys())
def test_the_hand_over_sends_what_execute_sends(app: Flask, make: Any, n: int, time: Any) -> None:
    reminders = _claimed(make, n)
    written = assert_same(_written_in_two, n, _written_values(reminders, time))
    assert len(written) == n  # every one written: the statement did its work both ways
    # The direction as the enum's value, as a plain string: the same.
    assert_same(_written_in_two, n, _written_values(reminders, time, many_direction="outbound"))
    # Nothing written (another claimer), and a None where the checks read a time.
    assert assert_same(_written_in_two, n, _written_values(reminders, time, many_claimer="x")) == []
    assert_same(_written_in_two, n, _written_values(reminders, time, many_lease_from=None))
    pairs: dict[str, Any] = {"many_claimer": CLAIMER, "many_updated": time}
    for i, reminder in enumerate(reminders):
        pairs.update({f"pair{i}_reminder_id": reminder.id, f"pair{i}_message_id": None})
    assert len(assert_same(_handed_in_two, n, pairs)) == n  # a None where an id goes


@pytest.mark.parametrize("n", [1, 2, 10])
@pytest.mark.parametrize("time", TIMES.values(), ids=TIMES.keys())
def test_the_answers_send_what_execute_sends(app: Flask, make: Any, n: int, time: Any) -> None:
    reminders = _claimed(make, n)
    conn = db.session.connection()
    written = sorted(execute_built(conn, _written_in_two, n, _written_values(reminders, NOW)).all())
    pairs: dict[str, Any] = {"many_claimer": CLAIMER, "many_updated": NOW}
    for i, (reminder, row) in enumerate(zip(reminders, written, strict=True)):
        pairs.update({f"pair{i}_reminder_id": reminder.id, f"pair{i}_message_id": row[0]})
    assert assert_same(_handed_in_two, n, pairs)
    handed = execute_built(conn, _handed_in_two, n, pairs).tuples().all()
    assert len(handed) == n
    message_of = dict(handed)
    rows = [
        (
            message_of[r.id],
            r.id,
            "queued" if i % 2 else "delivered",
            None if i % 3 == 0 else f"SM{i:032d}",  # no SID: None
            "" if i % 2 else "+4759000000",
            ReminderState.SENT.value if i % 2 else ReminderState.DELIVERED.value,
        )
        for i, r in enumerate(reminders)
    ]
    values = {"acc_updated": time, **answers_numbered(rows)}
    moved = assert_same(messages_moved, n, values)
    assert len(moved) == n
    some = {row[0] for row in rows[: max(n - 1, 1)]}  # the rest NULL
    for ids in ({row[0] for row in rows}, some, set()):
        assert_same(reminders_sent, n, {**values, **moved_numbered(n, ids)})


def test_a_naive_time_or_an_unknown_state_is_refused_both_ways(app: Flask, make: Any) -> None:
    """``UTCDateTime`` refuses a naive time and the enum an unknown value: through the
    driver as through ``execute`` (where SQLAlchemy wraps the error)."""
    reminders = _claimed(make, 2)
    naive = _written_values(reminders, datetime(2026, 11, 30, 12, 0))
    unknown = _written_values(reminders, NOW, many_direction="sideways")
    for values, error in ((naive, ValueError), (unknown, LookupError)):
        conn = db.session.connection()
        with pytest.raises(sa.exc.StatementError) as wrapped:
            conn.execute(_written_in_two(2), values)
        assert isinstance(wrapped.value.orig, error)
        with pytest.raises(error):
            execute_built(db.session.connection(), _written_in_two, 2, values)
        db.session.rollback()


def test_a_missing_value_raises(app: Flask) -> None:
    values = answers_numbered([(1, 1, "queued", None, "", "sent")])
    with pytest.raises(KeyError, match="acc_updated"):
        driver_statement(messages_moved(1), db.engine.dialect).parameters(values)


def test_what_it_cannot_compile_the_same_way_is_refused(app: Flask) -> None:
    """An expanding parameter (its SQL written at each execution), a value computed at
    each execution, a dialect with named parameters."""
    from sqlalchemy.dialects import postgresql

    table = Message.__table__
    dialect = db.engine.dialect
    expanding = sa.select(table.c.id).where(table.c.id.in_(sa.bindparam("ids", expanding=True)))
    computed = sa.select(table.c.id).where(table.c.id == sa.bindparam("x", callable_=lambda: 1))
    for statement in (expanding, computed):
        with pytest.raises(ValueError, match="DriverStatement"):
            DriverStatement(statement, dialect)
    with pytest.raises(ValueError, match="positional"):
        DriverStatement(sa.select(table.c.id), postgresql.psycopg.dialect())


def test_compiled_once_for_each_number_of_rows(app: Flask) -> None:
    dialect = db.engine.dialect
    once = driver_statement(messages_moved(3), dialect)
    assert driver_statement(messages_moved(3), dialect) is once
    assert driver_statement(messages_moved(4), dialect) is not once
    values = {"acc_updated": NOW, **answers_numbered([(1, 1, "queued", None, "", "sent")] * 3)}
    assert once.sql.count("?") == len(once.parameters(values))


def test_a_statement_broken_in_a_cursor_event_raises_and_writes_nothing(
    app: Flask, make: Any
) -> None:
    """The fault-injection tests break a statement in ``before_cursor_execute``: the
    driver's statement passes through it, and the error rolls it back."""
    reminders = _claimed(make, 2)

    def broken(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO message" in statement:
            raise RuntimeError("the database went away")

    sa.event.listen(db.engine, "before_cursor_execute", broken)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            execute_built(
                db.session.connection(), _written_in_two, 2, _written_values(reminders, NOW)
            )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", broken)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    states = db.session.scalars(sa.select(Reminder.state).where(Reminder.message_id.is_not(None)))
    assert list(states) == []
    assert {r.state for r in reminders} == {ReminderState.SENDING}


@pytest.mark.parametrize("time", TIMES.values(), ids=TIMES.keys())
def test_the_tick_statements_send_what_execute_sends(app: Flask, make: Any, time: Any) -> None:
    """The leases, the claim's two steps and the claimed reminders' numbers: each with
    rows to work on, the same both ways."""
    ids = due_reminders(make, 6)
    db.session.commit()
    for limit in (1, 4, 100):
        assert len(assert_same_of(dispatch._CHOOSE, {"tick_now": NOW, "choose_limit": limit})) == (
            min(limit, 6)
        )
    for n in (1, 4):
        values: dict[str, Any] = {f"take{i}": ident for i, ident in enumerate(ids[:n])}
        values.update(tick_now=time, take_claimer=CLAIMER)
        assert (
            len(assert_same(lambda n: dispatch._take(n, dispatch._still_pending), n, values)) == n
        )
        numbers = {f"claimed{i}": ident for i, ident in enumerate(ids[:n])}
        assert len(assert_same(dispatch._numbers_of, n, numbers)) == n
    # Three claimed long ago, one of them handed over: one to expire, two to release.
    assert claim_due(NOW, 3, CLAIMER) == ids[:3]
    reminders = list(db.session.scalars(sa.select(Reminder).where(Reminder.id.in_(ids[:3]))))
    conn = db.session.connection()
    written = execute_built(conn, _written_in_two, 3, _written_values(reminders, NOW)).all()
    pairs = {
        "many_claimer": CLAIMER,
        "many_updated": NOW,
        "pair0_reminder_id": reminders[0].id,
        "pair0_message_id": sorted(written)[0][0],
    }
    assert execute_built(conn, _handed_in_two, 1, pairs).all()
    after = NOW + timedelta(microseconds=1)  # claimed at NOW: the timeout's bound is strict
    later = {"lease_before": after, "claimed_before": after, "tick_now": time}
    assert assert_same_of(dispatch._RELEASE, later) == 2
    assert assert_same_of(dispatch._EXPIRE, later) == 1
    earlier = {"lease_before": NOW.replace(year=2020), "claimed_before": NOW.replace(year=2020)}
    assert assert_same_of(dispatch._RELEASE, {**later, **earlier}) == 0


def test_a_statement_that_reads_a_time_or_an_enum_is_refused(app: Flask) -> None:
    """The driver gives a time or an enum as stored (text); ``Connection.execute``
    converts it when read: such a statement is not run the driver's way."""
    table = Reminder.__table__
    for column in (table.c.claimed_at, table.c.state):
        returning = sa.update(table).values(body="x").returning(table.c.id, column)
        for statement in (sa.select(column), returning):
            with pytest.raises(ValueError, match="needs converting"):
                DriverStatement(statement, db.engine.dialect)
    DriverStatement(
        sa.update(table).values(body="x").returning(table.c.id, table.c.body), db.engine.dialect
    )
