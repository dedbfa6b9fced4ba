"""E-mail: an outbox by default (stored and shown), SMTP when configured."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from rekruttering.access import ADMIN, INSTALLATION
from rekruttering.config import ConfigError, current_settings
from rekruttering.mail import routes
from rekruttering.navigation import add_nav_item


def init_app(app: Flask) -> None:
    settings = current_settings(app)
    if settings.mail.gateway == "smtp":
        for key in ("mail.smtp_host", "mail.sender"):
            if not settings[key]:
                raise ConfigError(f'{key}: needed when mail.gateway = "smtp"')
    app.register_blueprint(routes.bp)
    add_nav_item(app, "mail.outbox", _l("Mail"), (*ADMIN, *INSTALLATION), order=95, menu="admin")
