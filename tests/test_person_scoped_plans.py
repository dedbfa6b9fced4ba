"""A person's messages, reminders and family links are read by the person's index.

Those tables (and contacts, check-ins, consents, referrals, the people a person
brought) have an index on ``centre_id`` and one on ``person_id``. SQLite without
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

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.extensions import db
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.transaction import transaction
from tests.statement_counter import count_statements

#: The centre indexes a person's rows must not be read by.
CENTRE_INDEXES = (
    "ix_message_centre_id",
    "ix_reminder_centre_id",
    "ix_person_link_centre_id",
    "ix_consent_centre_id",
    "ix_referral_centre_id",
    "ix_contact_centre_id",
    "ix_attendance_centre_id",
    "ix_person_centre_id",
)
TABLES = re.compile(
    r"\b(FROM|JOIN) (message|reminder|person_link|consent|referral|contact|attendance)\b"
    r"|recruited_by_id"
)


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
    activity = make.activity(centre)
    session = make.session(activity, utcnow())
    make.attendance(session, person)
    make.person(centre, recruited_by_id=person.id)
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.ASKED, activity.id))
    db.session.commit()
    with count_statements() as counter:
        assert client.get(f"/people/{person.id}").status_code == 200
        assert client.get(f"/reminders/people/{person.id}").status_code == 200
    read = [(s, p) for s, p in counter.sent if s.lstrip().upper().startswith("SELECT")]
    theirs = [
        (s, p) for s, p in read if TABLES.search(s) and ("person_id" in s or "recruited_by_id" in s)
    ]
    # The person page's kinds (messages, links), the messages page's list and count,
    # and its reminders.
    assert len(theirs) >= 8, [s[:80] for s, _ in theirs]
    # PostgreSQL may read the person's own row (``person.id = ?``, in the statement
    # that also asks for the people they brought) by the centre's index in a test
    # database of a few rows; the people they brought cannot be read by it (``+ 0``).
    # SQLite reads the person's row by its primary key.
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    names = [n for n in CENTRE_INDEXES if not (postgresql and n == "ix_person_centre_id")]
    for statement, parameters in theirs:
        plan = _plan(statement, parameters)
        used = [name for name in names if name in plan]
        assert not used, f"{statement[:120]}\n{plan}"
