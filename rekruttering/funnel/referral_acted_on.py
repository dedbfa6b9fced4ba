"""``Referral.acted_on``: the stored answer to "has anyone acted on this referral?".

The rule stays ``referral_status.newly_referred_condition`` (nobody acted on it: no
staff mark, no check-in, "showed up" or "declined" since the referral, no contact after
it by anyone but a partner). Testing it for every referral of a centre was most of the
follow-up queue's SQL (docs/performance.md): the queue now reads the referrals stored
as not acted on (a partial index) and tests the rule on those only.

Nobody has to remember the column: two SQLAlchemy listeners on every ORM session
recompute it with the rule itself, in the same transaction as the change:

* ``after_flush``: new, changed (in a column the rule reads) and deleted ``Attendance``
  / ``Contact`` / ``Enrolment`` / ``Referral`` objects recompute the referrals of their
  person (the old and the new person when a row moves: ``before_flush`` reads the old
  one); a ``User`` whose partner
  changes, the referrals of the people that user has contacted;
* ``do_orm_execute``: a bulk ``INSERT`` / ``UPDATE`` / ``DELETE`` on those tables (a
  merge moves a person's history with one UPDATE a table) does not say whose rows it
  touched: every referral is recomputed after it. Such statements are rare (merges).

Because the rule is recomputed rather than set once, it stays right when an act is
undone (a check-in taken back). The queue still tests the rule on the rows it reads,
so a referral stored as "not acted on" that has been acted on never shows. Statements
on a bare connection or as SQL text are not seen; ``out_of_step`` lists the referrals
whose stored value differs from the rule (the tests drive every writer through it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, attributes

from rekruttering.funnel.referral_status import newly_referred_condition
from rekruttering.models import Attendance, Contact, Enrolment, Referral, User

#: For each model the rule reads, the columns whose change can change it.
WATCHED_COLUMNS: dict[type[Any], frozenset[str]] = {
    Attendance: frozenset({"person_id", "checked_in_at"}),
    Contact: frozenset({"person_id", "occurred_at", "outcome", "by_user_id", "referral_id"}),
    Enrolment: frozenset({"person_id", "showed_up_at", "declined_at"}),
    Referral: frozenset({"person_id", "status", "created_at"}),
}
_WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED_COLUMNS)


def acted_on_rule() -> sa.ColumnElement[bool]:
    """The live rule: true when someone has acted on the referral."""
    return sa.case((newly_referred_condition(), sa.false()), else_=sa.true())


@functools.cache
def _refresh_of_people() -> sa.Update:
    """The recompute for some people, built once with their ids as a bound parameter.

    Built per call, SQLAlchemy walked its nine subqueries for the statement cache's key
    on every write (~0.5 ms a check-in or contact); one object keeps its key
    (docs/performance.md, "Writes: tenth round")."""
    return (
        sa.update(Referral)
        .values(acted_on=acted_on_rule())
        .where(Referral.person_id.in_(sa.bindparam("person_ids", expanding=True)))
    )


def refresh(connection: sa.Connection, person_ids: Iterable[int] | None = None) -> None:
    """Recompute the referrals of these people (all referrals when None)."""
    if person_ids is None:
        connection.execute(sa.update(Referral).values(acted_on=acted_on_rule()))
        return
    ids = sorted(set(person_ids))
    statement = _refresh_of_people()
    for start in range(0, len(ids), 500):
        connection.execute(statement, {"person_ids": ids[start : start + 500]})


def out_of_step(connection: sa.Connection) -> list[tuple[int, bool]]:
    """(referral id, stored value) of every referral whose stored value is not the rule's."""
    rule = acted_on_rule()
    return [
        (rid, bool(stored))
        for rid, stored in connection.execute(
            sa.select(Referral.id, Referral.acted_on)
            .where(Referral.acted_on != rule)
            .order_by(Referral.id)
        )
    ]


def _changed(obj: Any, columns: frozenset[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _people_of(obj: Any) -> set[int]:
    """The person of a row, and its former person if the row moved."""
    history = attributes.get_history(obj, "person_id")
    return {pid for pid in (*history.added, *history.unchanged, *history.deleted) if pid}


def _can_count(obj: Any) -> bool:
    """Whether a new row can change the rule. An enrolment counts only by its "showed
    up" or "declined" time: one written with neither (a contact's new enrolment at
    "heard" or "asked") cannot, and recomputing for it is a statement for nothing.
    (A time never set is written NULL: the columns have no default. Not for deleted
    rows: what they held in the database may differ from what the object holds, e.g. a
    time cleared just before the delete.)"""
    if isinstance(obj, Enrolment):
        values = sa.inspect(obj).dict
        return values.get("showed_up_at") is not None or values.get("declined_at") is not None
    return True


def _people_of_flush(session: Session) -> set[int]:
    people: set[int] = set()
    partner_changed: list[int] = []
    for obj in session.new:
        if type(obj) in WATCHED_COLUMNS and _can_count(obj):
            people |= _people_of(obj)
    for obj in session.deleted:
        if type(obj) in WATCHED_COLUMNS:
            people |= _people_of(obj)
    for obj in session.dirty:
        columns = WATCHED_COLUMNS.get(type(obj))
        if columns is not None and _changed(obj, columns):
            people |= _people_of(obj)
        elif isinstance(obj, User) and _changed(obj, frozenset({"partner_id"})):
            partner_changed.append(obj.id)
    if partner_changed:
        people |= set(
            session.connection().scalars(
                sa.select(Contact.person_id).where(Contact.by_user_id.in_(partner_changed))
            )
        )
    return people


#: ``session.info`` key: the former people of rows moved to another person (before_flush).
_FORMER_PEOPLE = "referral_acted_on.former_people"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The former person of a row moved to another one: an expired row set to a new
    person keeps no history of the old one, so it is read before the flush."""
    for obj in session.dirty:
        if type(obj) not in WATCHED_COLUMNS:
            continue
        history = attributes.get_history(obj, "person_id")
        if history.added and not history.deleted and sa.inspect(obj).has_identity:
            model = type(obj)
            former = session.connection().scalar(
                sa.select(model.person_id).where(model.id == obj.id)
            )
            if former is not None:
                session.info.setdefault(_FORMER_PEOPLE, set()).add(former)


def _after_flush(session: Session, _context: Any) -> None:
    people = _people_of_flush(session) | session.info.pop(_FORMER_PEOPLE, set())
    if people:
        refresh(session.connection(), people)


def _bulk_statement(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _WATCHED_TABLES:
        return None
    values = getattr(state.statement, "_values", None) or {}
    if state.is_update and getattr(table, "name", None) == "referral":
        columns = {getattr(k, "key", k) for k in values}
        if columns == {"acted_on"}:
            return None  # our own refresh
    result = state.invoke_statement()
    if isinstance(result, sa.CursorResult) and not result.returns_rows:
        refresh(state.session.connection())
        return result
    frozen = result.freeze()  # rows returned (RETURNING): kept while we recompute
    refresh(state.session.connection())
    return frozen()


def init_app() -> None:
    """Listen to every ORM session (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _bulk_statement):
        event.listen(Session, "do_orm_execute", _bulk_statement)
