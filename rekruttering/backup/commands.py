"""``rekruttering backup PATH`` and ``rekruttering restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from rekruttering.backup.dumps import BackupError, backup, restore
from rekruttering.extensions import db


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Back up the database to PATH (a file, or a folder for a dated file).

    SQLite uses its online backup API, PostgreSQL pg_dump's custom format; both are
    safe while the app runs. The file holds personal data: store it like the database.
    """
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        written = backup(url, path, overwrite=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {written}.")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database with the backup in PATH.

    Stop the web app and workers first. Afterwards run `rekruttering db upgrade` in
    case the backup is from an older version.
    """
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not yes:
        click.confirm(
            "This replaces ALL data in the database with the backup. Continue?", abort=True
        )
    # Let go of our own connections: they would hold locks the restore needs.
    db.session.remove()
    db.engine.dispose()
    try:
        restore(url, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    db.engine.dispose()
    click.echo(f"Restored the database from {path}.")
