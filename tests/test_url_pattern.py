"""templating.url_pattern: a list's per-row URLs are built once per page, and each is
exactly the URL ``url_for`` makes (None left out, query order kept, text quoted)."""

from __future__ import annotations

from enum import Enum

import pytest
from flask import Flask, render_template_string, url_for

from rekruttering.templating import url_pattern


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
