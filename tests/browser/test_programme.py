"""The programme (issue 16): the printed programme in Norwegian and Arabic with its QR
codes; a person scans one, signs up, and the report counts them under the printed
programme's channel and source. Also the public page (screenshots)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PHONE, click_and_wait, login, unique_name, unique_phone

pytestmark = pytest.mark.browser


def _print_run(staff, language: str) -> None:
    staff.goto("/programme/")
    staff.select_option("#period", "month")
    staff.fill("#starts_on", "2026-12-01")
    staff.select_option("#language", language)
    click_and_wait(staff, "main form:has(#language) [type=submit]")
    assert re.search(r"/programme/runs/\d+/print$", staff.url), staff.url


def _heard(page, channel: str) -> int:
    page.goto("/reports/")
    row = page.locator(
        "main table.report-table tbody tr", has=page.locator(f"th:text-is('{channel}')")
    )
    if row.count() == 0:
        return 0
    return int(row.first.locator("td").first.inner_text().strip())


def _run_signups(page, name: str) -> int:
    page.goto("/programme/")
    row = page.locator("main tr", has=page.locator(f"td:text-is('{name}')"))
    return int(row.first.locator("td").nth(1).inner_text().strip())


def test_printed_programme_qr_sign_up_counts_under_its_source(open_page, live_server, shoot):
    staff = open_page()
    login(staff, "staff")

    # Norwegian: left to right, one QR code per public activity, nothing of the app.
    _print_run(staff, "nb")
    assert staff.locator("html").get_attribute("dir") == "ltr"
    assert staff.locator("html").get_attribute("lang") == "nb"
    assert "Program for" in staff.locator("h1").inner_text()
    qr = staff.locator("main img[src^='data:image/svg+xml']")
    assert qr.count() >= 3
    assert staff.evaluate(
        "[...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    staff.emulate_media(media="print")
    assert not staff.locator(".print-help").is_visible()
    assert staff.locator("nav.navbar, .alert").count() == 0
    staff.emulate_media(media="screen")
    shoot(staff, "programme-print")

    # Arabic: right to left, the centre's own Arabic titles, its own QR source.
    _print_run(staff, "ar")
    assert staff.locator("html").get_attribute("dir") == "rtl"
    assert staff.locator("html").get_attribute("lang") == "ar"
    assert "مقهى اللغة" in staff.locator("main").inner_text()
    assert staff.locator("main img[src^='data:image/svg+xml']").count() >= 3
    shoot(staff, "programme-print-arabic")
    run_name = staff.locator(".print-help a").last.inner_text().strip()
    assert run_name == "Program, desember 2026, arabisk"
    item = staff.locator("section.item", has_text="مقهى اللغة")
    qr_url = item.locator("img").get_attribute("data-url")
    path = urlsplit(qr_url)
    assert path.path.startswith("/s/") and "lang=ar" in path.query

    channel = "Trykt program (arabisk)"
    heard_before = _heard(staff, channel)
    signups_before = _run_signups(staff, run_name)

    # Someone scans the Språkkafe code on the Arabic programme and signs up on a phone.
    visitor = open_page(PHONE)
    visitor.goto(f"{path.path}?{path.query}")
    assert visitor.locator("#activity_id").input_value() != ""  # the activity is chosen
    name = unique_name("Layla")
    visitor.fill("#name", f"{name} Programsen")
    visitor.fill("#phone", unique_phone())
    visitor.check("#consent")
    time.sleep(1.1)
    click_and_wait(visitor, "main form [type=submit]")
    assert "/thanks" in visitor.url

    assert _run_signups(staff, run_name) == signups_before + 1
    assert _heard(staff, channel) == heard_before + 1


def test_public_programme_page(open_page, live_server, shoot):
    """The public page without a login, in Norwegian and Arabic; its links carry the
    website source; the embed is a page of its own."""
    from tests.browser import data

    code = live_server.run(data.programme_code)
    visitor = open_page(PHONE)
    visitor.goto(f"/p/{code}")
    assert "Språkkafe" in visitor.locator("main").inner_text()
    link = visitor.get_by_role("link", name="Bli med").first.get_attribute("href")
    assert f"/s/{code}?activity=" in link
    shoot(visitor, "programme-public")
    visitor.goto(f"/p/{code}?lang=ar")
    assert visitor.locator("html").get_attribute("dir") == "rtl"
    assert "مقهى اللغة" in visitor.locator("main").inner_text()
    shoot(visitor, "programme-public-arabic", sizes=("phone",))
    visitor.goto(f"/p/{code}/embed")
    assert visitor.locator("article.programme-activity").count() >= 3
