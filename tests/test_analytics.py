"""The statistics behind the reports, checked against published values."""

from __future__ import annotations

import random

import pytest

from rekruttering.analytics import (
    NO_DATA,
    compare,
    has_data,
    newcombe_difference,
    probability_better,
    rate,
    too_few_to_judge,
    wilson_interval,
)
from rekruttering.analytics.sentences import comparison_sentence, rate_sentence

# Newcombe (1998), "Two-sided confidence intervals for the single proportion",
# Statistics in Medicine 17, table I, method 3 (score interval without continuity
# correction); the 0/10, 1/10 and 10/10 values are the same formula (also on
# Wikipedia's "Binomial proportion confidence interval" page).
PUBLISHED_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (0, 10, 0.0000, 0.2775),
    (1, 10, 0.0179, 0.4042),
    (10, 10, 0.7225, 1.0000),
]


@pytest.mark.parametrize(("successes", "trials", "low", "high"), PUBLISHED_WILSON)
def test_wilson_interval_matches_published_values(successes, trials, low, high) -> None:
    """wilson_interval reproduces Newcombe's published 95 % intervals to 4 decimals."""
    got_low, got_high = wilson_interval(successes, trials)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_wilson_zero_successes_has_an_exact_zero_lower_bound() -> None:
    """0 of n gives a lower bound of exactly 0 (not -1e-17) and a real upper bound."""
    low, high = wilson_interval(0, 7)
    assert low == 0.0
    assert 0.0 < high < 1.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_with_no_trials_is_the_empty_interval_without_dividing_by_zero() -> None:
    """n = 0 returns NO_DATA (0, 1), which has_data and Rate.empty name as 'no data'."""
    assert wilson_interval(0, 0) == NO_DATA == (0.0, 1.0)
    assert not has_data(0)
    empty = rate(0, 0)
    assert empty.empty and empty.proportion is None and empty.too_few
    assert rate_sentence(empty, "showed up") == "No data yet: no one to count."


def test_wilson_other_confidence_levels_and_bad_input() -> None:
    """A 99 % interval is wider than a 95 % one; impossible counts are refused."""
    low95, high95 = wilson_interval(30, 100)
    low99, high99 = wilson_interval(30, 100, confidence=0.99)
    assert low99 < low95 < 0.3 < high95 < high99
    for args in ((5, 4), (-1, 4), (1, -1)):
        with pytest.raises(ValueError):
            wilson_interval(*args)
    with pytest.raises(ValueError):
        wilson_interval(1, 2, confidence=1.0)


# Newcombe (1998), "Interval estimation for the difference between independent
# proportions", Statistics in Medicine 17, table II, method 10 (hybrid score).
PUBLISHED_NEWCOMBE = [
    ((56, 70, 48, 80), 0.0524, 0.3339),
    ((9, 10, 3, 10), 0.1705, 0.8090),
    ((5, 56, 0, 29), -0.0381, 0.1926),
    ((0, 10, 0, 20), -0.1611, 0.2775),
    ((0, 10, 0, 10), -0.2775, 0.2775),
    ((10, 10, 0, 20), 0.6791, 1.0000),
]


@pytest.mark.parametrize(("counts", "low", "high"), PUBLISHED_NEWCOMBE)
def test_newcombe_difference_matches_published_values(counts, low, high) -> None:
    """The difference interval reproduces Newcombe's method 10 to 4 decimals."""
    difference = newcombe_difference(*counts)
    assert difference.low == pytest.approx(low, abs=6e-5)
    assert difference.high == pytest.approx(high, abs=6e-5)


def test_newcombe_with_an_empty_group_is_empty() -> None:
    """Comparing with a channel that has no people gives no estimate, not an error."""
    difference = newcombe_difference(3, 10, 0, 0)
    assert difference.empty and not difference.excludes_zero


def test_probability_better_exact_small_case() -> None:
    """1 of 1 against 0 of 1 with uniform priors: P = 5/6 exactly (worked by hand)."""
    assert probability_better(1, 1, 0, 1) == pytest.approx(5 / 6, abs=1e-12)
    assert probability_better(0, 1, 1, 1) == pytest.approx(1 / 6, abs=1e-12)
    assert probability_better(4, 9, 4, 9) == 0.5
    assert probability_better(0, 0, 0, 0) == 0.5


def test_probability_better_agrees_with_simulation_and_is_deterministic() -> None:
    """30/100 against 20/100: the exact sum agrees with 200,000 seeded Beta draws."""
    exact = probability_better(30, 100, 20, 100)
    rng = random.Random(7)
    draws = 200_000
    wins = sum(rng.betavariate(31, 71) > rng.betavariate(21, 81) for _ in range(draws))
    assert exact == pytest.approx(wins / draws, abs=0.005)
    assert exact == probability_better(30, 100, 20, 100)
    assert exact + probability_better(20, 100, 30, 100) == pytest.approx(1.0, abs=1e-12)


def test_probability_better_large_groups_use_the_normal_approximation() -> None:
    """Huge groups (beyond the exact sum's limit) still give a sensible probability."""
    assert probability_better(30_000, 100_000, 29_000, 100_000) > 0.999
    assert probability_better(25_000, 100_000, 25_000, 100_001) == pytest.approx(0.5, abs=0.01)


def test_too_few_rule() -> None:
    """Fewer than 10 people, or an interval wider than 50 points, is too few to judge."""
    assert too_few_to_judge(0, 9)
    assert too_few_to_judge(9, 9)
    assert too_few_to_judge(5, 10)  # 24 % to 76 %: 53 points wide
    assert too_few_to_judge(6, 11)
    assert not too_few_to_judge(6, 12)
    assert not too_few_to_judge(0, 10)  # 0 % to 28 %: narrow enough
    assert rate(2, 4).too_few and not rate(30, 100).too_few


def test_rate_sentences_in_plain_words() -> None:
    """A rate reads as a sentence with its likely range, or says it has too few people."""
    assert rate_sentence(rate(12, 40), "showed up") == (
        "12 of 40 showed up (30%). The true rate is probably between 18% and 45%."
    )
    assert rate_sentence(rate(2, 4), "showed up") == (
        "2 of 4 showed up. That is too few people to judge the rate."
    )


def test_comparison_sentences() -> None:
    """A clear difference names the better channel; an unclear one says we cannot tell."""
    clear = comparison_sentence("Facebook", "NAV", compare(30, 100, 15, 100))
    assert clear.startswith("Facebook converts better than NAV: Facebook 30% against NAV 15%.")
    assert "between 3 and 26 percentage points" in clear
    assert "about 99%" in clear
    unclear = comparison_sentence("Facebook", "NAV", compare(30, 100, 20, 100))
    assert unclear.startswith("We cannot tell yet whether Facebook or NAV converts better")
    assert "from -2 to +22 percentage points" in unclear
    worse = comparison_sentence("Plakat", "Muntlig", compare(10, 100, 40, 100))
    assert worse.startswith("Muntlig converts better than Plakat")
    small = comparison_sentence("Skolen", "NAV", compare(3, 7, 15, 100))
    assert small.startswith("Too few people to compare Skolen (3 of 7) and NAV (15 of 100)")
    empty = comparison_sentence("A", "B", compare(0, 0, 3, 10))
    assert "cannot be compared yet" in empty


def test_comparison_sentence_uses_the_given_translation() -> None:
    """The sentence functions take the app's gettext, so they speak Norwegian there."""
    said = comparison_sentence(
        "A", "B", compare(1, 2, 1, 2), gettext=lambda text, **kw: "NB:" + (text % kw)
    )
    assert said.startswith("NB:Too few people")
