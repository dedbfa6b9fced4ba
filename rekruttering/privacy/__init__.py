"""Privacy: consent, retention, access and erasure, the audit log."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN
from rekruttering.navigation import add_nav_item
from rekruttering.privacy import access_log, commands, routes
from rekruttering.templating import oslo_datetime


def oslo_iso(text: str | None) -> str:
    """An ISO timestamp from an export, shown in Oslo time."""
    return oslo_datetime(datetime.fromisoformat(text)) if text else ""


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    access_log.init_app(app)
    app.cli.add_command(commands.retention)
    add_nav_item(app, "privacy.retention", _l("Retention"), ADMIN, order=84, menu="admin")
    add_nav_item(app, "privacy.audit_log", _l("Audit log"), ADMIN, order=90, menu="admin")
    app.jinja_env.filters["oslo_iso"] = oslo_iso
