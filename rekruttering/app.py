"""The application factory."""

from __future__ import annotations

import importlib
import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from rekruttering import (
    access,
    i18n,
    input_boundary,
    log_privacy,
    navigation,
    rate_limits,  # noqa: F401  (registers the database:// storage)
    read_only_commit,
    security,
    static_assets,
    template_gettext,
    templating,
    tenancy,
)
from rekruttering.config import SETTINGS_EXTENSION, ConfigError, Settings, load_settings
from rekruttering.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from rekruttering.features import FEATURES

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def templates_dir() -> Path:
    """``templates/`` beside the package in a checkout, or as installed from the wheel."""
    checkout = PACKAGE_DIR.parent / "templates"
    if checkout.is_dir():
        return checkout
    import rekruttering_templates  # type: ignore[import-not-found]  # made by setup.py for the wheel

    return Path(next(iter(rekruttering_templates.__path__)))


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    """Build the app. ``settings`` default to the config file (or demo mode)."""
    settings = settings or load_settings()
    app = Flask(
        "rekruttering",
        template_folder=str(templates_dir()),
        static_folder=str(PACKAGE_DIR / "static"),
        root_path=str(PACKAGE_DIR),
    )
    app.extensions[SETTINGS_EXTENSION] = settings
    _configure(app, settings)
    app.config.update(flask_config)
    app.extensions["rekruttering.explicit_config"] = frozenset(flask_config)
    input_boundary.init_app(app)  # the bounded <int:> converter must precede every route
    logging.basicConfig(level=settings.app.log_level)
    app.logger.setLevel(settings.app.log_level)
    log_privacy.install(app.logger)

    db.init_app(app)
    read_only_commit.init_app(app)  # after db: ends the session's read-only transaction first
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    template_gettext.init_app(app)
    navigation.init_app(app)
    security.init_app(app)
    static_assets.init_app(app)
    tenancy.init_app(app)

    for name in FEATURES:
        importlib.import_module(name).init_app(app)

    access.init_app(app)
    navigation.verify(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    instance = Path(app.instance_path)
    database_url = settings.app.database_url
    secret_key = settings.app.secret_key
    if settings.demo:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = database_url or f"sqlite:///{instance / 'rekruttering.db'}"
        secret_key = secret_key or _demo_secret_key(instance)
    else:
        if not secret_key:
            raise ConfigError(
                "app.secret_key: required outside demo mode "
                "(set it in the config file or $REKRUTTERING_SECRET_KEY)"
            )
        if not database_url:
            raise ConfigError("app.database_url: required outside demo mode")
    if settings.sms.gateway == "twilio":
        twilio = settings.twilio
        for key, value in (
            ("twilio.account_sid", twilio.account_sid),
            ("twilio.auth_token", twilio.auth_token),
        ):
            if not value:
                raise ConfigError(f'{key}: required when sms.gateway is "twilio"')
        if not (twilio.from_number or twilio.messaging_service_sid):
            raise ConfigError(
                "twilio.from_number: set it or twilio.messaging_service_sid "
                'when sms.gateway is "twilio"'
            )

    app.config.update(
        SECRET_KEY=secret_key,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(database_url),
        MAX_CONTENT_LENGTH=settings.app.max_upload_mb * 1024 * 1024,
        BOOTSTRAP_SERVE_LOCAL=True,
        WTF_CSRF_TIME_LIMIT=None,
        DEMO=settings.demo,
        RATELIMIT_STORAGE_URI=settings.limits.storage_uri,
    )


def _engine_options(database_url: str) -> dict[str, Any]:
    options = log_privacy.engine_options()
    if database_url.startswith("postgresql"):
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    return options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite does not enforce foreign keys unless asked; WAL lets the scheduler
    # thread read while a request writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Safe with WAL (a power cut may lose the last commits, never corrupt the file).
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A page cache of up to 16 MB per connection instead of SQLite's 2 MB: a list page
        # of a large centre reads a few hundred rows spread over as many pages, and the
        # follow-up queue re-read them from the operating system on every visit (2 ms of
        # its 18 at 100,000 people; docs/performance.md). A small database never fills it.
        cursor.execute("PRAGMA cache_size=-16000")
        cursor.close()


def _demo_secret_key(instance: Path) -> str:
    """A random key kept in instance/, so demo logins survive a restart."""
    path = instance / "demo_secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
