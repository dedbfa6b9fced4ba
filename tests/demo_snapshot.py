"""The demo installation as rows: loaded once per test run and Oslo day, copied in after.

`rekruttering demo` (load_demo) takes 5-7 s on SQLite and twice that on PostgreSQL.
Tests that only need its data (the reports and programme demo tests, the browser
tests' live servers) get a copy instead: the first worker that needs the demo of a day
loads it, through the real steps, into a SQLite file of its own and saves the rows in
the run's shared temporary folder; every worker and both databases copy those rows in.
The demo is the same on both databases (seeded, dated by the Oslo day); the command
itself is still tested on each (tests/test_cli_demo.py).
"""

from __future__ import annotations

import fcntl
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from rekruttering.domain.clock import oslo_today
from rekruttering.extensions import db

Rows = dict[str, list[dict[str, Any]]]

#: Loaded in this process, by Oslo day.
_LOADED: dict[str, Rows] = {}

#: Every id sequence past its table's highest id, after rows were copied in with ids.
CATCH_UP_SEQUENCES = sa.text(
    """
    DO $$
    DECLARE col record;
    BEGIN
      FOR col IN
        SELECT c.table_name, c.column_name, pg_get_serial_sequence(c.table_name, c.column_name) AS seq
        FROM information_schema.columns c
        WHERE c.table_schema = current_schema()
          AND pg_get_serial_sequence(c.table_name, c.column_name) IS NOT NULL
      LOOP
        EXECUTE format('SELECT setval(%L, COALESCE((SELECT max(%I) FROM %I), 0) + 1, false)',
                       col.seq, col.column_name, col.table_name);
      END LOOP;
    END $$
    """
)


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder that every xdist worker sees (its own when alone)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def demo_rows(folder: Path) -> Rows:
    """The rows of the demo installation of today (Oslo), loaded once per run."""
    day = oslo_today().isoformat()
    if day in _LOADED:
        return _LOADED[day]
    saved = folder / f"demo-{day}.pickle"
    with open(folder / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker loads; the others wait and read
        if not saved.exists():
            rows = _load(folder / f"demo-{day}.db")
            partial = saved.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
            partial.rename(saved)
        _LOADED[day] = pickle.loads(saved.read_bytes())  # noqa: S301 - our own file
    return _LOADED[day]


def _load(path: Path) -> Rows:
    """Load the demo through the real steps into a fresh SQLite file; read every row."""
    # Imported here: rekruttering.demo imports the features, which the app loads first;
    # tests.conftest imports this module.
    from rekruttering import create_app
    from rekruttering.demo import load_demo
    from tests.conftest import make_settings

    app = create_app(make_settings(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        assert load_demo()
        db.session.remove()
        with db.engine.connect() as conn:
            rows = {
                table.name: [dict(row) for row in conn.execute(sa.select(table)).mappings()]
                for table in db.metadata.sorted_tables
            }
        db.engine.dispose()
    return rows


def copy_demo(engine: sa.Engine, rows: Rows) -> None:
    """Insert the demo's rows into the (empty) schema behind ``engine``."""
    with engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        if engine.dialect.name == "postgresql":
            conn.execute(CATCH_UP_SEQUENCES)
