"""Count the SQL statements a block of code sends (to prove a page has no query per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from rekruttering.extensions import db


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        #: Each statement with the parameters it was sent with (to plan it again).
        self.sent: list[tuple[str, Any]] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements() -> Iterator[Counter]:
    """Every statement sent through the app's engine while the block runs."""
    counter = Counter()
    engine = db.engine

    def before_cursor_execute(*args: Any) -> None:
        counter.statements.append(str(args[2]))
        counter.sent.append((str(args[2]), args[3]))

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
