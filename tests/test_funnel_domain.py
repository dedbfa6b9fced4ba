"""The funnel's pure rules: stages never move backwards; when someone is a regular."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rekruttering.domain.funnel import STAGE_ORDER, RegularRule, Stage, advance, stages_passed

T0 = datetime(2026, 1, 5, 11, tzinfo=UTC)


@given(st.lists(st.sampled_from([*STAGE_ORDER, None]), max_size=20))
def test_stage_never_moves_backwards(events: list[Stage | None]) -> None:
    """Whatever order events arrive in, the stage is the furthest one reached."""
    stage = None
    for event in events:
        before = stage
        stage = advance(stage, event)
        if before is not None:
            assert stage is not None and stage.rank >= before.rank
    reached = [e for e in events if e is not None]
    assert stage == (max(reached, key=lambda s: s.rank) if reached else None)


def test_stages_passed_implies_earlier_stages() -> None:
    """Showing up implies having heard and been asked."""
    assert stages_passed(Stage.SHOWED_UP) == (Stage.HEARD, Stage.ASKED, Stage.SHOWED_UP)


@pytest.mark.parametrize(
    ("weeks_apart", "expected_index"),
    [([0, 1, 2], 2), ([0, 4, 8], 2), ([0, 5, 9], None), ([0, 5, 9, 10], 3), ([0], None)],
)
def test_regular_rule_three_in_eight_weeks(
    weeks_apart: list[int], expected_index: int | None
) -> None:
    """Three attendances within eight weeks make a regular, at the third one."""
    times = [T0 + timedelta(weeks=w) for w in weeks_apart]
    result = RegularRule(3, 8).became_regular_at(times)
    assert result == (times[expected_index] if expected_index is not None else None)


def test_regular_rule_rejects_nonsense() -> None:
    """A rule of zero attendances is refused."""
    with pytest.raises(ValueError):
        RegularRule(0, 8)
