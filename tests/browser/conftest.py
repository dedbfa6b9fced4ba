"""Browser tests: the real app on 127.0.0.1, driven by Debian's Chromium via Playwright.

One live server per database backend (SQLite file; PostgreSQL too when
$REKRUTTERING_TEST_DATABASE_URL is set, in a database of its own), seeded with the
demo data (loaded once per run, tests/demo_snapshot.py), with CSRF protection ON:
the browser fills in and posts the real forms.
Every document the browser loads is checked for accessibility basics by
``a11y.js`` (labels, one h1, charts with text, images with alt, CSP violations);
a test fails when any page it saw had a problem or the server raised.

Screenshots go to a temporary folder, or to docs/screenshots/ when
$REKRUTTERING_SCREENSHOTS=1 (see docs/screenshots/README.md).
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask, got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from rekruttering import create_app
from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from tests import demo_snapshot
from tests.conftest import PG_URL, make_settings, postgres_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}

A11Y_SCRIPT = Path(__file__).with_name("a11y.js")
REPO = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"


def demo_login(role: str) -> tuple[str, str]:
    """(email, password) of the demo login with ``role`` (admin, staff, partner, municipality)."""
    # Imported late: importing rekruttering.demo before the app's features is circular.
    from rekruttering.demo.accounts import DEMO_LOGINS

    return next((email, password) for email, password, r in DEMO_LOGINS if r == role)


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# The browser suite's clock: the server (and the demo data it is seeded with) and each
# page's JavaScript run on one frozen, ticking clock, a Tuesday morning in term time.
# Cookies carry Max-Age (rekruttering/session_cookie.py), so Chromium, which judges
# expiry by the machine's real clock, keeps them whatever instant the server is at.
BROWSER_NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _browser_clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(BROWSER_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def clock(_browser_clock: time_machine.Coordinates) -> time_machine.Coordinates:
    """The browser suite keeps one clock for all its tests (the server is shared)."""
    return _browser_clock


@dataclass
class LiveServer:
    """The app served on 127.0.0.1 in a background thread."""

    app: Flask
    url: str
    backend: str
    errors: list[BaseException] = field(default_factory=list)

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in an app context of the served app (set-up and checks)."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


def _build_schema(app: Flask, demo: demo_snapshot.Rows) -> None:
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        demo_snapshot.copy_demo(db.engine, demo)
        db.session.remove()


@pytest.fixture(scope="session", params=BACKENDS)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if request.param == "postgresql":
        url = postgres_database("browser_")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'live.db'}"
    overrides = {"signup.min_fill_seconds": 1}  # the anti-bot wait, short for tests
    app = create_app(
        make_settings(url, **overrides),
        SESSION_COOKIE_SECURE=False,  # plain http on loopback
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,  # many logins from one address in a few seconds
    )
    _build_schema(app, demo_snapshot.demo_rows(demo_snapshot.shared_folder(tmp_path_factory)))
    with serve(app, request.param) as server:
        yield server


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1: the browser keeps its connections open, as it would with gunicorn behind
    a proxy (the default HTTP/1.0 opens a connection for every file of every page)."""

    protocol_version = "HTTP/1.1"


@contextmanager
def serve(app: Flask, backend: str) -> Iterator[LiveServer]:
    """Serve ``app`` on 127.0.0.1 in a thread, recording what the server raised."""
    server = LiveServer(app=app, url="", backend=backend)

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        server.errors.append(exception)

    got_request_exception.connect(record, app, weak=False)
    http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler)
    server.url = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        http.shutdown()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never download a browser)")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageWatch:
    """What went wrong on the pages of one test: accessibility problems, errors."""

    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def add(self, path: str, found: list[str]) -> None:
        self.checked.append(path)
        for problem in found:
            line = f"{path}: {problem}"
            if line not in self.problems:
                self.problems.append(line)


@pytest.fixture
def open_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``open_page(viewport=DESKTOP)``: a fresh browser context (no cookies) and its page."""
    contexts: list[Any] = []
    watch = PageWatch()
    errors_before = len(live_server.errors)

    def open_(
        viewport: dict[str, int] | None = None, page_clock: bool = True, **options: Any
    ) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            locale="nb-NO",
            timezone_id="Europe/Oslo",
            **options,
        )
        context.set_default_timeout(15_000)
        if page_clock:
            # The page's Date starts where the server's frozen clock is, and ticks on
            # (the check-in page stamps each tap with the tablet's time). The fake also
            # empties the Performance API: a test of Back detection opts out.
            context.clock.install(time=utcnow())
        context.expose_binding(
            "__a11yReport", lambda source, path, found: watch.add(path, list(found))
        )
        context.add_init_script(path=str(A11Y_SCRIPT))
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks first

        def on_response(response: Any) -> None:
            if response.request.is_navigation_request() and response.status >= 500:
                watch.problems.append(f"{response.url}: HTTP {response.status}")

        page.on("response", on_response)
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        for page in context.pages:
            if page.url.startswith(live_server.url):
                try:
                    found = page.evaluate("window.__a11yCheck ? window.__a11yCheck() : null")
                except playwright_api.Error:  # a download or a closed page: nothing to check
                    found = []
                if found is None:
                    found = ["the accessibility checker did not run on this page"]
                watch.add(page.url.removeprefix(live_server.url), found)
        context.close()
    server_errors = live_server.errors[errors_before:]
    assert not server_errors, f"the server raised: {server_errors!r}"
    assert not watch.problems, "accessibility / page problems:\n" + "\n".join(watch.problems)


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280x800)."""
    return open_page(DESKTOP)


def login(page: Any, role: str = "staff") -> None:
    """Log in through the real form (CSRF on) as a demo user of ``role``."""
    email, password = demo_login(role)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form [type=submit]")
    assert "/login" not in page.url, f"login as {role} failed"


def screenshot_dir(tmp_root: Path) -> Path:
    if os.environ.get("REKRUTTERING_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_root


def take_screenshots(
    page: Any,
    backend: str,
    tmp_root: Path,
    name: str,
    viewports: tuple[tuple[str, dict[str, int]], ...],
) -> list[Path]:
    """``name-<size>.png`` per (size, viewport), then the page's own size again.

    Only the SQLite run takes them (to docs/screenshots/ with $REKRUTTERING_SCREENSHOTS=1,
    else a temporary folder); the PostgreSQL run shows the same pages and saves the time
    (a pair costs about a quarter of a second).
    """
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"screenshot name {name!r}: lowercase letters, digits, dashes")
    if backend != "sqlite":
        return []
    target = screenshot_dir(tmp_root)
    original = page.viewport_size
    taken = []
    for size, viewport in viewports:
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        path = target / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=False, animations="disabled")
        taken.append(path)
    page.set_viewport_size(original)
    return taken


@pytest.fixture
def shoot(tmp_path: Path, live_server: LiveServer) -> Callable[..., list[Path]]:
    """``shoot(page, "name")``: desktop (1280x800) and phone (390x844) screenshots
    (``sizes=("tablet",)`` for 820x1180); see ``take_screenshots``."""
    viewports = {"desktop": DESKTOP, "tablet": TABLET, "phone": PHONE}

    def take(page: Any, name: str, sizes: tuple[str, ...] = ("desktop", "phone")) -> list[Path]:
        chosen = tuple((size, viewports[size]) for size in sizes)
        return take_screenshots(page, live_server.backend, tmp_path, name, chosen)

    return take


_counter = itertools.count(1)


def unique_phone() -> str:
    """A Norwegian mobile number no other test (or the demo data) uses, as typed: 9xx xx xxx."""
    n = (os.getpid() * 1000 + next(_counter)) % 10_000_000
    digits = f"98{n:06d}"[-8:] if n < 1_000_000 else f"9{n:07d}"
    return f"{digits[:3]} {digits[3:5]} {digits[5:]}"


def unique_name(prefix: str) -> str:
    """A first name unique in this run, so a test finds exactly its own person."""
    return f"{prefix}{next(_counter)}x{os.getpid() % 1000}"


def click_and_wait(page: Any, selector: str) -> None:
    """Click something that submits a form or follows a link, and wait for the new page."""
    with page.expect_navigation():
        page.click(selector)


def choose_radio(page: Any, name: str, value: str) -> None:
    """Pick a radio button the way a person does: by clicking its (button-styled) label."""
    radio_id = page.locator(f"input[name={name}][value={value}]").get_attribute("id")
    page.click(f"label[for='{radio_id}']")
