"""Fixtures: an app, a client and a clean database per test, on SQLite and PostgreSQL.

Every test that uses ``app`` runs on SQLite, and again on PostgreSQL when
$REKRUTTERING_TEST_DATABASE_URL is set (CI sets it). With the variable set and the
server unreachable the run fails rather than skips.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask, g
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from rekruttering import create_app, log_privacy
from rekruttering.config import Settings, current_settings, parse_settings
from rekruttering.extensions import db, limiter
from tests import demo_snapshot, factories

PG_URL = os.environ.get("REKRUTTERING_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# Property tests never fail by chance: the default profile is derandomised (the same
# examples every run, no example database); `HYPOTHESIS_PROFILE=explore make test`
# searches wider with fresh random examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Tests never read the real clock. Every test runs with the clock frozen at TEST_NOW
# (it ticks on from there, so durations still pass); $REKRUTTERING_TEST_NOW moves the
# whole suite to another instant: `make test-at NOW=2027-03-28T00:45:00Z`.
TEST_NOW = datetime.fromisoformat(
    os.environ.get("REKRUTTERING_TEST_NOW", "2026-11-24T09:00:00+00:00").replace("Z", "+00:00")
)
if TEST_NOW.tzinfo is None:
    raise pytest.UsageError("REKRUTTERING_TEST_NOW needs a time zone, e.g. 2027-03-28T00:45:00Z")

# Where a day boundary or a summer-time change can bite: a morning and a late evening
# (already the next day in Oslo) on both summer-time Sundays of 2027, a month's last
# day at 23:30 UTC (the next month in Oslo) and 00:45 UTC on the spring-forward day.
CRITICAL_INSTANTS = [
    datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
    datetime(2027, 3, 28, 23, 30, tzinfo=UTC),
    datetime(2027, 10, 31, 9, 0, tzinfo=UTC),
    datetime(2027, 10, 31, 23, 30, tzinfo=UTC),
    datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
    datetime(2027, 3, 28, 0, 45, tzinfo=UTC),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.time_sensitive`` runs a test once per instant in CRITICAL_INSTANTS."""
    if (
        metafunc.definition.get_closest_marker("time_sensitive")
        and "clock" in metafunc.fixturenames
    ):
        metafunc.parametrize(
            "clock",
            CRITICAL_INSTANTS,
            indirect=True,
            ids=[f"at-{i:%Y%m%dT%H%M}Z" for i in CRITICAL_INSTANTS],
        )


#: The longest tests start first, so that with ``-n 2`` neither worker is left running
#: one of them alone at the end.
LONG_TESTS = (
    "test_reports_render_on_100000_generated_people",
    "test_api_fuzz_finds_no_server_error",
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``-n``: each backend's browser tests on one worker, the rest one by one."""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from tests.scheduling import BrowserGroupScheduling

    return BrowserGroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Backend-specific tests keep only the variant they are for; the longest go first.

    A ``postgres_only`` test without a configured PostgreSQL is the one skip the suite
    allows; with REKRUTTERING_NO_SKIPS=1 (CI) any skip fails the run.
    """
    keep, drop = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("database_url")
        if item.get_closest_marker("postgres_only") and backend == "sqlite":
            if PG_URL:
                drop.append(item)
                continue
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: set REKRUTTERING_TEST_DATABASE_URL")
            )
        if item.get_closest_marker("sqlite_only") and backend == "postgresql":
            drop.append(item)
            continue
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # The browser tests (a group per backend, tests/scheduling.py: they share a served
    # app) are the longest chains of the run: start them first, and the longest single
    # tests beside them.
    keep.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is None,
            getattr(item, "originalname", item.name) not in LONG_TESTS,
        )
    )
    items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With REKRUTTERING_NO_SKIPS=1 (CI sets it) a skipped test fails the run."""
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("REKRUTTERING_NO_SKIPS") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be skipped: {report.longrepr}"


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates]:
    """The frozen clock (time-machine): ``clock.move_to(datetime(...))``, ``clock.shift(s)``.

    It starts at TEST_NOW, or at the instant a ``time_sensitive`` test is run at.
    """
    start = getattr(request, "param", TEST_NOW)
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


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


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Test settings; ``overrides`` are dotted keys (``**{"sms.gateway": "twilio"}``),
    checked like the file and applied with ``dataclasses.replace`` per section."""
    base = parse_settings(
        {"app": {"database_url": database_url, "secret_key": "test-secret-key"}}, environ={}
    )
    return base.replace(overrides)


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


#: Every sequence of the schema back at 1, as TRUNCATE ... RESTART IDENTITY leaves them.
RESTART_SEQUENCES = sa.text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c "
    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
)


def _clean(app: Flask) -> None:
    """Empty every table after a test (children first) and restart the ids.

    On PostgreSQL, DELETE of a test's few rows is some 20 times quicker than TRUNCATE,
    which makes new files for every table, and one string of DELETEs is one round trip
    instead of one per table (17 against 80 ms); TRUNCATE stays as the fallback should
    a cycle of foreign keys ever refuse the order. The engine and its connections stay
    for the next test of a kept app (reconnecting cost 30-40 ms a test).
    """
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
            except sa.exc.IntegrityError:
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
            conn.execute(RESTART_SEQUENCES)
        else:
            for table in tables:
                conn.execute(table.delete())


def clean_and_close(app: Flask) -> None:
    """For a test's own app (not the ``app`` fixture's): empty the tables, close the engine."""
    _clean(app)
    db.engine.dispose()


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Per-test settings: ``@pytest.mark.settings(**{"sms.gateway": "twilio"})``."""
    marker = request.node.get_closest_marker("settings")
    return dict(marker.kwargs) if marker else {}


def _new_app(database_url: str, settings_overrides: dict[str, Any]) -> Flask:
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
    return app


#: Made again by Flask when asked for (cached properties), not changes.
DERIVED_ATTRIBUTES = frozenset({"_got_first_request", "jinja_loader"})

#: Apps kept for the next test with the same database and settings. Building one took
#: about a third of a typical test (werkzeug compiles ~150 URL rules, Jinja every
#: template anew). An app a test changed (config, settings, routes, hooks, handlers,
#: template globals, attributes) is not kept: the next test gets a fresh one.
_APPS: OrderedDict[tuple[str, str], tuple[Flask, Any]] = OrderedDict()
KEPT_APPS = 8


def _fingerprint(app: Flask) -> Any:
    """What a test could change in an app, as values (config) or identities (objects)."""

    def funcs(registry: dict[Any, list[Any]]) -> dict[Any, tuple[int, ...]]:
        return {k: tuple(id(f) for f in v) for k, v in registry.items()}

    return (
        dict(app.config),
        repr(current_settings(app)),
        {k: id(v) for k, v in app.extensions.items()},
        len(app.url_map._rules),
        {k: id(v) for k, v in app.view_functions.items()},
        {k: id(v) for k, v in app.blueprints.items()},
        funcs(app.before_request_funcs),
        funcs(app.after_request_funcs),
        funcs(app.teardown_request_funcs),
        tuple(id(f) for f in app.teardown_appcontext_funcs),
        funcs(app.url_value_preprocessors),
        funcs(app.url_default_functions),
        funcs(app.template_context_processors),
        {  # lookups add empty entries to these defaultdicts
            (scope, code, exc): id(handler)
            for scope, codes in app.error_handler_spec.items()
            for code, handlers in codes.items()
            for exc, handler in handlers.items()
        },
        {k: id(v) for k, v in app.jinja_env.globals.items()},
        {k: id(v) for k, v in app.jinja_env.filters.items()},
        {k: id(v) for k, v in vars(app).items() if k not in DERIVED_ATTRIBUTES},
    )


def _unchanged(app: Flask, before: Any) -> bool:
    after = _fingerprint(app)
    # Attributes Flask creates on first use (cached properties) are not a change.
    attributes = {k: v for k, v in after[-1].items() if k in before[-1]}
    return after[:-1] == before[:-1] and attributes == before[-1]


@pytest.fixture
def app(database_url: str, _schema: None, settings_overrides: dict[str, Any]) -> Iterator[Flask]:
    key = (database_url, repr(sorted(settings_overrides.items())))
    kept = _APPS.pop(key, None)
    if kept is None:
        app = _new_app(database_url, settings_overrides)
        before = _fingerprint(app)
    else:
        app, before = kept
        app._got_first_request = False  # a test may add a route (and the app is dropped)
        log_privacy.install(app.logger)  # loggers created since, as create_app would
        # The limiter is one object for every app: an app built since with the limiter
        # on (test_signup's limited_app) left it on. This app has it off, as when built.
        limiter.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
    with app.app_context():
        try:
            yield app
        finally:
            _clean(app)
    if _unchanged(app, before):
        _APPS[key] = (app, before)
        while len(_APPS) > KEPT_APPS:
            _dispose(_APPS.popitem(last=False)[1][0])
    else:
        _dispose(app)


def _dispose(app: Flask) -> None:
    """Close the connections of an app no test will use again."""
    with app.app_context():
        db.engine.dispose()


#: The demo installation's rows per (database, day), taken after its first load.
@pytest.fixture
def demo_installation(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The demo installation (`rekruttering demo`), loaded through the real steps once per
    run and Oslo day and copied in (tests/demo_snapshot.py).

    test_cli_demo loads it through the command itself; this is for tests that only
    need its data.
    """
    rows = demo_snapshot.demo_rows(demo_snapshot.shared_folder(tmp_path_factory))
    db.session.remove()
    demo_snapshot.copy_demo(db.engine, rows)


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
