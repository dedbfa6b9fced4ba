"""Small numbers, honestly: when a rate is too uncertain to judge.

**Too few to judge** (the manager's report): a rate is not shown as a confident
percentage when fewer than ``MIN_TRIALS`` people are behind it, or when its 95 %
Wilson interval is wider than ``MAX_WIDTH`` (50 percentage points). At a rate near
50 % the second rule holds up to 11 people; at 0 % or 100 % the first one decides.

What the municipality may see is decided by ``rekruttering.analytics.disclosure``.
"""

from __future__ import annotations

from rekruttering.analytics.intervals import wilson_interval

#: Below this many people a rate is "too few to judge".
MIN_TRIALS = 10
#: A 95 % interval wider than this (as a share, 0.5 = 50 points) is too few to judge.
MAX_WIDTH = 0.5


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
