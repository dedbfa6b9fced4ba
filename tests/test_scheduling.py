"""The suite's split between xdist workers (tests/scheduling.py)."""

from __future__ import annotations

from tests.scheduling import scope_of


def test_each_backends_browser_tests_are_one_unit_and_the_rest_go_alone() -> None:
    sqlite = [
        "tests/browser/test_login.py::test_login[sqlite]",
        "tests/browser/test_layout.py::test_no_list_page_is_wider_than_a_phone[sqlite-admin]",
        "tests/browser/test_a11y_checker.py::test_checker_accepts_labelled_fields",
    ]
    postgresql = [
        "tests/browser/test_login.py::test_login[postgresql]",
        "tests/browser/test_layout.py::test_no_list_page_is_wider_than_a_phone[postgresql-admin]",
    ]
    assert {scope_of(nodeid) for nodeid in sqlite} == {"browser-sqlite"}
    assert {scope_of(nodeid) for nodeid in postgresql} == {"browser-postgresql"}
    other = "tests/test_api.py::test_people_list[postgresql]"
    assert scope_of(other) == other
