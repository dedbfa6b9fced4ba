"""Confidence intervals for a proportion: the Wilson score interval.

Why Wilson and not "p ± 1.96·SE" (the Wald interval): with the small numbers a
community centre has (7 people heard of Foreldreprat through the school, 2 came), the
Wald interval goes below 0 %, collapses to nothing at 0 of n and is far too
confident. The Wilson interval stays inside [0, 1], is honest at 0 and n successes,
and covers the true rate about as often as it claims (Newcombe 1998; Brown, Cai &
DasGupta 2001).

No data (n = 0): ``wilson_interval(0, 0)`` returns ``NO_DATA = (0.0, 1.0)``: the whole
range, "the rate could be anything". Callers must not show that as a result; use
``has_data(trials)`` or ``Rate.empty`` and say "no data" instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

#: The interval for n = 0: nothing is known, so the rate may be anywhere in [0, 1].
NO_DATA: tuple[float, float] = (0.0, 1.0)


@lru_cache(maxsize=16)
def z_for(confidence: float) -> float:
    """The two-sided standard normal quantile: 1.959964 for 95 %."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1 (exclusive)")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _check_counts(successes: int, trials: int) -> None:
    if trials < 0 or successes < 0:
        raise ValueError("counts cannot be negative")
    if successes > trials:
        raise ValueError(f"more successes ({successes}) than trials ({trials})")


def has_data(trials: int) -> bool:
    """False when there is nothing to estimate from (n = 0): show "no data"."""
    return trials > 0


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval (without continuity correction) for successes/trials.

    Returns ``(low, high)`` with 0 <= low <= high <= 1. For ``trials == 0`` returns
    ``NO_DATA`` (0.0, 1.0) without dividing by zero: see ``has_data``.
    """
    _check_counts(successes, trials)
    z = z_for(confidence)
    if trials == 0:
        return NO_DATA
    n = float(trials)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    # Exact at the ends: 0 of n has a lower bound of 0, n of n an upper bound of 1
    # (floating point would otherwise leave 1e-17 either side).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Rate:
    """A share with its Wilson interval: ``successes`` of ``trials``."""

    successes: int
    trials: int
    low: float
    high: float
    confidence: float = 0.95

    @property
    def empty(self) -> bool:
        """No one to count: the UI says "no data", never "0 %"."""
        return self.trials == 0

    @property
    def proportion(self) -> float | None:
        """successes / trials, or None when there is no data."""
        return None if self.trials == 0 else self.successes / self.trials

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def too_few(self) -> bool:
        """Too few people to judge (see ``small_numbers``); True also when empty."""
        # Imported here: small_numbers builds on this module's wilson_interval.
        from rekruttering.analytics.small_numbers import too_few_to_judge

        return too_few_to_judge(self.successes, self.trials, self.confidence)


def rate(successes: int, trials: int, confidence: float = 0.95) -> Rate:
    """successes of trials, with its Wilson interval."""
    low, high = wilson_interval(successes, trials, confidence)
    return Rate(int(successes), int(trials), low, high, confidence)
