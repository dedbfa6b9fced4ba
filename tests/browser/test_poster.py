"""The QR poster prints as one A4 page with nothing of the app on it, and the public
form in Arabic mirrors its layout (the checkbox on the right)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from rekruttering.extensions import db
from rekruttering.models import Centre, Source
from rekruttering.signup import service
from tests.browser.conftest import PHONE, login

pytestmark = pytest.mark.browser


def _demo_source() -> tuple[int, str, list[str]]:
    source = db.session.scalars(
        select(Source)
        .join(Centre, Centre.id == Source.centre_id)
        .where(Centre.slug == "borgen", Source.activity_id.is_not(None), Source.active.is_(True))
        .order_by(Source.id)
    ).first()
    assert source is not None, "the demo has a QR code for an activity"
    return source.id, source.code, service.languages_for(source)


@pytest.fixture(scope="module")
def demo_source(live_server):
    return live_server.run(_demo_source)


def test_poster_prints_one_a4_page_without_the_app(open_page, demo_source, shoot) -> None:
    source_id, _code, languages = demo_source
    assert "ar" in languages
    page = open_page()
    login(page, "staff")
    page.goto(f"/sources/{source_id}")
    page.check("#poster-ar")
    with page.expect_navigation():
        page.click("main form[action$='/poster'] [type=submit]")
    assert "lang=ar" in page.url and "lang=nb" in page.url
    shoot(page, "qr-poster")
    page.emulate_media(media="print")
    assert not page.locator(".poster-tools").is_visible()
    assert page.locator("nav, .navbar, .alert").count() == 0
    assert page.locator(".poster-block[dir=rtl]").count() == 1
    # The short address is on one line, never broken mid-word.
    assert page.evaluate("document.querySelector('.poster-address').getClientRects().length") == 1
    url_box = page.locator(".poster-url").bounding_box()
    assert url_box and url_box["width"] <= page.locator(".poster").bounding_box()["width"]
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the poster printed on {pages} pages"


def test_public_form_in_arabic_mirrors_the_form(open_page, demo_source, shoot) -> None:
    _source_id, code, _languages = demo_source
    visitor = open_page(PHONE)
    visitor.goto(f"/s/{code}?lang=ar")
    assert visitor.locator("[dir=rtl] form").count() == 1
    box = visitor.locator("#consent").bounding_box()
    label = visitor.locator("label[for=consent]").bounding_box()
    assert box and label
    assert box["x"] > label["x"], "in Arabic the checkbox is on the right of its text"
    name_label = visitor.locator("label[for=name]").bounding_box()
    name_input = visitor.locator("#name").bounding_box()
    assert name_label["x"] + name_label["width"] >= name_input["x"] + name_input["width"] - 2
    assert visitor.locator(".navbar-toggler").count() == 0
    assert visitor.locator(".navbar-brand").inner_text() != "rekruttering"
    assert visitor.locator(".privacy-notice a").count() == 1
    shoot(visitor, "signup-arabic", sizes=("phone",))
    with visitor.expect_navigation():
        visitor.click(".privacy-notice a")
    assert "/privacy" in visitor.url
