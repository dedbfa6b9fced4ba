"""Setting up a real centre in the browser, from an empty installation (issue 11).

The database holds nothing but an installation admin made with the command line;
everything after that happens in Chromium, with CSRF on: the installation admin
creates a centre and invites its manager; the manager accepts, invites a colleague
who accepts and logs in, and makes a door tablet login that the tablet opens; the
manager renames a starter channel, adds a poster channel, sets the wished volunteer ratio,
adds an activity and a partner (whose channel comes with it); the colleague logs people who
showed up under three channels and the manager's conversion report counts them per channel;
the colleague forgets the password and resets it through the mail outbox.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering import create_app
from rekruttering.extensions import db
from tests.browser.conftest import (
    A11Y_SCRIPT,
    BACKENDS,
    PHONE,
    LiveServer,
    PageWatch,
    choose_radio,
    click_and_wait,
    playwright_api,
    serve,
    take_screenshots,
    unique_phone,
)
from tests.conftest import make_settings, postgres_database

pytestmark = pytest.mark.browser

DESKTOP_WIDE = {"width": 1366, "height": 900}
ROOT_EMAIL, ROOT_PASSWORD = "drift@asker.example.test", "en lang setning for drift"
MANAGER_EMAIL, MANAGER_PASSWORD = "leder@heggedal.example.test", "kaffe og boller hver tirsdag"
COLLEAGUE_EMAIL = "kollega@heggedal.example.test"
COLLEAGUE_PASSWORD, COLLEAGUE_NEW_PASSWORD = "strikkekafe i kjelleren", "sommerfugl over fjorden"
WORD_OF_MOUTH, RENAMED = "Muntlig fra deltakere og naboer", "Muntlig fra naboer i Heggedal"
POSTER, PARTNER, ACTIVITY = "Plakat på biblioteket", "Heggedal bibliotek", "Strikkekafé"


@pytest.fixture(scope="module", params=BACKENDS)
def empty_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app on an empty database: no demo, only an installation admin from the CLI."""
    if request.param == "postgresql":
        url = postgres_database("browser_admin_")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('admin') / 'empty.db'}"
    app: Flask = create_app(
        make_settings(url),
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.session.remove()
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", ROOT_EMAIL, "--name", "Drift Asker"]
        + ["--role", "installation-admin", "--password", ROOT_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    with serve(app, request.param) as server:
        yield server


@pytest.fixture
def browse(browser: Any, empty_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``browse()``: a fresh browser (no cookies) on the empty server, checked like open_page."""
    contexts: list[Any] = []
    watch = PageWatch()

    def open_(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP_WIDE,
            base_url=empty_server.url,
            locale="nb-NO",
            timezone_id="Europe/Oslo",
        )
        context.set_default_timeout(15_000)
        context.expose_binding(
            "__a11yReport", lambda source, path, found: watch.add(path, list(found))
        )
        context.add_init_script(path=str(A11Y_SCRIPT))
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not empty_server.errors, f"the server raised: {empty_server.errors!r}"
    assert not watch.problems, "accessibility / page problems:\n" + "\n".join(watch.problems)


@pytest.fixture
def snap(tmp_path: Any, empty_server: LiveServer) -> Callable[[Any, str], None]:
    """Desktop (1366x900) and phone (390x844) screenshots (see ``take_screenshots``)."""

    def take(page: Any, name: str) -> None:
        viewports = (("desktop", DESKTOP_WIDE), ("phone", PHONE))
        take_screenshots(page, empty_server.backend, tmp_path, name, viewports)

    return take


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    click_and_wait(page, "main form [type=submit]")
    assert "/login" not in page.url, f"login as {email} failed"


def shown_link(page: Any) -> str:
    """The single-use link on a link page (as the copy button would copy it)."""
    value = page.locator("main input[readonly]").input_value()
    assert "/link/" in value or "/tablet/" in value, value
    return value


def channel_row(page: Any, name: str) -> Any:
    return page.locator("main tbody tr", has_text=name)


def report_row(page: Any, name: str) -> Any:
    """The row of one channel in the report's first table (people per channel and stage)."""
    exact = page.locator("th", has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator("main table.report-table").first.locator("tbody tr").filter(has=exact)


def log_showed_up(page: Any, first_name: str, channel: str) -> None:
    """Log a new person who came to the activity, heard of it through ``channel``."""
    page.goto("/contacts/new")
    page.fill("#new_first_name", first_name)
    page.fill("#new_phone", unique_phone())
    page.select_option("#activity_id", label=ACTIVITY)
    page.select_option("#channel_id", label=channel)
    choose_radio(page, "outcome", "showed_up")
    click_and_wait(page, "form.log-contact [type=submit]")
    assert re.search(r"/people/\d+$", page.url), page.url
    assert page.locator(".alert-success").count() == 1


def test_a_centre_is_set_up_from_an_empty_installation(
    browse: Callable[..., Any], snap: Callable[[Any, str], None], empty_server: LiveServer
) -> None:
    # The installation admin creates the centre and invites its manager.
    root = browse()
    log_in(root, ROOT_EMAIL, ROOT_PASSWORD)
    assert root.url.endswith("/installation/centres")
    root.goto("/installation/centres/new")
    root.fill("input[name=name]", "Heggedal nærmiljøsentral")
    root.fill("input[name=slug]", "heggedal")
    root.fill("input[name=municipality]", "Asker")
    root.fill("input[name=admin_name]", "Leder Larsen")
    root.fill("input[name=admin_email]", MANAGER_EMAIL)
    snap(root, "new-centre")
    click_and_wait(root, "main form [type=submit]")
    manager_link = shown_link(root)
    snap(root, "invitation-link")
    root.goto("/installation/centres")
    assert root.get_by_text("Heggedal nærmiljøsentral").is_visible()
    snap(root, "installation-centres")

    # The manager accepts: name and password, then logged in as the centre's admin.
    manager = browse()
    manager.goto(manager_link)
    manager.fill("input[name=name]", "Leder Larsen")
    manager.fill("input[name=password]", MANAGER_PASSWORD)
    manager.fill("input[name=password_again]", MANAGER_PASSWORD)
    snap(manager, "accept-invitation")
    click_and_wait(manager, "main form [type=submit]")
    assert "/link/" not in manager.url

    # ... and invites a colleague.
    manager.goto("/users/invite")
    manager.fill("input[name=name]", "Kollega Kristiansen")
    manager.fill("input[name=email]", COLLEAGUE_EMAIL)
    click_and_wait(manager, "main form [type=submit]")
    colleague_link = shown_link(manager)

    # The colleague accepts and logs in with the new password.
    colleague = browse(PHONE)
    colleague.goto(colleague_link)
    colleague.fill("input[name=password]", "passord123")  # too short: a clear message
    colleague.fill("input[name=password_again]", "passord123")
    click_and_wait(colleague, "main form [type=submit]")
    assert colleague.locator(".invalid-feedback").count() >= 1
    colleague.fill("input[name=password]", COLLEAGUE_PASSWORD)
    colleague.fill("input[name=password_again]", COLLEAGUE_PASSWORD)
    click_and_wait(colleague, "main form [type=submit]")
    # Let the page finish first: a request still in flight from it could set the old
    # session cookie again after the clear, and the login form's CSRF token would not match.
    colleague.wait_for_load_state("networkidle")
    colleague.context.clear_cookies()
    log_in(colleague, COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD)
    colleague.goto("/account")
    snap(colleague, "account")

    manager.goto("/users")
    assert manager.get_by_text(COLLEAGUE_EMAIL).is_visible()
    snap(manager, "staff-accounts")

    # The manager makes a door tablet login; the tablet opens it and lands on check-in.
    manager.goto("/devices")
    manager.fill("input[name=name]", "Tablet i kafeen")
    click_and_wait(manager, "main form [type=submit]")
    tablet_link = shown_link(manager)
    tablet = browse(PHONE)
    tablet.goto(tablet_link)
    click_and_wait(tablet, "main form [type=submit]")
    assert tablet.url.endswith("/checkin/")
    manager.goto("/devices")
    assert manager.get_by_text("Tablet i kafeen").is_visible()
    snap(manager, "door-tablets")

    # The manager renames the word-of-mouth starter channel and adds a poster channel.
    manager.goto("/channels/")
    assert channel_row(manager, WORD_OF_MOUTH).count() == 1
    click_and_wait(manager, f"main a[aria-label*='{WORD_OF_MOUTH}'][href$='/edit']")
    manager.fill("#name", RENAMED)
    click_and_wait(manager, "main form [type=submit]")
    assert manager.url.endswith("/channels/")
    assert channel_row(manager, RENAMED).count() == 1
    assert channel_row(manager, WORD_OF_MOUTH).count() == 0
    click_and_wait(manager, "main a[href='/channels/new']")
    manager.fill("#name", POSTER)
    manager.select_option("#kind", "print")
    click_and_wait(manager, "main form [type=submit]")
    assert manager.url.endswith("/channels/")
    assert channel_row(manager, POSTER).count() == 1

    # ... sets the wished volunteer ratio (a new centre has none) ...
    manager.goto("/centre-settings")
    assert manager.locator("#wished_volunteer_ratio").input_value() == ""
    manager.fill("#wished_volunteer_ratio", "0.25")
    click_and_wait(manager, "main form [type=submit]")
    assert manager.locator(".alert-success").count() == 1
    manager.goto("/centre-settings")
    assert manager.locator("#wished_volunteer_ratio").input_value() in ("0.25", "0.250")

    # ... adds an activity to log contacts for, and a partner: its channel comes with it.
    manager.goto("/activities/new")
    manager.fill("#name", ACTIVITY)
    click_and_wait(manager, "main form #submit")  # not "add another time"
    assert re.search(r"/activities/\d+$", manager.url), manager.url
    manager.goto("/partners/new")
    manager.fill("#name", PARTNER)
    click_and_wait(manager, "main form [type=submit]")
    assert re.search(r"/partners/\d+$", manager.url), manager.url
    manager.goto("/channels/")
    assert channel_row(manager, PARTNER).count() == 1

    # The colleague logs new people who showed up, under three channels.
    log_showed_up(colleague, "Ingrid", PARTNER)
    log_showed_up(colleague, "Tariq", RENAMED)
    log_showed_up(colleague, "Mona", RENAMED)
    log_showed_up(colleague, "Jonas", POSTER)

    # The manager's conversion report counts them per channel (heard of it, showed up).
    manager.goto("/reports/")
    for name, people in ((PARTNER, 1), (RENAMED, 2), (POSTER, 1)):
        row = report_row(manager, name)
        assert row.count() == 1, f"{name} is not in the report"
        cells = row.locator("td")
        assert cells.nth(0).inner_text().strip() == str(people), name  # heard of it
        assert cells.nth(2).inner_text().strip() == str(people), name  # showed up
    snap(manager, "first-conversion-report")

    # The colleague forgets the password; the link is in the mail outbox.
    forgetful = browse(PHONE)
    forgetful.goto("/login")
    click_and_wait(forgetful, "text=Glemt passord?")
    forgetful.fill("input[name=email]", COLLEAGUE_EMAIL)
    snap(forgetful, "forgot-password")
    click_and_wait(forgetful, "main form [type=submit]")
    manager.goto("/mail")
    body = manager.locator("pre.mail-body").first.inner_text()
    snap(manager, "mail-outbox")
    reset_link = next(word for word in body.split() if "/link/" in word)
    forgetful.goto(reset_link)
    forgetful.fill("input[name=password]", COLLEAGUE_NEW_PASSWORD)
    forgetful.fill("input[name=password_again]", COLLEAGUE_NEW_PASSWORD)
    click_and_wait(forgetful, "main form [type=submit]")
    forgetful.wait_for_load_state("networkidle")  # nothing in flight to set the old cookie
    forgetful.context.clear_cookies()
    log_in(forgetful, COLLEAGUE_EMAIL, COLLEAGUE_NEW_PASSWORD)
    assert playwright_api is not None
