"""Weekly schedules become sessions at the right UTC instants, summer time included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rekruttering.domain.clock import to_oslo
from rekruttering.domain.schedule import Slot, cancelled_occurrences, occurrence_on, occurrences

SUN = 6
SPRING_DAY = date(2026, 3, 29)  # last Sunday of March: 02:00 CET -> 03:00 CEST
AUTUMN_DAY = date(2026, 10, 25)  # last Sunday of October: 03:00 CEST -> 02:00 CET


def test_spring_change_sunday_is_two_hours_from_utc() -> None:
    """A Sunday 10:00 slot is 09:00 UTC the week before the change and 08:00 UTC on it."""
    slot = Slot(SUN, time(10), time(12))
    found = occurrences([slot], SPRING_DAY - timedelta(days=7), SPRING_DAY)
    assert [o.starts_at for o in found] == [
        datetime(2026, 3, 22, 9, tzinfo=UTC),
        datetime(2026, 3, 29, 8, tzinfo=UTC),
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in found)


def test_autumn_change_sunday_is_one_hour_from_utc() -> None:
    """A Sunday 10:00 slot is 08:00 UTC the week before the autumn change and 09:00 UTC on it."""
    slot = Slot(SUN, time(10), time(12))
    found = occurrences([slot], AUTUMN_DAY - timedelta(days=7), AUTUMN_DAY)
    assert [o.starts_at for o in found] == [
        datetime(2026, 10, 18, 8, tzinfo=UTC),
        datetime(2026, 10, 25, 9, tzinfo=UTC),
    ]


def test_every_occurrence_keeps_its_oslo_wall_time_across_both_changes() -> None:
    """Across a whole year, each Thursday 11:00 session starts at 11:00 in Oslo."""
    found = occurrences([Slot(3, time(11), time(13))], date(2026, 1, 1), date(2026, 12, 31))
    assert len(found) == 53  # 2026 has 53 Thursdays
    for o in found:
        local = to_oslo(o.starts_at)
        assert (local.weekday(), local.time()) == (3, time(11))
        assert to_oslo(o.ends_at).time() == time(13)
    offsets = {to_oslo(o.starts_at).utcoffset() for o in found}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_slot_across_the_change_night_has_its_real_length() -> None:
    """Saturday 23:00 to 04:00 is four real hours in the spring night and six in autumn."""
    slot = Slot(5, time(23), time(4))
    spring = occurrence_on(slot, SPRING_DAY - timedelta(days=1))
    autumn = occurrence_on(slot, AUTUMN_DAY - timedelta(days=1))
    assert spring.ends_at - spring.starts_at == timedelta(hours=4)
    assert autumn.ends_at - autumn.starts_at == timedelta(hours=6)


def test_wall_time_in_the_spring_gap_moves_forward() -> None:
    """02:30 does not exist on the spring day: it becomes 03:30 summer time (01:30 UTC)."""
    slot = Slot(SUN, time(2, 30), time(3, 30))
    o = occurrence_on(slot, SPRING_DAY)
    assert o.starts_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert o.ends_at > o.starts_at


def test_wall_time_inside_the_gap_never_gives_an_empty_session() -> None:
    """A 02:00-03:00 slot on the spring day has no real length; it is kept one minute long."""
    o = occurrence_on(Slot(SUN, time(2), time(3)), SPRING_DAY)
    assert o.ends_at - o.starts_at == timedelta(minutes=1)


def test_ambiguous_autumn_time_is_the_first_one() -> None:
    """02:30 happens twice on the autumn day: the first (summer time, 00:30 UTC) is used."""
    o = occurrence_on(Slot(SUN, time(2, 30), time(3, 30)), AUTUMN_DAY)
    assert o.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_season_and_cancelled_dates_are_honoured() -> None:
    """Only dates inside the season, never on a cancelled date."""
    slot = Slot(0, time(17, 30), time(19), "Møterommet")
    found = occurrences(
        [slot],
        date(2026, 1, 1),
        date(2026, 3, 31),
        season_start=date(2026, 2, 1),
        season_end=date(2026, 2, 28),
        cancelled={date(2026, 2, 16)},
    )
    assert [o.day for o in found] == [date(2026, 2, 2), date(2026, 2, 9), date(2026, 2, 23)]
    assert all(o.place == "Møterommet" for o in found)
    called_off = cancelled_occurrences(
        [slot], date(2026, 1, 1), date(2026, 3, 31), {date(2026, 2, 16), date(2026, 2, 17)}
    )
    assert [o.day for o in called_off] == [date(2026, 2, 16)]


def test_several_slots_are_sorted_and_a_duplicate_start_counts_once() -> None:
    """Monday and Wednesday slots interleave by time; the same start twice is one session."""
    slots = [Slot(2, time(10), time(14)), Slot(0, time(10), time(14)), Slot(0, time(10), time(12))]
    found = occurrences(slots, date(2026, 6, 1), date(2026, 6, 14))
    assert [o.day for o in found] == [
        date(2026, 6, 1),
        date(2026, 6, 3),
        date(2026, 6, 8),
        date(2026, 6, 10),
    ]


def test_empty_range_and_season_outside_it_give_nothing() -> None:
    """A range before the season, or backwards, has no occurrences."""
    slot = Slot(1, time(11), time(13))
    assert (
        occurrences([slot], date(2026, 1, 1), date(2026, 1, 31), season_start=date(2026, 8, 1))
        == []
    )
    assert occurrences([slot], date(2026, 2, 1), date(2026, 1, 1)) == []


def test_a_slot_must_make_sense() -> None:
    """A weekday outside 0-6 or a slot that ends when it starts is refused."""
    with pytest.raises(ValueError):
        Slot(7, time(10), time(11))
    with pytest.raises(ValueError):
        Slot(1, time(10), time(10))


@given(
    weekday=st.integers(0, 6),
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    minutes=st.integers(1, 600),
    first=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    days=st.integers(0, 120),
)
# A 02:00 slot with fold=1 on the spring-forward Sunday of 2000: it lands after the
# gap (03:00 summer time), not before it (01:00 winter time).
@example(weekday=6, start=time(2, 0, fold=1), minutes=60, first=date(2000, 3, 26), days=0)
def test_occurrences_fall_on_the_weekday_inside_the_range(
    weekday: int, start: time, minutes: int, first: date, days: int
) -> None:
    """Property: every occurrence is on the slot's weekday, inside the range, ends after it starts."""
    end = (datetime.combine(first, start) + timedelta(minutes=minutes)).time()
    if end == start:
        return
    last = first + timedelta(days=days)
    found = occurrences([Slot(weekday, start, end)], first, last)
    assert len(found) in (days // 7, days // 7 + 1)
    for o in found:
        assert o.day.weekday() == weekday
        assert first <= o.day <= last
        assert o.ends_at > o.starts_at
        assert o.starts_at.tzinfo is not None
        local = to_oslo(o.starts_at)
        # The wall time is kept, except inside the spring gap where it moves forward.
        assert local.date() == o.day
        assert local.time() == start or to_oslo(o.starts_at).utcoffset() == timedelta(hours=2)
