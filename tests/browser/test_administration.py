"""The admin runs the centre from the browser: channels and the centre's settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE, click_and_wait, login, take_screenshots, unique_name

pytestmark = pytest.mark.browser

#: The size the issue asks for these pages' desktop screenshots.
WIDE = {"width": 1366, "height": 900}


def _shoot(page: Any, live_server: Any, tmp_path: Path, name: str) -> None:
    """Desktop (1366x900) and phone (390x844) screenshots (see ``take_screenshots``)."""
    take_screenshots(
        page, live_server.backend, tmp_path, name, (("desktop", WIDE), ("phone", PHONE))
    )


def _row(page: Any, name: str) -> Any:
    return page.locator("main tbody tr", has_text=name)


def test_admin_manages_channels_and_the_volunteer_ratio(open_page, live_server, tmp_path):
    page = open_page(WIDE)
    login(page, "admin")

    # Add a channel.
    page.goto("/channels/")
    click_and_wait(page, "main a[href='/channels/new']")
    poster = unique_name("Plakat på biblioteket ")
    page.fill("#name", poster)
    page.select_option("#kind", "print")
    click_and_wait(page, "main form [type=submit]")
    assert page.url.endswith("/channels/")
    assert _row(page, poster).count() == 1

    # Rename it.
    click_and_wait(page, f"main a[aria-label*='{poster}'][href$='/edit']")
    renamed = poster + " (inngangen)"
    page.fill("#name", renamed)
    click_and_wait(page, "main form [type=submit]")
    assert _row(page, renamed).count() == 1

    # A typo twin of Facebook, merged into it after a confirmation page.
    click_and_wait(page, "main a[href='/channels/new']")
    typo = unique_name("Facebok")
    page.fill("#name", typo)
    page.select_option("#kind", "social_media")
    click_and_wait(page, "main form [type=submit]")
    click_and_wait(page, f"main a[aria-label*='{typo}'][href$='/merge']")
    page.select_option("#into", label="Facebook")
    click_and_wait(page, "main form [type=submit]")
    assert page.locator("main h1", has_text=typo).count() == 1  # "Slå sammen … med Facebook?"
    assert page.locator("main h1", has_text="Facebook").count() == 1
    click_and_wait(page, "main form button[type=submit]")
    assert _row(page, typo).count() == 0
    assert page.locator(".alert-success", has_text=typo).count() == 1

    # Retire the renamed channel: gone from the list and from the contact form.
    click_and_wait(page, f"main a[aria-label*='{renamed}'][href$='/retire']")
    click_and_wait(page, "main form [type=submit]")
    assert _row(page, renamed).count() == 0
    page.goto("/contacts/new")
    assert page.locator("#channel_id option", has_text=renamed).count() == 0
    page.goto("/channels/?retired=1")
    assert _row(page, renamed).count() == 1
    page.goto("/channels/")
    _shoot(page, live_server, tmp_path, "channels")

    # The wished volunteer ratio on the centre's settings page.
    page.goto("/centre-settings")
    assert page.locator("#wished_volunteer_ratio").input_value() == ""
    page.fill("#wished_volunteer_ratio", "0.5")
    click_and_wait(page, "main form [type=submit]")
    assert page.locator(".alert-success").count() == 1
    assert page.locator("#wished_volunteer_ratio").input_value() in ("0.50", "0.5")
    _shoot(page, live_server, tmp_path, "centre-settings")
    # A bad value: a clear message by the field, nothing saved.
    page.fill("#wished_volunteer_ratio", "12")
    click_and_wait(page, "main form [type=submit]")
    assert page.locator("#wished_volunteer_ratio.is-invalid").count() == 1
    assert re.search(r"10", page.locator(".invalid-feedback").first.inner_text())
    # Leave the demo centre as it was for the other browser tests.
    page.fill("#wished_volunteer_ratio", "")
    click_and_wait(page, "main form [type=submit]")
    assert page.locator(".alert-success").count() == 1


def test_admin_adds_and_deletes_a_closed_period_with_confirmation(open_page, live_server, tmp_path):
    """The admin adds a closed period (a reversed range is refused next to the last
    day), sees it beside the public holidays, and deletes it after being asked."""
    page = open_page(WIDE)
    login(page, "admin")
    name = unique_name("Stengt")
    page.goto("/closed-periods/new")
    page.fill("input[name=name]", name)
    page.fill("input[name=first_day]", "2027-07-20")
    page.fill("input[name=last_day]", "2027-07-01")
    click_and_wait(page, "main form [type=submit]")
    assert "før den første" in page.locator("main").inner_text()
    page.fill("input[name=first_day]", "2027-07-01")
    page.fill("input[name=last_day]", "2027-07-20")
    click_and_wait(page, "main form [type=submit]")
    text = page.locator("main").inner_text()
    assert name in text and "Første juledag" in text
    _shoot(page, live_server, tmp_path, "closed-periods")
    click_and_wait(page, f"main a[aria-label='Slett {name}']")
    assert f"Slette {name}?" in page.locator("main").inner_text()  # asked, not deleted
    page.goto("/closed-periods")
    assert name in page.locator("main").inner_text()
    click_and_wait(page, f"main a[aria-label='Slett {name}']")
    click_and_wait(page, "main form button.btn-danger")
    assert page.locator("main .list-group-item", has_text=name).count() == 0
