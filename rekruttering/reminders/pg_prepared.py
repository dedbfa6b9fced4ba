"""PostgreSQL: a Core statement prepared on a connection's libpq, its parameters in text.

The dispatcher sends a few statements without waiting for their answers: the read
before a send (``read_ahead``) and the batch transaction (``batch_in_flight``). They go
through libpq itself (``PQsendQueryPrepared``), not through SQLAlchemy and psycopg,
which wait for each answer. ``Prepared`` compiles a statement once (as SQLAlchemy's
psycopg dialect does, with ``$n`` placeholders and a cast for each typed parameter),
prepares it once per database connection (remembered in the pool's record of that
connection) and turns a dict of parameters into the text values libpq sends: the
server reads each as the type its cast names, or the column it is compared with.
"""

from __future__ import annotations

import select
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.compiler import SQLCompiler

#: Where a connection remembers the statements prepared on it (the pool's record of it).
_PREPARED = "pg_prepared"
#: SQLSTATE "invalid_sql_statement_name": no prepared statement of that name.
NOT_PREPARED = b"26000"
#: SQLSTATE "duplicate_prepared_statement".
ALREADY_PREPARED = b"42P05"


class StatementFailed(Exception):
    """The server answered a prepared statement with an error, or not at all."""


def text_value(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format (None is NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.isoformat().encode()
    if isinstance(value, list):
        return _array_text(value)
    return str(value).encode()


def _array_text(items: list[Any]) -> bytes:
    """A one-dimensional array in PostgreSQL's text format: each element quoted (a
    backslash before each quote and backslash in it), NULL for None; the server reads
    it as the array type its cast names. (Tests compare the server's reading of these with its reading
    of psycopg's own, for edge values and generated ones.)"""
    parts = []
    for item in items:
        if item is None:
            parts.append("NULL")
            continue
        if isinstance(item, Enum):
            item = item.value
        text = item if isinstance(item, str) else str(item)
        parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ("{" + ",".join(parts) + "}").encode()


class Prepared:
    """``statement`` compiled for PostgreSQL, to be prepared as ``name`` on a connection."""

    def __init__(self, statement: sa.ClauseElement, name: str) -> None:
        compiled = cast(
            SQLCompiler, statement.compile(dialect=PGDialect_psycopg(paramstyle="numeric_dollar"))
        )
        self.sql = str(compiled).encode()
        self.name = name.encode()
        self._order = list(compiled.positiontup or [])
        #: The statement's own values (its literals); every other parameter must be given.
        self._constants = {
            key: bind.value for key, bind in compiled.binds.items() if not bind.required
        }

    def values(self, params: dict[str, Any]) -> list[bytes | None]:
        """``params`` (and the statement's own constants) in placeholder order."""
        return [
            text_value(params[key] if key in params else self._constants[key])
            for key in self._order
        ]

    def prepare_on(self, conn: sa.Connection) -> pq.abc.PGconn:
        """Prepare the statement on ``conn``'s database connection unless done already
        (it must be idle, not in a pipeline); its libpq connection."""
        driver = conn.connection.driver_connection
        assert driver is not None
        pgconn: pq.abc.PGconn = driver.pgconn
        prepared: set[bytes] = conn.connection.info.setdefault(_PREPARED, set())
        if self.name not in prepared:
            result = pgconn.prepare(self.name, self.sql)
            failed = result.status != pq.ExecStatus.COMMAND_OK
            # Prepared already, by us (a name is ours, with one text in a release), and
            # forgotten here: the pool may hand out a connection whose record is new.
            if failed and result.error_field(pq.DiagnosticField.SQLSTATE) != ALREADY_PREPARED:
                raise StatementFailed(result.error_message.decode(errors="replace"))
            prepared.add(self.name)
        return pgconn


@lru_cache(maxsize=32)
def prepared(statement: sa.ClauseElement, name: str) -> Prepared:
    """``Prepared(statement, name)``, compiled once for each statement object (one built
    once, at import)."""
    return Prepared(statement, name)


def _wait(pgconn: pq.abc.PGconn, write: bool, timeout: float) -> None:
    """Wait until libpq's socket is ready; ``StatementFailed`` after ``timeout`` seconds."""
    fd = pgconn.socket
    ready = select.select([], [fd], [], timeout) if write else select.select([fd], [], [], timeout)
    if not any(ready):
        raise StatementFailed("timed out")


def flush(pgconn: pq.abc.PGconn, timeout: float) -> None:
    """Send everything libpq has queued for the server."""
    while pgconn.flush() == 1:
        _wait(pgconn, True, timeout)


def next_result(pgconn: pq.abc.PGconn, timeout: float) -> pq.abc.PGresult | None:
    """The next result from the server (waiting for it); None at the end of a query's
    results (in a pipeline: between one query's results and the next's)."""
    pgconn.consume_input()
    while pgconn.is_busy():
        _wait(pgconn, False, timeout)
        pgconn.consume_input()
    return pgconn.get_result()


def collect_results(pgconn: pq.abc.PGconn, timeout: float) -> list[pq.abc.PGresult]:
    """Every result of one query, up to the end of its results."""
    results: list[pq.abc.PGresult] = []
    while (result := next_result(pgconn, timeout)) is not None:
        results.append(result)
    return results


def forget_prepared(conn: sa.Connection) -> None:
    """Forget what was prepared on ``conn``'s database connection: psycopg runs
    ``DEALLOCATE ALL`` after a rollback (of a connection on which it prepared statements
    of its own), so a statement prepared here may be gone (the server then answers
    ``NOT_PREPARED``); each is prepared again at its next use."""
    conn.connection.info.pop(_PREPARED, None)


def check_prepared(conn: sa.Connection) -> None:
    """Ask the server which statements are prepared on ``conn``'s database connection
    (it must be idle, outside a transaction) and remember those: psycopg runs
    ``DEALLOCATE ALL`` after a rollback on a connection on which it prepared statements
    of its own, so what was prepared earlier (in another tick; the pool hands the
    connection to web requests meanwhile) may be gone. Once a tick for each
    connection: one short read."""
    driver = conn.connection.driver_connection
    assert driver is not None
    result = driver.pgconn.exec_(b"SELECT name FROM pg_prepared_statements")
    if result.status != pq.ExecStatus.TUPLES_OK:
        raise StatementFailed(result.error_message.decode(errors="replace"))
    names = {result.get_value(row, 0) for row in range(result.ntuples)}
    conn.connection.info[_PREPARED] = {bytes(name) for name in names if name is not None}
