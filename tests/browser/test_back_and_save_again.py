"""Save a contact, press the browser's Back, save again: one contact and a note."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import PHONE, choose_radio, login, unique_name

pytestmark = pytest.mark.browser


def test_back_and_save_again_shows_the_first_contact(open_page, live_server):
    page = open_page(PHONE, page_clock=False)  # Back detection reads the Performance API
    login(page, "staff")
    page.goto("/contacts/new")
    name = unique_name("Tiril")
    page.fill("#new_first_name", name)
    page.select_option("#activity_id", label="Mat og prat")
    choose_radio(page, "outcome", "heard")
    with page.expect_navigation():
        page.click("form.log-contact [type=submit]")
    assert re.search(r"/people/\d+$", page.url), page.url
    person_id = int(page.url.rsplit("/", 1)[-1])

    page.go_back()
    assert "/contacts/new" in page.url
    # The reloaded form may have lost what was typed: type it again, as a person would.
    if not page.input_value("#new_first_name"):
        page.fill("#new_first_name", name)
        page.select_option("#activity_id", label="Mat og prat")
        choose_radio(page, "outcome", "heard")
    with page.expect_navigation():
        page.click("form.log-contact [type=submit]")
    assert page.url.endswith(f"/people/{person_id}"), page.url
    assert page.locator(".alert-info").count() == 1

    def contacts() -> int:
        from rekruttering.extensions import db
        from rekruttering.models import Contact, Person

        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Contact)
            .join(Person, Person.id == Contact.person_id)
            .where(Person.first_name == name)
        )

    assert live_server.run(contacts) == 1
