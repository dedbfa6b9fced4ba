"""Statistics for the reports, as pure functions: no Flask, no database.

``wilson_interval(successes, trials, confidence=0.95) -> (low, high)`` is the public
entry point; ``rate`` wraps it with the counts, ``compare`` compares two channels, and
``small_numbers`` says when a number is too small to judge or to show.
"""

from rekruttering.analytics.comparison import (
    Comparison,
    Difference,
    compare,
    newcombe_difference,
    probability_better,
)
from rekruttering.analytics.intervals import NO_DATA, Rate, has_data, rate, wilson_interval
from rekruttering.analytics.small_numbers import (
    MAX_WIDTH,
    MIN_TRIALS,
    SUPPRESS_BELOW,
    Cell,
    is_suppressed,
    suppress,
    suppress_grid,
    too_few_to_judge,
)

__all__ = [
    "MAX_WIDTH",
    "MIN_TRIALS",
    "NO_DATA",
    "SUPPRESS_BELOW",
    "Cell",
    "Comparison",
    "Difference",
    "Rate",
    "compare",
    "has_data",
    "is_suppressed",
    "newcombe_difference",
    "probability_better",
    "rate",
    "suppress",
    "suppress_grid",
    "too_few_to_judge",
    "wilson_interval",
]
