"""Backups of the database: SQLite through its online backup API, PostgreSQL through
pg_dump / pg_restore (custom format).

Both work while the app runs. A backup is written to a temporary file beside the
target and renamed when complete, so a half-written backup never looks like a good
one. A restore checks the file first and replaces the whole database: on SQLite
page by page through the backup API, on PostgreSQL in one transaction
(``pg_restore --clean --if-exists --single-transaction``), so a failed restore leaves
the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from rekruttering.domain.clock import to_oslo, utcnow

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class Target:
    kind: str  # "sqlite" or "postgresql"
    url: URL

    @property
    def suffix(self) -> str:
        return ".sqlite3" if self.kind == "sqlite" else ".dump"


def target_of(database_url: str) -> Target:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        return Target("sqlite", url)
    if url.get_backend_name() == "postgresql":
        return Target("postgresql", url)
    raise BackupError(f"no backup for {url.get_backend_name()} databases")


def backup_path(path: Path, target: Target, now: datetime | None = None) -> Path:
    """``path`` itself, or a dated file in it when it is a folder."""
    if path.is_dir():
        stamp = to_oslo(now or utcnow()).strftime("%Y%m%d-%H%M%S")
        return path / f"rekruttering-{stamp}{target.suffix}"
    return path


def backup(database_url: str, path: Path, overwrite: bool = False) -> Path:
    """Write a backup of the database to ``path`` (a file, or a folder for a dated file)."""
    target = target_of(database_url)
    path = backup_path(Path(path), target)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already (use --force to replace it)")
    if not path.parent.is_dir():
        raise BackupError(f"no such folder: {path.parent}")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if target.kind == "sqlite":
            _sqlite_backup(Path(target.url.database or ""), partial)
        else:
            _run(["pg_dump", "--format=custom", f"--file={partial}", "--no-owner"], target.url)
        os.chmod(partial, 0o600)  # the backup holds personal data
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(database_url: str, path: Path) -> None:
    """Replace the whole database with the backup in ``path``."""
    target = target_of(database_url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if target.kind == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup")
        _sqlite_restore(path, Path(target.url.database or ""))
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format backup")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={target.url.database}",
                str(path),
            ],
            target.url,
        )


def _sqlite_backup(database: Path, destination: Path) -> None:
    if not database.is_file():
        raise BackupError(f"no such database file: {database}")
    source = sqlite3.connect(database)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)
        _check_sqlite(copy, destination)
    finally:
        copy.close()
        source.close()


def _sqlite_restore(backup_file: Path, database: Path) -> None:
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check_sqlite(source, backup_file)
        live = sqlite3.connect(database, timeout=30)
        try:
            source.backup(live)
        finally:
            live.close()
    finally:
        source.close()


def _check_sqlite(connection: sqlite3.Connection, path: Path) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result}")
    if "person" not in tables:
        raise BackupError(f"{path} is not a rekruttering database (no person table)")


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client with the connection in its environment, not its
    arguments: a password on the command line is visible to every user of the machine."""
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (apt install postgresql-client)")
    env = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    env.update({k: v for k, v in settings.items() if v})
    for key, value in url.query.items():
        if key == "sslmode":
            env["PGSSLMODE"] = str(value)
    result = subprocess.run(  # noqa: S603 - a fixed program, arguments we built
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
