"""Independent checks of the disclosure rule, used by the tests (not by the app).

``determined`` is plain linear algebra: a hidden cell is fixed by the shown cells and
the totals when removing its column from the system of lines lowers the rank.
``check_alternative`` verifies, without trusting the rule's own search, that a
claimed alternative table agrees with everything an onlooker sees.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rekruttering.analytics.disclosure import Cell

Line = tuple[Sequence[Hashable], Hashable]


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows]
    rank = 0
    for c in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][c] != 0:
                factor = rows[i][c] / rows[rank][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def determined(hidden: Sequence[Hashable], lines: Sequence[Line]) -> list[Hashable]:
    """The hidden cells the lines alone fix (no bounds used)."""
    index = {k: i for i, k in enumerate(hidden)}
    rows: list[list[Fraction]] = []
    for parts, total in lines:
        row = [Fraction(0)] * len(hidden)
        for k in parts:
            if k in index:
                row[index[k]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            rows.append(row)
    full = _rank(rows) if rows else 0
    fixed = []
    for k, i in index.items():
        without = [r[:i] + r[i + 1 :] for r in rows]
        rank_without = _rank(without) if without and without[0] else 0
        if rank_without < full:
            fixed.append(k)
    return fixed


def check_alternative(
    cells: Mapping[Hashable, Cell],
    lines: Sequence[Line],
    key: Hashable,
    other: Mapping[Hashable, int],
) -> list[str]:
    """What is wrong with ``other`` as an alternative for ``key`` (empty: it is one)."""
    problems = []
    if other[key] == cells[key].value:
        problems.append("same value")
    for k, cell in cells.items():
        if not cell.hidden and other[k] != cell.value:
            problems.append(f"shown {k} changed")
        if cell.small and not 0 <= other[k] <= 4:
            problems.append(f"{k} is '<5' but {other[k]}")
        if cell.hidden and not cell.small and other[k] < 5:
            problems.append(f"{k} is 'hidden' but {other[k]}")
    for parts, total in lines:
        real = sum(cells[k].value for k in parts) - cells[total].value
        if sum(other[k] for k in parts) - other[total] != real:
            problems.append(f"line {total} broken")
    return problems


def leaks(cells: Mapping[Hashable, Cell], lines: Sequence[Line]) -> list[str]:
    """Every way the shown table gives something away (empty when the rule holds)."""
    from rekruttering.analytics.disclosure import alternative

    found = []
    for k, cell in cells.items():
        if not cell.hidden and 1 <= cell.value <= 4:
            found.append(f"{k} shows {cell.value}")
        if cell.small and not 0 <= cell.value <= 4:
            found.append(f"{k} says '<5' for {cell.value}")
    hidden = [k for k, c in cells.items() if c.hidden]
    found += [f"{k} follows from the totals" for k in determined(hidden, lines)]
    values = {k: c.value for k, c in cells.items()}
    state = {k: c.hidden_as for k, c in cells.items()}
    for k in hidden:
        other = alternative(values, lines, state, k)
        if other is None:
            found.append(f"{k} has no alternative")
        else:
            found += [f"{k}: {p}" for p in check_alternative(cells, lines, k, other)]
    return found
