"""The disclosure rule for every figure the municipality sees (pure: no Flask, no database).

The rule, in one sentence: *a count from 1 to 4 is hidden and shown as "<5"; other
counts are hidden, and shown as "hidden", wherever they would let someone work a
hidden count out from the totals; and periods are whole months.*

How it is applied, following what statistics offices do (Statistics Norway, Eurostat,
the ESSnet handbook on statistical disclosure control):

* **Primary suppression.** Counts 1-4 single out a handful of people: hidden, "<5".
  Zero is shown (it singles out no one).
* **Secondary (complementary) suppression.** A table comes with *lines*: cells whose
  parts add up to a total (a row and its row total, a column and its column total, the
  centres and "all centres"). Knowing the shown cells and every line, a hidden cell is
  *recomputable* when no other table agrees with everything shown. We hide further
  cells until each hidden cell has a *feasible alternative*: another table of whole
  numbers that agrees with every shown cell, every line and every label ("<5" means
  fewer than five; "hidden" means 5 or more) in which that cell has another value.
  Zeros are shown (they single out no one) unless nothing else is left to hide: then
  a zero is shown as "<5" too, which is why "<5" is read as 0-4.
  Those cells are labelled neutrally ("hidden"), never "<5", so the label tells
  nothing about their size.
* **The same pattern in every view.** Callers put every figure that can be shown for
  one period (a page's tables, the other attribution's tables, exports) into one call,
  so a cell is hidden in all of them or in none.
* **Whole periods.** ``whole_months`` widens a period to whole months, so two
  periods one day apart give the same figures and their difference singles out no one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: Counts from 1 to SMALL_BELOW - 1 are hidden.
SMALL_BELOW = 5

#: A line: (parts, total). The parts add up to the total (or differ from it by a
#: known amount, e.g. when a person may count under two kinds): both are treated as
#: public knowledge, which protects at least as much.
Line = tuple[Sequence[Hashable], Hashable]


class Hidden(StrEnum):
    """Why a cell is hidden."""

    SMALL = "small"  # a count from 1 to 4: "<5"
    PROTECT = "protect"  # hidden to protect another cell: "hidden"


@dataclass(frozen=True)
class Cell:
    """A count, and why it is hidden (None: shown)."""

    value: int
    hidden_as: Hidden | None = None

    @property
    def hidden(self) -> bool:
        return self.hidden_as is not None

    @property
    def small(self) -> bool:
        return self.hidden_as == Hidden.SMALL

    def label(self, hidden_word: str = "hidden") -> str:
        """What is shown: the number, "<5", or the neutral word for a protecting cell."""
        if self.hidden_as == Hidden.SMALL:
            return f"<{SMALL_BELOW}"
        if self.hidden_as == Hidden.PROTECT:
            return hidden_word
        return str(self.value)

    def __str__(self) -> str:
        return self.label()


def is_small(count: int) -> bool:
    """A count that would single out fewer than five people (0 singles out no one)."""
    return 0 < count < SMALL_BELOW


def whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """The period widened to whole months: the first of start's month to the last of end's."""
    first = start.replace(day=1) if start else None
    last = None
    if end:
        following = (end.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = following - timedelta(days=1)
    return first, last


def protect(values: Mapping[Hashable, int], lines: Sequence[Line]) -> dict[Hashable, Cell]:
    """Apply the rule: primary suppression, then hide more until nothing is recomputable."""
    state: dict[Hashable, Hidden | None] = {
        key: Hidden.SMALL if is_small(value) else None for key, value in values.items()
    }
    lines_of: dict[Hashable, list[int]] = {key: [] for key in values}
    for index, (parts, total) in enumerate(lines):
        for key in [*parts, total]:
            lines_of[key].append(index)
    # Hiding one more cell only adds freedom, so a cell with an alternative keeps it.
    safe: set[Hashable] = set()
    while True:
        exposed = None
        search = _Search(values, lines, state)
        for key in sorted(values, key=str):
            if state[key] is None or key in safe:
                continue
            if search.alternative(key) is None:
                exposed = key
                break
            safe.add(key)
        if exposed is None:
            break
        partner = _partner_for(exposed, values, lines, lines_of, state)
        if partner is not None:
            state[partner] = Hidden.PROTECT  # shown cells are 0 or 5 and more
            continue
        # Every non-zero cell around it is hidden already: hide a zero as "<5".
        zero = _partner_for(exposed, values, lines, lines_of, state, zeros=True)
        if zero is None:
            break  # the whole table is hidden
        state[zero] = Hidden.SMALL
    return {key: Cell(values[key], state[key]) for key in values}


def _partner_for(
    exposed: Hashable,
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    lines_of: Mapping[Hashable, list[int]],
    state: Mapping[Hashable, Hidden | None],
    zeros: bool = False,
) -> Hashable | None:
    """The shown cell to hide next to protect ``exposed``: in a line through it, a part
    rather than a total, the smallest; further out when its lines are spent. Zeros are
    hidden only with ``zeros`` (the last resort: a "<5" that may be 0 leaves room)."""
    seen_lines: set[int] = set()
    frontier = [exposed]
    seen_cells = {exposed}
    while frontier:
        candidates: list[tuple[bool, int, str, Hashable]] = []
        next_frontier: list[Hashable] = []
        for cell in frontier:
            for index in lines_of[cell]:
                if index in seen_lines:
                    continue
                seen_lines.add(index)
                parts, total = lines[index]
                for key in [*parts, total]:
                    if state[key] is None and (values[key] > 0) != zeros:
                        is_total = key == total
                        candidates.append((is_total, values[key], str(key), key))
                    elif state[key] is not None and key not in seen_cells:
                        seen_cells.add(key)  # hidden: look at its lines next
                        next_frontier.append(key)
        if candidates:
            return min(candidates)[-1]
        frontier = next_frontier
    return None


# -- recomputability ------------------------------------------------------------------

#: How many steps the search for an alternative table may take before it gives up
#: (giving up counts as "recomputable", so the rule then hides more: the safe side).
SEARCH_BUDGET = 20_000


def _fits(value: int, hidden_as: Hidden | None) -> bool:
    """Whether an onlooker would believe ``value`` behind the label: "<5" is fewer than
    five (a zero may be hidden as "<5" too, see ``protect``), and "hidden" is 5 or more
    (zeros and 1-4 are never labelled "hidden")."""
    if hidden_as == Hidden.SMALL:
        return 0 <= value < SMALL_BELOW
    return value >= SMALL_BELOW


def alternative(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    state: Mapping[Hashable, Hidden | None],
    key: Hashable,
) -> dict[Hashable, int] | None:
    """Another table that agrees with everything shown and differs in ``key``, or None.

    It keeps every shown cell, every line's sum and every label's range ("<5": 0-4;
    "hidden": 5 or more), so an onlooker cannot tell it from the real one.
    """
    return _Search(values, lines, state).alternative(key)


class _Search:
    """The search for alternative tables over one pattern of hidden cells.

    It moves a hidden cell by one and repairs each line that unbalances by moving
    another hidden cell of that line, depth first, the line with the fewest choices
    first; each cell moves at most once, and a step budget bounds the work.
    """

    def __init__(
        self,
        values: Mapping[Hashable, int],
        lines: Sequence[Line],
        state: Mapping[Hashable, Hidden | None],
    ) -> None:
        self.values = values
        self.state = state
        #: per line: its hidden cells with +1 (a part) or -1 (the total)
        self.members: list[list[tuple[Hashable, int]]] = []
        self.lines_of: dict[Hashable, list[tuple[int, int]]] = {}
        for index, (parts, total) in enumerate(lines):
            members = [(k, 1) for k in parts if state[k] is not None]
            if state[total] is not None:
                members.append((total, -1))
            self.members.append(members)
            for k, sign in members:
                self.lines_of.setdefault(k, []).append((index, sign))

    def fits(self, key: Hashable, change: int) -> bool:
        return _fits(self.values[key] + change, self.state[key])

    def alternative(self, key: Hashable) -> dict[Hashable, int] | None:
        if self.state[key] is None:
            return None
        for direction in (1, -1):
            if not self.fits(key, direction):
                continue
            found = self._repair(key, direction)
            if found is not None:
                return {k: self.values[k] + found.get(k, 0) for k in self.values}
        return None

    def _repair(self, key: Hashable, direction: int) -> dict[Hashable, int] | None:
        delta: dict[Hashable, int] = {}
        off: dict[int, int] = {}
        budget = [SEARCH_BUDGET]
        dead_ends: set[frozenset[tuple[Hashable, int]]] = set()

        def move(k: Hashable, change: int) -> None:
            delta[k] = change
            for index, sign in self.lines_of.get(k, ()):
                total = off.get(index, 0) + sign * change
                if total:
                    off[index] = total
                else:
                    off.pop(index, None)

        def undo(k: Hashable) -> None:
            change = delta.pop(k)
            for index, sign in self.lines_of.get(k, ()):
                total = off.get(index, 0) - sign * change
                if total:
                    off[index] = total
                else:
                    off.pop(index, None)

        def choices(index: int) -> list[tuple[Hashable, int]]:
            need = off[index]
            found = []
            for k, sign in self.members[index]:
                if k in delta:
                    continue
                change = -need * sign
                if self.fits(k, change):
                    found.append((k, change))
            return found

        def search() -> bool:
            if not off:
                return True
            budget[0] -= 1
            if budget[0] < 0:
                return False
            seen = frozenset(delta.items())
            if seen in dead_ends:
                return False
            options = min((choices(index) for index in off), key=len)
            for k, change in options:
                move(k, change)
                if search():
                    return True
                undo(k)
            dead_ends.add(seen)
            return False

        move(key, direction)
        return dict(delta) if search() else None


def grid_lines(
    n_rows: int, n_cols: int, row_totals: bool = True, column_totals: bool = True
) -> list[Line]:
    """Lines of a table whose last column holds row totals and last row column totals."""
    lines: list[Line] = []
    data_rows = n_rows - 1 if column_totals else n_rows
    data_cols = n_cols - 1 if row_totals else n_cols
    if row_totals:
        lines += [([(r, c) for c in range(data_cols)], (r, n_cols - 1)) for r in range(n_rows)]
    if column_totals:
        lines += [([(r, c) for r in range(data_rows)], (n_rows - 1, c)) for c in range(n_cols)]
    return lines


def protect_grid(
    grid: Sequence[Sequence[int]], row_totals: bool = True, column_totals: bool = True
) -> list[list[Cell]]:
    """``protect`` for one table with its totals in the last column and/or row."""
    if not grid:
        return []
    n_rows, n_cols = len(grid), len(grid[0])
    values: dict[Hashable, int] = {
        (r, c): int(grid[r][c]) for r in range(n_rows) for c in range(n_cols)
    }
    cells = protect(values, grid_lines(n_rows, n_cols, row_totals, column_totals))
    return [[cells[(r, c)] for c in range(n_cols)] for r in range(n_rows)]
