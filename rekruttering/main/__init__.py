"""The home page, the language and centre switches, error pages, health check."""

from __future__ import annotations

from flask import Flask

from rekruttering.main import commands, errors, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    errors.init_app(app)
    app.cli.add_command(commands.create_centre)
