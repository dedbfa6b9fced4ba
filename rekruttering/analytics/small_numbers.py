"""Small numbers, honestly: when a rate is too uncertain to judge, and suppression.

Two rules, both plain enough to explain to a board:

* **Too few to judge** (the manager's report): a rate is not shown as a confident
  percentage when fewer than ``MIN_TRIALS`` people are behind it, or when its 95 %
  Wilson interval is wider than ``MAX_WIDTH`` (50 percentage points). At a rate near
  50 % the second rule holds up to 11 people; at 0 % or 100 % the first one decides.
* **Fewer than five** (what the municipality sees): a count between 1 and
  ``SUPPRESS_BELOW - 1`` is replaced by "<5", and so is a second cell in the same row
  or column when the hidden one could otherwise be worked out by subtraction from a
  total (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from rekruttering.analytics.intervals import wilson_interval

#: Below this many people a rate is "too few to judge".
MIN_TRIALS = 10
#: A 95 % interval wider than this (as a share, 0.5 = 50 points) is too few to judge.
MAX_WIDTH = 0.5
#: Counts from 1 to SUPPRESS_BELOW - 1 are hidden in cross-centre reports.
SUPPRESS_BELOW = 5


def too_few_to_judge(
    successes: int,
    trials: int,
    confidence: float = 0.95,
    min_trials: int = MIN_TRIALS,
    max_width: float = MAX_WIDTH,
) -> bool:
    """True when the rate should be shown as "too few to judge" (or "no data")."""
    if trials < min_trials:
        return True
    low, high = wilson_interval(successes, trials, confidence)
    return high - low > max_width


def is_suppressed(count: int, threshold: int = SUPPRESS_BELOW) -> bool:
    """A count that would single out fewer than ``threshold`` people (0 is safe)."""
    return 0 < count < threshold


@dataclass(frozen=True)
class Cell:
    """A count that may be shown, or hidden as "<5"."""

    value: int
    hidden: bool

    def __str__(self) -> str:
        return f"<{SUPPRESS_BELOW}" if self.hidden else str(self.value)


def suppress(
    values: Mapping[Hashable, int],
    lines: Sequence[tuple[Sequence[Hashable], Hashable]],
    threshold: int = SUPPRESS_BELOW,
) -> dict[Hashable, Cell]:
    """Hide small counts, and whatever would reveal them by subtraction.

    ``values`` are named counts; each line is ``(parts, total)``: cells whose sum is
    (at most) the total cell. Primary suppression hides every count from 1 to
    threshold - 1. Then, in each line, a single hidden part next to a shown total
    could be recovered as the total minus the other parts, so the smallest other
    non-zero part is hidden too (or the total, when there is no such part). This
    repeats until nothing changes, so tables that share cells stay consistent.
    """
    hidden = {key: is_suppressed(value, threshold) for key, value in values.items()}
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            hidden_parts = [p for p in parts if hidden[p]]
            if len(hidden_parts) != 1 or hidden[total]:
                continue
            candidates = [p for p in parts if not hidden[p] and values[p] > 0]
            chosen = min(candidates, key=lambda p: (values[p], str(p))) if candidates else total
            hidden[chosen] = True
            changed = True
    return {key: Cell(values[key], hidden[key]) for key in values}


def suppress_grid(
    grid: Sequence[Sequence[int]],
    row_totals: bool = True,
    column_totals: bool = False,
    threshold: int = SUPPRESS_BELOW,
) -> list[list[Cell]]:
    """``suppress`` for a table: with ``row_totals`` the last column holds each row's
    total; with ``column_totals`` the last row holds each column's total."""
    if not grid:
        return []
    n_rows, n_cols = len(grid), len(grid[0])
    values = {(r, c): int(grid[r][c]) for r in range(n_rows) for c in range(n_cols)}
    lines: list[tuple[list[Hashable], Hashable]] = []
    if row_totals and n_cols > 1:
        lines += [([(r, c) for c in range(n_cols - 1)], (r, n_cols - 1)) for r in range(n_rows)]
    if column_totals and n_rows > 1:
        lines += [([(r, c) for r in range(n_rows - 1)], (n_rows - 1, c)) for c in range(n_cols)]
    cells = suppress(values, lines, threshold)
    return [[cells[(r, c)] for c in range(n_cols)] for r in range(n_rows)]
