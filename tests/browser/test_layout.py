"""Nothing is cut off: at phone width (390 px) no list page is wider than the screen, and
the conversion table fits a 1366 px laptop. Wide tables stack into cards on a phone
(the ``table-stack`` pattern in static/app.css)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, login

pytestmark = pytest.mark.browser

#: (role, path): the main list pages of each role.
LIST_PAGES = [
    ("admin", "/follow-up"),
    ("admin", "/people/"),
    ("admin", "/activities/"),
    ("admin", "/reminders/"),
    ("admin", "/reminders/outbox"),
    ("admin", "/referrals"),
    ("admin", "/partners/"),
    ("admin", "/sources/"),
    ("admin", "/reports/"),
    ("admin", "/reports/volunteers"),
    ("admin", "/channels/"),
    ("admin", "/privacy/retention"),
    ("admin", "/privacy/audit"),
    ("admin", "/users"),
    ("admin", "/devices"),
    ("admin", "/api-tokens/"),
    ("partner", "/partner/"),
    ("municipality", "/reports/municipality"),
]

#: How far the page is wider than the window, and which elements stick out.
OVERFLOW = """() => {
  const doc = document.documentElement;
  // Visually hidden text (a stacked table's headings, screen-reader labels) is clipped.
  const clipped = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.clipPath !== 'none' || style.clip.startsWith('rect')) return true;
    }
    return false;
  };
  const wide = Array.from(document.querySelectorAll('main *')).filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > doc.clientWidth + 1
      && !el.closest('.chart-scroll') && !clipped(el);
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + (el.className || '')
    + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""


def _fits(page) -> dict:
    return page.evaluate(OVERFLOW)


@pytest.mark.parametrize("role", sorted({role for role, _ in LIST_PAGES}))
def test_no_list_page_is_wider_than_a_phone(open_page, role) -> None:
    page = open_page(PHONE)
    login(page, role)
    problems = []
    for page_role, path in LIST_PAGES:
        if page_role != role:
            continue
        page.goto(path)
        found = _fits(page)
        if found["scroll"] > found["client"] or found["wide"]:
            problems.append(f"{path}: {found}")
    assert not problems, "\n".join(problems)


def test_conversion_table_fits_a_laptop(open_page) -> None:
    page = open_page({"width": 1366, "height": 768})
    login(page, "admin")
    page.goto("/reports/")
    found = _fits(page)
    assert found["scroll"] <= found["client"] and not found["wide"], found
    # Secondary rates are one click away, not gone.
    details = page.locator("main table details, main details.rate-details")
    assert details.count() >= 1
