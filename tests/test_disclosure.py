"""The disclosure rule for the municipality's figures, as a pure function."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekruttering.analytics.disclosure import (
    Cell,
    Hidden,
    grid_lines,
    protect,
    protect_grid,
    whole_months,
)
from tests.disclosure_checks import determined, leaks


def _with_totals(grid: list[list[int]]) -> list[list[int]]:
    rows = [[*row, sum(row)] for row in grid]
    return [*rows, [sum(col) for col in zip(*rows, strict=True)]]


def _cells(grid: list[list[Cell]]) -> dict[tuple[int, int], Cell]:
    return {(r, c): cell for r, row in enumerate(grid) for c, cell in enumerate(row)}


def test_the_issue_table_no_longer_leaks() -> None:
    """Two centres, four kinds: the old rule said '<5' for 7 and let 4 be worked out."""
    table = _with_totals([[7, 3], [4, 0], [2, 6], [0, 7]])
    grid = protect_grid(table)
    shown = [[str(cell) for cell in row] for row in grid]
    assert leaks(_cells(grid), grid_lines(len(table), 3)) == []
    assert all(
        s != "<5"
        for r, row in enumerate(shown)
        for s, v in zip(row, table[r], strict=True)
        if v >= 5
    )
    assert shown[1][1] == "0"  # zero singles out no one


def test_hidden_to_protect_is_labelled_neutrally() -> None:
    """A 10 hidden only to protect a 3 says 'hidden', not '<5'."""
    grid = protect_grid([[10, 3, 13]], row_totals=True, column_totals=False)
    assert [c.hidden_as for c in grid[0]] == [Hidden.PROTECT, Hidden.SMALL, None]
    assert [str(c) for c in grid[0]] == ["hidden", "<5", "13"]
    assert grid[0][0].label("skjult") == "skjult"


def test_a_bridge_between_two_hidden_blocks_is_found() -> None:
    """Every row and column has two hidden cells, yet one cell follows from the totals."""
    # Rows 0-1 x columns 0-1 and rows 2-3 x columns 2-3 are hidden rectangles; the
    # cell (1, 2) links them. Linear algebra shows it is fixed.
    hidden = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)]
    assert (1, 2) in determined(hidden, grid_lines(5, 5))


def test_whole_months() -> None:
    """Two periods one day apart become the same period."""
    assert whole_months(date(2026, 11, 3), date(2026, 11, 28)) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert whole_months(None, date(2026, 11, 29)) == (None, date(2026, 11, 30))
    assert whole_months(date(2024, 2, 29), date(2024, 2, 2)) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    assert whole_months(None, None) == (None, None)


def test_lines_may_share_cells_across_tables() -> None:
    """A total shared by two tables is hidden in both or in neither."""
    values = {"a": 3, "b": 8, "t": 11, "x": 6, "y": 5}
    lines = [(["a", "b"], "t"), (["x", "y"], "t")]
    cells = protect(values, lines)
    assert cells["a"].small
    assert leaks(cells, lines) == []


counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
tables = st.integers(1, 4).flatmap(
    lambda n_cols: st.lists(
        st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=5
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_random_tables_with_row_and_column_totals(grid: list[list[int]]) -> None:
    """No shown 1-4, no '<5' for 5 or more, no hidden cell recomputable, rows agree with totals."""
    table = _with_totals(grid)
    protected = protect_grid(table)
    cells = _cells(protected)
    lines = grid_lines(len(table), len(table[0]))
    assert leaks(cells, lines) == []
    for row in protected:  # no contradiction between a row and its total
        shown = [c.value for c in row[:-1] if not c.hidden]
        if not row[-1].hidden:
            assert sum(shown) <= row[-1].value
            if len(shown) == len(row) - 1:
                assert sum(shown) == row[-1].value


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.integers(1, 3))
def test_two_tables_sharing_their_totals(first: list[list[int]], merge: int) -> None:
    """The same people by two attributions share the column totals: protected together."""
    # The second table counts the same people in coarser groups (rows merged).
    second = [
        [sum(col) for col in zip(*first[i : i + merge], strict=True)]
        for i in range(0, len(first), merge)
    ]
    n_cols = len(first[0])
    totals = [sum(col) for col in zip(*first, strict=True)]
    values: dict = {("total", c): total for c, total in enumerate(totals)}
    values[("total", "sum")] = sum(totals)
    lines: list = [([("total", c) for c in range(n_cols)], ("total", "sum"))]
    for name, table in (("a", first), ("b", second)):
        for r, row in enumerate(table):
            for c, v in enumerate(row):
                values[(name, r, c)] = v
            values[(name, r, "sum")] = sum(row)
            lines.append(([(name, r, c) for c in range(n_cols)], (name, r, "sum")))
        for c in [*range(n_cols), "sum"]:
            lines.append(([(name, r, c) for r in range(len(table))], ("total", c)))
    cells = protect(values, lines)
    assert leaks(cells, lines) == []
