"""Statistics for the reports, as pure functions: no Flask, no database.

``wilson_interval(successes, trials, confidence=0.95) -> (low, high)`` is the public
entry point; ``rate`` wraps it with the counts, ``compare`` compares two channels, and
``small_numbers`` says when a rate is too uncertain to judge, and ``disclosure``
what the municipality may see.
"""

from rekruttering.analytics.comparison import (
    Comparison,
    Difference,
    compare,
    newcombe_difference,
    probability_better,
)
from rekruttering.analytics.disclosure import SMALL_BELOW, Cell, Hidden, protect, whole_months
from rekruttering.analytics.intervals import NO_DATA, Rate, has_data, rate, wilson_interval
from rekruttering.analytics.small_numbers import MAX_WIDTH, MIN_TRIALS, too_few_to_judge

__all__ = [
    "MAX_WIDTH",
    "MIN_TRIALS",
    "NO_DATA",
    "SMALL_BELOW",
    "Cell",
    "Comparison",
    "Difference",
    "Hidden",
    "Rate",
    "compare",
    "has_data",
    "newcombe_difference",
    "probability_better",
    "protect",
    "rate",
    "too_few_to_judge",
    "whole_months",
    "wilson_interval",
]
