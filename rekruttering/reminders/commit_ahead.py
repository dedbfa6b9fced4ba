"""PostgreSQL: a transaction's COMMIT sent without waiting, its answer collected later.

A synchronous COMMIT waits for the server to flush the write-ahead log to disk (on
the machine measured, ~4 ms; the server waits on the disk, not on a CPU). The
dispatcher sends a hand-over transaction's COMMIT with ``send()`` before it sends the
previous batch's messages, and collects the answer with ``wait()`` after them: the
flush overlaps the sends. Nothing the transaction handed over is sent before
``wait()`` has returned (the commit is then durable).

On the session's own connection (psycopg's ``PGconn``, below psycopg): psycopg is told
nothing; after ``wait()`` the connection is idle (``transaction_status``), so the
session's own ``commit()`` afterwards sends nothing (psycopg commits only a connection
in a transaction). Nothing else may use the connection between ``send()`` and
``wait()``.
"""

from __future__ import annotations

import select

import sqlalchemy as sa
from psycopg import pq

#: How long to wait for the server before giving up (the commit is then in doubt).
TIMEOUT_SECONDS = 30.0


class CommitFailed(Exception):
    """The COMMIT got an error, no answer, or a ROLLBACK (it may or may not have happened)."""


class CommitAhead:
    """The COMMIT of the transaction open on ``conn``, sent now, collected by ``wait``."""

    def __init__(self, conn: sa.Connection) -> None:
        driver = conn.connection.driver_connection
        assert driver is not None
        self._pg: pq.abc.PGconn = driver.pgconn
        self._pg.send_query(b"COMMIT")
        while self._pg.flush() == 1:
            self._wait(write=True)

    def wait(self) -> None:
        """Wait for the COMMIT's answer; ``CommitFailed`` unless it committed."""
        results: list[pq.abc.PGresult] = []
        while True:
            self._pg.consume_input()
            while self._pg.is_busy():
                self._wait(write=False)
                self._pg.consume_input()
            result = self._pg.get_result()
            if result is None:
                break
            results.append(result)
        if (
            len(results) != 1
            or results[0].status != pq.ExecStatus.COMMAND_OK
            or results[0].command_status != b"COMMIT"
        ):
            message = results[0].error_message.decode(errors="replace") if results else ""
            raise CommitFailed(message or "no COMMIT")

    def _wait(self, write: bool) -> None:
        fd = self._pg.socket
        ready = (
            select.select([], [fd], [], TIMEOUT_SECONDS)
            if write
            else select.select([fd], [], [], TIMEOUT_SECONDS)
        )
        if not any(ready):
            raise CommitFailed("timed out")
