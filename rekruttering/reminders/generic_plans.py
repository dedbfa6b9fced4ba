"""PostgreSQL: the dispatcher's connections keep one plan for each of their statements.

psycopg prepares a statement once a connection has run it five times; PostgreSQL then
plans each execution anew with its parameters (a "custom plan") until a generic plan
looks no dearer, and for the dispatcher's statements it often never does. The batch
hand-over (``hand_over_many``, five CTEs) took 1-2 ms to plan and 0.2 ms to run; with
the generic plan (the same nested loops over primary keys) 0.2 ms in all. For the
length of a tick the dispatcher's connections use generic plans
(``plan_cache_mode = force_generic_plan``); the setting is reset before a connection
goes back to the pool, and a connection on which that fails is not given back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

log = logging.getLogger(__name__)


def _set(connection: sa.Connection, statement: str) -> None:
    """Run ``statement`` outside any transaction (a session setting, at once)."""
    raw = connection.connection.driver_connection
    assert raw is not None
    autocommit = raw.autocommit
    raw.autocommit = True
    try:
        raw.execute(statement)
    finally:
        raw.autocommit = autocommit


@contextmanager
def generic_plans(connection: sa.Connection) -> Iterator[None]:
    """PostgreSQL: generic plans for the prepared statements of ``connection`` in the
    block (it must not be in a transaction at either end); elsewhere nothing."""
    if connection.dialect.name != "postgresql":
        yield
        return
    _set(connection, "SET plan_cache_mode = force_generic_plan")
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            _set(connection, "RESET plan_cache_mode")
        except Exception:  # noqa: BLE001 - never back to the pool with the setting
            log.exception("dispatch: resetting plan_cache_mode failed; connection dropped")
            connection.invalidate()
