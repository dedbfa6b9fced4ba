"""Offline check-in, server side: a tablet's queue applied once, whatever comes back.

The queue is posted to /checkin/sessions/<id>/sync as {"taps": [...]}, each with the
tablet's own id and the time of the tap. These tests replay queues, merge and erase
people meanwhile, send taps from the wrong day and from the wrong centre or role.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.checkin.sync import MAX_TAPS
from rekruttering.domain.clock import oslo_to_utc, oslo_today, start_of_oslo_day, utcnow
from rekruttering.extensions import db
from rekruttering.models import Attendance, OfflineTap, Person, UserRole
from rekruttering.people.service import merge_people
from rekruttering.privacy.anonymise import erase_person
from rekruttering.transaction import transaction


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _tap_time() -> datetime:
    """A moment today (Oslo) that is not in the future, at any hour of the test run."""
    now = utcnow().replace(microsecond=0)
    return max(start_of_oslo_day(oslo_today()), now - timedelta(minutes=1))


def _tap(person: Any, at: datetime | None = None, kind: str = "check_in", **kw: Any) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "person_id": person.id,
        "role": "participant",
        "at": (at or _tap_time()).isoformat().replace("+00:00", "Z"),
        **kw,
    }


@pytest.fixture
def door(make: Any, client: Any, login: Any) -> Any:
    """A centre with a session today, three people, and staff logged in at the door."""
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, oslo_to_utc(oslo_today(), time(12, 0)))
    people = [make.person(centre) for _ in range(3)]
    staff = make.user(centre, role=UserRole.STAFF)
    login(staff)

    class Door:
        pass

    d = Door()
    d.centre, d.activity, d.session, d.people, d.staff = centre, activity, session, people, staff
    d.client = client
    d.url = f"/checkin/sessions/{session.id}/sync"
    d.post = lambda taps: client.post(d.url, json={"taps": taps})
    return d


def _outcomes(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [r["outcome"] for r in response.get_json()["results"]]


def test_a_queue_sent_twice_checks_in_once(door: Any) -> None:
    """The same queue replayed (a lost answer) changes nothing and answers the same."""
    at = _tap_time()
    taps = [_tap(p, at) for p in door.people]
    assert _outcomes(door.post(taps)) == ["checked_in"] * 3
    again = door.post(taps)
    assert _outcomes(again) == ["checked_in"] * 3
    assert all(r["replayed"] for r in again.get_json()["results"])
    assert _count(Attendance, Attendance.session_id == door.session.id) == 3
    assert _count(OfflineTap) == 3
    # The tap's own time is the check-in time, not the time it arrived.
    times = db.session.scalars(select(Attendance.checked_in_at)).all()
    assert set(times) == {at}


def test_tap_then_undo_then_replay_leaves_nobody_checked_in(door: Any) -> None:
    person = door.people[0]
    taps = [_tap(person), _tap(person, kind="undo")]
    assert _outcomes(door.post(taps)) == ["checked_in", "undone"]
    assert _outcomes(door.post(taps)) == ["checked_in", "undone"]  # stored, not re-applied
    assert _count(Attendance) == 0


def test_two_tablets_tapping_the_same_person_make_one_check_in(door: Any) -> None:
    """Two tablets, two ids, one person: the second is told they were already in."""
    person = door.people[0]
    assert _outcomes(door.post([_tap(person)])) == ["checked_in"]
    assert _outcomes(door.post([_tap(person)])) == ["already"]
    assert _count(Attendance, Attendance.person_id == person.id) == 1


def test_a_merged_person_is_checked_in_as_the_surviving_record(door: Any) -> None:
    keep, duplicate = door.people[0], door.people[1]
    with transaction():
        merge_people(door.centre.id, keep.id, duplicate.id)
    response = door.post([_tap(duplicate)])
    assert _outcomes(response) == ["checked_in"]
    result = response.get_json()["results"][0]
    assert result["person_id"] == keep.id and result["reason"] == "merged"
    assert keep.first_name in result["message"]
    assert db.session.scalar(select(Attendance.person_id)) == keep.id


def test_an_erased_person_is_dropped_and_reported(door: Any) -> None:
    person = door.people[0]
    with transaction():
        erase_person(door.centre.id, person.id, "asked_in_person")
    response = door.post([_tap(person), _tap(door.people[1])])
    assert _outcomes(response) == ["dropped", "checked_in"]
    dropped = response.get_json()["results"][0]
    assert dropped["reason"] == "erased" and dropped["message"]
    assert _count(Attendance, Attendance.person_id == person.id) == 0


def test_a_cancelled_session_drops_the_taps(door: Any) -> None:
    door.session.cancelled = True
    db.session.commit()
    response = door.post([_tap(door.people[0])])
    assert _outcomes(response) == ["dropped"]
    assert response.get_json()["results"][0]["reason"] == "cancelled"
    assert _count(Attendance) == 0


def test_a_tap_from_yesterday_is_refused_with_the_reason(door: Any) -> None:
    yesterday = _tap_time() - timedelta(days=1)
    response = door.post([_tap(door.people[0], yesterday)])
    assert _outcomes(response) == ["refused"]
    result = response.get_json()["results"][0]
    assert result["reason"] == "other_day"
    assert "ikke på samlingens dag" in result["message"]  # bokmål, the default
    assert _count(Attendance) == 0 and _count(OfflineTap) == 0


def test_a_tablet_clock_ahead_counts_as_the_time_of_arrival(door: Any) -> None:
    """A tap 'from the future' is kept at the moment it arrived, never later."""
    ahead = utcnow() + timedelta(minutes=3)
    door.post([_tap(door.people[0], ahead)])
    assert db.session.scalar(select(Attendance.checked_in_at)) <= utcnow()


def test_a_walk_in_queued_offline_is_added_once(door: Any) -> None:
    walk_in = {
        "id": str(uuid.uuid4()),
        "kind": "walk_in",
        "at": _tap_time().isoformat(),
        "first_name": "Solveig",
        "last_name": "Innom",  # not one of Faker's: the door's three people are Faker's
        "phone": "",
        "language": "nb",
        "role": "participant",
    }
    assert _outcomes(door.post([walk_in])) == ["checked_in"]
    assert _outcomes(door.post([walk_in])) == ["checked_in"]
    assert _count(Person, Person.first_name == "Solveig", Person.last_name == "Innom") == 1
    assert _count(Attendance, Attendance.walk_in.is_(True)) == 1


def test_a_walk_in_that_cannot_be_read_adds_nobody(door: Any) -> None:
    bad = {"id": str(uuid.uuid4()), "kind": "walk_in", "at": _tap_time().isoformat()}
    response = door.post([bad])
    assert _outcomes(response) == ["refused"]
    assert response.get_json()["results"][0]["message"]
    assert _count(Attendance) == 0


def test_another_centres_person_is_refused(door: Any, make: Any) -> None:
    stranger = make.person(make.centre())
    response = door.post([_tap(stranger)])
    assert _outcomes(response) == ["refused"]
    assert response.get_json()["results"][0]["reason"] == "not_found"
    assert _count(Attendance) == 0


def test_another_centres_session_is_not_found(door: Any, make: Any, client: Any) -> None:
    other = make.session(make.activity(make.centre()), door.session.starts_at)
    response = client.post(
        f"/checkin/sessions/{other.id}/sync", json={"taps": [_tap(door.people[0])]}
    )
    assert response.status_code == 404
    assert _count(Attendance) == 0


@pytest.mark.parametrize(
    "payload",
    [None, [], {"taps": "x"}, {"taps": [{"id": "short"}]}, {"taps": [1]}],
)
def test_a_malformed_queue_gets_a_clear_400(door: Any, client: Any, payload: Any) -> None:
    response = client.post(door.url, json=payload)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_too_many_taps_at_once_are_refused(door: Any) -> None:
    taps = [_tap(door.people[0]) for _ in range(MAX_TAPS + 1)]
    response = door.post(taps)
    assert response.status_code == 400
    assert _count(Attendance) == 0


@pytest.mark.parametrize("role", [UserRole.PARTNER, UserRole.MUNICIPALITY])
def test_partners_and_the_municipality_cannot_sync(app: Any, make: Any, role: UserRole) -> None:
    centre = make.centre()
    session = make.session(make.activity(centre), oslo_to_utc(oslo_today(), time(12, 0)))
    person = make.person(centre)
    partner = make.partner(centres=[centre]) if role == UserRole.PARTNER else None
    user = make.user(centre, role=role, partner=partner)
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    response = client.post(f"/checkin/sessions/{session.id}/sync", json={"taps": [_tap(person)]})
    assert response.status_code == 403
    assert _count(Attendance) == 0


def test_the_public_cannot_sync(app: Any, make: Any) -> None:
    centre = make.centre()
    session = make.session(make.activity(centre), oslo_to_utc(oslo_today(), time(12, 0)))
    person = make.person(centre)
    response = app.test_client().post(
        f"/checkin/sessions/{session.id}/sync", json={"taps": [_tap(person)]}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count(Attendance) == 0


def test_todays_pages_are_marked_for_the_tablet_and_others_are_not(door: Any, make: Any) -> None:
    """Only today's sessions are kept on the device: the header says which pages."""
    page = door_client_get(door, f"/checkin/sessions/{door.session.id}")
    assert page.headers["X-Checkin-Day"] == oslo_today().isoformat()
    past = make.session(door.activity, door.session.starts_at - timedelta(days=3))
    assert "X-Checkin-Day" not in door_client_get(door, f"/checkin/sessions/{past.id}").headers
    assert door_client_get(door, "/checkin/").headers["X-Checkin-Day"] == oslo_today().isoformat()


def door_client_get(door: Any, url: str) -> Any:
    response = door.client.get(url)
    assert response.status_code == 200
    return response


def test_the_service_worker_is_served_for_the_checkin_scope(client: Any) -> None:
    response = client.get("/checkin/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]
    assert b'addEventListener("fetch"' in response.data


def test_logout_tells_the_browser_to_clear_the_tablets_copy(door: Any) -> None:
    response = door.client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
