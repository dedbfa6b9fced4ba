"""Check-in at the door: expected people, one tap, double taps, undo, walk-ins, the ratio."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from rekruttering.checkin.service import (
    WalkInInput,
    check_in,
    session_overview,
    undo_check_in,
    walk_in,
)
from rekruttering.domain.clock import oslo_today, start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Outcome, RegularRule, Role, Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Attendance, Enrolment, Person, Reminder, SessionSignup, UserRole
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.transaction import transaction

RULE = RegularRule(3, 8)


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _enrolment(person: Any) -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(select(Enrolment).where(Enrolment.person_id == person.id))


def _past_sessions(make: Any, activity: Any, weeks: int = 3) -> list[Any]:
    """Sessions one, two, three … weeks ago, oldest first."""
    now = utcnow().replace(microsecond=0)
    return [make.session(activity, now - timedelta(weeks=w)) for w in range(weeks, 0, -1)]


def _asked(make: Any, centre: Any, activity: Any, **kw: Any) -> Any:
    person = make.person(centre, **kw)
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id, Outcome.ASKED, activity.id, occurred_at=utcnow() - timedelta(weeks=10)
            ),
        )
    return person


# --- service ----------------------------------------------------------------------------


def test_three_check_ins_make_a_regular_at_the_third_session(make: Any) -> None:
    """First check-in is 'showed up' at that session's start; the third within 8 weeks 'regular'."""
    centre = make.centre()
    activity = make.activity(centre)
    person = _asked(make, centre, activity)
    sessions = _past_sessions(make, activity)
    with transaction():
        check_in(centre.id, sessions[0].id, person.id, rule=RULE)
    enrolment = _enrolment(person)
    assert enrolment.stage == Stage.SHOWED_UP
    assert enrolment.showed_up_at == sessions[0].starts_at
    for session in sessions[1:]:
        with transaction():
            check_in(centre.id, session.id, person.id, rule=RULE)
    enrolment = _enrolment(person)
    assert enrolment.stage == Stage.REGULAR
    assert enrolment.regular_at == sessions[2].starts_at
    assert enrolment.attendance_count == 3


def test_double_tap_checks_in_once(make: Any) -> None:
    """Checking the same person in twice gives one attendance; the second says so."""
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=10))
    with transaction():
        first = check_in(centre.id, session.id, person.id)
    with transaction():
        second = check_in(centre.id, session.id, person.id)
    assert first.created and not second.created
    assert _count(Attendance) == 1
    assert _enrolment(person).attendance_count == 1


def test_check_in_at_the_door_records_the_moment(make: Any) -> None:
    """On the session's own day the attendance time is the tap, not the session start."""
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre)
    session = make.session(activity, utcnow().replace(microsecond=0) - timedelta(minutes=1))
    tap = session.starts_at + timedelta(seconds=30)
    with transaction():
        result = check_in(centre.id, session.id, person.id, now=tap)
    assert result.attendance.checked_in_at == tap


def test_future_and_cancelled_sessions_refuse_check_in(make: Any) -> None:
    """A session on a later day, or a cancelled one, takes no check-in; nothing is written."""
    centre = make.centre()
    activity = make.activity(centre)
    person = make.person(centre)
    later = make.session(activity, utcnow() + timedelta(days=3))
    cancelled = make.session(activity, utcnow() - timedelta(days=7), cancelled=True)
    for session in (later, cancelled):
        with pytest.raises(ServiceError), transaction():
            check_in(centre.id, session.id, person.id)
    assert _count(Attendance) == 0 and _count(Enrolment) == 0


def test_walk_in_creates_the_person_and_checks_them_in(make: Any) -> None:
    """A walk-in becomes a person with a 'showed up' enrolment in the chosen role."""
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    with transaction():
        result = walk_in(
            centre.id,
            session.id,
            WalkInInput("Olena", phone="+47 412 34 567", language="uk", role=Role.VOLUNTEER),
        )
    person = db.session.get(Person, result.person.id)
    assert (person.first_name, person.phone, person.language) == ("Olena", "+4741234567", "uk")
    assert result.attendance.walk_in and result.attendance.role == Role.VOLUNTEER
    enrolment = _enrolment(person)
    assert (enrolment.stage, enrolment.role) == (Stage.SHOWED_UP, Role.VOLUNTEER)


def test_walk_in_with_a_known_phone_uses_the_existing_person(make: Any) -> None:
    """DuplicatePhone: the person who has that number is checked in, no duplicate made."""
    centre = make.centre()
    activity = make.activity(centre)
    known = make.person(centre, phone="+4791234567", first_name="Amina")
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    with transaction():
        result = walk_in(centre.id, session.id, WalkInInput("Amina R.", phone="912 34 567"))
    assert result.person.id == known.id
    assert _count(Person) == 1 and _count(Attendance) == 1


def test_walk_in_form_sent_twice_adds_one_person(make: Any) -> None:
    """The same form token twice: one person, one attendance (even without a phone)."""
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    for _ in range(2):
        with transaction():
            walk_in(centre.id, session.id, WalkInInput("Nadia"), form_token="tok-walk-1")
    assert _count(Person) == 1 and _count(Attendance) == 1


def test_walk_in_with_impossible_phone_writes_nothing(make: Any) -> None:
    """An impossible phone number is refused with a clear message; no person is left."""
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    with pytest.raises(ServiceError) as raised, transaction():
        walk_in(centre.id, session.id, WalkInInput("Nadia", phone="123"))
    assert raised.value.field == "phone" and "123" in raised.value.message
    assert _count(Person) == 0 and _count(Attendance) == 0


def test_undo_takes_back_only_what_the_tap_set(make: Any) -> None:
    """Undoing a walk-in's check-in removes the enrolment it created; undoing a regular's
    third check-in takes 'regular' back but keeps 'showed up' from the earlier sessions."""
    centre = make.centre()
    activity = make.activity(centre)
    today = make.session(activity, utcnow() - timedelta(minutes=5))
    with transaction():
        stranger = walk_in(centre.id, today.id, WalkInInput("Ola")).person
    with transaction():
        undo_check_in(centre.id, today.id, stranger.id, RULE)
    assert _count(Attendance) == 0 and _count(Enrolment) == 0

    person = _asked(make, centre, activity)
    sessions = _past_sessions(make, activity)
    for session in sessions:
        with transaction():
            check_in(centre.id, session.id, person.id, rule=RULE)
    with transaction():
        undo_check_in(centre.id, sessions[2].id, person.id, RULE)
    enrolment = _enrolment(person)
    assert enrolment.stage == Stage.SHOWED_UP
    assert enrolment.regular_at is None
    assert enrolment.showed_up_at == sessions[0].starts_at
    assert enrolment.asked_at is not None and enrolment.attendance_count == 2


def test_undo_without_check_in_is_a_clear_refusal(make: Any) -> None:
    """Undo for someone not checked in says so."""
    centre = make.centre()
    person = make.person(centre)
    session = make.session(make.activity(centre), utcnow())
    with pytest.raises(ServiceError), transaction():
        undo_check_in(centre.id, session.id, person.id)


def test_expected_people_and_the_ratio(make: Any) -> None:
    """Asked, showed-up and regular people, sign-ups and walk-ins are on the list; someone
    who only heard of it, or whose latest answer was 'no', is not; volunteers vs wish."""
    centre = make.centre()
    activity = make.activity(centre, wished_volunteer_ratio=0.5)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    asked = _asked(make, centre, activity, first_name="Asked")
    volunteer = make.person(centre, first_name="Vera")
    make.enrolment(
        volunteer, activity, role=Role.VOLUNTEER, asked_at=utcnow(), showed_up_at=utcnow()
    )
    regular = make.person(centre, first_name="Reidun")
    make.enrolment(regular, activity, regular_at=utcnow(), showed_up_at=utcnow(), asked_at=utcnow())
    heard = make.person(centre, first_name="Heard")
    make.enrolment(heard, activity, heard_at=utcnow())
    said_no = make.person(centre, first_name="Nei")
    make.enrolment(said_no, activity, asked_at=utcnow() - timedelta(days=3), declined_at=utcnow())
    with transaction():
        check_in(centre.id, session.id, asked.id)
        check_in(centre.id, session.id, regular.id)
        walk_in(centre.id, session.id, WalkInInput("Walker"))
    overview = session_overview(centre.id, session.id, rsvp={regular.id: "yes"})
    names = {p.name.split()[0] for p in overview.people}
    assert {"Asked", "Vera", "Reidun", "Walker"} <= names
    assert not {"Heard", "Nei"} & names
    assert overview.ratio.participants == 3 and overview.ratio.volunteers == 0
    assert overview.ratio.volunteers_wished == 2 and overview.ratio.missing_volunteers == 2
    assert overview.rsvp_yes == 1
    vera = next(p for p in overview.people if p.person_id == volunteer.id)
    assert vera.role == Role.VOLUNTEER and not vera.checked_in


def test_full_signup_session_refuses_drop_in_but_takes_signed_up(make: Any) -> None:
    """Ferieaktiviteter with 1 place: the signed-up child checks in, a drop-in does not fit,
    a volunteer does not take a place."""
    centre = make.centre()
    activity = make.activity(centre, signup_required=True, capacity=1)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    signed, drop_in, helper = make.person(centre), make.person(centre), make.person(centre)
    db.session.add(SessionSignup(centre_id=centre.id, session_id=session.id, person_id=signed.id))
    db.session.commit()
    with pytest.raises(ServiceError, match="full"), transaction():
        check_in(centre.id, session.id, drop_in.id)
    with transaction():
        check_in(centre.id, session.id, signed.id)
        check_in(centre.id, session.id, helper.id, role=Role.VOLUNTEER)
    assert _count(Attendance) == 2


# --- HTTP -------------------------------------------------------------------------------


def _staff(make: Any, login: Any) -> Any:
    centre = make.centre()
    login(make.user(centre, role=UserRole.STAFF))
    return centre


def test_page_lists_expected_people_with_one_button_each(
    client: Any, make: Any, login: Any
) -> None:
    """Each expected person has a real POST button, in name order, with their name for
    screen readers; the wished ratio and SMS answers show."""
    centre = _staff(make, login)
    activity = make.activity(centre, name="Språkkafe", wished_volunteer_ratio=0.5)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    bjorn = _asked(make, centre, activity, first_name="Bjørn", last_name="A")
    _asked(make, centre, activity, first_name="Anne", last_name="B")
    db.session.add(
        Reminder(
            centre_id=centre.id,
            person_id=bjorn.id,
            session_id=session.id,
            body="x",
            due_at=utcnow(),
            rsvp="yes",
            rsvp_at=utcnow(),
        )
    )
    db.session.commit()
    html = client.get(f"/checkin/sessions/{session.id}").get_data(as_text=True)
    listed = html.split("<template")[0]  # the walk-in row template for offline use follows
    assert listed.count('class="btn btn-success btn-lg btn-tap checkin-button" type="submit"') == 2
    assert html.index("Anne B") < html.index("Bjørn A")
    assert "SMS: yes" in html or "SMS: ja" in html
    assert "1 per 2" in html or "per 2" in html
    assert "<script>" not in html and "style=" not in html


def test_tap_through_http_checks_in_once(client: Any, make: Any, login: Any) -> None:
    """POST check-in redirects back to the person on the list; a second tap adds nothing."""
    centre = _staff(make, login)
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    person = _asked(make, centre, activity)
    for _ in range(2):
        response = client.post(
            f"/checkin/sessions/{session.id}/check-in",
            data={"person_id": person.id, "role": "participant", "q": ""},
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"#p-{person.id}")
    assert _count(Attendance) == 1
    html = client.get(f"/checkin/sessions/{session.id}").get_data(as_text=True)
    assert f'action="/checkin/sessions/{session.id}/undo"' in html
    assert (
        client.post(
            f"/checkin/sessions/{session.id}/undo",
            data={"person_id": person.id, "role": "participant"},
        ).status_code
        == 302
    )
    assert _count(Attendance) == 0


def test_person_of_another_centre_cannot_be_checked_in(client: Any, make: Any, login: Any) -> None:
    """A person id from another centre is refused and nothing is written."""
    centre = _staff(make, login)
    session = make.session(make.activity(centre), utcnow() - timedelta(minutes=5))
    stranger = make.person(make.centre())
    response = client.post(
        f"/checkin/sessions/{session.id}/check-in",
        data={"person_id": stranger.id, "role": "participant"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert _count(Attendance) == 0


def test_search_filters_the_list_and_finds_others(client: Any, make: Any, login: Any) -> None:
    """?q= narrows the list by name or phone and offers other people of the centre."""
    centre = _staff(make, login)
    activity = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    _asked(make, centre, activity, first_name="Fatima", last_name="Ali")
    _asked(make, centre, activity, first_name="Olga", last_name="Ivanova")
    make.person(centre, first_name="Fatma", last_name="Other")
    html = client.get(f"/checkin/sessions/{session.id}?q=fat").get_data(as_text=True)
    assert "Fatima Ali" in html and "Olga Ivanova" not in html
    assert "Fatma Other" in html  # not expected, but can be checked in


def test_walk_in_through_http(client: Any, make: Any, login: Any) -> None:
    """The walk-in form adds and checks in; sent twice with its token it adds one person;
    an impossible phone answers 400 with the reason and adds nobody."""
    centre = _staff(make, login)
    session = make.session(make.activity(centre), utcnow() - timedelta(minutes=5))
    data = {
        "first_name": "Hassan",
        "phone": "",
        "language": "ar",
        "role": "participant",
        "form_token": "tok-http-1",
    }
    for _ in range(2):
        assert client.post(f"/checkin/sessions/{session.id}/walk-in", data=data).status_code == 302
    assert _count(Person) == 1 and _count(Attendance) == 1
    bad = client.post(
        f"/checkin/sessions/{session.id}/walk-in",
        data={**data, "first_name": "Sara", "phone": "12", "form_token": "tok-http-2"},
    )
    assert bad.status_code == 400
    assert "12" in bad.get_data(as_text=True)
    assert _count(Person) == 1
    assert client.get(f"/checkin/sessions/{session.id}/walk-in").status_code == 200


def test_index_lists_todays_sessions(client: Any, make: Any, login: Any) -> None:
    """The check-in start page links today's session."""
    centre = _staff(make, login)
    session = make.session(make.activity(centre, name="Mat og prat"), utcnow())
    html = client.get("/checkin/").get_data(as_text=True)
    assert f"/checkin/sessions/{session.id}" in html


@contextmanager
def _counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_check_in_page_query_count_does_not_grow_with_people(
    client: Any, make: Any, login: Any
) -> None:
    """5 or 40 expected people (some checked in, signed up, answered): the same few queries."""
    centre = _staff(make, login)
    activity = make.activity(centre, signup_required=True, capacity=100)
    session = make.session(activity, utcnow() - timedelta(minutes=5))

    def add_people(n: int) -> None:
        for i in range(n):
            person = make.person(centre)
            make.enrolment(person, activity, asked_at=utcnow())
            if i % 3 == 0:
                make.attendance(session, person)
            if i % 4 == 0:
                db.session.add(
                    SessionSignup(centre_id=centre.id, session_id=session.id, person_id=person.id)
                )
        db.session.commit()

    add_people(5)
    db.session.expire_all()
    with _counting() as small:
        assert client.get(f"/checkin/sessions/{session.id}").status_code == 200
    add_people(35)
    db.session.expire_all()
    with _counting() as large:
        html = client.get(f"/checkin/sessions/{session.id}").get_data(as_text=True)
    assert html.count("checkin-button") >= 20
    assert len(large) == len(small)
    # The list's ids in name order, then the names of the page's people by id, and the
    # "said no" enrolments in a statement of their own (checkin.service.session_list).
    assert len(large) <= 14, large


@pytest.mark.postgres_only
def test_two_tablets_enrolling_one_person_at_once_both_check_in(app, make) -> None:
    """One person's first check-ins in an activity at two sessions at the same moment (two
    tablets, sessions in two months): the second enrolment insert waits for the first
    and is refused by the unique key; that tablet then uses the committed enrolment
    instead of failing."""
    centre = make.centre()
    activity = make.activity(centre)
    today = oslo_today()
    sessions = [
        make.session(activity, start_of_oslo_day(today - timedelta(days=d)) + timedelta(hours=12))
        for d in (40, 2)
    ]
    person = make.person(centre)
    centre_id, person_id = centre.id, person.id
    first_waits, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def tablet(session_id: int, first: bool) -> None:
        with app.app_context():
            try:
                if not first:
                    first_waits.wait(10)
                    second_started.set()
                with transaction():
                    check_in(centre_id, session_id, person_id)
                    if first:  # hold the new enrolment uncommitted while the other inserts
                        first_waits.set()
                        second_started.wait(10)
                        time.sleep(0.5)
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tablet, args=(s.id, n == 0)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.person_id == person_id)).all()
    assert len(enrolments) == 1
    assert enrolments[0].attendance_count == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.person_id == person_id)
        )
        == 2
    )


def test_a_page_of_the_list_in_one_statement_is_its_rows_read_apart(make: Any) -> None:
    """``page_of`` (a page's names and roles in one statement) gives the rows that
    ``expected_people(listed_people(...))`` gives, on every page: a person enrolled as
    participant and volunteer, one as volunteer only, a "said no" after being asked
    (left out) and one asked again after it, sign-ups, walk-ins, a checked-in person
    anonymised since, and one merged away."""
    from rekruttering.checkin.service import expected_people, listed_people, page_of, session_list

    centre = make.centre()
    activity = make.activity(centre)
    other = make.activity(centre)
    session = make.session(activity, utcnow() - timedelta(minutes=5))
    now = utcnow()
    people = []
    for i in range(23):
        person = make.person(centre, first_name=f"P{i % 7}", last_name=f"L{i}")
        people.append(person)
        kind = i % 6
        if kind == 0:
            make.enrolment(person, activity, asked_at=now, showed_up_at=now)
            make.enrolment(person, activity, role=Role.VOLUNTEER, asked_at=now)
        elif kind == 1:
            make.enrolment(person, activity, role=Role.VOLUNTEER, asked_at=now, regular_at=now)
        elif kind == 2:
            make.enrolment(person, activity, asked_at=now - timedelta(days=3), declined_at=now)
            make.enrolment(person, other, asked_at=now)
        elif kind == 3:
            make.enrolment(person, activity, declined_at=now - timedelta(days=3), asked_at=now)
        elif kind == 4:
            db.session.add(
                SessionSignup(
                    centre_id=centre.id,
                    session_id=session.id,
                    person_id=person.id,
                    waitlisted=i % 4 == 0,
                )
            )
        else:
            make.attendance(session, person, role=Role.VOLUNTEER if i % 2 else Role.PARTICIPANT)
    db.session.commit()
    with transaction():
        walk_in(centre.id, session.id, WalkInInput("Walker"))
        check_in(centre.id, session.id, people[0].id)
    gone, merged = people[5], people[6]
    db.session.execute(
        Person.__table__.update().where(Person.id == gone.id).values(anonymised_at=now)
    )
    db.session.execute(
        Person.__table__.update().where(Person.id == merged.id).values(merged_into_id=people[7].id)
    )
    db.session.commit()
    listing = session_list(centre.id, session.id, rsvp={people[1].id: "yes", people[3].id: "no"})
    assert listing.count > 10
    for offset, limit in [(0, 5), (5, 5), (10, 50), (0, 50), (listing.count - 1, 5), (99, 5)]:
        apart = expected_people(listing, listed_people(listing, offset, limit))
        assert page_of(listing, offset, limit) == apart, (offset, limit)
    everyone = page_of(listing, 0, 50)
    assert {p.role for p in everyone} == {Role.PARTICIPANT, Role.VOLUNTEER}
    assert any(p.stage is not None for p in everyone)
