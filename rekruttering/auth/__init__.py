"""Logins: Flask-Login sessions, password hashing, lockout, ``create-user``."""

from __future__ import annotations

from flask import Flask

from rekruttering.auth import commands, routes, sessions
from rekruttering.extensions import login_manager


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.cli.add_command(commands.create_user)
    app.cli.add_command(commands.unlock_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    login_manager.user_loader(sessions.load_user)
