"""PlainSelect gives WTForms' Select markup, and leaves what it does not write to Select."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.validators import DataRequired
from wtforms.widgets import Select

from rekruttering.reports.select_widget import PlainSelect

CHOICES: list[Any] = [
    ("", _l("All activities")),
    ("1", "Språkkafé"),
    ("2", 'Quotes " and <tags> & ampersands'),
    ("3", "Ünïcødé ✓"),
    ("x y", "a value with a space"),
]


def _form(choices: list[Any], data: Any = None, required: bool = False) -> Any:
    class F(Form):
        plain = SelectField(
            "Plain",
            choices=choices,
            widget=PlainSelect(),
            validators=[DataRequired()] if required else [],
        )
        wtforms = SelectField(
            "WTForms",
            choices=choices,
            widget=Select(),
            validators=[DataRequired()] if required else [],
        )

    return F(data={"plain": data, "wtforms": data})


def _same(form: Any, **kwargs: Any) -> str:
    plain = str(form.plain(**kwargs)).replace('name="plain"', "").replace('id="plain"', "")
    wtforms = str(form.wtforms(**kwargs)).replace('name="wtforms"', "").replace('id="wtforms"', "")
    assert plain == wtforms
    return plain


@pytest.mark.parametrize("selected", [None, "", "1", "2", "x y", "missing"])
@pytest.mark.parametrize("locale", ["nb", "en"])
def test_the_same_markup_as_wtforms_select(app: Any, selected: str | None, locale: str) -> None:
    with app.test_request_context(), force_locale(locale):
        html = _same(_form(CHOICES, selected), class_="form-select is-invalid")
    assert html.count("<option") == len(CHOICES)
    assert "&lt;tags&gt;" in html and "<tags>" not in html
    if selected in ("1", "2", "x y"):
        assert html.count("selected") == 1


def test_the_options_are_written_without_select(app: Any, monkeypatch: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("Select.render_option called")

    monkeypatch.setattr(Select, "render_option", refuse)
    with app.test_request_context():
        html = str(_form(CHOICES, "1").plain())
    assert html.startswith('<select id="plain" name="plain">')
    assert '<option selected value="1">Språkkafé</option>' in html


def test_flags_and_attributes_as_wtforms_select(app: Any) -> None:
    with app.test_request_context():
        html = _same(_form(CHOICES, "1", required=True), data_x='a "b"', disabled=False)
    assert "required" in html


@pytest.mark.filterwarnings("ignore:Passing SelectField choices in a dict:DeprecationWarning")
@pytest.mark.parametrize(
    "choices",
    [
        [("1", "One", {"data-kind": "x"}), ("2", "Two")],  # an option's own attributes
        [("1", ""), ("2", "Two")],  # an empty label
        [(1, "One"), (2, "Two")],  # values that are not text
        {"Group": [("1", "One")], "Other": [("2", "Two")]},  # option groups
    ],
)
def test_what_it_does_not_write_is_left_to_wtforms(app: Any, choices: Any) -> None:
    with app.test_request_context():
        _same(_form(choices, "1"))
