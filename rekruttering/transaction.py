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
def transaction() -> Iterator[None]:
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
