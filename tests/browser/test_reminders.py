"""Schedule a reminder (preview, then confirm) and find the text in the outbox."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import click_and_wait, login, unique_name, unique_phone

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_schedule_a_reminder_and_see_it_in_the_outbox(page, live_server, shoot):
    """Staff preview and schedule a reminder; when it falls due it is in the outbox."""
    who = live_server.run(
        lambda: data.textable_person_and_session(unique_name("Mariam"), unique_phone())
    )
    login(page, "staff")
    page.goto("/reminders/new")
    page.select_option("#person_id", str(who.person_id))
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
