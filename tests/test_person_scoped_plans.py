"""A person's messages, reminders and family links are read by the person's index.

Those tables (and consents, referrals) have an index on ``centre_id`` and one on ``person_id``. SQLite without
planner statistics (an installation that never ran ``ANALYZE``) weighed the two alike
for ``person_id = ? AND centre_id = ?`` and took the centre's: every person page walked
every message of the centre (docs/performance.md, "What is left" of ``person8``). The
centre is still checked (``tenancy.centre_of_persons_rows``), by an expression no index
holds, so the person's index is the one left. Both databases: the plan of every
statement the two person pages send that reads those tables names no centre index.
"""

from __future__ import annotations

import re
from typing import Any

from rekruttering.extensions import db
from tests.statement_counter import count_statements

#: The centre indexes a person's rows must not be read by.
CENTRE_INDEXES = (
    "ix_message_centre_id",
    "ix_reminder_centre_id",
    "ix_person_link_centre_id",
    "ix_consent_centre_id",
    "ix_referral_centre_id",
)
TABLES = re.compile(r"\b(FROM|JOIN) (message|reminder|person_link|consent|referral)\b")


def _plan(statement: str, parameters: Any) -> str:
    conn = db.session.connection()
    prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_a_persons_pages_read_their_rows_by_the_person_not_the_centre(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre)
    other = make.person(centre)
    for someone in (person, other):
        make.message(someone)
        make.reminder(someone)
    make.person_link(centre, person=person, other=other)
    db.session.commit()
    with count_statements() as counter:
        assert client.get(f"/people/{person.id}").status_code == 200
        assert client.get(f"/reminders/people/{person.id}").status_code == 200
    read = [(s, p) for s, p in counter.sent if s.lstrip().upper().startswith("SELECT")]
    theirs = [(s, p) for s, p in read if TABLES.search(s) and "person_id" in s]
    # The person page's kinds (messages, links), the messages page's list and count,
    # and its reminders.
    assert len(theirs) >= 4, [s[:80] for s, _ in theirs]
    for statement, parameters in theirs:
        plan = _plan(statement, parameters)
        used = [name for name in CENTRE_INDEXES if name in plan]
        assert not used, f"{statement[:120]}\n{plan}"
