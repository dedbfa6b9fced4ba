"""The accessibility checker itself finds what it should (so a pass means something)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import A11Y_SCRIPT

pytestmark = pytest.mark.browser

BAD = """<!doctype html><html lang="nb">
<head><title>Check-in<script src="/static/checkin.js"></script> · rekruttering</title></head><body>
<h1>One</h1><h1>Two</h1>
<main>
<form><input name="q"><select name="s"><option>a</option></select>
<label for="ok">Ok</label><input id="ok" name="ok"><input aria-label="Named" name="n">
<input type="hidden" name="csrf_token"><button type="submit"></button></form>
<svg width="300" height="200"><rect width="300" height="200"></rect></svg>
<svg width="300" height="200" role="img" aria-label="Conversion by channel"><rect></rect></svg>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""

GOOD = """<!doctype html><html lang="nb"><head><title>Report · rekruttering</title></head>
<body><main><h1>Report</h1>
<figure><svg width="300" height="200" aria-hidden="true"><rect></rect></svg>
<table><tr><th>Channel</th><td>3</td></tr></table></figure>
<label>Search <input name="q"></label><button type="submit">Search</button>
</main></body></html>"""


def test_checker_reports_missing_labels_h1_chart_text_alt_and_button_names(browser):
    """A page with unlabelled fields, two h1, a bare chart, an image without alt and markup
    in its title is caught."""
    page = browser.new_page()
    try:
        page.set_content(BAD)
        page.add_script_tag(path=str(A11Y_SCRIPT))
        problems = page.evaluate("window.__a11yCheck()")
    finally:
        page.close()
    text = "\n".join(problems)
    assert text.count("form field without a label") == 2
    assert "expected exactly one h1, found 2" in text
    assert text.count("chart (svg) without a text equivalent") == 1
    assert "image without alt" in text
    assert "button without a name" in text
    assert "markup in the page title: Check-in<script" in text


def test_checker_reports_a_page_without_a_title(browser):
    page = browser.new_page()
    try:
        page.set_content(GOOD.replace("<title>Report · rekruttering</title>", ""))
        page.add_script_tag(path=str(A11Y_SCRIPT))
        assert page.evaluate("window.__a11yCheck()") == ["the page has no title"]
    finally:
        page.close()


def test_checker_accepts_labelled_fields_and_a_chart_with_a_table(browser):
    """A wrapped label, one h1 and an aria-hidden chart with a data table pass."""
    page = browser.new_page()
    try:
        page.set_content(GOOD)
        page.add_script_tag(path=str(A11Y_SCRIPT))
        assert page.evaluate("window.__a11yCheck()") == []
    finally:
        page.close()
