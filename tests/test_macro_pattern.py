"""macro_pattern: a row macro's HTML for many rows from one call per steering, and each
row exactly what calling the macro writes (values escaped once, ``replace`` too);
a macro that changes a value or writes it unescaped is called for every row."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template_string

from rekruttering.macro_pattern import macro_pattern

ROWS: list[dict[str, Any]] = [
    {"on": True, "kind": "a", "person_id": 1, "name": "Åse Økland"},
    {"on": False, "kind": "b", "person_id": 22, "name": 'O\'Brien & "Co" <b>'},
    {"on": True, "kind": "a", "person_id": 333, "name": "{name} \ue000"},
    {"on": False, "kind": None, "person_id": None, "name": ""},
    {"on": True, "kind": "b", "person_id": 4, "name": "Markup"},
]

MACRO = """{% set question = _("Undo %(name)s?", name="{name}") %}
{% macro row(on, kind, person_id, name) %}
  <li id="p-{{ person_id }}"{% if not on %} hidden{% endif %}>
    <button data-confirm="{{ question|replace('{name}', name) }}">{{ kind }}</button>
    {% if kind == "a" %}<a href="/p/{{ person_id }}">{{ name }}</a>{% endif %}
    {{ body }}
  </li>
{% endmacro %}
"""


def _render(app: Flask, loop: str, **context: Any) -> str:
    with app.test_request_context("/"):
        return render_template_string(MACRO + loop, rows=ROWS, body="<i>&</i>", **context)


def test_each_row_is_what_the_macro_writes(app: Flask) -> None:
    called = _render(
        app,
        "{% for r in rows %}{{ row(r.on, r.kind, person_id=r.person_id, name=r.name) }}"
        "{% endfor %}",
    )
    patterned = _render(
        app,
        "{% set each = macro_pattern(row, 'person_id', 'name') %}"
        "{% for r in rows %}{{ each(r.on, r.kind, person_id=r.person_id, name=r.name) }}"
        "{% endfor %}",
    )
    assert patterned == called
    assert "O&#39;Brien &amp; &#34;Co&#34; &lt;b&gt;" in patterned
    assert patterned.count("<li") == len(ROWS)


def test_a_markup_value_is_written_as_it_is(app: Flask) -> None:
    from markupsafe import Markup

    rows = [{**r, "name": Markup("<b>bold</b>")} for r in ROWS]
    loop = (
        "{% set each = macro_pattern(row, 'person_id', 'name') %}"
        "{% for r in rows %}{{ each(r.on, r.kind, person_id=r.person_id, name=r.name) }}"
        "{% endfor %}|"
        "{% for r in rows %}{{ row(r.on, r.kind, person_id=r.person_id, name=r.name) }}"
        "{% endfor %}"
    )
    with app.test_request_context("/"):
        patterned, called = render_template_string(MACRO + loop, rows=rows, body="").split("|")
    assert patterned == called
    assert "<b>bold</b>" in patterned


@pytest.mark.parametrize(
    "use",
    [
        "{{ name|lower }}",
        "{{ name|safe }}",
        "{{ name|upper }}",
        "{{ name|urlencode }}",
        "{{ url_for('static', filename=name) }}",
        "{{ name|tojson }}",
    ],
)
def test_a_value_changed_or_unescaped_falls_back_to_calling_the_macro(app: Flask, use: str) -> None:
    with app.test_request_context("/"):
        row = app.jinja_env.from_string(
            "{% macro row(on, name) %}<p>" + use + "</p>{% endmacro %}"
        ).module.row
        each = macro_pattern(row, "name")
        for name in ["Åse", "B&B", "<x>"]:
            assert each(True, name=name) == row(True, name=name)
        assert each._patterns == {(True,): None}  # noqa: SLF001 - the fallback is the point


def test_a_value_only_written_is_put_in(app: Flask) -> None:
    with app.test_request_context("/"):
        row = app.jinja_env.from_string(
            "{% macro row(on, name) %}<p>{% if on %}{{ name }}{% endif %}</p>{% endmacro %}"
        ).module.row
        each = macro_pattern(row, "name")
        assert each(True, name="a&b") == row(True, name="a&b") == "<p>a&amp;b</p>"
        assert each(False, name="a&b") == row(False, name="a&b") == "<p></p>"
        assert each._patterns[(True,)] is not None  # noqa: SLF001
