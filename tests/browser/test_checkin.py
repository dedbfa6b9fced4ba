"""Checking people in at the door: a tablet, a tap per person, and the keyboard alone."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import TABLET, click_and_wait, login, unique_name


def all_sent(page) -> None:
    """Wait until the page's queue of check-ins is empty (everything reached the server)."""
    page.wait_for_function(
        "() => document.getElementById('checkin-sync').dataset.pending === '0'", timeout=30_000
    )


pytestmark = pytest.mark.browser

MAX_TABS = 150  # a bound, so a missing element fails instead of looping forever


def tab_to(page, predicate_js: str) -> bool:
    """Press Tab until the focused element satisfies ``predicate_js`` (an arrow function)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate_js})(document.activeElement)"):
            return True
    return False


@pytest.fixture
def session_today(live_server):
    names = [unique_name("Olena"), unique_name("Yasmin")]
    return live_server.run(lambda: data.session_today(names))


def test_check_in_with_taps_on_a_tablet(open_page, live_server, session_today, shoot):
    """On an 820x1180 tablet staff tap a person in; a second tablet's stale tap adds nothing."""
    first = next(iter(session_today.people))
    page = open_page(TABLET)
    login(page, "staff")
    page.goto("/checkin/")
    click_and_wait(page, f"a:has-text('{session_today.activity_name}')")
    assert f"/checkin/sessions/{session_today.session_id}" in page.url
    # A second tablet has the same list open (a stale page).
    other = page.context.new_page()
    other.goto(page.url)
    button = f"#p-{session_today.people[first]} button.checkin-button"
    page.click(button)  # shown at once, sent in the background (see test_checkin_offline.py)
    row = page.locator(f"#p-{session_today.people[first]}")
    assert "list-group-item-success" in (row.get_attribute("class") or "")
    all_sent(page)
    assert live_server.run(lambda: data.attendance_count(session_today.session_id)) == 1
    shoot(page, "checkin")
    # Tapping the same person on the stale page keeps one check-in.
    other.click(button)
    assert "list-group-item-success" in (
        other.locator(f"#p-{session_today.people[first]}").get_attribute("class") or ""
    )
    all_sent(other)
    assert live_server.run(lambda: data.attendance_count(session_today.session_id)) == 1


def test_keyboard_only_check_in(open_page, live_server, session_today):
    """With Tab and Enter/Space alone staff reach today's session and check a person in."""
    second = list(session_today.people)[1]
    person_id = session_today.people[second]
    page = open_page(TABLET)
    login(page, "staff")
    page.goto("/checkin/")
    link = f"/checkin/sessions/{session_today.session_id}"
    assert tab_to(page, f"el => el.tagName === 'A' && el.getAttribute('href') === '{link}'"), (
        "today's session cannot be reached with Tab"
    )
    assert page.evaluate("document.activeElement.matches(':focus-visible')"), "no visible focus"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert link in page.url
    button = (
        "el => el.tagName === 'BUTTON' && el.classList.contains('checkin-button') "
        f"&& el.closest('#p-{person_id}') !== null"
    )
    assert tab_to(page, button), f"the check-in button of {second} cannot be reached with Tab"
    assert page.evaluate("document.activeElement.matches(':focus-visible')"), "no visible focus"
    page.keyboard.press("Space")
    row = page.locator(f"#p-{person_id}")
    assert "list-group-item-success" in (row.get_attribute("class") or "")
    # Focus moves to the row's undo button, so the keyboard user is not lost.
    assert page.evaluate(f"document.activeElement.closest('#p-{person_id} form.js-undo') !== null")
    all_sent(page)
    assert live_server.run(lambda: data.attendance_count(session_today.session_id)) == 1
