"""SQLite: the rows of a batch as one parameter (a JSON array of arrays, ``json_each``).

PostgreSQL takes a batch's reminders and answers as arrays (``unnest``). SQLite has no
arrays; the dispatcher's batch statements took each row as a ``SELECT`` of its own
parameters, joined with ``UNION ALL``: one statement text for each number of rows, and
five or six parameters a row, each handled by SQLAlchemy on every execution - most of
what those statements cost. As one JSON parameter the statement is the same for any
number of rows, and SQLite reads the values out of the JSON itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


def json_rows(name: str, columns: dict[str, Any]) -> sa.Subquery:
    """The rows in the parameter ``name`` (``as_json``) as a derived table named
    ``name`` with these columns (name: SQLAlchemy type), in this order."""
    each = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
    return (
        sa.select(
            *(
                sa.type_coerce(
                    sa.func.json_extract(each.c.value, sa.literal_column(f"'$[{i}]'")), type_
                ).label(column)
                for i, (column, type_) in enumerate(columns.items())
            )
        )
        .select_from(each)
        .subquery(name)
    )


def as_json(rows: Iterable[Sequence[Any]]) -> str:
    """The parameter of ``json_rows`` for these rows (each in the columns' order)."""
    return json.dumps([list(row) for row in rows], ensure_ascii=False)
