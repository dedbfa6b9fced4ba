"""The indexes of revision ``list_page_indexes`` are the ones the list pages read.

Two of them are partial: the database can use one only when the statement's conditions
imply the index's own (``models.outreach.OPEN_FOLLOW_UP``, ``REFUSAL``), so a change of
how a statement is written could leave the index unusable without any test failing.
SQLite answers that question without data: a statement given ``INDEXED BY`` an index it
cannot use fails to plan ("no query solution"). The test asks that, not which index
the planner picks: between two indexes of the same leading columns SQLite's choice
varies with the test database's history (it failed once in a full run, the same test
alone passing). PostgreSQL has no ``INDEXED BY``: there each index is left the only one
of its table with sequential scans off, and the plan must read it
(tests/postgresql_plans.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from rekruttering.checkin.service import session_list
from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.outreach.follow_up import follow_up_queue
from tests.postgresql_plans import plan_with_only
from tests.statement_counter import count_statements


def _plans(statements: list[tuple[str, Any]], marker: str, table: str, index: str) -> list[str]:
    """The query plan of each statement run whose text holds ``marker``, its first read
    of ``table`` made ``INDEXED BY`` ``index`` (an error if the index cannot serve it)."""
    found = [
        "\n".join(
            row[3]
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN "
                + re.sub(
                    rf"FROM {table}\b", f"FROM {table} INDEXED BY {index}", statement, count=1
                ),
                parameters,
            )
        )
        for statement, parameters in statements
        if marker in statement
    ]
    assert found, f"no statement with {marker!r} was run"
    return found


def _list_statements(make: Any) -> list[tuple[str, Any]]:
    """The statements (with their parameters) of a check-in list and a follow-up queue,
    their data committed."""
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, utcnow())
    db.session.commit()
    with count_statements() as counter:
        session_list(centre.id, session.id)
        follow_up_queue(centre.id, heard_days=14, limit=5)
    return counter.sent


@pytest.mark.sqlite_only
def test_the_check_in_list_and_the_follow_up_queue_read_their_indexes(
    app: Flask, make: Any
) -> None:
    statements = _list_statements(make)

    # The few enrolments that said no or not now: the partial index, not every
    # expected enrolment's row.
    (said_no,) = _plans(
        statements,
        "enrolment.declined_at IS NOT NULL OR",
        "enrolment",
        "ix_enrolment_activity_refusal",
    )
    assert "USING INDEX ix_enrolment_activity_refusal" in said_no, said_no
    # The list's expected people: from the index alone.
    (listed,) = _plans(statements, "AS name_key", "enrolment", "ix_enrolment_activity_stage_person")
    assert "USING COVERING INDEX ix_enrolment_activity_stage_person" in listed, listed
    # The "heard" and "asked" sections: whether a person has a follow-up still open.
    for section in ("ORDER BY enrolment.heard_at", "ORDER BY enrolment.asked_at"):
        (page,) = _plans(statements, section, "contact", "ix_contact_person_open_follow_up")
        assert "USING INDEX ix_contact_person_open_follow_up" in page, page


@pytest.mark.postgres_only
def test_postgresql_can_serve_each_list_statement_from_its_index(app: Flask, make: Any) -> None:
    """The same question on PostgreSQL, which has no ``INDEXED BY``: with the index the
    only one of its table (the others dropped in a transaction rolled back) and
    sequential scans off, the plan reads it; a partial index whose condition the
    statement does not imply would leave only a scan of the table."""
    statements = _list_statements(make)
    db.session.rollback()  # no lock of ours stays on the tables while indexes are dropped

    cases = [
        ("enrolment.declined_at IS NOT NULL OR", "enrolment", "ix_enrolment_activity_refusal"),
        # The expected people's ids: on PostgreSQL an array of a union (checkin.service).
        (
            "= ANY (array((SELECT enrolment.person_id",
            "enrolment",
            "ix_enrolment_activity_stage_person",
        ),
        ("ORDER BY enrolment.heard_at", "contact", "ix_contact_person_open_follow_up"),
        ("ORDER BY enrolment.asked_at", "contact", "ix_contact_person_open_follow_up"),
    ]
    for marker, table, index in cases:
        found = [(s, p) for s, p in statements if marker in s]
        assert len(found) == 1, (marker, len(found))
        plan = plan_with_only(*found[0], table, index)
        # "Index Scan using ...", "Index Only Scan using ..." or "Bitmap Index Scan on ..."
        assert re.search(rf"(using|Bitmap Index Scan on) {index}\b", plan), (marker, plan)
