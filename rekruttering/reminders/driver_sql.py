"""SQLite: a batch statement compiled once, run with the parameters the driver takes.

The dispatcher's SQLite batch statements (``hand_over_many.hand_over_in_two``'s two,
``accepted_many``'s two) are built once for each number of rows n, but
``Connection.execute`` still did most of its work again at every execution: the cache
key of a statement of some fifty bound parameters (a ``UNION ALL`` of n rows), each
parameter looked up and passed through its type, the execution context set up for a
compiled statement. That cost ~0.6 ms a statement, 0.13 ms a reminder against SQLite's
own 0.07 (docs/performance.md, "dispatch10").

``DriverStatement`` compiles the statement once for the connection's dialect and runs
its SQL with ``Connection.exec_driver_sql``: still through SQLAlchemy's connection (its
transaction, its cursor events, its error handling; the tests break a statement through
those events), only without compiling or caching anything. The parameters are converted
as ``Connection.execute`` converts them: by the compiled statement's own bind
processors (each type's conversion on this dialect: a ``UTCDateTime`` refused when
naive, made naive UTC and written in SQLite's ``DATETIME`` format; an enum checked and
written as its value), a given value at each execution, a constant of the statement
once when compiled. ``tests/test_driver_sql.py`` compares the SQL and the parameters the
driver receives both ways, value for value.

Only for statements whose SQL is known when compiled (no ``expanding`` (``IN``) or
``literal_execute`` parameter, which ``Connection.execute`` writes into the SQL at each
execution), whose constants are (no parameter with a callable value), and whose
result columns the driver gives as ``Connection.execute`` would (integers and text on
SQLite; not a time or an enum, which SQLAlchemy converts when read): each is refused
when compiled.

The tick's own statements (the leases, the claim, the claimed reminders' numbers) go
the same way on SQLite (``execute``): a few per tick, but each cost SQLAlchemy 0.5-0.9
ms, the ORM's bulk UPDATE and the claim's hundred ids most.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    """``statement`` compiled for ``dialect`` (a positional one, as SQLite's): its SQL,
    and how to turn the values of its parameters into the driver's tuple."""

    __slots__ = ("sql", "_constants", "_given")

    def __init__(self, statement: sa.ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError("DriverStatement: a dialect with positional parameters only")
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("DriverStatement: no expanding or literal_execute parameters")
        # The conversions Connection.execute applies (DefaultExecutionContext._init_compiled).
        processors = compiled._bind_processors
        constants: list[Any] = []
        given: list[tuple[int, str, Callable[[Any], Any] | None]] = []
        for index, name in enumerate(compiled.positiontup):
            bind = compiled.binds[name]
            process = processors.get(name)
            if bind.callable is not None:
                raise ValueError("DriverStatement: no parameters with a callable value")
            if process is not None and not callable(process):  # a tuple_() of types
                raise ValueError("DriverStatement: no parameters of a tuple type")
            if bind.required:
                given.append((index, name, process))
                constants.append(None)
            else:
                value = bind.effective_value
                constants.append(value if process is None else process(value))
        for column in compiled._result_columns:
            kind = column.type.dialect_impl(dialect)
            if kind.result_processor(dialect, None) is not None:
                # Connection.execute would convert it (a time, an enum); the driver does not.
                raise ValueError(f"DriverStatement: {column.name} needs converting when read")
        self.sql: str = compiled.string
        self._constants = tuple(constants)
        self._given = tuple(given)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's parameters for these values (one for each parameter the
        statement does not hold itself; a missing one raises ``KeyError``)."""
        params = list(self._constants)
        for index, name, process in self._given:
            value = values[name]
            params[index] = value if process is None else process(value)
        return tuple(params)

    def execute(self, conn: sa.Connection, values: Mapping[str, Any]) -> CursorResult[Any]:
        """Run it on ``conn`` (in its transaction) with these values."""
        return conn.exec_driver_sql(self.sql, self.parameters(values))


@lru_cache(maxsize=256)
def driver_statement(statement: sa.ClauseElement, dialect: Dialect) -> DriverStatement:
    """``statement`` compiled for ``dialect``, once for each statement object (one built
    once: at import, or by a function remembering what it built)."""
    return DriverStatement(statement, dialect)


def execute(
    conn: sa.Connection, statement: sa.ClauseElement, values: Mapping[str, Any]
) -> CursorResult[Any]:
    """Run ``statement`` on ``conn`` with these values: on SQLite compiled once
    (``driver_statement``) and run with the driver's parameters, elsewhere with
    ``Connection.execute`` (PostgreSQL's driver takes named parameters)."""
    if conn.dialect.name == "sqlite":
        return driver_statement(statement, conn.dialect).execute(conn, values)
    assert isinstance(statement, sa.Executable)
    return conn.execute(statement, values)


def execute_built(
    conn: sa.Connection, build: Callable[[int], sa.ClauseElement], n: int, values: Mapping[str, Any]
) -> CursorResult[Any]:
    """``execute`` of ``build(n)`` (a function that remembers what it built for each n)."""
    return execute(conn, build(n), values)
