"""Fixtures: an app, a client and a clean database per test, on SQLite and PostgreSQL.

Every test that uses ``app`` runs on SQLite, and again on PostgreSQL when
$REKRUTTERING_TEST_DATABASE_URL is set (CI sets it). With the variable set and the
server unreachable the run fails rather than skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from rekruttering import create_app
from rekruttering.config import parse_settings
from rekruttering.extensions import db
from tests import factories

PG_URL = os.environ.get("REKRUTTERING_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_database(purpose: str = "") -> str:
    """A PostgreSQL database of our own per xdist worker (and purpose), created if missing."""
    url = make_url(PG_URL)
    name = f"{url.database or 'rekruttering_test'}_{purpose}{_worker_suffix()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.exit(
            f"REKRUTTERING_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", 3
        )
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgresql":
        return postgres_database()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def make_settings(database_url: str, **overrides: Any) -> Any:
    data: dict[str, dict[str, Any]] = {
        "app": {"database_url": database_url, "secret_key": "test-secret-key"},
    }
    for dotted, value in overrides.items():
        section, _, name = dotted.partition(".")
        data.setdefault(section, {})[name] = value
    return parse_settings(data, environ={})


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = create_app(make_settings(database_url))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.engine.dispose()
    yield


def _clean(app: Flask) -> None:
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    db.engine.dispose()


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Per-test settings: ``@pytest.mark.settings(**{"sms.gateway": "twilio"})``."""
    marker = request.node.get_closest_marker("settings")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def app(database_url: str, _schema: None, settings_overrides: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(
        make_settings(database_url, **settings_overrides),
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
    )

    # The test's app context outlives each request, and with it ``g``: forget the
    # per-request state (Flask-Login's user, the centre) as a real request would.
    def _fresh_request_state() -> None:
        for key in ("_login_user", "centre", "role", "memberships"):
            g.pop(key, None)

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    with app.app_context():
        try:
            yield app
        finally:
            _clean(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Any:
    """Object factories bound to the test database (see tests/factories.py)."""
    return factories


@pytest.fixture
def login(client: FlaskClient) -> Any:
    """``login(user)`` logs the test client in as ``user`` (password factories.PASSWORD)."""

    def do_login(user: Any, password: str = factories.PASSWORD) -> Any:
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login
