"""A filter select's ``<option>`` elements, written in Python: ``{{ options(rows, chosen) }}``.

The people list's filter form offers every activity of the centre (50 at the bench's
largest), its channels, partners and languages, and Jinja wrote each option through a
loop, a test and two escapes (docs/performance.md). This writes the markup the loops
``{% for x in rows %}<option value="{{ x.id }}" {% if chosen == x.id %}selected{% endif
%}>{{ x.name }}</option>{% endfor %}`` wrote, byte for byte (the space before ``>``
included).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape


def options(choices: Iterable[tuple[Any, Any]], chosen: Any) -> Markup:
    """``<option value="…" [selected]>label</option>`` for each (value, label), with no
    separator; the option whose value equals ``chosen`` (``==``, as the template's
    test) is selected."""
    html = [
        f'<option value="{escape(value)}" {"selected" if chosen == value else ""}>'
        f"{escape(label)}</option>"
        for value, label in choices
    ]
    return Markup("".join(html))  # noqa: S704 - every value escaped between fixed tags
