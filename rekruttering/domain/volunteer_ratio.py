"""Volunteers against participants: Språkkafe wants enough volunteers for its learners."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The largest participants-per-volunteer ratio an activity or a centre may wish for.
MAX_RATIO = 10.0


@dataclass(frozen=True)
class RatioStatus:
    """How a session's checked-in volunteers compare with the wished ratio."""

    participants: int
    volunteers: int
    wished_ratio: float | None  # volunteers per participant; None: no wish
    volunteers_wished: int | None

    @property
    def missing_volunteers(self) -> int:
        if self.volunteers_wished is None:
            return 0
        return max(0, self.volunteers_wished - self.volunteers)

    @property
    def ok(self) -> bool:
        return self.missing_volunteers == 0


def ratio_status(participants: int, volunteers: int, wished_ratio: float | None) -> RatioStatus:
    """Volunteers wished = participants x ratio, rounded up (half a volunteer is one)."""
    if wished_ratio is None or wished_ratio <= 0:
        return RatioStatus(participants, volunteers, None, None)
    # Round away float noise first: 0.1 x 30 is 3.0000000000000004, which is 3.
    wished = math.ceil(round(participants * wished_ratio, 6))
    return RatioStatus(participants, volunteers, wished_ratio, wished)


def ratio_phrase(wished_ratio: float) -> tuple[int, int]:
    """The ratio as "v volunteers per p participants" in small whole numbers (0.5 -> 1, 2)."""
    if wished_ratio <= 0:
        raise ValueError("ratio must be positive")
    best = (1, max(1, round(1 / wished_ratio)))
    best_error = abs(best[0] / best[1] - wished_ratio)
    for participants in range(1, 21):
        volunteers = round(wished_ratio * participants)
        if volunteers < 1:
            continue
        error = abs(volunteers / participants - wished_ratio)
        if error < best_error - 1e-9:
            best, best_error = (volunteers, participants), error
    return best
