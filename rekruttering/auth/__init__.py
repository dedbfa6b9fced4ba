"""Logins: Flask-Login sessions, password hashing, lockout, ``create-user``."""

from __future__ import annotations

from flask import Flask

from rekruttering.auth import commands, routes
from rekruttering.extensions import db, login_manager
from rekruttering.models import User


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    app.cli.add_command(commands.create_user)
    app.cli.add_command(commands.unlock_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None
