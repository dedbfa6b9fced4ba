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

from typing import Any

import sqlalchemy as sa
from psycopg import pq

from rekruttering.reminders.pg_prepared import (
    StatementFailed,
    check_prepared,
    collect_results,
    flush,
    prepared,
)

#: How long to wait for the server before giving up (the reminder is then not sent).
TIMEOUT_SECONDS = 10.0


class ReadFailed(StatementFailed):
    """The read got no answer, or an error, from the server."""


class ReadAhead:
    """``statement`` prepared on ``conn`` (once per database connection) as ``name``;
    ``send(params)`` sends it, ``found()`` waits for its answer: whether it returned a
    row. ``drain()`` collects an answer nobody asked for."""

    def __init__(self, conn: sa.Connection, statement: sa.Select[Any], name: str) -> None:
        self._statement = prepared(statement, name)
        try:
            check_prepared(conn)
            self._pg: pq.abc.PGconn = self._statement.prepare_on(conn)
        except StatementFailed as exc:
            raise ReadFailed(str(exc)) from exc
        self._pending = False

    def send(self, params: dict[str, Any]) -> None:
        """Put the read on the wire (the previous answer must have been collected)."""
        assert not self._pending
        self._pg.send_query_prepared(self._statement.name, self._statement.values(params))
        self._pending = True
        try:
            flush(self._pg, TIMEOUT_SECONDS)
        except StatementFailed as exc:
            raise ReadFailed(str(exc)) from exc

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

    @property
    def pending(self) -> bool:
        """A read was sent (or its sending began) and its answer not collected."""
        return self._pending

    def _collect(self) -> list[pq.abc.PGresult]:
        try:
            results = collect_results(self._pg, TIMEOUT_SECONDS)
        except StatementFailed as exc:
            self._pending = False  # the caller drops the connection
            raise ReadFailed(str(exc)) from exc
        self._pending = False
        return results
