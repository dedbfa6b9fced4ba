"""Staff log a contact on a phone; the person and the follow-up show where they should."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import (
    PHONE,
    choose_radio,
    click_and_wait,
    login,
    unique_name,
    unique_phone,
)

pytestmark = pytest.mark.browser


def test_log_a_contact_for_a_new_person_on_a_phone(open_page, live_server, shoot):
    """On a 390x844 screen staff log 'asked' for a new person with a follow-up today."""
    from rekruttering.domain.clock import oslo_today

    page = open_page(PHONE)
    login(page, "staff")
    page.goto("/contacts/new")
    name = unique_name("Amal")
    page.fill("#new_first_name", name)
    page.fill("#new_phone", unique_phone())
    page.check("#new_sms_consent")  # consent in one tap, with the person
    page.select_option("#activity_id", label="Mat og prat")
    choose_radio(page, "outcome", "asked")
    page.fill("#follow_up_on", oslo_today().isoformat())
    page.fill("#note", "Vil komme neste tirsdag")
    shoot(page, "log-contact")
    # A double tap on a phone must still log one contact (one form token).
    with page.expect_navigation():
        page.dblclick("form.log-contact [type=submit]")
    assert re.search(r"/people/\d+$", page.url), page.url
    assert page.locator("h1").inner_text().startswith(name)
    assert page.locator(".alert-success").count() == 1
    shoot(page, "person")

    person_id = int(page.url.rsplit("/", 1)[-1])

    def contacts() -> int:
        from rekruttering.extensions import db
        from rekruttering.models import Contact

        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Contact).where(Contact.person_id == person_id)
        )

    assert live_server.run(contacts) == 1
    from tests.browser import data

    assert live_server.run(lambda: data.has_sms_consent(person_id))

    # The follow-up date is today: the person is in the follow-up queue.
    page.goto("/follow-up")
    assert page.locator(f"a[href='/people/{person_id}']").count() >= 1
    shoot(page, "follow-up")


def test_log_contact_without_an_activity_says_what_is_missing(open_page, live_server):
    """A form sent without an activity or outcome comes back with messages, nothing saved."""
    page = open_page(PHONE)
    login(page, "staff")
    page.goto("/contacts/new")
    page.fill("#new_first_name", unique_name("Halyna"))
    click_and_wait(page, "form.log-contact [type=submit]")
    assert "/contacts/new" in page.url
    assert page.locator(".invalid-feedback").count() >= 2


def test_the_start_page_fits_about_three_phone_screens(open_page, live_server, shoot):
    """With the demo centre the follow-up queue is under three 390x844 screens: overdue
    first and marked, then today, the rest folded with counts; "only mine" narrows it
    and is remembered."""
    page = open_page(PHONE)
    login(page, "staff")
    page.goto("/")
    assert page.url.endswith("/follow-up"), page.url
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3 * PHONE["height"], f"start page is {height}px tall"
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0].startswith(("Forfalt", "Overdue")), headings
    assert page.locator("#overdue-h ~ ul .badge.text-bg-danger").count() >= 1
    assert page.locator("main details").count() == 3
    assert all(re.search(r"\d+\s*$", s) for s in page.locator("main summary").all_inner_texts())
    shoot(page, "start-page", sizes=("phone",))

    # A folded section opens with a tap and shows its people.
    page.locator("main summary").nth(1).click()
    assert page.locator("main details").nth(1).locator("li").count() >= 1

    click_and_wait(page, "main nav a[href$='mine=1']")
    assert page.locator("main nav a[aria-current=page]").inner_text() in ("Bare mine", "Only mine")
    page.goto("/follow-up")
    assert page.locator("main nav a[aria-current=page]").inner_text() in ("Bare mine", "Only mine")
    click_and_wait(page, "main nav a[href$='mine=0']")
    assert page.locator("main nav a[aria-current=page]").inner_text() in ("Alle", "Everyone's")
