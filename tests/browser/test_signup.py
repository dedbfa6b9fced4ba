"""A poster's QR code: staff make it, a person signs up on their phone, staff see them."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PHONE, click_and_wait, login, unique_name, unique_phone

pytestmark = pytest.mark.browser


def test_person_signs_up_through_a_qr_source(open_page, live_server, shoot):
    """Staff create a QR source; a visitor signs up through it; staff find the new person."""
    staff = open_page()
    login(staff, "staff")
    staff.goto("/sources/new")
    poster = unique_name("Plakat biblioteket ")
    staff.fill("#name", poster)
    staff.select_option("#channel_id", label="Plakat")
    staff.select_option("#activity_id", label="Språkkafe")
    click_and_wait(staff, "main form [type=submit]")
    assert re.search(r"/sources/\d+$", staff.url), staff.url
    assert staff.locator("img.qr-code").get_attribute("alt")
    shoot(staff, "qr-source")
    source_page = staff.url
    form_path = urlsplit(
        staff.get_by_role("link", name=re.compile("form|skjema", re.I)).last.get_attribute("href")
    ).path
    assert form_path.startswith("/s/")

    # Someone scans the poster: the form opens on their phone, no login.
    visitor = open_page(PHONE)
    visitor.goto(form_path)
    name = unique_name("Fatima")
    visitor.fill("#name", f"{name} Skannesen")
    visitor.fill("#phone", unique_phone())
    visitor.check("#consent")
    shoot(visitor, "signup")
    time.sleep(1.1)  # a person takes longer than the anti-bot minimum to fill it in
    click_and_wait(visitor, "main form [type=submit]")
    assert visitor.url.endswith("/thanks") or "/thanks" in visitor.url
    shoot(visitor, "signup-thanks", sizes=("phone",))

    # Staff find the new person, and the source counts the sign-up.
    staff.goto(f"/people/?q={name}")
    assert staff.locator("main", has_text=name).count() == 1
    staff.goto(source_page)
    signups = staff.locator("main p", has_text=re.compile(r":\s*\d+$")).first.inner_text()
    assert signups.rstrip().endswith(": 1"), signups


def test_sign_up_without_consent_is_refused(open_page, live_server):
    """Without ticking consent the form comes back with a message; nobody is stored."""
    from tests.browser import data

    code = live_server.run(data.any_source_code)
    visitor = open_page(PHONE)
    visitor.goto(f"/s/{code}")
    name = unique_name("Ingen")
    visitor.fill("#name", name)
    visitor.fill("#phone", unique_phone())
    time.sleep(1.1)
    click_and_wait(visitor, "main form [type=submit]")
    assert "/thanks" not in visitor.url
    assert visitor.locator(".is-invalid, .alert-danger").count() >= 1
    assert live_server.run(lambda: data.people_named(name)) == 0


def test_a_person_fixes_a_missed_consent_and_sends_at_once(open_page, live_server, shoot):
    """On a phone: filled in, sent without consent, ticked and sent again within the
    anti-bot wait (1 s here, 3 s in production): signed up, not "that was very fast"."""
    from tests.browser import data

    code = live_server.run(data.any_source_code)
    visitor = open_page(PHONE)
    visitor.goto(f"/s/{code}")
    name = unique_name("Åse")
    visitor.fill("#name", f"{name} Rask")
    visitor.fill("#phone", unique_phone())
    time.sleep(1.1)  # typing takes a person longer than the wait
    click_and_wait(visitor, "main form [type=submit]")
    assert "/thanks" not in visitor.url
    assert visitor.locator("#consent.is-invalid, .alert-danger").count() >= 1
    shoot(visitor, "signup-consent-missing", sizes=("phone",))
    shown_again = time.monotonic()
    visitor.check("#consent")
    assert time.monotonic() - shown_again < 1.0  # sent again within the wait
    click_and_wait(visitor, "main form [type=submit]")
    assert "/thanks" in visitor.url, visitor.locator("main").inner_text()
    assert live_server.run(lambda: data.people_named(name)) == 1
