"""One person's whole journey: heard via the kindergarten, asked by staff, checked in three
times, a regular, brings a neighbour who shows up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.extensions import db
from rekruttering.models import Attendance, ChannelKind, Enrolment, Person, UserRole
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.service import create_person
from rekruttering.transaction import transaction


def _enrolment(person_id: int, activity_id: int) -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.person_id == person_id,
            Enrolment.activity_id == activity_id,
            Enrolment.role == Role.PARTICIPANT,
        )
    )


def _tap(client: Any, session: Any, person: Any) -> None:
    response = client.post(
        f"/checkin/sessions/{session.id}/check-in",
        data={"person_id": person.id, "role": "participant"},
    )
    assert response.status_code == 302


def test_heard_asked_three_visits_regular_and_a_neighbour_who_comes(
    client: Any, make: Any, login: Any
) -> None:
    """Every stage time is the moment of the event that reached it, and the neighbour's
    recruited_by is the first person."""
    centre = make.centre()
    staff = make.user(centre, role=UserRole.STAFF)
    login(staff)
    kindergarten = make.channel(centre, "Besøk i barnehagen", kind=ChannelKind.PARTNER)
    word_of_mouth = make.channel(centre, "Muntlig", kind=ChannelKind.WORD_OF_MOUTH)
    activity = make.activity(centre, name="Mat og prat", weekday=1)
    now = utcnow().replace(microsecond=0)
    heard_at = now - timedelta(weeks=6)
    asked_at = now - timedelta(weeks=4)
    sessions = [make.session(activity, now - timedelta(weeks=w)) for w in (3, 2, 1)]
    today = make.session(activity, now - timedelta(minutes=10))

    with transaction():
        amina = create_person(centre.id, "Amina", "Rahimi", phone="912 34 567", language="prs")
        log_contact(
            centre.id,
            ContactInput(
                amina.id, Outcome.HEARD, activity.id, kindergarten.id, occurred_at=heard_at
            ),
        )
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                amina.id, Outcome.ASKED, activity.id, occurred_at=asked_at, by_user_id=staff.id
            ),
        )
    enrolment = _enrolment(amina.id, activity.id)
    assert (enrolment.stage, enrolment.heard_at, enrolment.asked_at) == (
        Stage.ASKED,
        heard_at,
        asked_at,
    )
    # She is expected at the session: on the check-in page with a button.
    page = client.get(f"/checkin/sessions/{sessions[0].id}").get_data(as_text=True)
    assert "Amina Rahimi" in page

    _tap(client, sessions[0], amina)
    enrolment = _enrolment(amina.id, activity.id)
    assert enrolment.stage == Stage.SHOWED_UP
    assert enrolment.showed_up_at == sessions[0].starts_at
    _tap(client, sessions[1], amina)
    assert _enrolment(amina.id, activity.id).stage == Stage.SHOWED_UP
    _tap(client, sessions[2], amina)
    enrolment = _enrolment(amina.id, activity.id)
    assert enrolment.stage == Stage.REGULAR
    assert enrolment.regular_at == sessions[2].starts_at
    assert (enrolment.heard_at, enrolment.asked_at) == (heard_at, asked_at)
    assert enrolment.showed_up_at == sessions[0].starts_at
    assert enrolment.attendance_count == 3
    assert enrolment.first_channel_id == kindergarten.id

    neighbour_heard = now - timedelta(days=3)
    with transaction():
        neighbour = create_person(centre.id, "Fatima", "Noor", phone="+47 413 22 333")
        log_contact(
            centre.id,
            ContactInput(
                neighbour.id,
                Outcome.HEARD,
                activity.id,
                word_of_mouth.id,
                occurred_at=neighbour_heard,
                recruited_by_id=amina.id,
                by_user_id=staff.id,
            ),
        )
    # Heard only: not on the list yet, but found by search and checked in at the door.
    page = client.get(f"/checkin/sessions/{today.id}?q=fatima").get_data(as_text=True)
    assert "Fatima Noor" in page
    _tap(client, today, neighbour)

    db.session.expire_all()
    attendance = db.session.scalar(select(Attendance).where(Attendance.person_id == neighbour.id))
    neighbour_enrolment = _enrolment(neighbour.id, activity.id)
    assert neighbour_enrolment.stage == Stage.SHOWED_UP
    assert neighbour_enrolment.heard_at == neighbour_heard
    assert neighbour_enrolment.showed_up_at == attendance.checked_in_at
    assert neighbour_enrolment.asked_at == attendance.checked_in_at  # coming implies asked
    assert neighbour_enrolment.first_channel_id == word_of_mouth.id
    assert db.session.get(Person, neighbour.id).recruited_by_id == amina.id
    # Amina stays a regular; the neighbour's visit changed nothing of hers.
    assert _enrolment(amina.id, activity.id).regular_at == sessions[2].starts_at
