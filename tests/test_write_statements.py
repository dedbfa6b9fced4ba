"""The two writes staff make all day read each row once (docs/performance.md, branch
``writes4``): a check-in tap and a logged contact, through HTTP, statement by statement;
and what lets them: objects the session holds, rows the transaction holds locked."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.activities.signups import locked_session
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.funnel.referral_acted_on import out_of_step
from rekruttering.models import Attendance, Contact, Enrolment, Person, UserRole
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.tenancy import fetch
from rekruttering.transaction import transaction
from tests.statement_counter import count_statements


def _reads(statements: list[str], table: str) -> list[str]:
    """The SELECTs that read ``table`` itself (its own columns, FROM it)."""
    pattern = re.compile(rf"^\s*SELECT\s.*\sFROM\s+{table}\b", re.S)
    return [s for s in statements if pattern.match(s)]


def _writes(statements: list[str], verb: str, table: str) -> list[str]:
    return [s for s in statements if s.lstrip().startswith(f"{verb} {table} ")]


@pytest.fixture
def staff(make: Any, login: Any) -> Any:
    centre = make.centre()
    user = make.user(centre, role=UserRole.STAFF)
    login(user)
    return centre, user


def test_a_tap_reads_the_user_session_and_person_once(client: Any, make: Any, staff: Any) -> None:
    """The view reads the session locked and the check-in uses it; the month of the
    report counters is taken from it; the counter's value comes back with RETURNING
    (where the database has it); the redirect needs neither the session nor the user
    again."""
    centre, _user = staff
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    person = make.person(centre)
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id, Outcome.ASKED, activity.id, occurred_at=utcnow() - timedelta(days=3)
            ),
        )
    session_id, person_id = session.id, person.id
    db.session.expire_all()
    with count_statements() as counter:
        response = client.post(
            f"/checkin/sessions/{session_id}/check-in",
            data={"person_id": person_id, "role": "participant", "q": ""},
        )
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    statements = counter.statements
    assert len(_reads(statements, "user_account")) == 1
    assert len(_reads(statements, "session")) == 1  # locked, once, with its activity
    assert _reads(statements, "activity") == []
    assert len(_reads(statements, "person")) == 1
    if db.engine.dialect.insert_returning:
        assert _reads(statements, "report_change") == []
    assert len(_writes(statements, "INSERT INTO", "attendance")) == 1
    assert len(_writes(statements, "INSERT INTO", "report_checkin_change")) == 1
    assert db.session.scalar(select(Attendance.person_id)) == person_id


def test_a_tap_on_another_centres_session_is_not_found(client: Any, make: Any, staff: Any) -> None:
    other = make.session(make.activity(make.centre()), utcnow() - timedelta(minutes=5))
    person = make.person(staff[0])
    response = client.post(
        f"/checkin/sessions/{other.id}/check-in",
        data={"person_id": person.id, "role": "participant", "q": ""},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Attendance.id)) is None


def test_a_logged_contact_reads_each_row_once(client: Any, make: Any, staff: Any) -> None:
    """The view loads the person and the activity and looks the form token up; the
    service uses what the view loaded. A new enrolment is written with the outcome
    (no UPDATE after its INSERT), and the referral rule is recomputed once, for the
    contact (an enrolment at "asked" cannot act on a referral)."""
    centre, user = staff
    activity = make.activity(centre)
    person = make.person(centre)
    referral = make.referral(centre, created_at=utcnow() - timedelta(days=1))
    ids = (person.id, activity.id, user.id, referral.person_id)
    db.session.expire_all()
    with count_statements() as counter:
        response = client.post(
            "/contacts/new",
            data={
                "person_id": ids[0],
                "activity_id": ids[1],
                "outcome": "asked",
                "role": "participant",
                "by_user_id": ids[2],
                "form_token": "tok-once",
            },
        )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{ids[0]}")
    assert response.headers["Cache-Control"] == "no-store"
    statements = counter.statements
    assert len(_reads(statements, "user_account")) == 1
    assert len(_reads(statements, "person")) == 1
    assert len(_reads(statements, "activity")) == 1
    assert len(_reads(statements, "contact")) == 1  # the form token
    assert len(_reads(statements, "membership")) == 1  # the request's own (tenancy)
    assert len(_writes(statements, "INSERT INTO", "enrolment")) == 1
    assert _writes(statements, "UPDATE", "enrolment") == []
    assert len(_writes(statements, "UPDATE", "referral")) == 1
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.stage == Stage.ASKED and enrolment.asked_at is not None
    assert db.session.scalar(select(Contact.form_token)) == "tok-once"
    assert out_of_step(db.session.connection()) == []


def test_a_new_enrolment_that_declines_acts_on_the_referral(make: Any) -> None:
    """Written with its "declined" time, a new enrolment still recomputes the rule.
    (One written with neither time is skipped because these columns have no default.)"""
    for name in ("showed_up_at", "declined_at"):
        column = Enrolment.__table__.c[name]
        assert column.default is None and column.server_default is None
    centre = make.centre()
    activity = make.activity(centre)
    referral = make.referral(centre, created_at=utcnow() - timedelta(days=1))
    with transaction():
        db.session.add(
            Enrolment(
                centre_id=centre.id,
                person_id=referral.person_id,
                activity_id=activity.id,
                stage=Stage.HEARD,
                heard_at=utcnow(),
                declined_at=utcnow(),
                attendance_count=0,
            )
        )
    db.session.refresh(referral)
    assert referral.acted_on is True
    assert out_of_step(db.session.connection()) == []


def test_fetch_uses_the_object_held_but_not_across_centres(make: Any) -> None:
    centre, other = make.centre(), make.centre()
    mine, theirs = make.person(centre), make.person(other)
    db.session.commit()
    mine_id, theirs_id = mine.id, theirs.id
    held = fetch(Person, mine_id, centre.id)  # loaded again after the commit
    with count_statements() as counter:
        assert fetch(Person, mine_id, centre.id) is held
    assert counter.count == 0
    fetch(Person, theirs_id, other.id)  # held now, of the other centre
    with count_statements() as counter, pytest.raises(NotFound):
        fetch(Person, theirs_id, centre.id)
    assert counter.count == 0
    held.first_name = "Endret"  # changed, not flushed: read (and flushed) as before
    with count_statements() as counter:
        assert fetch(Person, mine_id, centre.id) is held
    assert counter.count >= 1


def test_a_session_is_read_locked_once_a_transaction(make: Any) -> None:
    centre = make.centre()
    session = make.session(make.activity(centre), utcnow())
    db.session.commit()
    centre_id, session_id = centre.id, session.id
    first = locked_session(centre_id, session_id)
    with count_statements() as counter:
        assert locked_session(centre_id, session_id) is first
        with pytest.raises(NotFound):
            locked_session(centre_id + 1000, session_id)
    assert counter.count == 0
    db.session.commit()  # a new transaction holds no lock: read (and locked) again
    with count_statements() as counter:
        assert locked_session(centre_id, session_id) is first
    assert counter.count == 1
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in counter.statements[0]


def test_a_contact_by_someone_of_another_centre_is_refused(
    client: Any, make: Any, staff: Any
) -> None:
    """ "Who did it" is checked against the database when it is not the user at the
    keyboard (whose memberships the request has read)."""
    centre, _user = staff
    stranger = make.user(make.centre())
    person, activity = make.person(centre), make.activity(centre)
    response = client.post(
        "/contacts/new",
        data={
            "person_id": person.id,
            "activity_id": activity.id,
            "outcome": "asked",
            "role": "participant",
            "by_user_id": stranger.id,
            "form_token": "tok-stranger",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(
        r'<select[^>]*class="[^"]*is-invalid[^"]*"[^>]*name="by_user_id"', html
    ) or re.search(r'<select[^>]*name="by_user_id"[^>]*class="[^"]*is-invalid', html)
    assert db.session.scalar(select(Contact.id)) is None


def test_a_lock_taken_in_a_savepoint_rolled_back_is_taken_again(make: Any) -> None:
    """PostgreSQL gives up the row locks of a savepoint rolled back: read locked again."""
    centre = make.centre()
    session = make.session(make.activity(centre), utcnow())
    db.session.commit()
    centre_id, session_id = centre.id, session.id
    savepoint = db.session.begin_nested()
    first = locked_session(centre_id, session_id)
    with count_statements() as counter:
        assert locked_session(centre_id, session_id) is first  # inside it: held
    assert counter.count == 0
    savepoint.rollback()
    with count_statements() as counter:
        locked_session(centre_id, session_id)
    assert counter.count == 1
    with count_statements() as counter:  # taken in the transaction now: held
        locked_session(centre_id, session_id)
    assert counter.count == 0
