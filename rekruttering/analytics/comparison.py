"""Comparing two channels' conversion: a difference with an interval, and a probability.

* ``newcombe_difference``: the difference of two proportions p1 - p2 with Newcombe's
  hybrid score interval (method 10 of Newcombe 1998, "Interval estimation for the
  difference between independent proportions"), built from the two Wilson intervals.
  It behaves well at 0 of n and with small groups, unlike the textbook Wald interval.
* ``probability_better``: with a uniform prior, each channel's rate has a Beta
  posterior, Beta(1 + successes, 1 + failures). The probability that channel A's true
  rate is higher than B's is computed exactly with the closed-form sum for Beta
  distributions with whole-number parameters (no sampling, so the same data always
  gives the same answer), and with a normal approximation for very large groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from rekruttering.analytics.intervals import Rate, rate, wilson_interval
from rekruttering.analytics.small_numbers import too_few_to_judge

#: Above this many successes in both groups the exact sum is replaced by a normal
#: approximation of the two Beta posteriors (indistinguishable at that size).
EXACT_LIMIT = 20_000


@dataclass(frozen=True)
class Difference:
    """p1 - p2 with its interval; None when either group is empty."""

    estimate: float | None
    low: float
    high: float

    @property
    def empty(self) -> bool:
        return self.estimate is None

    @property
    def excludes_zero(self) -> bool:
        """The data say one converts better: the whole interval is on one side of 0."""
        return not self.empty and (self.low > 0.0 or self.high < 0.0)


def newcombe_difference(
    successes1: int, trials1: int, successes2: int, trials2: int, confidence: float = 0.95
) -> Difference:
    """Newcombe's hybrid score interval for p1 - p2. Empty groups give (-1, 1)."""
    l1, u1 = wilson_interval(successes1, trials1, confidence)
    l2, u2 = wilson_interval(successes2, trials2, confidence)
    if trials1 == 0 or trials2 == 0:
        return Difference(None, -1.0, 1.0)
    p1, p2 = successes1 / trials1, successes2 / trials2
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(d, max(-1.0, low), min(1.0, high))


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _prob_b_beats_a(alpha_a: int, beta_a: int, alpha_b: int, beta_b: int) -> float:
    """P(X_B > X_A) for X ~ Beta with whole-number parameters, as an exact finite sum.

    P = sum_{i=0}^{alpha_b - 1} B(alpha_a + i, beta_a + beta_b)
        / ((beta_b + i) B(1 + i, beta_b) B(alpha_a, beta_a))
    (Evan Miller, "Formulas for Bayesian A/B testing"; each term in log space).
    """
    log_b_a = _log_beta(alpha_a, beta_a)
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            _log_beta(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - _log_beta(1 + i, beta_b)
            - log_b_a
        )
    return total


def _beta_moments(alpha: int, beta: int) -> tuple[float, float]:
    n = alpha + beta
    return alpha / n, alpha * beta / (n * n * (n + 1))


@lru_cache(maxsize=4096)
def probability_better(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> float:
    """The probability that A's true rate is higher than B's (uniform Beta(1, 1) priors).

    0.5 means the data cannot tell them apart; both groups empty gives exactly 0.5.
    Remembered: a report page asks the same pairs on every view of the same figures,
    and the exact sum runs up to ``EXACT_LIMIT`` terms.
    """
    for s, n in ((successes_a, trials_a), (successes_b, trials_b)):
        if n < 0 or s < 0 or s > n:
            raise ValueError("successes must be between 0 and trials")
    alpha_a, beta_a = 1 + successes_a, 1 + trials_a - successes_a
    alpha_b, beta_b = 1 + successes_b, 1 + trials_b - successes_b
    if (alpha_a, beta_a) == (alpha_b, beta_b):
        return 0.5
    if min(alpha_a, alpha_b) > EXACT_LIMIT:
        mean_a, var_a = _beta_moments(alpha_a, beta_a)
        mean_b, var_b = _beta_moments(alpha_b, beta_b)
        return NormalDist().cdf((mean_a - mean_b) / math.sqrt(var_a + var_b))
    # The sum runs over the first argument's alpha: loop over the smaller one.
    if alpha_a <= alpha_b:
        result = _prob_b_beats_a(alpha_b, beta_b, alpha_a, beta_a)  # P(A > B)
    else:
        result = 1.0 - _prob_b_beats_a(alpha_a, beta_a, alpha_b, beta_b)
    return min(1.0, max(0.0, result))


@dataclass(frozen=True)
class Comparison:
    """Two channels' rates side by side, with what can be said about the difference."""

    a: Rate
    b: Rate
    difference: Difference
    probability_a_better: float

    @property
    def too_few(self) -> bool:
        """Either group is too small to judge: say so rather than name a winner."""
        return too_few_to_judge(self.a.successes, self.a.trials) or too_few_to_judge(
            self.b.successes, self.b.trials
        )


def compare(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> Comparison:
    """Everything the report says about A against B."""
    return Comparison(
        a=rate(successes_a, trials_a, confidence),
        b=rate(successes_b, trials_b, confidence),
        difference=newcombe_difference(successes_a, trials_a, successes_b, trials_b, confidence),
        probability_a_better=probability_better(successes_a, trials_a, successes_b, trials_b),
    )
