"""PROTOTYPE. PostgreSQL: a transaction's statements sent in a libpq pipeline (BEGIN,
the statements, COMMIT, Sync) without waiting; their results collected later."""

from __future__ import annotations

import select
from typing import Any

import sqlalchemy as sa
from psycopg import pq
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer

TIMEOUT_SECONDS = 30.0


class AheadFailed(Exception):
    pass


_COMPILED: dict[int, tuple[str, dict[str, Any], Any]] = {}


def _compiled(conn: sa.Connection, statement: Any) -> tuple[str, dict[str, Any], Any]:
    found = _COMPILED.get(id(statement))
    if found is None:
        compiled = statement.compile(dialect=conn.dialect)
        found = (str(compiled), dict(compiled._bind_processors), compiled)
        _COMPILED[id(statement)] = found
    return found


class StatementsAhead:
    def __init__(self, conn: sa.Connection, statements: list[tuple[Any, dict[str, Any]]]) -> None:
        driver = conn.connection.driver_connection
        assert driver is not None
        self._pg: pq.abc.PGconn = driver.pgconn
        tx = Transformer.from_context(driver)
        prepared: set[bytes] = conn.connection.info.setdefault("batch_ahead_prepared", set())
        pg = self._pg
        self._sent = 0
        self._prepares = 0
        pg.enter_pipeline_mode()
        pg.send_query_params(b"BEGIN", None)
        self._sent += 1
        self._kinds = ["begin"]
        for statement, params in statements:
            text, processors, compiled = _compiled(conn, statement)
            values = compiled.construct_params(params)
            for key, proc in processors.items():
                if key in values:
                    values[key] = proc(values[key])
            pgq = PostgresQuery(tx)
            pgq.convert(text, values)
            pgq.dump(values)
            name = b"rk_ahead_%x_%x" % (id(statement), hash(tuple(pgq.types)) & 0xFFFFFFFF)
            if name not in prepared:
                pg.send_prepare(name, pgq.query, param_types=pgq.types)
                self._sent += 1
                self._kinds.append("prepare")
                prepared.add(name)
            pg.send_query_prepared(name, pgq.params, param_formats=pgq.formats)
            self._sent += 1
            self._kinds.append("statement")
        pg.send_query_params(b"COMMIT", None)
        self._sent += 1
        self._kinds.append("commit")
        pg.pipeline_sync()
        while pg.flush() == 1:
            self._wait(write=True)

    def collect(self) -> list[list[pq.abc.PGresult]]:
        """Each statement's results (not BEGIN's, prepares', COMMIT's); AheadFailed
        unless every one succeeded and COMMIT committed."""
        pg = self._pg
        groups: list[list[pq.abc.PGresult]] = []
        current: list[pq.abc.PGresult] = []
        try:
            while True:
                pg.consume_input()
                while pg.is_busy():
                    self._wait(write=False)
                    pg.consume_input()
                result = pg.get_result()
                if result is None:
                    groups.append(current)
                    current = []
                    continue
                if result.status == pq.ExecStatus.PIPELINE_SYNC:
                    break
                current.append(result)
        finally:
            if pg.pipeline_status != pq.PipelineStatus.OFF:
                pg.exit_pipeline_mode()
        if len(groups) != self._sent:
            raise AheadFailed(f"{len(groups)} answers for {self._sent}")
        out = []
        for kind, group in zip(self._kinds, groups, strict=True):
            if not group or group[0].status not in (
                pq.ExecStatus.COMMAND_OK,
                pq.ExecStatus.TUPLES_OK,
            ):
                msg = group[0].error_message.decode(errors="replace") if group else "none"
                raise AheadFailed(f"{kind}: {msg}")
            if kind == "commit" and group[0].command_status != b"COMMIT":
                raise AheadFailed("not committed")
            if kind == "statement":
                out.append(group)
        return out

    def _wait(self, write: bool) -> None:
        fd = self._pg.socket
        ready = (
            select.select([], [fd], [], TIMEOUT_SECONDS)
            if write
            else select.select([fd], [], [], TIMEOUT_SECONDS)
        )
        if not any(ready):
            raise AheadFailed("timed out")


def rows(result: pq.abc.PGresult) -> list[tuple[bytes | None, ...]]:
    return [
        tuple(result.get_value(r, c) for c in range(result.nfields)) for r in range(result.ntuples)
    ]
