"""Sign-up and the waiting list (Ferieaktiviteter): full means waiting, a cancel moves one up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.activities.service import ActivityInput, SlotInput, update_activity
from rekruttering.activities.sessions import generate_sessions
from rekruttering.activities.signups import cancel_signup, sign_up
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Enrolment, Person, Session, SessionSignup, UserRole
from rekruttering.transaction import transaction


def _holiday(make: Any, capacity: int = 2) -> tuple[Any, Any, Any]:
    centre = make.centre()
    activity = make.activity(
        centre, name="Ferieaktiviteter", signup_required=True, capacity=capacity
    )
    with transaction():
        generate_sessions(centre.id, activity.id, 2)
    # The next session of the weekly schedule (so editing the activity keeps it).
    session = db.session.scalar(
        select(Session)
        .where(Session.activity_id == activity.id, Session.starts_at > utcnow())
        .order_by(Session.starts_at)
    )
    return centre, activity, session


def _status(session: Any) -> dict[int, bool]:
    db.session.expire_all()
    return {
        s.person_id: s.waitlisted
        for s in db.session.scalars(
            select(SessionSignup).where(SessionSignup.session_id == session.id)
        )
    }


def test_beyond_capacity_goes_on_the_waiting_list_and_moves_up(make: Any) -> None:
    """Capacity 2: the third waits; when the first cancels, the third gets the place."""
    centre, _activity, session = _holiday(make)
    a, b, c, d = (make.person(centre) for _ in range(4))
    now = utcnow()
    for i, person in enumerate((a, b, c, d)):
        with transaction():
            sign_up(centre.id, session.id, person.id, now=now + timedelta(seconds=i))
    assert _status(session) == {a.id: False, b.id: False, c.id: True, d.id: True}
    with transaction():
        moved = cancel_signup(centre.id, session.id, a.id)
    assert [s.person_id for s in moved] == [c.id]
    assert _status(session) == {b.id: False, c.id: False, d.id: True}


def test_signing_up_twice_keeps_one_sign_up(make: Any) -> None:
    """A second sign-up of the same person keeps the first (and its place)."""
    centre, _activity, session = _holiday(make)
    person = make.person(centre)
    with transaction():
        first = sign_up(centre.id, session.id, person.id)
    with transaction():
        second = sign_up(centre.id, session.id, person.id)
    assert first.id == second.id
    assert db.session.scalar(select(func.count(SessionSignup.id))) == 1
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.stage == Stage.HEARD and enrolment.heard_at is not None


def test_sign_up_refused_where_it_makes_no_sense(make: Any) -> None:
    """No sign-up for a drop-in activity, a cancelled or past session; nothing written."""
    centre = make.centre()
    person = make.person(centre)
    open_activity = make.activity(centre)
    holiday = make.activity(centre, signup_required=True, capacity=5)
    sessions = [
        make.session(open_activity, utcnow() + timedelta(days=1)),
        make.session(holiday, utcnow() + timedelta(days=1), cancelled=True),
        make.session(holiday, utcnow() - timedelta(days=1)),
    ]
    for session in sessions:
        with pytest.raises(ServiceError), transaction():
            sign_up(centre.id, session.id, person.id)
    assert db.session.scalar(select(func.count(SessionSignup.id))) == 0


def test_drop_in_takes_a_place(make: Any) -> None:
    """A participant checked in without sign-up holds a place: the next sign-up waits."""
    centre, _activity, session = _holiday(make, capacity=1)
    make.attendance(session, make.person(centre))
    with transaction():
        signup = sign_up(centre.id, session.id, make.person(centre).id)
    assert signup.waitlisted


def test_raising_capacity_moves_people_up(make: Any) -> None:
    """Editing capacity from 1 to 2 gives the first on the waiting list the new place."""
    centre, activity, session = _holiday(make, capacity=1)
    a, b = make.person(centre), make.person(centre)
    with transaction():
        sign_up(centre.id, session.id, a.id)
        sign_up(centre.id, session.id, b.id, now=utcnow() + timedelta(seconds=1))
    with transaction():
        update_activity(
            centre.id,
            activity.id,
            ActivityInput(
                name=activity.name,
                slots=[SlotInput(3, s.start_time, s.end_time) for s in activity.schedules],
                signup_required=True,
                capacity=2,
            ),
        )
    assert _status(session) == {a.id: False, b.id: False}


def test_cancel_without_sign_up_is_refused(make: Any) -> None:
    """Cancelling someone not signed up says so."""
    centre, _activity, session = _holiday(make)
    with pytest.raises(ServiceError), transaction():
        cancel_signup(centre.id, session.id, make.person(centre).id)


# --- HTTP -------------------------------------------------------------------------------


def test_sign_up_page_and_actions(client: Any, make: Any, login: Any) -> None:
    """Staff find a person, sign them up, add someone new, and cancel: the page follows."""
    centre, _activity, session = _holiday(make, capacity=1)
    login(make.user(centre, role=UserRole.STAFF))
    person = make.person(centre, first_name="Jonas", last_name="Berg")
    html = client.get(f"/sessions/{session.id}/signups?q=jonas").get_data(as_text=True)
    assert "Jonas Berg" in html
    assert (
        client.post(f"/sessions/{session.id}/signups", data={"person_id": person.id}).status_code
        == 302
    )
    new = client.post(
        f"/sessions/{session.id}/signups",
        data={"first_name": "Ida", "phone": "", "language": "nb"},
        follow_redirects=True,
    )
    assert "Ida" in new.get_data(as_text=True)
    ida = db.session.scalar(select(Person).where(Person.first_name == "Ida"))
    assert _status(session) == {person.id: False, ida.id: True}
    cancelled = client.post(
        f"/sessions/{session.id}/signups/cancel",
        data={"person_id": person.id},
        follow_redirects=True,
    )
    assert cancelled.status_code == 200
    assert _status(session) == {ida.id: False}


def test_sign_up_of_new_person_with_bad_phone_adds_nobody(
    client: Any, make: Any, login: Any
) -> None:
    """An impossible phone in the new-person form is explained; no person, no sign-up."""
    centre, _activity, session = _holiday(make)
    login(make.user(centre, role=UserRole.STAFF))
    response = client.post(
        f"/sessions/{session.id}/signups",
        data={"first_name": "Ida", "phone": "99", "language": "nb"},
        follow_redirects=True,
    )
    assert "99" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 0
