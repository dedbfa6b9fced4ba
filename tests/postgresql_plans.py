"""Whether an index can serve a statement on PostgreSQL, asked without data.

PostgreSQL has no ``INDEXED BY`` (SQLite's way to ask it), and on a test's few rows its
choice between indexes is not stable enough to assert. So the index is left the only
one of its table (every other dropped, constraints too, in a transaction that is rolled
back) and sequential scans are made to cost more than any index: the plan then reads
the index if it can serve the statement, and scans the table if it cannot (a partial
index whose condition the statement does not imply, a column the index lacks).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from rekruttering.extensions import db


def plan_with_only(statement: str, parameters: Any, table: str, index: str) -> str:
    """``EXPLAIN`` of ``statement`` (as sent, with its ``parameters``) with ``index`` the
    only index of ``table``; nothing of it stays (the test's session must hold no lock
    on ``table``: commit or roll back first)."""
    with db.engine.connect() as conn, conn.begin() as transaction:
        others = conn.execute(
            sa.text(
                "SELECT i.relname, c.conname FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                # the constraint an index is (a foreign key names the index it refers to)
                "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid "
                "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x') "
                "WHERE x.indrelid = CAST(:table AS regclass) AND i.relname <> :index"
            ),
            {"table": table, "index": index},
        ).all()
        for name, constraint in others:
            if constraint is not None:
                conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}" CASCADE')
            else:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        transaction.rollback()
    return "\n".join(plan)
