"""The person search on a phone: Norwegian letters in any case, and without them."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import PHONE, click_and_wait, login, unique_name

pytestmark = pytest.mark.browser


def test_aase_is_found_as_aase_ase_and_ase(open_page, live_server, shoot):
    """ "åse", "ÅSE" and "Åse" find Åse; "ase" finds her too, after the exact matches."""
    surname = unique_name("Ærøy")
    live_server.run(lambda: data.add_person("Åse", surname))
    live_server.run(lambda: data.add_person("Kasem", surname))
    page = open_page(PHONE)
    login(page, "staff")
    page.goto("/people/")
    for typed in (f"åse {surname.lower()}", f"ÅSE {surname.upper()}", f"Åse {surname}"):
        page.fill("#people-q", typed)
        click_and_wait(page, "main form[role=search] [type=submit]")
        rows = page.locator("main table tbody tr, main .list-group-item")
        assert rows.count() == 1, typed
        assert f"Åse {surname}" in rows.first.inner_text()
    page.fill("#people-q", f"ase {surname.lower()}")
    click_and_wait(page, "main form[role=search] [type=submit]")
    rows = page.locator("main table tbody tr, main .list-group-item")
    names = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(names) == 2 and "Kasem" in names[0] and "Åse" in names[1], names
    shoot(page, "people-search", sizes=("phone",))
