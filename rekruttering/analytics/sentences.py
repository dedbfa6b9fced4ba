"""Plain sentences a manager can read, in Norwegian or English.

These functions stay free of Flask: the caller passes its ``gettext`` and ``ngettext``
(Flask-Babel's, in the app). Without them the English source text is used. The
message ids are extracted from the calls below like any other UI text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rekruttering.analytics.comparison import Comparison
from rekruttering.analytics.intervals import Rate

Gettext = Callable[..., str]
Ngettext = Callable[..., str]


def english_gettext(text: str, **variables: Any) -> str:
    """The English source text, formatted like Flask-Babel formats it."""
    return text % variables if variables else text


def english_ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def percent(share: float | None) -> str:
    """A share as a whole percentage number (no sign: the sentence adds it)."""
    if share is None:
        return "–"
    return str(round(share * 100))


def chance(probability: float) -> str:
    """A probability in whole percent, never 0 or 100: the data never make anything certain."""
    return str(min(99, max(1, round(probability * 100))))


def points(share: float) -> str:
    """A difference of shares as signed percentage points."""
    value = round(share * 100)
    return f"{value:+d}" if value else "0"


def rate_sentence(
    rate: Rate,
    reached: str,
    gettext: Gettext = english_gettext,
    ngettext: Ngettext = english_ngettext,
) -> str:
    """One sentence about a rate: '12 of 40 showed up (30%) …', or why it is not shown.

    ``reached`` is the already translated verb phrase, e.g. "showed up".
    """
    if rate.empty:
        return gettext("No data yet: no one to count.")
    if rate.too_few:
        return ngettext(
            "%(shown)d of %(num)d %(reached)s. That is too few people to judge the rate.",
            "%(shown)d of %(num)d %(reached)s. That is too few people to judge the rate.",
            rate.trials,
            shown=rate.successes,
            reached=reached,
        )
    return gettext(
        "%(shown)d of %(total)d %(reached)s (%(percent)s%%). The true rate is probably "
        "between %(low)s%% and %(high)s%%.",
        shown=rate.successes,
        total=rate.trials,
        reached=reached,
        percent=percent(rate.proportion),
        low=percent(rate.low),
        high=percent(rate.high),
    )


def comparison_sentence(
    name_a: str,
    name_b: str,
    comparison: Comparison,
    gettext: Gettext = english_gettext,
    ngettext: Ngettext = english_ngettext,
) -> str:
    """What a manager may conclude about channel A against channel B, in words."""
    a, b = comparison.a, comparison.b
    if a.empty or b.empty:
        return gettext(
            "%(a)s and %(b)s cannot be compared yet: one of them has no people.",
            a=name_a,
            b=name_b,
        )
    if comparison.too_few:
        return gettext(
            "Too few people to compare %(a)s (%(a_shown)d of %(a_total)d) and %(b)s "
            "(%(b_shown)d of %(b_total)d) yet. Wait for more people before drawing "
            "conclusions.",
            a=name_a,
            b=name_b,
            a_shown=a.successes,
            a_total=a.trials,
            b_shown=b.successes,
            b_total=b.trials,
        )
    difference = comparison.difference
    chance_a = chance(comparison.probability_a_better)
    if difference.excludes_zero:
        better, worse = (name_a, name_b) if (difference.estimate or 0) > 0 else (name_b, name_a)
        low, high = sorted((abs(difference.low), abs(difference.high)))
        return gettext(
            "%(better)s converts better than %(worse)s: %(a)s %(a_percent)s%% against "
            "%(b)s %(b_percent)s%%. The difference is probably between %(low)s and "
            "%(high)s percentage points. The chance that %(a)s really converts better "
            "than %(b)s is about %(chance)s%%.",
            better=better,
            worse=worse,
            a=name_a,
            b=name_b,
            a_percent=percent(a.proportion),
            b_percent=percent(b.proportion),
            low=percent(low),
            high=percent(high),
            chance=chance_a,
        )
    return gettext(
        "We cannot tell yet whether %(a)s or %(b)s converts better: %(a)s %(a_percent)s%% "
        "against %(b)s %(b_percent)s%%, but the difference could be anywhere from "
        "%(low)s to %(high)s percentage points. The chance that %(a)s really converts "
        "better than %(b)s is about %(chance)s%%.",
        a=name_a,
        b=name_b,
        a_percent=percent(a.proportion),
        b_percent=percent(b.proportion),
        low=points(difference.low),
        high=points(difference.high),
        chance=chance_a,
    )
