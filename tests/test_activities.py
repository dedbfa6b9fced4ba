"""Activities: create and edit with weekly times, generated sessions, cancelled dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.activities.service import (
    ActivityInput,
    SlotInput,
    add_cancelled_date,
    create_activity,
    remove_cancelled_date,
    update_activity,
)
from rekruttering.activities.sessions import generate_sessions
from rekruttering.config import current_settings
from rekruttering.domain.clock import oslo_to_utc, oslo_today, to_oslo
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Activity, CancelledDate, Session, UserRole, WeeklySlot
from rekruttering.transaction import transaction

# A Monday in winter: generation "now" for deterministic tests.
NOW = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
THU = 3


def _sessions(activity_id: int) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session).where(Session.activity_id == activity_id).order_by(Session.starts_at)
        )
    )


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_generation_makes_weekly_sessions_and_is_idempotent(make: Any) -> None:
    """Thursdays 11-13 for three weeks give three sessions at 11:00 Oslo; a rerun adds none."""
    centre = make.centre()
    activity = make.activity(centre, weekday=THU, start=time(11), end=time(13))
    with transaction():
        first = generate_sessions(centre.id, activity.id, 3, now=NOW)
    with transaction():
        second = generate_sessions(centre.id, None, 3, now=NOW)
    found = _sessions(activity.id)
    assert first.created == 3 and second.created == 0
    assert [s.starts_at for s in found] == [
        datetime(2026, 1, 8, 10, tzinfo=UTC),
        datetime(2026, 1, 15, 10, tzinfo=UTC),
        datetime(2026, 1, 22, 10, tzinfo=UTC),
    ]
    assert all(s.place == "Kafeen" and not s.cancelled for s in found)


def test_generation_over_the_spring_change_keeps_oslo_time(make: Any) -> None:
    """Sundays 10:00 around the last Sunday of March: 09:00 UTC before, 08:00 UTC after."""
    centre = make.centre()
    activity = make.activity(centre, weekday=6, start=time(10), end=time(12))
    with transaction():
        generate_sessions(centre.id, activity.id, 2, now=datetime(2026, 3, 20, 12, tzinfo=UTC))
    assert [s.starts_at for s in _sessions(activity.id)] == [
        datetime(2026, 3, 22, 9, tzinfo=UTC),
        datetime(2026, 3, 29, 8, tzinfo=UTC),
    ]


def test_generation_over_the_autumn_change_keeps_oslo_time(make: Any) -> None:
    """Sundays 10:00 around the last Sunday of October: 08:00 UTC before, 09:00 UTC after."""
    centre = make.centre()
    activity = make.activity(centre, weekday=6, start=time(10), end=time(12))
    with transaction():
        generate_sessions(centre.id, activity.id, 2, now=datetime(2026, 10, 16, 12, tzinfo=UTC))
    assert [s.starts_at for s in _sessions(activity.id)] == [
        datetime(2026, 10, 18, 8, tzinfo=UTC),
        datetime(2026, 10, 25, 9, tzinfo=UTC),
    ]


def test_schedule_change_removes_unused_sessions_and_keeps_used_ones(make: Any) -> None:
    """Moving Thursday to Friday: empty Thursday sessions go, one with a sign-up is cancelled,
    one with attendance stays as it was."""
    centre = make.centre()
    activity = make.activity(centre, weekday=THU)
    person = make.person(centre)
    with transaction():
        generate_sessions(centre.id, activity.id, 3, now=NOW)
    first, second, _third = _sessions(activity.id)
    make.attendance(first, person)
    from rekruttering.models import SessionSignup

    db.session.add(SessionSignup(centre_id=centre.id, session_id=second.id, person_id=person.id))
    db.session.commit()
    slot = db.session.scalar(select(WeeklySlot).where(WeeklySlot.activity_id == activity.id))
    slot.weekday = 4
    db.session.commit()
    with transaction():
        result = generate_sessions(centre.id, activity.id, 3, now=NOW)
    db.session.expire_all()
    found = {s.starts_at: s for s in _sessions(activity.id)}
    assert result.removed == 1 and result.cancelled == 1 and result.created == 3
    assert not found[first.starts_at].cancelled  # attended: history, untouched
    assert found[second.starts_at].cancelled  # someone signed up: cancelled, not deleted
    fridays = [s for s in found.values() if to_oslo(s.starts_at).weekday() == 4]
    assert len(fridays) == 3


def test_cancelled_date_marks_the_session_and_taking_it_back_restores_it(make: Any) -> None:
    """A cancelled date cancels that day's session; removing the date puts it back on."""
    centre = make.centre()
    activity = make.activity(centre, weekday=THU)
    today = oslo_today()
    day = today + timedelta(days=(THU - today.weekday()) % 7 + 7)
    with transaction():
        generate_sessions(centre.id, activity.id, 3)
        add_cancelled_date(centre.id, activity.id, day, "Vinterferie", weeks_ahead=3)
    on_day = [s for s in _sessions(activity.id) if to_oslo(s.starts_at).date() == day]
    assert len(on_day) == 1 and on_day[0].cancelled
    with transaction():
        assert remove_cancelled_date(centre.id, activity.id, day, weeks_ahead=3)
    db.session.expire_all()
    on_day = [s for s in _sessions(activity.id) if to_oslo(s.starts_at).date() == day]
    assert len(on_day) == 1 and not on_day[0].cancelled
    assert _count(CancelledDate) == 0


def test_inactive_activity_loses_its_future_sessions(make: Any) -> None:
    """Switching an activity off removes its future sessions that nobody used."""
    centre = make.centre()
    activity = make.activity(centre, weekday=THU)
    with transaction():
        generate_sessions(centre.id, activity.id, 4)
    assert len(_sessions(activity.id)) >= 4
    activity.active = False
    db.session.commit()
    with transaction():
        generate_sessions(centre.id, activity.id, 4)
    assert _sessions(activity.id) == []


def test_create_activity_with_slots_and_season(make: Any) -> None:
    """create_activity stores times, season, ratio and reminder defaults, and makes sessions."""
    centre = make.centre()
    today = oslo_today()
    with transaction():
        activity = create_activity(
            centre.id,
            ActivityInput(
                name="Språkkafe",
                slots=[
                    SlotInput(THU, time(11), time(13), "Kafeen"),
                    SlotInput(1, time(17), time(19)),
                ],
                target_group="immigrant",
                wished_volunteer_ratio=0.5,
                season_start=today,
                season_end=today + timedelta(days=60),
                reminder_days_before=2,
                reminder_time=time(17, 30),
            ),
            weeks_ahead=2,
        )
    assert activity.slug == "sprakkafe"
    assert [(s.weekday, s.place) for s in activity.schedules] == [(1, ""), (THU, "Kafeen")]
    assert len(_sessions(activity.id)) in (4, 5)  # two slots a week, two weeks (today may count)
    assert activity.reminder_time == time(17, 30) and activity.wished_volunteer_ratio == 0.5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ActivityInput(name="  "), "name"),
        (
            ActivityInput(name="X", season_start=date(2026, 5, 1), season_end=date(2026, 4, 1)),
            "season_end",
        ),
        (ActivityInput(name="X", signup_required=True), "capacity"),
        (ActivityInput(name="X", wished_volunteer_ratio=0), "wished_volunteer_ratio"),
        (ActivityInput(name="X", capacity=0), "capacity"),
        (ActivityInput(name="X", target_group="aliens"), "target_group"),
        (ActivityInput(name="X", slots=[SlotInput(2, time(10), time(10))]), "slots"),
    ],
)
def test_bad_activity_input_is_refused_and_nothing_written(
    make: Any, data: Any, field: str
) -> None:
    """Each bad value is refused with its field named; no activity or session is stored."""
    centre = make.centre()
    with pytest.raises(ServiceError) as raised, transaction():
        create_activity(centre.id, data)
    assert raised.value.field == field
    assert _count(Activity) == 0 and _count(Session) == 0


def test_same_name_twice_in_a_centre_is_refused(make: Any) -> None:
    """Two activities of one centre cannot share a name (another centre may)."""
    centre, other = make.centre(), make.centre()
    make.activity(centre, name="Mat og prat")
    with pytest.raises(ServiceError), transaction():
        create_activity(centre.id, ActivityInput(name="Mat og prat"))
    with transaction():
        create_activity(other.id, ActivityInput(name="Mat og prat"))


def test_update_changes_schedule_and_sessions_follow(make: Any) -> None:
    """Editing the weekly time moves the future sessions at once."""
    centre = make.centre()
    with transaction():
        activity = create_activity(
            centre.id,
            ActivityInput(name="Jentegruppe", slots=[SlotInput(1, time(14, 30), time(16))]),
            2,
        )
    with transaction():
        update_activity(
            centre.id,
            activity.id,
            ActivityInput(name="Jentegruppe", slots=[SlotInput(2, time(15), time(16, 30))]),
            2,
        )
    db.session.expire_all()
    found = _sessions(activity.id)
    assert found and all(to_oslo(s.starts_at).weekday() == 2 for s in found)
    assert all(to_oslo(s.starts_at).time() == time(15) for s in found)


# --- HTTP -----------------------------------------------------------------------------


def _staff(make: Any, login: Any) -> Any:
    centre = make.centre()
    login(make.user(centre, role=UserRole.STAFF))
    return centre


def test_create_activity_through_the_form(client: Any, make: Any, login: Any) -> None:
    """The new-activity form stores the activity with its weekly time and redirects to it."""
    _staff(make, login)
    response = client.post(
        "/activities/new",
        data={
            "name": "Foreldreprat",
            "target_group": "children_youth",
            "slots-0-weekday": "0",
            "slots-0-start": "17:30",
            "slots-0-end": "19.00",
            "slots-0-place": "Møterommet",
            "season_start": "15.08.2026",
            "season_end": "2027-06-20",
            "reminder_days_before": "1",
            "reminder_time": "18:00",
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    activity = db.session.scalar(select(Activity))
    assert activity.season_start == date(2026, 8, 15)
    assert [(s.weekday, s.start_time, s.end_time) for s in activity.schedules] == [
        (0, time(17, 30), time(19))
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Foreldreprat" in page and "17:30" in page


def test_wrong_date_format_gets_a_clear_message(client: Any, make: Any, login: Any) -> None:
    """A season date like 2026/31/12 is refused with how to write it; nothing is stored."""
    _staff(make, login)
    response = client.post(
        "/activities/new",
        data={
            "name": "Kreativt verksted",
            "season_start": "2026/31/12",
            "reminder_days_before": "1",
            "reminder_time": "18:00",
        },
    )
    assert response.status_code == 200
    assert "2026-03-29" in response.get_data(as_text=True)
    assert _count(Activity) == 0


def test_add_time_button_adds_a_row_without_saving(client: Any, make: Any, login: Any) -> None:
    """ "Add another time" shows one more empty row and stores nothing."""
    _staff(make, login)
    response = client.post(
        "/activities/new",
        data={"name": "X", "slots-0-weekday": "1", "add_slot": "y", "reminder_days_before": "1"},
    )
    assert response.status_code == 200
    assert 'name="slots-1-weekday"' in response.get_data(as_text=True)
    assert _count(Activity) == 0


def test_edit_page_shows_the_existing_times(client: Any, make: Any, login: Any) -> None:
    """The edit form is filled in with the activity's weekly times plus a spare row."""
    centre = _staff(make, login)
    activity = make.activity(centre, weekday=THU, start=time(11), end=time(13))
    html = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'value="11:00"' in html and 'name="slots-1-weekday"' in html


def test_index_detail_and_sessions_pages(client: Any, make: Any, login: Any) -> None:
    """The list, the activity page and the upcoming/past session lists answer 200."""
    centre = _staff(make, login)
    activity = make.activity(centre, name="Mat og prat", weekday=1)
    make.session(activity, datetime(2025, 1, 7, 10, tzinfo=UTC))
    with transaction():
        generate_sessions(centre.id, activity.id, 2)
    assert "Mat og prat" in client.get("/activities/").get_data(as_text=True)
    assert client.get(f"/activities/{activity.id}").status_code == 200
    upcoming = client.get(f"/activities/{activity.id}/sessions").get_data(as_text=True)
    past = client.get(f"/activities/{activity.id}/sessions?when=past").get_data(as_text=True)
    assert "/checkin/sessions/" in upcoming
    assert "2025" in past


def test_sessions_list_is_paginated(client: Any, make: Any, login: Any) -> None:
    """More sessions than a page shows a pager."""
    centre = _staff(make, login)
    activity = make.activity(centre, weekday=None)
    for week in range(60):
        make.session(activity, datetime(2024, 1, 1, 10, tzinfo=UTC) + timedelta(weeks=week))
    html = client.get(f"/activities/{activity.id}/sessions?when=past").get_data(as_text=True)
    assert 'aria-label="Pages"' in html or "pagination" in html


def test_cancelled_date_through_the_form(client: Any, make: Any, login: Any) -> None:
    """A cancelled date typed as dd.mm.yyyy is stored; a bad one is explained."""
    centre = _staff(make, login)
    activity = make.activity(centre)
    day = oslo_today() + timedelta(days=10)
    ok = client.post(
        f"/activities/{activity.id}/cancelled-dates",
        data={"day": day.strftime("%d.%m.%Y"), "reason": "Påskeferie"},
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(CancelledDate.day)) == day
    bad = client.post(
        f"/activities/{activity.id}/cancelled-dates",
        data={"day": "tomorrow"},
        follow_redirects=True,
    )
    assert "29.03.2026" in bad.get_data(as_text=True)
    assert _count(CancelledDate) == 1
    client.post(f"/activities/{activity.id}/cancelled-dates/remove", data={"day": day.isoformat()})
    assert _count(CancelledDate) == 0


#: Eight weeks from here hold no public holiday on the factory's weekday (the counts below).
NO_HOLIDAYS_AHEAD = datetime(2026, 9, 1, 9, tzinfo=UTC)


def test_generate_button_and_cli_command(
    app: Any, client: Any, make: Any, login: Any, clock: Any
) -> None:
    """The button and `rekruttering generate-sessions` both generate, idempotently."""
    clock.move_to(NO_HOLIDAYS_AHEAD)
    centre = _staff(make, login)
    activity = make.activity(centre)
    assert client.post(f"/activities/{activity.id}/sessions/generate").status_code == 302
    count = len(_sessions(activity.id))
    assert count >= 8
    result = app.test_cli_runner().invoke(args=["generate-sessions", "--weeks", "8"])
    assert result.exit_code == 0, result.output
    assert "0 created" in result.output
    assert len(_sessions(activity.id)) == count


def test_nightly_job_is_registered_outside_the_changeover_hour(
    app: Any, make: Any, clock: Any
) -> None:
    """The job runs at 04:15 Oslo (not 02-03) and generates sessions for every centre."""
    clock.move_to(NO_HOLIDAYS_AHEAD)
    from rekruttering_jobs import sessions as job
    from rekruttering_jobs.registry import JOBS

    entry = next(j for j in JOBS if j.id == job.JOB_ID)
    trigger = entry.trigger(current_settings(app))
    assert trigger["hour"] not in (2,) and (trigger["hour"], trigger["minute"]) == (4, 15)
    make.activity(make.centre())
    make.activity(make.centre())
    assert job.generate_sessions_job(app) >= 16


def test_partner_cannot_see_activities(client: Any, make: Any, login: Any) -> None:
    """Activities are for staff: a partner gets 403."""
    centre = make.centre()
    login(make.user(centre, role=UserRole.PARTNER, partner=make.partner(centres=[centre])))
    assert client.get("/activities/").status_code == 403


def test_oslo_to_utc_helper_matches_generation(make: Any) -> None:
    """Generated starts equal clock.oslo_to_utc for the same day and time (one conversion)."""
    centre = make.centre()
    activity = make.activity(centre, weekday=THU, start=time(11), end=time(13))
    with transaction():
        generate_sessions(centre.id, activity.id, 1, now=NOW)
    (only,) = _sessions(activity.id)
    assert only.starts_at == oslo_to_utc(date(2026, 1, 8), time(11))
