"""Logging in and out in a real browser, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, demo_login, login

pytestmark = pytest.mark.browser


def test_login_page_and_staff_login(page, shoot):
    """The login form works with CSRF on, and staff land on their start page logged in."""
    page.goto("/login")
    assert page.locator("h1").count() == 1
    shoot(page, "login")
    login(page, "staff")
    assert (
        page.get_by_role("button", name="Logg ut")
        .or_(page.get_by_role("button", name="Log out"))
        .is_visible()
    )


def test_wrong_password_shows_a_message_and_stays_on_login(page):
    """A wrong password keeps the person on the login page with a message, not a crash."""
    email, _ = demo_login("staff")
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("main form [type=submit]")
    assert "/login" in page.url
    assert page.locator(".alert-danger").count() == 1


@pytest.mark.parametrize("role", ["admin", "partner", "municipality"])
def test_every_demo_role_can_log_in_on_a_phone(open_page, role):
    """Each demo role logs in on a 390px-wide phone and can log out again."""
    page = open_page(PHONE)
    login(page, role)
    # On a phone the menu is collapsed: open it with the toggler, then log out.
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    with page.expect_navigation():
        page.locator("form[action$='/logout'] [type=submit]").click()
    assert "/login" in page.url
