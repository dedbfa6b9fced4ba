"""Rows the current transaction has read locked (``SELECT … FOR UPDATE``).

A row read with its lock is the database's row until the transaction ends: nobody else
can change it meanwhile (PostgreSQL: the row lock; SQLite has one writer at a time and
ignores ``FOR UPDATE``). So a second read of it in the same transaction, to lock it again
or to learn its columns, can use the object already loaded. A check-in reads its
session locked once in the view, and neither the service nor the report listener
(``reports.freshness``: the month the session starts in) reads it again.

Kept in ``Session.info`` with the transaction they belong to: a new transaction starts
with no rows.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session, SessionTransaction

from rekruttering import held_rows

T = TypeVar("T")

_KEY = "row_locks.held"


def _innermost(session: Session) -> SessionTransaction | None:
    """The savepoint in progress, or the transaction (a flush's own is not a savepoint)."""
    return session.get_nested_transaction() or session.get_transaction()


def _locks(session: Session) -> dict[Any, SessionTransaction]:
    """identity key -> the transaction or savepoint it was locked in (this transaction's)."""
    root = session.get_transaction()
    found = session.info.get(_KEY)
    if found is None or found[0] is not root:
        found = (root, {})
        session.info[_KEY] = found
    return found[1]


def remember(session: Session, obj: Any) -> None:
    """``obj`` was just read with ``FOR UPDATE`` in the session's transaction."""
    innermost = _innermost(session)
    if innermost is not None:
        _locks(session)[inspect(obj).identity_key] = innermost


def held(session: Session, model: type[T], ident: int, *columns: str) -> T | None:
    """The object of ``model`` with primary key ``ident`` if this transaction read it
    locked and the session still holds it as read: loaded (with ``columns``), not
    expired, not deleted. None otherwise (read it, and lock it, again).

    A lock taken in a savepoint counts while that savepoint is in progress (or one
    inside it): a savepoint rolled back gives up the locks taken in it (PostgreSQL),
    and one released is not followed further (read again: correct, if not needed)."""
    # inspect() of a mapped class is its Mapper (typed as possibly None).
    key = inspect(model).identity_key_from_primary_key([ident])  # type: ignore[union-attr]  # see above
    locked_in = _locks(session).get(key)
    if locked_in is None:
        return None
    current = _innermost(session)
    while current is not None and current is not locked_in:
        current = current.parent
    if current is None or not current.is_active:
        return None
    return held_rows.held(session, model, ident, *columns)
