"""Backups: ``rekruttering backup PATH`` and ``rekruttering restore PATH`` (SQLite and
PostgreSQL). See docs/operations.md."""

from __future__ import annotations

from flask import Flask

from rekruttering.backup import commands


def init_app(app: Flask) -> None:
    app.cli.add_command(commands.backup_command)
    app.cli.add_command(commands.restore_command)
