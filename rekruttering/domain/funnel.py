"""The recruitment funnel: heard of it, personally asked, showed up, regular.

These rules are pure: they take facts and return decisions, so views, imports,
jobs and the API all move people through the funnel the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Stage(StrEnum):
    """How far a person has come with one activity, in order."""

    HEARD = "heard"
    ASKED = "asked"
    SHOWED_UP = "showed_up"
    REGULAR = "regular"

    @property
    def rank(self) -> int:
        return STAGE_ORDER.index(self)


STAGE_ORDER: tuple[Stage, ...] = (Stage.HEARD, Stage.ASKED, Stage.SHOWED_UP, Stage.REGULAR)


class Outcome(StrEnum):
    """What happened at one outreach contact."""

    HEARD = "heard"
    ASKED = "asked"
    SHOWED_UP = "showed_up"
    DECLINED = "declined"  # said no
    NOT_NOW = "not_now"  # not now, maybe later


class Role(StrEnum):
    """A person's role in one activity: the same person may have both in different ones."""

    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"


#: The stage an outcome moves a person to; declined / not now move nothing.
OUTCOME_STAGE: dict[Outcome, Stage | None] = {
    Outcome.HEARD: Stage.HEARD,
    Outcome.ASKED: Stage.ASKED,
    Outcome.SHOWED_UP: Stage.SHOWED_UP,
    Outcome.DECLINED: None,
    Outcome.NOT_NOW: None,
}


def advance(current: Stage | None, reached: Stage | None) -> Stage | None:
    """The stage after an event that reached ``reached``: never moves backwards."""
    if reached is None:
        return current
    if current is None or reached.rank > current.rank:
        return reached
    return current


def stages_passed(target: Stage) -> tuple[Stage, ...]:
    """All stages up to and including ``target``: reaching 'asked' implies 'heard'."""
    return STAGE_ORDER[: target.rank + 1]


@dataclass(frozen=True)
class RegularRule:
    """A person is a regular after ``attendances`` attendances within ``weeks`` weeks."""

    attendances: int = 3
    weeks: int = 8

    def __post_init__(self) -> None:
        if self.attendances < 1 or self.weeks < 1:
            raise ValueError("attendances and weeks must be at least 1")

    def became_regular_at(self, attended: Iterable[datetime]) -> datetime | None:
        """The moment the rule was first met, or None.

        Sliding window over the sorted attendance times: the N-th attendance inside a
        window of M weeks that starts at an earlier attendance.
        """
        times = sorted(attended)
        window = timedelta(weeks=self.weeks)
        n = self.attendances
        for i in range(n - 1, len(times)):
            if times[i] - times[i - n + 1] <= window:
                return times[i]
        return None
