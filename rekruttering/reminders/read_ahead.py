"""PostgreSQL: a read sent ahead, its answer collected later (one connection's libpq).

The dispatcher reads every send-time check again just before each later send of a
batch (``dispatch._STILL_CLEAR``). That read is a round trip to the server, and the
HTTP client's own work before its request leaves takes about as long. ``ReadAhead``
puts the read on the wire without waiting (a statement prepared once per connection,
``PQsendQueryPrepared``); the gateway's gate (``sms.send_gate``) collects the answer
when the request is handed to the transport. The server runs the read as soon as it
arrives: at the same moment as a read that was waited for, so it sees the same.

Only for the dispatcher's connection for reads (``dispatch.reads_apart``: autocommit,
nothing else runs on it meanwhile); every answer is collected (or drained) before the
next read is sent, so psycopg finds the connection idle whenever it uses it again.
"""

from __future__ import annotations

import select
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

#: How long to wait for the server before giving up (the reminder is then not sent).
TIMEOUT_SECONDS = 10.0


class ReadFailed(Exception):
    """The read got no answer, or an error, from the server."""


def _text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format."""
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
    return str(value).encode()


class ReadAhead:
    """``statement`` prepared on ``conn`` (once per database connection) as ``name``;
    ``send(params)`` sends it, ``found()`` waits for its answer: whether it returned a
    row. ``drain()`` collects an answer nobody asked for."""

    def __init__(self, conn: sa.Connection, statement: sa.Select[Any], name: str) -> None:
        compiled = statement.compile(dialect=PGDialect_psycopg(paramstyle="numeric_dollar"))
        self._order = list(compiled.positiontup or [])
        self._constants = {key: bind.value for key, bind in compiled.binds.items()}
        self._name = name.encode()
        driver = conn.connection.driver_connection
        assert driver is not None
        self._pg: pq.abc.PGconn = driver.pgconn
        self._pending = False
        prepared: set[str] = conn.connection.info.setdefault("read_ahead_prepared", set())
        if name not in prepared:
            result = self._pg.prepare(self._name, str(compiled).encode())
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise ReadFailed(result.error_message.decode(errors="replace"))
            prepared.add(name)

    def send(self, params: dict[str, Any]) -> None:
        """Put the read on the wire (the previous answer must have been collected)."""
        assert not self._pending
        values = [_text(params.get(key, self._constants.get(key))) for key in self._order]
        self._pg.send_query_prepared(self._name, values)
        self._pending = True
        while self._pg.flush() == 1:
            self._wait(write=True)

    def found(self) -> bool:
        """Wait for the answer: whether the read returned a row. ``ReadFailed`` (or
        psycopg's own error) when it did not answer."""
        results = self._collect()
        if not results or results[0].status != pq.ExecStatus.TUPLES_OK:
            message = results[0].error_message.decode(errors="replace") if results else ""
            raise ReadFailed(message or "no answer")
        return results[0].ntuples > 0

    def drain(self) -> None:
        """Collect an answer that was never asked for (the send did not get that far)."""
        if self._pending:
            self._collect()

    def _collect(self) -> list[pq.abc.PGresult]:
        self._pending = False
        results: list[pq.abc.PGresult] = []
        while True:
            self._pg.consume_input()
            while self._pg.is_busy():
                self._wait(write=False)
                self._pg.consume_input()
            result = self._pg.get_result()
            if result is None:
                return results
            results.append(result)

    def _wait(self, write: bool) -> None:
        fd = self._pg.socket
        ready = (
            select.select([], [fd], [], TIMEOUT_SECONDS)
            if write
            else select.select([fd], [], [], TIMEOUT_SECONDS)
        )
        if not any(ready):
            raise ReadFailed("timed out")
