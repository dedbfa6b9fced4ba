"""``make bench`` measures every size of a backend in the same seconds (bench/run.py).

The web processes are stood in for by objects that record the order of the requests
asked of them: no database, no app. What is checked is the order that makes a
scenario's growth a ratio taken in one moment.
"""

from __future__ import annotations

from typing import Any

from bench.run import measure_in_turn


class FakeChild:
    def __init__(self, name: str, log: list[tuple[str, str, str]], fails: dict[str, int]):
        self.name, self.log, self.fails = name, log, fails
        self.scenarios = ["reference", "search", "checkin_page"]
        self.done: dict[str, int] = {}

    def ask(self, **command: Any) -> dict[str, Any]:
        key = command["key"]
        self.log.append((self.name, command["do"], key))
        if command["do"] == "prepare":
            return {"ok": self.fails.get(key) != 0}
        self.done[key] = self.done.get(key, 0) + 1
        stop = self.fails.get(key)
        return {"ok": stop is None or self.done[key] <= stop}


def test_sizes_take_turns_a_request_each_reversing_every_round() -> None:
    log: list[tuple[str, str, str]] = []
    small, large = FakeChild("10k", log, {}), FakeChild("100k", log, {})
    measure_in_turn([small, large], repeat=3, max_seconds=60)
    search = [(name, do) for name, do, key in log if key == "search"]
    assert search == [
        ("10k", "prepare"),
        ("100k", "prepare"),
        ("10k", "once"),
        ("100k", "once"),
        ("100k", "once"),
        ("10k", "once"),
        ("10k", "once"),
        ("100k", "once"),
    ]
    # One scenario after the other: all of search before the check-in page.
    keys = [key for _, _, key in log]
    assert keys.index("checkin_page") > max(i for i, k in enumerate(keys) if k == "search")
    assert small.done == large.done == {"reference": 3, "search": 3, "checkin_page": 3}


def test_a_size_that_cannot_run_a_scenario_leaves_the_others_measured() -> None:
    log: list[tuple[str, str, str]] = []
    # At 10k there is no session today (prepare fails); at 100k the check-in page
    # stops after two requests (no one left to check in, say).
    small = FakeChild("10k", log, {"checkin_page": 0})
    large = FakeChild("100k", log, {"checkin_page": 2})
    measure_in_turn([small, large], repeat=5, max_seconds=60)
    assert "checkin_page" not in small.done
    assert large.done["checkin_page"] == 3  # two measured, the third said no
    assert small.done["search"] == large.done["search"] == 5


def test_the_deadline_stops_a_slow_scenario_after_five_requests() -> None:
    log: list[tuple[str, str, str]] = []
    small, large = FakeChild("10k", log, {}), FakeChild("100k", log, {})
    measure_in_turn([small, large], repeat=100, max_seconds=0)
    assert small.done == large.done == {"reference": 5, "search": 5, "checkin_page": 5}
