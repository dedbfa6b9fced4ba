"""Stored report figures: computed live once, served until the data under them changes.

A report's figures for one centre and period are stored with the sum of the change
counters (``rekruttering.reports.freshness``) of the months they depend on: every
month up to the period's last (a back-dated check-in before the period can change who
is "new" in it). They are served again while that sum is unchanged, and, for a period
that reaches into today, while no session of the centre has started since they were
computed (a session that starts turns from "ahead" into held or empty). Otherwise
they are computed live and stored again. So the figures are always the live ones;
only the first request after a change pays for computing them.

The sum is read *before* the live figures, so a change committed while they are
computed leaves them stored under an older sum: out of date at once, never served.

A report that can bring out-of-date figures up to date (the funder report folds in
check-ins, ``rekruttering.reports.funder_fold``) is given them only if they are
exactly the data at their counters: the counters are stored one by one
(``ReportSnapshot.versions``) only when they read the same after the live figures as
before (nothing was committed in between).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import ReportChange, ReportCheckinChange, ReportSnapshot
from rekruttering.models import Session as ActivitySession
from rekruttering.reports.freshness import ATTENDANCE, EVERY_CENTRE

#: Stored figures not computed again for this long are deleted when others are stored.
KEEP_FOR = timedelta(days=40)
#: Logged check-ins older than this are deleted when figures are stored (figures older
#: than the log are computed again rather than folded).
KEEP_CHANGES = timedelta(days=2)
#: ``Session.info`` key: figures were stored in this transaction (the caller commits).
PENDING = "report_figures_stored"


def figures_to_store() -> bool:
    """Whether this transaction stored figures that are not committed yet."""
    return bool(db.session.info.pop(PENDING, False))


def commit_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before PostgreSQL has flushed it to disk
    (``synchronous_commit`` off, for this transaction only; nothing on SQLite).

    Only for a transaction whose writes are all stored figures and their housekeeping:
    a crash in the moment after such a commit can lose them, and they are computed
    again on the next read (they are derived, and served only while their counters
    match). The flush was 3-4 ms a computing report page on the bench machine, up to
    ~16 with other writers (docs/performance.md, branch ``conv6``). The commit is still
    atomic and visible to others at once; only its durability waits for the next flush
    (at most ``wal_writer_delay`` × 3).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))


def counters(centre_ids: list[int], last_day: date | None, topic: str = ATTENDANCE) -> sa.Select:
    """(centre, month, version) of the topic's counters of the centres (and of every
    centre) up to the month of ``last_day`` (all months without): they grow with every
    change that can alter a report ending then."""
    table = ReportChange.__table__.c
    conditions = [
        table.centre_id.in_([EVERY_CENTRE, *centre_ids]),
        table.topic == topic,
    ]
    if last_day is not None:
        conditions.append(table.month <= last_day.replace(day=1))
    return sa.select(table.centre_id, table.month, table.version).where(*conditions)


def counter_key(centre_id: int, month: date) -> str:
    """A counter's key in ``ReportSnapshot.versions``."""
    return f"{centre_id}:{month.isoformat()}"


def change_versions(
    centre_ids: list[int], last_day: date | None, topic: str = ATTENDANCE
) -> dict[str, int]:
    """The values of ``counters``, by ``counter_key``."""
    return {
        counter_key(centre_id, month): int(version)
        for centre_id, month, version in db.session.execute(counters(centre_ids, last_day, topic))
    }


def change_version(centre_ids: list[int], last_day: date | None, topic: str = ATTENDANCE) -> int:
    """The sum of ``counters``: it grows with every change that can alter the report."""
    return sum(change_versions(centre_ids, last_day, topic).values())


def _sessions_started(centre_id: int, since: datetime, until: datetime) -> bool:
    if until <= since:
        return False
    return (
        db.session.scalar(
            sa.select(ActivitySession.id)
            .where(
                ActivitySession.centre_id == centre_id,
                ActivitySession.starts_at >= since,
                ActivitySession.starts_at < until,
            )
            .limit(1)
        )
        is not None
    )


#: Brings stored figures up to date: (figures, the counters they were computed at) ->
#: (figures now, the counters now), or None when it cannot.
Fold = Callable[[Any, dict[str, int]], tuple[Any, dict[str, int]] | None]


def stored_or_computed(
    kind: str,
    centre_id: int,
    period: str,
    last_day: date | None,
    held_until: datetime | None,
    compute: Callable[[], Any],
    *,
    topic: str = ATTENDANCE,
    centre_ids: list[int] | None = None,
    fold: Fold | None = None,
) -> Any:
    """The figures stored for (kind, centre, period) if still true, else ``compute()``'s
    (stored for the next time). ``compute`` returns JSON-able data.

    ``last_day``: the figures depend on the topic's changes up to that day's month (None:
    on every month). ``held_until``: they count the sessions started before it (None:
    they do not depend on sessions starting). ``centre_ids``: figures over several
    centres (stored under ``centre_id``, their first) depend on the changes of all.
    ``fold``: brings out-of-date figures up to date without computing them again
    (``rekruttering.reports.funder_fold``); it is given only figures known to be exactly
    the data at their counters.
    """
    ids = centre_ids or [centre_id]
    versions = change_versions(ids, last_day, topic)
    version = sum(versions.values())
    row = db.session.execute(
        sa.select(
            ReportSnapshot.version,
            ReportSnapshot.held_until,
            ReportSnapshot.payload,
            ReportSnapshot.versions,
        ).where(
            ReportSnapshot.kind == kind,
            ReportSnapshot.centre_id == centre_id,
            ReportSnapshot.period == period,
        )
    ).one_or_none()
    still_held = row is not None and (
        held_until is None
        or (
            row.held_until <= held_until
            and not _sessions_started(centre_id, row.held_until, held_until)
        )
    )
    if row is not None and still_held and row.version == version:
        return json.loads(row.payload)
    stored_until = held_until or utcnow()
    if row is not None and still_held and fold is not None and row.versions is not None:
        folded = fold(json.loads(row.payload), json.loads(row.versions))
        if folded is not None:
            figures, now = folded
            _store(kind, centre_id, period, now, stored_until, json.dumps(figures))
            return figures
    figures = compute()
    # Foldable only if nothing the figures depend on was committed while they were
    # computed: the counters only go up, and go up in the transaction of the change.
    exact = fold is not None and change_versions(ids, last_day, topic) == versions
    _store(kind, centre_id, period, versions, stored_until, json.dumps(figures), exact=exact)
    return figures


def _store(
    kind: str,
    centre_id: int,
    period: str,
    versions: dict[str, int],
    held_until: datetime,
    payload: str,
    *,
    exact: bool = True,
) -> None:
    now = utcnow()
    table = ReportSnapshot.__table__
    values = {
        "kind": kind,
        "centre_id": centre_id,
        "period": period,
        "version": sum(versions.values()),
        "versions": json.dumps(versions) if exact else None,
        "held_until": held_until,
        "payload": payload,
        "computed_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=["kind", "centre_id", "period"],
        set_={k: v for k, v in values.items() if k not in ("kind", "centre_id", "period")},
    )
    db.session.execute(statement)
    db.session.info[PENDING] = True
    db.session.execute(
        sa.delete(ReportSnapshot).where(
            ReportSnapshot.centre_id == centre_id,
            ReportSnapshot.computed_at < now - KEEP_FOR,
        )
    )
    db.session.execute(
        sa.delete(ReportCheckinChange).where(ReportCheckinChange.created_at < now - KEEP_CHANGES)
    )
