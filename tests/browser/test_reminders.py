"""Schedule a reminder (preview, then confirm) and find the text in the outbox."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import PHONE, click_and_wait, login, unique_name, unique_phone

pytestmark = pytest.mark.browser


def _find(page, who) -> None:
    """Search as you type: the person's name fills the list; pick them."""
    page.fill("#person_q", who.name)
    page.wait_for_selector(f"#person_id option[value='{who.person_id}']", state="attached")
    page.select_option("#person_id", str(who.person_id))


def test_schedule_a_reminder_and_see_it_in_the_outbox(page, live_server, shoot):
    """Staff preview and schedule a reminder; when it falls due it is in the outbox."""
    who = live_server.run(
        lambda: data.textable_person_and_session(unique_name("Mariam"), unique_phone())
    )
    login(page, "staff")
    page.goto("/reminders/new")
    _find(page, who)
    page.select_option("#session_id", str(who.session_id))
    click_and_wait(page, "main form [name=preview]")
    preview = page.locator("section[aria-labelledby=preview-heading]")
    assert preview.is_visible()
    assert who.name.split()[0] in preview.inner_text()
    shoot(page, "reminder-preview")
    click_and_wait(page, "main form [name=confirm]")
    assert "/reminders" in page.url
    assert page.locator(".alert-success").count() == 1

    # The scheduler's tick at the due time stores the text in the outbox (nothing is sent).
    assert live_server.run(lambda: data.dispatch_due_reminders(who.person_id)) == 1
    page.goto("/reminders/outbox")
    card = page.locator("li.card", has_text=who.name)
    assert card.count() == 1
    assert who.activity_name.split()[0] in card.inner_text()
    shoot(page, "outbox")


def test_preview_without_a_person_explains_the_problem(page, live_server):
    """Asking for a preview with no person chosen gives a message, and schedules nothing."""
    login(page, "staff")
    page.goto("/reminders/new")
    click_and_wait(page, "main form [name=preview]")
    assert "/reminders/new" in page.url
    assert page.locator("main form [name=confirm]").count() == 0
    assert page.locator(".invalid-feedback, .alert-danger").count() >= 1


def test_consent_in_one_tap_from_the_preview_on_a_phone(open_page, live_server, shoot):
    """The preview says "no consent to SMS"; one tap records it (the person said yes on
    the phone) and the same preview comes back, ready to schedule."""
    who = live_server.run(
        lambda: data.textable_person_and_session(
            unique_name("Øyvind"), unique_phone(), consent=False
        )
    )
    page = open_page(PHONE)
    login(page, "staff")
    page.goto("/reminders/new")
    _find(page, who)
    shoot(page, "reminder-person-search", sizes=("phone",))
    page.select_option("#session_id", str(who.session_id))
    click_and_wait(page, "main form [name=preview]")
    assert page.locator("main form [name=confirm]").count() == 0
    button = page.locator("section[aria-labelledby=preview-heading] form button")
    assert button.count() == 1
    shoot(page, "reminder-consent", sizes=("phone",))
    click_and_wait(page, "section[aria-labelledby=preview-heading] form button")
    assert "/reminders/new" in page.url and "preview=1" in page.url
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main form [name=confirm]").count() == 1
    assert live_server.run(lambda: data.has_sms_consent(who.person_id))
    click_and_wait(page, "main form [name=confirm]")
    assert page.locator(".alert-success").count() == 1
