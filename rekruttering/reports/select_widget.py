"""A select widget that writes its options in one pass: the report filters' selects.

WTForms' ``Select`` builds each ``<option>`` through ``html_params`` (a sorted dict and
a ``Markup.format`` per attribute); the conversion report's filter has one option per
activity (50 at the bench's largest centre) and was ~2 ms of the page. ``PlainSelect``
gives the same markup for the options a report offers (a text value and label, no
attributes of their own, no groups) and leaves anything else to ``Select``.
(A field keeps its type, ``SelectField``, which the templates' macros look at.)
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.fields import Field
from wtforms.widgets import Select, html_params


class PlainSelect(Select):
    """``Select``'s markup, options written directly (``Select`` for anything else)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        choices = list(field.iter_choices())
        if self.multiple or field.has_groups() or not all(_plain(c) for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for key in dir(flags):
            if key in self.validation_attrs and key not in kwargs:
                kwargs[key] = getattr(flags, key)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label, selected, _render_kw in choices:
            # html_params sorts the attributes: "selected" before "value".
            html.append(
                f'<option {"selected " if selected else ""}value="{escape(value)}">'
                f"{escape(label)}</option>"
            )
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - escaped values between fixed tags


def _plain(choice: Any) -> bool:
    """A choice ``Select`` would write as ``<option [selected ]value="…">label</option>``."""
    value, label, selected, render_kw = choice
    return type(value) is str and not render_kw and bool(label) and type(selected) is bool
