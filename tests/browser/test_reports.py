"""The reports: conversion by channel (charts with text), the funder export, and the
municipality's view across centres (totals, never names)."""

from __future__ import annotations

import pytest

from tests.browser import data
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

CHART_TEXT = """() => Array.from(document.querySelectorAll('main svg')).filter(svg => {
  if (svg.parentElement.closest('svg')) return false;
  const box = svg.getBoundingClientRect();
  if (box.width <= 48 && box.height <= 48) return false;  // an icon, not a chart
  const text = svg.querySelector(':scope > title, :scope > desc') || svg.getAttribute('aria-label')
    || svg.getAttribute('aria-labelledby');
  const figure = svg.closest('figure');
  return !(text || (figure && figure.querySelector('table, figcaption')));
}).length"""


@pytest.fixture(scope="module")
def report_people(live_server):
    return live_server.run(data.report_data)


def test_conversion_report_has_charts_with_text_and_tables(page, live_server, report_people, shoot):
    """The manager reads conversion by channel: tables, and every chart has a text equivalent."""
    login(page, "admin")
    page.goto("/reports/")
    main = page.locator("main")
    assert main.locator("table").count() >= 1
    text = main.inner_text()
    assert "Facebook" in text and "Plakat" in text
    assert page.locator("main svg").count() >= 1, "the report draws no chart"
    assert page.evaluate(CHART_TEXT) == 0, "a chart has no text equivalent"
    shoot(page, "conversion-report")


def test_funder_report_and_excel_download(page, live_server, report_people, shoot):
    """The funder report shows and its Excel file downloads (a real .xlsx, a zip)."""
    login(page, "admin")
    page.goto("/reports/funder")
    shoot(page, "funder-report")
    with page.expect_download() as download:
        page.locator("main a[href*='funder.xlsx']").first.click()
    path = download.value.path()
    with open(path, "rb") as file:
        assert file.read(2) == b"PK"


def test_municipality_sees_totals_across_centres_and_no_names(
    page, live_server, report_people, shoot
):
    """The municipality sees both centres side by side, and not one person's name."""
    login(page, "municipality")
    page.goto("/reports/municipality")
    text = page.locator("main").inner_text()
    assert "Borgen" in text and "Heggedal" in text
    assert not any(name in page.content() for name in report_people)
    assert page.evaluate(CHART_TEXT) == 0
    shoot(page, "municipality-report")
