"""One use case, one transaction.

Service functions add and change objects but never commit; the caller (a view, the
API, a job, the CLI) runs them inside ``transaction()``, which commits when the block
ends and rolls everything back if anything in it raises. So a failed use case leaves
nothing half-written, and use cases compose (a referral creates a person and logs a
contact in one transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.dml import UpdateBase

from rekruttering.extensions import db


@contextmanager
def transaction(keep_loaded: bool = False) -> Iterator[None]:
    """Commit when the block ends, roll back if it raises.

    ``keep_loaded``: the commit leaves the rows the session has loaded as they were
    read, instead of expiring them (SQLAlchemy's default), for a commit that only adds
    rows the request does not read back: what the request touches after it is not read
    again, a statement each (the person page's audit entry, docs/performance.md)."""
    if keep_loaded:
        session = db.session()
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            with transaction():
                yield
        finally:
            session.expire_on_commit = expire_on_commit
        return
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def execute_dml(statement: UpdateBase) -> int:
    """Run a bulk UPDATE or DELETE in the session; the number of rows it matched.

    (``Session.execute`` is typed to return ``Result``; for DML it is a ``CursorResult``,
    which has ``rowcount``.)
    """
    result = db.session.execute(statement)
    return cast("CursorResult[Any]", result).rowcount
