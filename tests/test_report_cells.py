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
