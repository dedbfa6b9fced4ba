"""Which stored report figures are out of date: change marks written with every change.

Stored reports (``rekruttering.reports.snapshots``) depend on check-ins, sessions and
activities. Rather than trusting every writer to remember them, two SQLAlchemy
listeners watch every ORM session and, in the same transaction as the change, add one
to a counter per (centre, topic, month) touched (``models.ReportChange``):

* ``after_flush``: new, changed and deleted ``Attendance`` / ``Session`` /
  ``Activity`` / ``Person`` objects. A check-in marks the month its session starts in
  (a back-dated check-in marks that old month); a session moved to another time marks
  the old and the new month; an activity whose target group changes, and a person or
  activity deleted (the database deletes their check-ins with them), mark every
  month of the centre.
* the enrolment topic (what the conversion and municipality reports read): new,
  changed and deleted ``Enrolment`` / ``Channel`` / ``Activity`` objects mark every
  month of their centre (those reports follow a person's enrolment through its
  stages whenever they happen, and open on all of time);
* check-ins made or undone (new or deleted ``Attendance``) under a mark that nothing
  else in the flush raised are also logged, one row each, with the value the counter
  took (``models.ReportCheckinChange``): the stored funder figures fold them in
  (``rekruttering.reports.funder_fold``) instead of reading every check-in again;
* ``do_orm_execute``: bulk ``INSERT`` / ``UPDATE`` / ``DELETE`` statements on those
  tables (a merge moves check-ins with one UPDATE, a merge deletes the duplicate's
  check-ins of the same session): the statement does not say which centre or month,
  so they mark every month of every centre. They are rare (merges, retention,
  imports); what reads the figures next recomputes them once. The nightly generation
  of sessions ahead inserts its rows with one multi-row ``INSERT``: its values are
  read, and only the months of the new sessions are marked.

Writes that only touch text (an anonymisation clears names) or columns no report
reads do not mark anything. Statements run on a bare connection
(``db.session.connection().execute``) or as SQL text are not seen: writers of these
tables use the ORM session (the agreement test in tests/test_report_snapshots.py
drives merges, erasures, retention runs and check-ins through the services).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, attributes

from rekruttering import row_locks
from rekruttering.domain.clock import to_oslo
from rekruttering.models import (
    Activity,
    Attendance,
    Channel,
    Enrolment,
    Person,
    ReportChange,
    ReportCheckinChange,
)
from rekruttering.models import Session as ActivitySession

#: The topic of check-ins, sessions and activities (what the funder report reads).
ATTENDANCE = "attendance"
#: The topic of enrolments, channels and activities (the conversion and municipality
#: reports).
ENROLMENT = "enrolment"
#: ``ReportChange.month`` of a change to every month.
EVERY_MONTH = date(1900, 1, 1)
#: ``ReportChange.centre_id`` of a change to every centre.
EVERY_CENTRE = 0

#: Columns whose change changes the figures (other columns are not read by reports).
WATCHED_COLUMNS: dict[str, frozenset[str]] = {
    "attendance": frozenset({"session_id", "person_id", "role", "centre_id"}),
    "session": frozenset({"activity_id", "starts_at", "ends_at", "cancelled", "centre_id"}),
    "activity": frozenset({"target_group", "centre_id"}),
    "person": frozenset(),  # only deletes matter (check-ins go with the person)
    "enrolment": frozenset(
        {
            "person_id",
            "activity_id",
            "role",
            "stage",
            "heard_at",
            "asked_at",
            "showed_up_at",
            "regular_at",
            "first_channel_id",
            "ask_channel_id",
            "partner_id",
            "created_at",
            "centre_id",
        }
    ),
    "channel": frozenset({"name", "kind", "partner_id", "active", "centre_id"}),
}
#: The tables each topic reads.
TOPIC_TABLES: dict[str, frozenset[str]] = {
    ATTENDANCE: frozenset({"attendance", "session", "activity", "person"}),
    ENROLMENT: frozenset({"enrolment", "channel", "activity", "person"}),
}


def month_of(moment: datetime) -> date:
    """The first day of the Oslo month ``moment`` falls in."""
    return to_oslo(moment).date().replace(day=1)


def _changed(obj: Any, names: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """name -> (old values ...) of the watched attributes that changed in this flush."""
    state = sa.inspect(obj)
    found: dict[str, tuple[Any, ...]] = {}
    for name in names:
        history = attributes.get_history(obj, name) if name in state.attrs else None
        if history is not None and history.has_changes():
            found[name] = tuple(history.deleted or ())
    return found


#: A check-in made or undone: (person id, session id, role, +1 or -1).
CheckinChange = tuple[int, int, str, int]


def _logged_checkin(obj: Attendance, delta: int) -> CheckinChange | None:
    """The change a new or deleted check-in makes, if its columns are at hand."""
    values = sa.inspect(obj).dict
    person_id, session_id, role = (values.get(k) for k in ("person_id", "session_id", "role"))
    if person_id is None or session_id is None or role is None:
        return None
    return (person_id, session_id, str(getattr(role, "value", role)), delta)


def _marks_of_flush(
    session: Session,
) -> tuple[set[tuple[int, str, date]], dict[tuple[int, str, date], list[CheckinChange]]]:
    """(centre, topic, month) the objects of this flush change, and the check-ins made
    or undone under each mark raised by nothing else (those are logged)."""
    marks: set[tuple[int, str, date]] = set()
    session_ids: dict[int, int] = {}  # session id -> centre id, months looked up below
    unlogged: set[int] = set()  # sessions whose months change for another reason
    logged: list[CheckinChange] = []
    dirty = set(session.dirty)
    deleted = set(session.deleted)
    new = set(session.new)
    for obj in [*new, *dirty, *deleted]:
        if isinstance(obj, Attendance):
            change = None
            if obj in dirty:
                changed = _changed(obj, WATCHED_COLUMNS["attendance"])
                if not changed:
                    continue
                for old in changed.get("session_id", ()):
                    session_ids[old] = obj.centre_id
                    unlogged.add(old)
                for old in changed.get("centre_id", ()):
                    marks.add((old, ATTENDANCE, EVERY_MONTH))
            else:
                change = _logged_checkin(obj, 1 if obj in new else -1)
            session_ids[obj.session_id] = obj.centre_id
            if change is None:
                unlogged.add(obj.session_id)
            else:
                logged.append(change)
        elif isinstance(obj, ActivitySession):
            if obj in dirty:
                changed = _changed(obj, WATCHED_COLUMNS["session"])
                if not changed:
                    continue
                for old in changed.get("starts_at", ()):
                    if old is not None:
                        marks.add((obj.centre_id, ATTENDANCE, month_of(old)))
                for old in changed.get("centre_id", ()):
                    marks.add((old, ATTENDANCE, EVERY_MONTH))
            if obj.starts_at is not None:
                marks.add((obj.centre_id, ATTENDANCE, month_of(obj.starts_at)))
        elif isinstance(obj, Activity | Enrolment | Channel):
            table = obj.__table__.name
            if obj in dirty:
                changed = _changed(obj, WATCHED_COLUMNS[table])
                if not changed:
                    continue
                for old in changed.get("centre_id", ()):
                    marks |= {(old, topic, EVERY_MONTH) for topic in _topics(table)}
            if obj.centre_id is not None:
                marks |= {(obj.centre_id, topic, EVERY_MONTH) for topic in _topics(table)}
        elif isinstance(obj, Person) and obj in deleted:
            marks |= {(obj.centre_id, topic, EVERY_MONTH) for topic in TOPIC_TABLES}
    if any(isinstance(obj, Person | ActivitySession) for obj in deleted):
        # Their check-ins go with them: nothing to fold (and no row to log against).
        unlogged |= {change[1] for change in logged}
        logged = []
    month_marks: dict[int, tuple[int, str, date]] = {}
    ids = []
    for sid in session_ids:
        if sid is None:
            continue
        # A session this transaction read locked (a check-in) is the database's row:
        # its month is known without reading it again.
        held = row_locks.held(session, ActivitySession, sid, "centre_id", "starts_at")
        if held is not None and held.starts_at is not None and held not in deleted:
            month_marks[sid] = (held.centre_id, ATTENDANCE, month_of(held.starts_at))
        else:
            ids.append(sid)
    if ids:
        connection = session.connection()
        for start in range(0, len(ids), 500):
            for sid, centre_id, starts_at in connection.execute(
                sa.select(
                    ActivitySession.id, ActivitySession.centre_id, ActivitySession.starts_at
                ).where(ActivitySession.id.in_(ids[start : start + 500]))
            ):
                month_marks[sid] = (centre_id, ATTENDANCE, month_of(starts_at))
        for sid in set(ids) - set(month_marks):  # deleted with it: its deletion marks
            marks.add((session_ids[sid], ATTENDANCE, EVERY_MONTH))
    # A mark raised by anything but check-ins made or undone logs nothing: whatever
    # folds logged check-ins sees a counter step without log rows and starts afresh.
    marks |= {month_marks[sid] for sid in unlogged if sid in month_marks}
    by_mark: dict[tuple[int, str, date], list[CheckinChange]] = {}
    for change in logged:
        key = month_marks.get(change[1])
        if key is not None and key not in marks:
            by_mark.setdefault(key, []).append(change)
    return marks | set(by_mark), by_mark


def _topics(table: str) -> list[str]:
    return [topic for topic, tables in TOPIC_TABLES.items() if table in tables]


@functools.cache
def _upsert(returning: bool) -> sa.Executable:
    """Add one to a counter (a new counter starts at one); ``returning``: its new value.

    SQL text, the same on SQLite and PostgreSQL: SQLAlchemy does not cache the compiled
    form of its dialects' ``INSERT … ON CONFLICT`` constructs, so each write built and
    compiled its upsert afresh (docs/performance.md, "Writes: tenth round"). The text is
    what those constructs compiled to; its parameters keep the columns' types."""
    table = ReportChange.__table__
    sql = (
        "INSERT INTO report_change (centre_id, topic, month, version)"
        " VALUES (:centre_id, :topic, :month, :version)"
        " ON CONFLICT (centre_id, topic, month)"
        " DO UPDATE SET version = (report_change.version + 1)"
    )
    names = ("centre_id", "topic", "month", "version")
    statement = sa.text(sql + (" RETURNING report_change.version" if returning else ""))
    statement = statement.bindparams(*(sa.bindparam(n, type_=table.c[n].type) for n in names))
    return statement.columns(table.c.version) if returning else statement


def mark(
    connection: sa.Connection,
    marks: Iterable[tuple[int, str, date]],
    log: dict[tuple[int, str, date], list[CheckinChange]] | None = None,
) -> None:
    """Add one to the counter of each (centre, topic, month); ``log``: the check-ins
    made or undone under some of these marks, logged with the counter's new value."""
    rows = [
        {"centre_id": centre_id, "topic": topic, "month": month, "version": 1}
        for centre_id, topic, month in sorted(set(marks))
        if centre_id is not None
    ]
    if not rows:
        return
    if not log:
        connection.execute(_upsert(returning=False), rows)
        return
    # One row at a time, in order (the order the counters are locked in): the new value
    # of a logged counter is read back (``RETURNING``; SQLite before 3.35, which has
    # no ``RETURNING``: a SELECT, as the app runs on 3.34). The transaction holds the
    # counter row (PostgreSQL: its row lock; SQLite: the write lock) until it commits,
    # so it reads its own value, and a counter's values are taken in the order their
    # transactions commit.
    table = ReportChange.__table__
    changes = []
    for row in rows:
        key = (row["centre_id"], row["topic"], row["month"])
        if key not in log:
            connection.execute(_upsert(returning=False), [row])
            continue
        if connection.dialect.insert_returning:
            version = connection.scalar(_upsert(returning=True), row)
        else:
            connection.execute(_upsert(returning=False), [row])
            version = connection.scalar(
                sa.select(table.c.version).where(
                    table.c.centre_id == row["centre_id"],
                    table.c.topic == row["topic"],
                    table.c.month == row["month"],
                )
            )
        for person_id, session_id, role, delta in log[key]:
            changes.append(
                {
                    "centre_id": row["centre_id"],
                    "month": row["month"],
                    "version": version,
                    "person_id": person_id,
                    "session_id": session_id,
                    "role": role,
                    "delta": delta,
                }
            )
    if changes:
        connection.execute(sa.insert(ReportCheckinChange.__table__), changes)


def _after_flush(session: Session, _context: Any) -> None:
    marks, log = _marks_of_flush(session)
    if marks:
        mark(session.connection(), marks, log)


def _inserted_session_months(statement: Any) -> set[tuple[int, str, date]] | None:
    """(centre, topic, month) of the rows of a multi-row ``INSERT`` into session (the
    nightly generation of sessions ahead), or None when the values cannot be read."""
    rows = [row for group in getattr(statement, "_multi_values", None) or () for row in group]
    if not rows:
        return None
    marks = set()
    for row in rows:
        values = {getattr(k, "key", k): v for k, v in row.items()}
        centre_id, starts_at = values.get("centre_id"), values.get("starts_at")
        if not isinstance(centre_id, int) or not isinstance(starts_at, datetime):
            return None
        marks.add((centre_id, ATTENDANCE, month_of(starts_at)))
    return marks


def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in WATCHED_COLUMNS:
        return
    if state.is_insert and name == "session":
        months = _inserted_session_months(state.statement)
        if months is not None:  # new sessions change only their own months
            mark(state.session.connection(), months)
            return
    if state.is_update and name != "person":
        values = getattr(state.statement, "_values", None) or {}
        columns = {getattr(k, "key", k) for k in values}
        if columns and not columns & WATCHED_COLUMNS[name]:
            return  # an anonymisation clearing text, a reminder's state
    elif state.is_update:
        return  # people's own columns are not read by the reports
    mark(state.session.connection(), [(EVERY_CENTRE, t, EVERY_MONTH) for t in _topics(name)])


def init_app() -> None:
    """Listen to every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _bulk_statement):
        event.listen(Session, "do_orm_execute", _bulk_statement)
