"""The two writes staff make all day read each row once (docs/performance.md, branch
``writes4``): a check-in tap and a logged contact, through HTTP, statement by statement;
and what lets them: objects the session holds, rows the transaction holds locked."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from rekruttering import languages
from rekruttering.activities.signups import locked_session
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.funnel import referral_acted_on
from rekruttering.funnel.referral_acted_on import out_of_step
from rekruttering.funnel.service import EnrolmentRead, enrol
from rekruttering.models import (
    Attendance,
    Contact,
    Enrolment,
    Person,
    ReportChange,
    ReportCheckinChange,
    UserRole,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.reports import freshness
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


def _asked(person_id: int, activity_id: int, by_user_id: int, token: str) -> dict[str, Any]:
    """The form of a contact that asked the person to the activity as a participant."""
    return {
        "person_id": person_id,
        "activity_id": activity_id,
        "outcome": "asked",
        "role": "participant",
        "by_user_id": by_user_id,
        "form_token": token,
    }


def test_a_logged_contact_reads_each_row_once(client: Any, make: Any, staff: Any) -> None:
    """The view loads the person, the activity and the enrolment and looks the form
    token up in one statement; the service uses what the view loaded. A new enrolment is written with the outcome
    (no UPDATE after its INSERT), and the referral rule is recomputed once, for the
    contact (an enrolment at "asked" cannot act on a referral)."""
    centre, user = staff
    activity = make.activity(centre)
    person = make.person(centre)
    referral = make.referral(centre, created_at=utcnow() - timedelta(days=1))
    ids = (person.id, activity.id, user.id, referral.person_id)
    db.session.expire_all()
    with count_statements() as counter:
        response = client.post("/contacts/new", data=_asked(*ids[:3], "tok-once"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{ids[0]}")
    assert response.headers["Cache-Control"] == "no-store"
    statements = counter.statements
    assert len(_reads(statements, "user_account")) == 1
    # One statement reads the person, the activity, their enrolment and looks the form
    # token up (tenth round).
    (subjects,) = _reads(statements, "person")
    assert "JOIN activity" in subjects and "JOIN enrolment" in subjects
    assert "contact.form_token" in subjects
    assert _reads(statements, "activity") == []
    assert _reads(statements, "enrolment") == []
    assert len(_reads(statements, "contact")) == 1  # the form token
    assert len(_reads(statements, "membership")) == 1  # the request's own (tenancy)
    assert len(_writes(statements, "INSERT INTO", "enrolment")) == 1
    assert _writes(statements, "UPDATE", "enrolment") == []
    assert len(_writes(statements, "UPDATE", "referral")) == 1
    enrolment = db.session.scalars(select(Enrolment)).one()
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
        "/contacts/new", data=_asked(person.id, activity.id, stranger.id, "tok-stranger")
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


# --- tenth round (docs/performance.md, "Writes: tenth round") ------------------------


def _tap(client: Any, session_id: int, person_id: int) -> Any:
    return client.post(
        f"/checkin/sessions/{session_id}/check-in",
        data={"person_id": person_id, "role": "participant", "q": ""},
    )


def test_a_tap_reads_the_person_check_in_sign_up_and_enrolment_in_one_statement(
    client: Any, make: Any, staff: Any
) -> None:
    centre, _user = staff
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    person = make.person(centre)
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.ASKED, activity.id))
    session_id, person_id = session.id, person.id
    db.session.expire_all()
    with count_statements() as counter:
        assert _tap(client, session_id, person_id).status_code == 302
    statements = counter.statements
    (row,) = _reads(statements, "person")
    assert "JOIN attendance" in row and "JOIN session_signup" in row and "JOIN enrolment" in row
    assert _reads(statements, "session_signup") == []
    assert _reads(statements, "enrolment") == []
    # The attendance times for the "regular" rule are the only other read of check-ins.
    (times,) = _reads(statements, "attendance")
    assert times.split("FROM")[0].strip().endswith("attendance.checked_in_at")
    # user, centre, session (locked), the row above, INSERT attendance, the referral
    # rule, the check-in counter (+ its value without RETURNING), its log row; the
    # enrolment reaches "showed up": UPDATE it, the rule, the enrolment counter; the
    # times, UPDATE person and enrolment (its count).
    assert counter.count == (14 if db.engine.dialect.insert_returning else 16)
    enrolment = db.session.scalars(select(Enrolment)).one()
    assert enrolment.stage == Stage.SHOWED_UP and enrolment.attendance_count == 1
    with count_statements() as counter:  # tapped twice: kept once, nothing written
        assert _tap(client, session_id, person_id).status_code == 302
    assert not [s for s in counter.statements if not s.lstrip().startswith("SELECT")]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    assert out_of_step(db.session.connection()) == []


def test_a_tap_of_someone_never_enrolled_enrols_them_once(
    client: Any, make: Any, staff: Any
) -> None:
    centre, _user = staff
    session = make.session(make.activity(centre), utcnow() - timedelta(minutes=5))
    person = make.person(centre)
    session_id, person_id = session.id, person.id
    db.session.expire_all()
    with count_statements() as counter:
        assert _tap(client, session_id, person_id).status_code == 302
    assert _reads(counter.statements, "enrolment") == []
    assert len(_writes(counter.statements, "INSERT INTO", "enrolment")) == 1
    enrolment = db.session.scalars(select(Enrolment)).one()
    assert enrolment.person_id == person_id and enrolment.attendance_count == 1


def test_a_contact_about_an_enrolment_that_exists_reads_it_with_the_person(
    client: Any, make: Any, staff: Any
) -> None:
    centre, user = staff
    activity, person = make.activity(centre), make.person(centre)
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, activity.id))
    ids = (person.id, activity.id, user.id)
    db.session.expire_all()
    with count_statements() as counter:
        response = client.post("/contacts/new", data=_asked(*ids, "tok-again"))
    assert response.status_code == 302
    statements = counter.statements
    assert _reads(statements, "enrolment") == [] and _reads(statements, "activity") == []
    assert len(_writes(statements, "UPDATE", "enrolment")) == 1
    # user, centre, the person with activity, enrolment and form token, UPDATE person,
    # INSERT contact, UPDATE enrolment, the referral rule, the enrolment counter.
    assert counter.count == 8
    enrolment = db.session.scalars(select(Enrolment)).one()
    assert enrolment.stage == Stage.ASKED
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2


def test_enrol_uses_a_read_only_for_its_own_enrolment(make: Any) -> None:
    """What a statement read is used for that person, activity and role only; a read
    that found none while one was written since in this transaction still ends with
    that one (the unique key refuses a second, in the savepoint)."""
    centre = make.centre()
    activity, other = make.activity(centre), make.activity(centre)
    person = make.person(centre)
    with transaction():
        first = enrol(centre.id, person.id, activity.id)
    with transaction():
        stale = EnrolmentRead(person.id, activity.id, Role.PARTICIPANT, None)
        assert enrol(centre.id, person.id, activity.id, read=stale) is first
        elsewhere = EnrolmentRead(person.id, other.id, Role.PARTICIPANT, first)
        assert enrol(centre.id, person.id, activity.id, read=elsewhere) is first
        with count_statements() as counter:
            mine = EnrolmentRead(person.id, activity.id, Role.PARTICIPANT, first)
            assert enrol(centre.id, person.id, activity.id, read=mine) is first
        assert counter.count == 0
        db.session.delete(first)
        db.session.flush()
        gone = EnrolmentRead(person.id, activity.id, Role.PARTICIPANT, first)
        again = enrol(centre.id, person.id, activity.id, read=gone)
        assert again is not first and again.id is not None
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_the_referral_recompute_is_built_once(make: Any, monkeypatch: Any) -> None:
    """Built per call, its nine subqueries were walked for the statement cache's key on
    every write."""
    built: list[int] = []
    real = referral_acted_on.acted_on_rule

    def counting() -> Any:
        built.append(1)
        return real()

    monkeypatch.setattr(referral_acted_on, "acted_on_rule", counting)
    referral = make.referral(make.centre(), created_at=utcnow() - timedelta(days=1))
    connection = db.session.connection()
    referral_acted_on.refresh(connection, [referral.person_id])
    referral_acted_on.refresh(connection, [referral.person_id, referral.person_id + 1])
    assert len(built) <= 1
    assert out_of_step(connection) == []


def test_the_report_counter_upsert_is_compiled_once(make: Any) -> None:
    """SQLAlchemy compiled its dialects' ON CONFLICT constructs on every execution
    (they have no cache key): the counter's upsert is SQL text it caches."""
    centre = make.centre()
    session = make.session(make.activity(centre), utcnow())
    person = make.person(centre)
    month = date(2001, 1, 1)  # no other mark: the session made is this month
    change = (person.id, session.id, Role.PARTICIPANT, 1)
    seen: list[Any] = []

    def after(_conn: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: Any) -> None:
        if statement.lstrip().startswith("INSERT INTO report_change"):
            seen.append(context.cache_hit)

    connection = db.session.connection()
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for _ in range(2):
            freshness.mark(connection, [(centre.id, "attendance", month)])
            freshness.mark(
                connection,
                [(centre.id, "attendance", month)],
                {(centre.id, "attendance", month): [change]},
            )
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    assert len(seen) == 4
    assert all(hit == seen[-1] for hit in seen[2:])
    assert "CACHE_HIT" in str(seen[-1]) and "CACHE_HIT" in str(seen[-2])
    version = db.session.scalar(
        select(ReportChange.version).where(
            ReportChange.centre_id == centre.id, ReportChange.month == month
        )
    )
    assert version == 4
    logged = db.session.scalars(
        select(ReportCheckinChange.version).where(ReportCheckinChange.centre_id == centre.id)
    ).all()
    assert sorted(logged) == [2, 4]


def test_a_contact_form_sent_again_saves_nothing_twice(client: Any, make: Any, staff: Any) -> None:
    """The token looked up with the person: the same form again shows what it saved."""
    centre, user = staff
    activity, person = make.activity(centre), make.person(centre)
    data = {
        "person_id": person.id,
        "activity_id": activity.id,
        "outcome": "asked",
        "role": "participant",
        "by_user_id": user.id,
        "form_token": "tok-twice",
    }
    assert client.post("/contacts/new", data=data).status_code == 302
    with count_statements() as counter:
        again = client.post("/contacts/new", data=data)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/people/{data['person_id']}")
    assert all(s.lstrip().startswith("SELECT") for s in counter.statements)
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_language_choices_are_worked_out_once_a_locale(app: Any, monkeypatch: Any) -> None:
    """A logged contact asks for them on every post; each name was a catalogue lookup."""
    looked_up: list[str] = []

    class Name:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            looked_up.append(self.text)
            return self.text

    names = {"nb": Name("Norsk"), "xx": Name("Ukjent")}
    monkeypatch.setattr(languages, "LANGUAGES", names)
    app.extensions.pop(languages.CHOICES_BY_LOCALE, None)
    with app.test_request_context():
        first = languages.language_choices()
        first.append(("yy", "yy"))  # a caller's own list (people/forms.py adds to it)
        assert languages.language_choices() == [("nb", "Norsk"), ("xx", "Ukjent")]
    assert looked_up == ["Norsk", "Ukjent"]
    with app.test_request_context(), force_locale("en"):
        languages.language_choices()
    assert len(looked_up) == 4  # another locale: its own names
