"""``make bench``: how the app's cost grows from 10,000 to 100,000 people.

For each backend (a SQLite file, a PostgreSQL database per size) and size, a synthetic
installation is generated (bench.generate, in its own process), then a fresh process per
size — the "web process" (bench.measure) — serves the scenarios (bench.scenarios)
through the Flask test client. The parent drives the sizes' web processes in turn, a
request each (``measure_in_turn``), so that a page's growth is a ratio taken in the
same seconds; then it prints the ratios and the goals (bench.report).

    python -m bench.run                       # 10k and 100k, both backends
    python -m bench.run --sizes 1000 --backends sqlite
    python -m bench.run --reuse               # keep databases generated earlier
    python -m bench.run --reuse --scenarios reference,search,checkin_page --dispatch 0
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.measure import ANSWER
from bench.report import Run, report
from bench.scenarios import SCENARIOS

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "instance" / "bench"
#: PostgreSQL server for the bench databases (one per size: bench_10k, bench_100k ...).
PG_SERVER = os.environ.get(
    "REKRUTTERING_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
#: Name prefix of the PostgreSQL bench databases (a second checkout can use its own).
PG_PREFIX = os.environ.get("REKRUTTERING_BENCH_PG_PREFIX", "bench")
SIZES = (10_000, 100_000)


def database_url(backend: str, size: int) -> str:
    if backend == "postgresql":
        return f"{PG_SERVER}/{PG_PREFIX}_{size // 1000}k"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{BENCH_DIR / f'bench-{size}.db'}"


def has_installation(url: str, size: int) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM person")) == size
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def ensure_pg_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ):
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def add_missing_indexes(url: str) -> list[str]:
    """Create the models' tables, nullable columns and indexes a reused database lacks
    (as a migration would: the report snapshot tables start empty, filled by the first
    reads)."""
    from rekruttering.extensions import db
    from rekruttering.funnel import referral_acted_on
    from rekruttering.models import Person, person_trigram  # noqa: F401 - every model registered

    engine = sa.create_engine(url)
    added = []
    try:
        inspector = sa.inspect(engine)
        # referral.acted_on (revision referral_acted_on), filled as the migration does.
        if "acted_on" not in {c["name"] for c in inspector.get_columns("referral")}:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "ALTER TABLE referral ADD COLUMN acted_on BOOLEAN DEFAULT false NOT NULL"
                    )
                )
                referral_acted_on.refresh(conn)
            if engine.dialect.name == "postgresql":
                # The fill rewrote every referral: vacuumed as autovacuum would (the
                # old rows made the planner read the table for the referral section).
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(sa.text("VACUUM (ANALYZE) referral"))
            added.append("referral.acted_on")
        for table in db.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                table.create(engine)
                added.append(table.name)
                continue
            columns = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in columns and column.nullable:  # as a migration adds it
                    kind = column.type.compile(engine.dialect)
                    with engine.begin() as conn:
                        conn.exec_driver_sql(
                            f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                        )
                    added.append(f"{table.name}.{column.name}")
            present = {ix["name"] for ix in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in present:
                    index.create(engine)
                    added.append(index.name)
        # The trigram index of names is no model (models/person_trigram.py): made and
        # filled here if the database was generated before it.
        with engine.begin() as conn:
            if person_trigram.ensure(conn):
                added.append(person_trigram.TRIGRAM_TABLE)
        if added:
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return added


def generate(url: str, size: int, quiet: bool = False) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.generate", "--people", str(size), "--url", url],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


class Child:
    """A web process (bench.measure ``serve``) for one size, spoken to a line at a time."""

    def __init__(self, url: str, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "bench.run",
                "--child",
                url,
                "--repeat",
                str(args.repeat),
                "--max-seconds",
                str(args.max_seconds),
                "--dispatch",
                str(args.dispatch),
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.scenarios: list[str] = self.read()["scenarios"]

    def read(self) -> Any:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(ANSWER):
                return json.loads(line[len(ANSWER) :])
        self.process.wait()
        raise SystemExit(f"bench: a measuring process failed (exit {self.process.returncode})")

    def ask(self, **command: Any) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def measure_in_turn(children: list[Child], repeat: int, max_seconds: float) -> None:
    """Each scenario at every size in the same seconds: the web processes are asked in
    turn, one request each (the order reversed every round, so neither size always
    goes first), until each has ``repeat`` requests or ``max_seconds`` have passed (at
    least 5). Scenarios are measured one after another, as before."""
    for key in children[0].scenarios:
        ready = [child for child in children if child.ask(do="prepare", key=key)["ok"]]
        counts = dict.fromkeys(map(id, ready), 0)
        deadline = time.perf_counter() + max_seconds
        turn = 0
        while ready:
            done = min(counts[id(child)] for child in ready)
            if done >= repeat or (done >= 5 and time.perf_counter() > deadline):
                break
            for child in ready if turn % 2 == 0 else reversed(ready):
                if child.ask(do="once", key=key)["ok"]:
                    counts[id(child)] += 1
                else:
                    ready = [c for c in ready if c is not child]
            turn += 1


def run_backend(backend: str, sizes: list[int], args: argparse.Namespace) -> list[Run]:
    """Generate (or reuse) each size's installation, then measure them side by side
    (``measure_in_turn``); the floors, dispatch and memory each in its own process
    after that, one size after the other."""
    generated: dict[int, float | None] = {}
    for size in sizes:
        print(f"bench: {backend}, {size} people …", file=sys.stderr, flush=True)
        url = database_url(backend, size)
        if backend == "postgresql":
            ensure_pg_database(url)
        generated[size] = None
        if not (args.reuse and has_installation(url, size)):
            generated[size] = generate(url, size, args.quiet)
        else:
            for name in add_missing_indexes(url):
                print(f"bench: added {name} to the reused database", file=sys.stderr)
    env = dict(os.environ)
    if args.scenarios:
        env["BENCH_ONLY"] = args.scenarios
    print(f"bench: {backend}, measuring {', '.join(map(str, sizes))} in turn …", file=sys.stderr)
    children = [Child(database_url(backend, size), args, env) for size in sizes]
    try:
        measure_in_turn(children, args.repeat, args.max_seconds)
        runs = []
        for size, child in zip(sizes, children, strict=True):
            runs.append(Run(backend, size, generated[size], child.ask(do="finish")))
            child.close()
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.kill()
    return runs


def commit() -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=100, help="requests per scenario and size")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="per scenario")
    parser.add_argument("--dispatch", type=int, default=1000, help="reminders to send")
    parser.add_argument("--reuse", action="store_true", help="keep generated databases")
    parser.add_argument(
        "--scenarios",
        default="",
        help="measure only these scenario keys, comma-separated (default: every one); "
        "keys: " + ", ".join(sc.key for sc in SCENARIOS),
    )
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = set(filter(None, args.scenarios.split(","))) - {sc.key for sc in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.child:
        from bench.measure import serve

        serve(args.child, args.repeat, args.max_seconds, args.dispatch)
        return
    runs = []
    sizes = [int(s) for s in args.sizes.split(",")]
    for backend in args.backends.split(","):
        runs += run_backend(backend, sizes, args)
    print(f"bench at commit {commit()}")
    print(report(runs))
    if args.json:
        Path(args.json).write_text(
            json.dumps([asdict(r) for r in runs], indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
