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
from sqlalchemy.orm import Session

T = TypeVar("T")

_KEY = "row_locks.held"


def remember(session: Session, obj: Any) -> None:
    """``obj`` was just read with ``FOR UPDATE`` in the session's transaction."""
    transaction = session.get_transaction()
    held = session.info.get(_KEY)
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_KEY] = held
    held[1].add(inspect(obj).identity_key)


def held(session: Session, model: type[T], ident: int, *columns: str) -> T | None:
    """The object of ``model`` with primary key ``ident`` if this transaction read it
    locked and the session still holds it as read: loaded (with ``columns``), not
    expired, not deleted. None otherwise (read it, and lock it, again)."""
    found = session.info.get(_KEY)
    if found is None or found[0] is not session.get_transaction():
        return None
    key = inspect(model).identity_key_from_primary_key([ident])  # type: ignore[union-attr]
    if key not in found[1]:
        return None
    obj = session.identity_map.get(key)
    if obj is None:
        return None
    state = inspect(obj)
    if state.expired or state.deleted or state.was_deleted or obj in session.deleted:
        return None
    if any(name not in state.dict for name in columns):
        return None
    return obj
