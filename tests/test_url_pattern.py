"""templating.url_pattern: a list's per-row URLs are built once per page, and each is
exactly the URL ``url_for`` makes (None left out, query order kept, text quoted)."""

from __future__ import annotations

import re
from enum import Enum

import pytest
from flask import Flask, render_template_string, url_for

from rekruttering.templating import page_urls, url_pattern, url_with


class Kind(str, Enum):  # noqa: UP042 - its str() is not its value: url_for is asked
    A = "participant"


ROWS = [
    {"person_id": 5, "activity_id": 7, "role": "participant", "follow_up_id": 9},
    {"person_id": 5, "activity_id": None, "role": "volunteer", "follow_up_id": 9},
    {"person_id": 0, "activity_id": 1_987_654_321, "role": "a b&c", "follow_up_id": 2},
    {"person_id": 3, "activity_id": 4, "role": Kind.A, "follow_up_id": 1},
    {"person_id": 3, "activity_id": True, "role": "", "follow_up_id": 1},
]


@pytest.mark.parametrize("row", ROWS)
def test_the_url_of_each_row_is_url_fors(app: Flask, row: dict) -> None:
    with app.test_request_context("/"):
        queue = url_for("outreach.follow_up")
        pattern = url_pattern(
            "outreach.log_contact",
            person_id="*",
            activity_id="*",
            role="*",
            follow_up_id="*",
            next=queue,
        )
        assert pattern(**row) == url_for("outreach.log_contact", **row, next=queue)


def test_a_path_value_and_a_template(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string(
            "{% set to = url_pattern('people.detail', person_id='*') %}"
            "{% for i in ids %}{{ to(person_id=i) }} {% endfor %}",
            ids=[1, 22, 333],
        )
        assert html.split() == [url_for("people.detail", person_id=i) for i in (1, 22, 333)]


def test_a_fixed_value_holding_the_placeholder_falls_back(app: Flask) -> None:
    with app.test_request_context("/"):
        pattern = url_pattern("people.detail", person_id="*", q="1987654321")
        assert pattern.parts is None
        assert pattern(person_id=4) == url_for("people.detail", person_id=4, q="1987654321")


QUERIES = [
    "",
    "q=Haug",
    "q=Haug&page=3",
    "page=2&q=%C3%A5se&sort=name",
    "q=*",  # the row placeholder itself, as a fixed value
    "q=1987654321&page=4",  # the URL placeholder in a fixed value: url_for each time
    "q=a+b%26c%2F%25&activity_id=7",
    "page=x",
]


@pytest.mark.parametrize("query", QUERIES)
def test_page_urls_are_url_with(app: Flask, query: str) -> None:
    with app.test_request_context(f"/people/?{query}"):
        to_page = page_urls()
        for n in (1, 2, 10, 11, 123):
            assert to_page(page=n) == url_with(page=n)


class _Pages:
    """What the pagination macro reads of a page: 20 pages, at the 10th."""

    page, pages, has_prev, has_next, prev_num, next_num = 10, 20, True, True, 9, 11

    def iter_pages(self, **_kw: int) -> list[int | None]:
        return [1, None, 8, 9, 10, 11, 12, None, 20]


def test_the_pagination_builds_one_url(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight page links and the previous and next: one ``url_for`` (``page_urls``), each
    link the URL ``url_with`` makes."""
    from rekruttering import templating

    built: list[str] = []

    def counting(endpoint: str, **values: object) -> str:
        built.append(endpoint)
        return url_for(endpoint, **values)

    with app.test_request_context("/people/?q=Haug&page=10"):
        expected = [url_with(page=n) for n in (9, 1, 8, 9, 10, 11, 12, 20, 11)]
        monkeypatch.setattr(templating, "url_for", counting)
        html = render_template_string(
            '{% from "_macros.html" import pagination %}{{ pagination(page) }}', page=_Pages()
        )
    assert built == ["people.index"]
    assert re.findall(r'href="([^"#]+)"', html) == [u.replace("&", "&amp;") for u in expected]
