"""A partner refers a person, staff check the person in, and the partner sees they came."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import PHONE, click_and_wait, login, unique_name, unique_phone

pytestmark = pytest.mark.browser


def referral_row(page, name: str):
    return page.locator("main li.list-group-item", has_text=name)


def test_partner_refers_and_later_sees_the_person_came(open_page, live_server, shoot):
    """NAV refers someone on a phone; after staff check them in, NAV sees 'came'."""
    name = unique_name("Oksana")
    session = live_server.run(lambda: data.session_today([]))

    # The partner refers the person (with their consent) from a phone.
    partner = open_page(PHONE)
    login(partner, "partner")
    partner.goto("/partner/refer")
    centre = partner.locator("main select[name=centre_id]")
    if centre.count():
        centre.select_option(label="Borgen nærmiljøsentral")
    partner.fill("#first_name", name)
    partner.fill("#last_name", "Referertsen")
    partner.fill("#phone", unique_phone())
    partner.select_option("#activity_id", label="Mat og prat")
    partner.fill("#note", "Best å ringe etter kl. 12")
    partner.check("#consent")
    shoot(partner, "partner-refer")
    click_and_wait(partner, "main form [type=submit]")
    assert "/partner/refer/sent" in partner.url
    partner.goto("/partner/")
    row = referral_row(partner, name)
    assert row.count() == 1
    assert "text-bg-success" not in row.locator(".status-badge").get_attribute("class")

    # Staff find the referred person at today's session and check them in.
    staff = open_page()
    login(staff, "staff")
    staff.goto(f"/checkin/sessions/{session.session_id}?q={name}")
    click_and_wait(staff, f"main li.list-group-item:has-text('{name}') button.checkin-button")
    assert live_server.run(lambda: data.attendance_count(session.session_id)) == 1

    # The partner sees that the person came.
    partner.reload()
    badge = referral_row(partner, name).locator(".status-badge")
    assert "text-bg-success" in (badge.get_attribute("class") or "")
    shoot(partner, "partner-referrals")


def test_referral_without_consent_is_refused(open_page, live_server):
    """Without the consent box ticked the referral is not sent, and the form says why."""
    page = open_page(PHONE)
    login(page, "partner")
    page.goto("/partner/refer")
    centre = page.locator("main select[name=centre_id]")
    if centre.count():
        centre.select_option(label="Borgen nærmiljøsentral")
    page.fill("#first_name", unique_name("Uten Samtykke"))
    page.fill("#phone", unique_phone())
    click_and_wait(page, "main form [type=submit]")
    assert "/partner/refer" in page.url and "/sent" not in page.url
    assert page.locator("#consent.is-invalid, .invalid-feedback").count() >= 1
