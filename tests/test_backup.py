"""`rekruttering backup` and `restore`: SQLite (online backup API) and PostgreSQL
(pg_dump / pg_restore), each run on the backend the test runs on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.backup.dumps import BackupError, backup, restore, target_of
from rekruttering.extensions import db
from rekruttering.models import Person


def _names() -> list[str]:
    db.session.remove()
    return list(db.session.scalars(sa.select(Person.first_name).order_by(Person.first_name)))


def test_backup_and_restore_round_trip(app: Flask, make: Any, tmp_path: Path) -> None:
    """A backup, then changes, then a restore: the data is as it was at the backup."""
    centre = make.centre()
    make.person(centre, first_name="Amina")
    make.person(centre, first_name="Ole")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "kopi")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "kopi"
    assert written.is_file() and written.stat().st_mode & 0o077 == 0  # only the owner reads it
    make.person(centre, first_name="Etterpå")
    db.session.execute(sa.delete(Person).where(Person.first_name == "Amina"))
    db.session.commit()
    assert _names() == ["Etterpå", "Ole"]
    refused = runner.invoke(args=["restore", str(written)], input="n\n")
    assert refused.exit_code != 0 and _names() == ["Etterpå", "Ole"]
    result = runner.invoke(args=["restore", str(written), "--yes"])
    assert result.exit_code == 0, result.output
    assert _names() == ["Amina", "Ole"]


def test_backup_into_a_folder_makes_a_dated_file(app: Flask, make: Any, tmp_path: Path) -> None:
    """Given a folder, the backup gets a dated name; an existing file needs --force."""
    make.person(make.centre())
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first = backup(url, tmp_path)
    assert first.parent == tmp_path and first.name.startswith("rekruttering-")
    assert first.suffix == target_of(url).suffix
    with pytest.raises(BackupError, match="exists already"):
        backup(url, first)
    assert backup(url, first, overwrite=True) == first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_restore_refuses_a_file_that_is_not_a_backup(app: Flask, make: Any, tmp_path: Path) -> None:
    """A file of the wrong kind is refused before anything is touched."""
    make.person(make.centre(), first_name="Blir")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "not" in result.output
    assert _names() == ["Blir"]


def test_backup_of_memory_database_is_refused() -> None:
    """An in-memory SQLite database has no file to back up."""
    with pytest.raises(BackupError, match="in-memory"):
        target_of("sqlite://")


@pytest.mark.sqlite_only
def test_sqlite_restore_refuses_another_sqlite_file(tmp_path: Path, app: Flask) -> None:
    """An SQLite file that is not a rekruttering database is refused (SQLite only)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError, match="no person table"):
        restore(url, other)
