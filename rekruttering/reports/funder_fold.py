"""Stored funder figures brought up to date with the check-ins made and undone since.

Computing a period's figures again reads every check-in of the centre (who is "new"
depends on each person's whole history); a check-in made today makes the stored
figures of the year so far out of date. But a check-in changes the figures of one
session and one person only, so instead of computing them all again:

* the listener (``rekruttering.reports.freshness``) logs each check-in made (+1) or
  undone (-1) as (person, session, role) in ``report_checkin_change``, with the value
  its (centre, month) counter took, in the check-in's transaction — for a counter
  raised by check-ins alone in that flush;
* here, for figures stored with their counters one by one (``ReportSnapshot.versions``):
  if every step of every counter since is a logged step (nothing else — a merge, an
  erasure, a retention run, a session moved or cancelled, an activity changing group —
  raised one), the figures are brought forward: for each session checked in or out,
  its held/empty outcome, check-ins and volunteer time before and after; for each
  person, whether they count as participant, volunteer and new participant in each
  activity, target group and the total, from all their check-ins at the centre after
  and (taking the logged changes back) before. The figures move by the differences.

**Exact.** The differences are those of the live computation's own definitions
(``rekruttering.reports.funder``), person by person and session by session: the
distinct counts are sums over people of "counts in this row", and session counts and
volunteer time are sums over sessions (volunteer time in whole microseconds, so adding
and taking away gives the same sum in any order).

**Concurrent check-ins.** Everything read here is read by one statement, so on
PostgreSQL it sees one snapshot of committed data (in READ COMMITTED each statement
takes its own; SQLite reads one statement from one state too): the counters, the log
rows up to them, and the people's and sessions' check-ins agree with each other. A
counter row is locked by the transaction that raises it until it commits, so the
values of one counter are taken in commit order: the logged steps between the stored
value and the value read are exactly the transactions committed in between, whether
two tablets checked one person in at the same moment or not. The stored figures
themselves are the data at their counters: figures computed live are stored as
foldable only if the counters read before and after computing them are equal
(``rekruttering.reports.snapshots``), and folded ones are stored with the counters
read in the same statement as the data they were brought to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rekruttering.domain.activity_figures import (
    SessionOutcome,
    hours,
    session_outcome,
    volunteer_time,
)
from rekruttering.domain.funnel import Role
from rekruttering.extensions import db
from rekruttering.models import Activity, Attendance, ReportCheckinChange, Session
from rekruttering.models.types import UTCDateTime
from rekruttering.reports.freshness import ATTENDANCE
from rekruttering.reports.snapshots import counter_key, counters

#: A stored row's volunteer time in whole microseconds (exact to add to; not shown).
VOLUNTEER_TIME = "volunteer_microseconds"
#: More logged check-ins than this since the stored figures: compute them again.
MOST_CHANGES = 2000

_COUNTERS, _LOGGED, _CHECKINS, _SESSIONS, _ACTIVITIES = range(5)
#: A row of a report: ("activity", id), ("group", target group) or ("total", None).
RowKey = tuple[str, Any]
#: A person's check-ins at the centre: session id -> (role, activity id, starts at).
CheckIns = dict[int, tuple[str, int, datetime]]


def _columns(part: int, **given: Any) -> sa.Select:
    """One part of the single statement: the same ten columns in each."""
    typed: dict[str, sa.types.TypeEngine[Any]] = {
        "n1": sa.BigInteger(),
        "n2": sa.BigInteger(),
        "n3": sa.BigInteger(),
        "n4": sa.BigInteger(),
        "n5": sa.BigInteger(),
        "day": sa.Date(),
        "text": sa.String(40),
        "t1": UTCDateTime(),
        "t2": UTCDateTime(),
    }
    columns = [sa.literal(part, sa.Integer()).label("part")]
    for name, type_ in typed.items():
        value = given.get(name)
        # A typed NULL where a part has no such column; the others as they are (a CAST
        # on SQLite would turn a date's text into a number).
        columns.append(
            (sa.cast(sa.null(), type_) if value is None else sa.type_coerce(value, type_)).label(
                name
            )
        )
    return sa.select(*columns)


def _statement(centre_id: int, last_day: date, versions: dict[str, int]) -> sa.CompoundSelect:
    counter_rows = counters([centre_id], last_day, ATTENDANCE).subquery()
    log = ReportCheckinChange.__table__.c
    stored = {
        date.fromisoformat(key.split(":", 1)[1]): value
        for key, value in versions.items()
        if key.split(":", 1)[0] == str(centre_id)
    }
    since_version: Any = sa.case(stored, value=log.month, else_=0) if stored else 0
    changed = (
        sa.select(log.month, log.version, log.person_id, log.session_id, log.role, log.delta)
        .where(
            log.centre_id == centre_id,
            log.month <= last_day.replace(day=1),
            log.version > since_version,
        )
        .cte("changed")
    )
    volunteer = sa.case((Attendance.role == Role.VOLUNTEER, 1), else_=0)
    cancelled = sa.case((Session.cancelled, 1), else_=0)
    return sa.union_all(
        _columns(
            _COUNTERS, n1=counter_rows.c.centre_id, n2=counter_rows.c.version,
            day=counter_rows.c.month,
        ).select_from(counter_rows),
        _columns(
            _LOGGED, n1=changed.c.person_id, n2=changed.c.session_id, n3=changed.c.delta,
            n4=changed.c.version, day=changed.c.month, text=changed.c.role,
        ).select_from(changed),
        _columns(
            _CHECKINS, n1=Attendance.person_id, n2=Attendance.session_id,
            n3=Session.activity_id, text=Attendance.role, t1=Session.starts_at,
        )
        .select_from(Attendance)
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.centre_id == centre_id,
            Session.cancelled.is_(False),
            Attendance.person_id.in_(sa.select(changed.c.person_id)),
        ),
        _columns(
            _SESSIONS, n1=Session.id, n2=sa.func.count(Attendance.id),
            n3=sa.func.coalesce(sa.func.sum(volunteer), 0), n4=cancelled,
            n5=Session.activity_id, t1=Session.starts_at, t2=Session.ends_at,
        )
        .select_from(Session)
        .outerjoin(Attendance, Attendance.session_id == Session.id)
        .where(Session.id.in_(sa.select(changed.c.session_id)))
        .group_by(
            Session.id, Session.cancelled, Session.activity_id, Session.starts_at, Session.ends_at
        ),
        _columns(_ACTIVITIES, n1=Activity.id, text=Activity.target_group).where(
            Activity.centre_id == centre_id
        ),
    )  # fmt: skip


def fold_checkins(
    centre_id: int,
    last_day: date,
    since: datetime,
    held_until: datetime,
    figures: dict[str, Any],
    versions: dict[str, int],
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """``figures`` (the funder report's, stored at the counters ``versions``) brought up
    to the data now, with the counters now; None when something besides check-ins made
    or undone changed (or too much did): then they are computed again.

    The sessions that count must be the same at the stored figures' ``held_until`` and
    now (the caller checks that none started in between).
    """
    now: dict[str, int] = {}
    steps: dict[str, set[int]] = defaultdict(set)
    net: dict[tuple[int, int, str], int] = defaultdict(int)
    checkins: dict[int, CheckIns] = defaultdict(dict)
    sessions: dict[int, Any] = {}
    groups: dict[int, str | None] = {}
    logged = 0
    for row in db.session.connection().execute(_statement(centre_id, last_day, versions)):
        if row.part == _COUNTERS:
            now[counter_key(row.n1, row.day)] = int(row.n2)
        elif row.part == _LOGGED:
            logged += 1
            steps[counter_key(centre_id, row.day)].add(int(row.n4))
            net[(row.n1, row.n2, row.text)] += int(row.n3)
        elif row.part == _CHECKINS:
            checkins[row.n1][row.n2] = (row.text, row.n3, row.t1)
        elif row.part == _SESSIONS:
            sessions[row.n1] = row
        else:
            groups[row.n1] = row.text
    if logged > MOST_CHANGES:
        return None
    for key in now.keys() | versions.keys():
        stored_value, value = versions.get(key, 0), now.get(key, 0)
        if value < stored_value or steps.get(key, set()) != set(range(stored_value + 1, value + 1)):
            return None  # a step that is not a logged check-in
    changes = {key: n for key, n in net.items() if n}
    if any(session_id not in sessions for _, session_id, _ in changes):
        return None
    rows = _Rows(figures, groups, since, held_until)
    if not rows.moved_by_sessions(changes, sessions):
        return None
    people: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for (person_id, session_id, role), n in changes.items():
        people[person_id].append((session_id, role, n))
    for person_id, changed in people.items():
        after = checkins.get(person_id, {})
        before = _before(after, changed, sessions)
        if before is None:
            return None
        rows.move_person(before, after)
    return rows.figures(), now


def _before(
    after: CheckIns, changed: list[tuple[int, str, int]], sessions: dict[int, Any]
) -> CheckIns | None:
    """A person's check-ins before the logged changes (None: they do not add up)."""
    before = dict(after)
    added, removed = [], []
    for session_id, role, n in changed:
        if sessions[session_id].n4:  # cancelled: its check-ins are not counted
            continue
        has = 1 if session_id in after and after[session_id][0] == role else 0
        had = has - n
        if had not in (0, 1):
            return None
        if has and not had:
            added.append(session_id)
        elif had and not has:
            removed.append((session_id, role))
    for session_id in added:
        del before[session_id]
    for session_id, role in removed:
        session = sessions[session_id]
        if session_id in before:
            return None  # two check-ins of one person at one session
        before[session_id] = (role, session.n5, session.t1)
    return before


class _Rows:
    """The stored figures by row, moved in place."""

    def __init__(
        self,
        figures: dict[str, Any],
        groups: dict[int, str | None],
        since: datetime,
        held_until: datetime,
    ) -> None:
        self.activities = {int(key): dict(values) for key, values in figures["activities"]}
        self.groups = {key: dict(values) for key, values in figures["groups"]}
        self.total = dict(figures["total"])
        self.group_of = groups
        self.since, self.held_until = since, held_until

    def figures(self) -> dict[str, Any]:
        return {
            "activities": list(self.activities.items()),
            "groups": list(self.groups.items()),
            "total": self.total,
        }

    def _rows_of(self, activity_id: int) -> list[dict[str, Any]]:
        """The activity's row, its target group's and the total (all exist together)."""
        return [
            self.activities[activity_id],
            self.groups[self.group_of.get(activity_id)],
            self.total,
        ]

    def _in_period(self, moment: datetime) -> bool:
        return self.since <= moment < self.held_until

    def moved_by_sessions(
        self, changes: dict[tuple[int, int, str], int], sessions: dict[int, Any]
    ) -> bool:
        """Move held / empty sessions, check-ins and volunteer time of the sessions
        checked in or out in the period; False when the figures cannot hold them."""
        checked: dict[int, int] = defaultdict(int)
        volunteers: dict[int, int] = defaultdict(int)
        for (_, session_id, role), n in changes.items():
            checked[session_id] += n
            if role == Role.VOLUNTEER:
                volunteers[session_id] += n
        for session_id, n in checked.items():
            session = sessions[session_id]
            if session.n4 or not self._in_period(session.t1):
                continue  # cancelled, or not in the period (yet): not counted
            if session.n5 not in self.activities:
                return False
            after, after_volunteers = int(session.n2), int(session.n3)
            before, before_volunteers = after - n, after_volunteers - volunteers[session_id]
            if before < 0 or before_volunteers < 0:
                return False
            for figures in self._rows_of(session.n5):
                for count, volunteering, sign in (
                    (before, before_volunteers, -1),
                    (after, after_volunteers, 1),
                ):
                    outcome = session_outcome(cancelled=False, checkins=count, started=True)
                    if outcome == SessionOutcome.HELD:
                        figures["sessions"] += sign
                        time = volunteer_time(session.t1, session.t2, volunteering)
                        figures[VOLUNTEER_TIME] += sign * (time // timedelta(microseconds=1))
                    else:
                        figures["empty_sessions"] += sign
                    figures["attendance"] += sign * count
                figures["volunteer_hours"] = hours(timedelta(microseconds=figures[VOLUNTEER_TIME]))
        return True

    def move_person(self, before: CheckIns, after: CheckIns) -> None:
        """Move the distinct counts by what one person counts as before and after."""
        was, now = self._counts_as(before.values()), self._counts_as(after.values())
        for key in was.keys() | now.keys():
            figures = self._row(key)
            old = was.get(key, (0, 0, 0))
            new = now.get(key, (0, 0, 0))
            figures["participants"] += new[0] - old[0]
            figures["volunteers"] += new[1] - old[1]
            figures["new_participants"] += new[2] - old[2]

    def _row(self, key: RowKey) -> dict[str, Any]:
        kind, value = key
        if kind == "activity":
            return self.activities[value]
        if kind == "group":
            return self.groups[value]
        return self.total

    def _counts_as(
        self, checkins: Iterable[tuple[str, int, datetime]]
    ) -> dict[RowKey, tuple[int, int, int]]:
        """Row -> (participant, volunteer, new participant) as 0 or 1, for one person's
        check-ins at sessions not cancelled, as ``funder._Tally`` counts them: in the
        period; new when their first check-in as participant ever (in the row's
        activities that have sessions in the period) is in it."""
        participant: set[RowKey] = set()
        volunteer: set[RowKey] = set()
        first: dict[RowKey, datetime] = {}
        for role, activity_id, starts_at in checkins:
            if activity_id not in self.activities:
                continue  # no session in the period: not reported
            keys: list[RowKey] = [
                ("activity", activity_id),
                ("group", self.group_of.get(activity_id)),
                ("total", None),
            ]
            is_participant = role == Role.PARTICIPANT
            if self._in_period(starts_at):
                (participant if is_participant else volunteer).update(keys)
            if is_participant:
                for key in keys:
                    if key not in first or starts_at < first[key]:
                        first[key] = starts_at
        return {
            key: (
                int(key in participant),
                int(key in volunteer),
                int(key in participant and self._in_period(first[key])),
            )
            for key in participant | volunteer
        }
