"""PostgreSQL: a batch's values as the rows of a derived table, from one array a column.

The dispatcher's batch statements (the hand-over, the answers) take a batch of any size
as a few array parameters, ``unnest``-ed side by side into rows: one statement with a
fixed few parameters, so its text (and PostgreSQL's plan of it) is the same for every
batch (docs/performance.md, branch ``dispatch6``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def rows_of_arrays(name: str, columns: Sequence[tuple[str, str, Any]]) -> Any:
    """A derived table ``name`` whose rows zip the array parameters: ``columns`` gives
    each column as (parameter, column name, element type)."""
    return (
        sa.func.unnest(
            *(
                sa.bindparam(parameter, type_=postgresql.ARRAY(kind))
                for parameter, _, kind in columns
            )
        )
        .table_valued(*(column for _, column, _ in columns))
        .render_derived(name=name, with_types=False)
    )
