"""The municipality page's rows of counts: one call a row gives what a call a cell gave."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from rekruttering.analytics.disclosure import Cell, Hidden
from rekruttering.reports.cells import disclosed_cells, disclosed_count

ROW = {
    3: Cell(0),
    1: Cell(1234567),
    "sum": Cell(1234567),
    2: Cell(3, Hidden.SMALL),
    7: Cell(12, Hidden.PROTECT),
    9: Cell(5),
    8: Cell(0),
}


@pytest.mark.parametrize("locale", ["nb", "en_GB"])
@pytest.mark.parametrize("hidden_word", ["hidden", "skjult", Markup("<i>x</i>"), "<b>&</b>"])
def test_a_row_is_its_cells_in_the_order_of_the_columns(
    app: Any, locale: str, hidden_word: str
) -> None:
    columns = [1, 2, 3, 7, 8, 9, "sum"]
    with app.test_request_context(), force_locale(locale):
        expected = "".join(
            f'<td class="text-end">{disclosed_count(ROW[c], hidden_word)}</td>' for c in columns
        )
        got = disclosed_cells(ROW, columns, hidden_word)
    assert isinstance(got, Markup)
    assert str(got) == expected
    assert got.count("<td") == len(columns)


def test_an_empty_row_is_empty(app: Any) -> None:
    with app.test_request_context():
        assert disclosed_cells({}, [], "hidden") == Markup("")


#: The macro ``rate_details`` replaced (reports/_report.html before branch conv6).
RATE_DETAILS_MACRO = """{% macro rate_details(funnel, rate_labels, main_rate) %}
  <details class="rate-details">
    <summary class="small">{{ _("Show") }}</summary>
    <dl class="small mb-0 mt-1">
      {% for key, r in funnel.rates() if key != main_rate %}
        <dt class="fw-normal text-body-secondary">{{ rate_labels[key] }}</dt><dd class="mb-1">{{ report_rate_cell(r) }}</dd>
      {% endfor %}
    </dl>
  </details>
{% endmacro %}"""


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize(
    "counts", [(0, 0, 0, 0), (3, 2, 1, 0), (400, 350, 200, 120), (12345, 9000, 8000, 0)]
)
@pytest.mark.parametrize("main_rate", ["heard_to_showed_up", "heard_to_asked"])
def test_rate_details_as_the_macro_gave_them(
    app: Any, locale: str, counts: tuple[int, int, int, int], main_rate: str
) -> None:
    from rekruttering.reports.cells import rate_details
    from rekruttering.reports.conversion import Funnel
    from rekruttering.reports.labels import RATE_LABELS

    funnel = Funnel(*counts)
    with app.test_request_context(), force_locale(locale):
        macro = app.jinja_env.from_string(RATE_DETAILS_MACRO).module.rate_details
        expected = str(macro(funnel, RATE_LABELS, main_rate))
        got = rate_details(funnel, RATE_LABELS, main_rate)
    assert isinstance(got, Markup)
    assert str(got) == expected
    assert got.count("<dt") == 4
