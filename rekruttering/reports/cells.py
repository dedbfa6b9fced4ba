"""Table cells the report pages show hundreds of, made in Python (a Jinja macro call cost
more than the cell): a share with its likely range, and a count under the disclosure rule.

Both give the markup the macros gave; the page's words come from the same messages.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Protocol

from flask_babel import gettext as _
from markupsafe import Markup, escape

from rekruttering import number_format
from rekruttering.analytics import Rate
from rekruttering.analytics.disclosure import SMALL_BELOW, Cell


def rate_cell(r: Rate) -> Markup:
    """A share with its 95 % range, "too few to judge" with the counts, or "no data"."""
    if r.empty:
        return Markup('<span class="text-body-secondary">%s</span>') % _("no data")
    if r.too_few:
        return Markup(
            '<span class="rate-too-few">%d/%d</span>\n'
            '    <span class="badge text-bg-light border">%s</span>'
        ) % (r.successes, r.trials, _("too few to judge"))
    locale = number_format.current_locale()
    share, low, high = (
        number_format.percent(value, 0, locale) for value in (r.proportion, r.low, r.high)
    )
    return Markup(
        "<strong>%s</strong>\n"
        '    <span class="small text-body-secondary text-nowrap">(%s–%s)</span>'
    ) % (share, low, high)


class HasRates(Protocol):
    def rates(self) -> list[tuple[str, Rate]]: ...


#: ``rate_details``' markup, as the macro of that name in reports/_report.html gave it.
_DETAILS_HEAD = (
    '  <details class="rate-details">\n'
    '    <summary class="small">%s</summary>\n'
    '    <dl class="small mb-0 mt-1">\n'
)
_DETAILS_ROW = '        <dt class="fw-normal text-body-secondary">%s</dt><dd class="mb-1">%s</dd>\n'
_DETAILS_FOOT = "    </dl>\n  </details>\n"


def rate_details(funnel: HasRates, rate_labels: Mapping[str, Any], main_rate: str) -> Markup:
    """A funnel's other rates, one click away: a ``<details>`` list of each rate but
    ``main_rate`` with its label and ``rate_cell`` (one a row of the conversion table)."""
    parts = [Markup(_DETAILS_HEAD) % Markup(_("Show"))]  # noqa: S704 - fixed markup
    for key, r in funnel.rates():
        if key != main_rate:
            # A lazy label is markup to Jinja (its __html__ is its text), so here too.
            label = Markup(str(rate_labels[key]))  # noqa: S704 - the catalogue's own text
            parts.append(Markup(_DETAILS_ROW) % (label, rate_cell(r)))  # noqa: S704
    parts.append(Markup(_DETAILS_FOOT))  # noqa: S704 - fixed markup
    return Markup("").join(parts)


def disclosed_count(cell: Cell, hidden_word: str) -> Markup:
    """A count the municipality sees: the number, "<5", or ``hidden_word`` greyed (one a
    centre and row: 800 at 50 centres)."""
    if cell.small:
        return Markup("&lt;%d") % SMALL_BELOW
    if cell.hidden:
        return Markup('<span class="text-body-secondary">%s</span>') % hidden_word
    return escape(number_format.number(cell.value))


def disclosed_cells(
    row: Mapping[Hashable, Cell], columns: Iterable[Hashable], hidden_word: str
) -> Markup:
    """A table row's counts (``row``'s cells in the order of ``columns``), each in its
    ``<td class="text-end">`` with what ``disclosed_count`` gives it, in one call: the
    municipality page has 16 rows of up to 51 cells, and a filter call, an escape and a
    ``Markup`` a cell were most of its rendering."""
    # Each distinct cell made once (a row repeats many: zeros, "<5", the hidden word).
    made: dict[tuple[int, object], str] = {}
    parts = []
    for column in columns:
        cell = row[column]
        key = (cell.value, cell.hidden_as)
        part = made.get(key)
        if part is None:
            part = made[key] = f'<td class="text-end">{disclosed_count(cell, hidden_word)}</td>'
        parts.append(part)
    return Markup("".join(parts))  # noqa: S704 - fixed tags around the cells' own markup
