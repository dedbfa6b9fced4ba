"""PostgreSQL: a batch transaction sent whole, its answers collected later.

The dispatcher's transaction for a hand-over batch (``dispatch``: record the answers
of the reminders sent before, hand over the next ones, commit) is a few statements
whose parameters are all known before the first is sent. ``InFlight`` sends them at
once in libpq's pipeline mode - ``BEGIN``, each prepared statement (``pg_prepared``),
``COMMIT``, a sync point - and returns without waiting; ``collect()`` waits for the
answers. Meanwhile the dispatcher sends the SMS handed over by the previous
transaction (``dispatch._send_in_window``): the server's work, and the round trips,
happen while the HTTP client works, not before it.

Nothing else may use the connection until ``collect()`` returned or raised; it is
then idle, outside any transaction (a failed transaction is rolled back), as psycopg
and SQLAlchemy expect to find it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from psycopg import pq

from rekruttering.reminders.pg_prepared import (
    NOT_PREPARED,
    Prepared,
    flush,
    forget_prepared,
    next_result,
)

log = logging.getLogger(__name__)

#: How long to wait for the server before giving up (the batch is then treated as one
#: whose commit may have happened).
TIMEOUT_SECONDS = 30.0

#: A row of a statement's answer: each column's text (None for NULL).
Row = tuple[bytes | None, ...]


class InFlightFailed(Exception):
    """The transaction did not commit, or may not have: ``committed_maybe`` says which.

    False: a statement failed, so nothing of the transaction stays (it rolled back).
    True: the ``COMMIT`` failed or its answer never came (the connection broke, or a
    timeout): the transaction may have committed."""

    def __init__(self, message: str, committed_maybe: bool) -> None:
        super().__init__(message)
        self.committed_maybe = committed_maybe


class InFlight:
    """``BEGIN``; each (statement, parameters) of ``statements``; ``COMMIT``: sent on
    ``conn`` (idle, outside a transaction) without waiting for the answers."""

    def __init__(self, conn: sa.Connection, statements: list[tuple[Prepared, dict[str, Any]]]):
        if conn.in_transaction():
            raise RuntimeError("InFlight needs a connection outside a transaction")
        pgconn = None
        for statement, _ in statements:
            pgconn = statement.prepare_on(conn)
        assert pgconn is not None, "InFlight needs at least one statement"
        if (
            pgconn.transaction_status != pq.TransactionStatus.IDLE
            or pgconn.pipeline_status != pq.PipelineStatus.OFF
        ):
            raise RuntimeError("InFlight needs an idle connection")
        self._pg: pq.abc.PGconn = pgconn
        self._conn = conn
        self._count = len(statements)
        #: Why sending failed once anything was queued (the server may run what reached
        #: it, the COMMIT too): ``collect`` then says the commit may have happened.
        self._lost: BaseException | None = None
        values = [statement.values(params) for statement, params in statements]
        self._pg.enter_pipeline_mode()
        try:
            self._pg.send_query_params(b"BEGIN", None)
            for (statement, _), these in zip(statements, values, strict=True):
                self._pg.send_query_prepared(statement.name, these)
            self._pg.send_query_params(b"COMMIT", None)
            self._pg.pipeline_sync()
            flush(self._pg, TIMEOUT_SECONDS)
        except Exception as exc:  # noqa: BLE001 - reported by collect
            self._lost = exc
            self._abandon()
        except BaseException:
            self._abandon()
            raise

    def collect(self) -> list[list[Row]]:
        """Wait for the answers: each statement's rows. ``InFlightFailed`` if the
        transaction did not commit, or may not have."""
        if self._lost is not None:
            raise InFlightFailed(f"not sent whole: {self._lost}", committed_maybe=True)
        answers: list[list[Row]] = []
        failure: str | None = None
        failed_at = -1  # 0: BEGIN, 1..n: the statements, n + 1: COMMIT
        query = 0
        try:
            while True:
                result = next_result(self._pg, TIMEOUT_SECONDS)
                if result is None:  # the end of one query's results
                    query += 1
                    continue
                status = result.status
                if status == pq.ExecStatus.PIPELINE_SYNC:
                    break
                if status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
                    if 1 <= query <= self._count:
                        answers.append(_rows(result))
                elif failure is None:
                    failed_at = query
                    failure = result.error_message.decode(errors="replace") or str(status)
                    if result.error_field(pq.DiagnosticField.SQLSTATE) == NOT_PREPARED:
                        forget_prepared(self._conn)  # prepared again next time
        except Exception as exc:  # noqa: BLE001 - psycopg's, the socket's, a timeout
            # No answer, or the connection broke: whether the COMMIT happened is unknown.
            self._abandon()
            raise InFlightFailed(f"no answer: {exc}", committed_maybe=True) from exc
        except BaseException:
            self._abandon()
            raise
        try:
            self._leave()
        except Exception:  # noqa: BLE001 - the answers are known; the connection is not
            log.exception("dispatch: leaving the pipeline failed; connection dropped")
            self._abandon()
        if failure is not None:
            raise InFlightFailed(failure, committed_maybe=failed_at > self._count)
        return answers

    def abandon(self) -> None:
        """Drop the connection with the transaction still under way (the tick ends
        before its answers are collected: a crash, an interrupt)."""
        self._abandon()

    def _leave(self) -> None:
        """Out of pipeline mode; a transaction left open by a failure rolled back."""
        self._pg.exit_pipeline_mode()
        if self._pg.transaction_status != pq.TransactionStatus.IDLE:
            result = self._pg.exec_(b"ROLLBACK")
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise RuntimeError(result.error_message.decode(errors="replace"))

    def _abandon(self) -> None:
        """The connection's state is unknown: it is dropped (SQLAlchemy's
        ``invalidate``), and the next statement gets a new one from the pool."""
        try:
            self._conn.invalidate()
        except Exception:  # noqa: BLE001 - dropping a broken connection
            log.exception("dispatch: dropping a connection failed")


def _rows(result: pq.abc.PGresult) -> list[Row]:
    return [
        tuple(result.get_value(row, column) for column in range(result.nfields))
        for row in range(result.ntuples)
    ]


def as_int(value: bytes | None) -> int | None:
    """An integer column of a row (None for NULL)."""
    return None if value is None else int(value)
