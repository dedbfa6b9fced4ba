"""Scheduling reminders (service and pages): preview in the person's language with
segments and cost, schedule once, everyone expected, quiet hours, cancel, decide,
templates, opt-out by staff, and no phone numbers or texts in the INFO log."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from rekruttering.config import Settings, current_settings
from rekruttering.domain.clock import OSLO, oslo_to_utc, to_oslo, utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.errors import Conflict, ServiceError
from rekruttering.extensions import db
from rekruttering.models import Message, OptOut, Reminder, ReminderState, UserRole
from rekruttering.reminders import service
from rekruttering.reminders.dispatch import dispatch_due
from rekruttering.sms.number_hash import hash_of
from rekruttering.transaction import transaction
from tests.sms_fakes import textable_person

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # Tuesday 12:00 Oslo
THURSDAY = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # Thursday 11:00 Oslo


def _settings(app: Flask) -> Settings:
    return current_settings(app)


def _count(model: Any = Reminder) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def world(app: Flask, make: Any) -> dict[str, Any]:
    centre = make.centre()
    activity = make.activity(centre, name="Mat og prat")
    return {
        "centre": centre,
        "activity": activity,
        "session": make.session(activity, THURSDAY, place="Kafeen"),
        "staff": make.user(centre, name="Ola Hansen"),
    }


# --- service ---------------------------------------------------------------------------


def test_preview_renders_in_the_persons_language_and_counts_segments(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Ukrainian speakers get the Ukrainian text (UCS-2), Somali speakers fall back to
    Norwegian (GSM-7); due the evening before at 18:00 Oslo; nothing is written."""
    uk = textable_person(make, world["centre"], first_name="Olena", language="uk")
    so = textable_person(make, world["centre"], first_name="Hodan", language="so")
    plans = {}
    for person in (uk, so):
        plans[person.first_name] = service.preview(
            world["centre"].id,
            service.ScheduleRequest(person_id=person.id, session_id=world["session"].id),
            "Ola Hansen",
            _settings(app),
            now=NOW,
        )
    olena = plans["Olena"].items[0]
    assert olena.language == "uk" and olena.segments.encoding == "UCS-2"
    assert "Olena" in olena.body and "четвер" in olena.body and "Mat og prat" in olena.body
    hodan = plans["Hodan"].items[0]
    assert hodan.language == "nb" and hodan.segments.encoding == "GSM-7"
    assert hodan.body.startswith(
        "Hei Hodan! Velkommen til Mat og prat torsdag 12. mars kl. 11:00, Kafeen."
    )
    assert "Ola Hansen" in hodan.body
    assert to_oslo(hodan.due_at).strftime("%a %H:%M") == "Wed 18:00"
    assert plans["Hodan"].total_segments == 1
    assert plans["Hodan"].cost_kroner == pytest.approx(0.80)
    assert _count() == 0


def test_schedule_once_even_when_submitted_twice(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Scheduling writes the previewed text; the same request again creates nothing new."""
    person = textable_person(make, world["centre"])
    request = service.ScheduleRequest(person_id=person.id, session_id=world["session"].id)
    for _ in range(2):
        with transaction():
            service.schedule(world["centre"].id, request, world["staff"], _settings(app), now=NOW)
    reminder = db.session.scalar(sa.select(Reminder))
    assert _count() == 1
    assert reminder.state == ReminderState.PENDING and reminder.created_by_id == world["staff"].id
    assert reminder.body.startswith(f"Hei {person.first_name}!")
    assert reminder.due_at == datetime(2026, 3, 11, 17, 0, tzinfo=UTC)


def test_everyone_expected_skips_those_who_cannot_be_texted(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Everyone asked or further is planned; no consent, opted out and 'said no' are
    left out with a reason; only the textable ones are scheduled."""
    centre, activity = world["centre"], world["activity"]
    asked = textable_person(make, centre, first_name="Amina")
    regular = textable_person(make, centre, first_name="Berit")
    no_consent = make.person(centre, first_name="Carl")
    opted = textable_person(make, centre, first_name="Dina")
    declined = textable_person(make, centre, first_name="Erik")
    heard_only = textable_person(make, centre, first_name="Frida")
    t = NOW - timedelta(days=7)
    for p in (asked, no_consent, opted):
        make.enrolment(p, activity, heard_at=t, asked_at=t)
    make.enrolment(regular, activity, heard_at=t, asked_at=t, showed_up_at=t, regular_at=t)
    make.enrolment(declined, activity, heard_at=t, asked_at=t, declined_at=t + timedelta(days=1))
    make.enrolment(heard_only, activity, heard_at=t, stage=Stage.HEARD)
    db.session.add(OptOut(phone_hash=hash_of(opted.phone), source="staff"))
    db.session.commit()
    request = service.ScheduleRequest(everyone=True, session_id=world["session"].id)
    plan = service.preview(centre.id, request, "Ola", _settings(app), now=NOW)
    assert [i.person.first_name for i in plan.ready] == ["Amina", "Berit"]
    assert {i.person.first_name: i.problem for i in plan.skipped} == {
        "Carl": "No consent to SMS",
        "Dina": "Opted out of SMS",
    }
    with transaction():
        result = service.schedule(centre.id, request, world["staff"], _settings(app), now=NOW)
    assert len(result.created) == 2 and _count() == 2


def test_activity_rule_and_next_session(app: Flask, make: Any, world: dict[str, Any]) -> None:
    """The next session of an activity (not the cancelled one) with its own rule:
    two days before at 12:00."""
    centre = world["centre"]
    activity = make.activity(centre, reminder_days_before=2, reminder_time=time(12, 0))
    make.session(activity, NOW + timedelta(days=1), cancelled=True)
    wanted = make.session(activity, NOW + timedelta(days=8))
    person = textable_person(make, centre)
    plan = service.preview(
        centre.id,
        service.ScheduleRequest(person_id=person.id, activity_id=activity.id),
        "Ola",
        _settings(app),
        now=NOW,
    )
    assert plan.session.id == wanted.id
    due = to_oslo(plan.items[0].due_at)
    assert (due.date(), due.time()) == (
        (to_oslo(wanted.starts_at) - timedelta(days=2)).date(),
        time(12, 0),
    )


def test_chosen_time_in_quiet_hours_moves_to_08(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """A reminder chosen for 22:30 Oslo is due at 08:00 the next morning."""
    person = textable_person(make, world["centre"])
    at = datetime(2026, 3, 10, 22, 30, tzinfo=OSLO)
    plan = service.preview(
        world["centre"].id,
        service.ScheduleRequest(person_id=person.id, session_id=world["session"].id, at=at),
        "Ola",
        _settings(app),
        now=NOW,
    )
    item = plan.items[0]
    assert to_oslo(item.due_at).replace(tzinfo=None) == datetime(2026, 3, 11, 8, 0)
    assert item.moved_by_quiet_hours


@pytest.mark.parametrize(
    ("request_kw", "field", "message"),
    [
        ({"at": NOW - timedelta(hours=1)}, "at", "Choose a time in the future."),
        ({"at": THURSDAY + timedelta(hours=1)}, "at", "Choose a time before the session starts."),
        ({"session_id": None}, "activity_id", "Choose an activity or a session."),
        ({"person_id": None}, "person_id", "Choose a person."),
    ],
)
def test_bad_requests_are_refused_clearly(
    app: Flask,
    make: Any,
    world: dict[str, Any],
    request_kw: dict[str, Any],
    field: str,
    message: str,
) -> None:
    """Past times, times after the session, no session, no person: a clear error."""
    person = textable_person(make, world["centre"])
    kw = {"person_id": person.id, "session_id": world["session"].id} | request_kw
    with force_locale("en"), pytest.raises(ServiceError) as info:
        service.preview(
            world["centre"].id, service.ScheduleRequest(**kw), "Ola", _settings(app), now=NOW
        )
    assert (info.value.field, info.value.message) == (field, message)


def test_activity_without_upcoming_session(app: Flask, make: Any, world: dict[str, Any]) -> None:
    """Asking for the next session of an activity that has none says so."""
    person = textable_person(make, world["centre"])
    empty = make.activity(world["centre"], name="Jentegruppe")
    with pytest.raises(ServiceError, match="Jentegruppe har ingen kommende samling"):
        service.preview(
            world["centre"].id,
            service.ScheduleRequest(person_id=person.id, activity_id=empty.id),
            "Ola",
            _settings(app),
            now=NOW,
        )


def test_too_late_when_quiet_hours_push_past_the_session(app: Flask, make: Any) -> None:
    """Scheduling at 23:00 for a 07:30 session: 08:00 is too late, so it is not planned."""
    centre = make.centre()
    session = make.session(make.activity(centre), datetime(2026, 3, 11, 6, 30, tzinfo=UTC))
    person = textable_person(make, centre)
    plan = service.preview(
        centre.id,
        service.ScheduleRequest(person_id=person.id, session_id=session.id),
        "Ola",
        _settings(app),
        now=datetime(2026, 3, 10, 22, 0, tzinfo=UTC),
    )
    assert plan.ready == [] and plan.items[0].problem.startswith("Too late")


def test_cancel_and_decide(app: Flask, make: Any, world: dict[str, Any]) -> None:
    """Cancel works on a scheduled reminder only; an uncertain one can be resent, marked
    sent or failed, and a decided one cannot be decided again."""
    person = textable_person(make, world["centre"])
    cid = world["centre"].id
    pending = make.reminder(person, world["session"], due_at=NOW)
    with transaction():
        service.cancel(cid, pending.id)
    assert pending.state == ReminderState.CANCELLED
    with pytest.raises(Conflict):
        service.cancel(cid, pending.id)
    uncertain = make.reminder(person, world["session"], state=ReminderState.UNCERTAIN, attempts=1)
    with transaction():
        service.decide_uncertain(
            cid, uncertain.id, service.Decision.RESEND, _settings(app), now=NOW
        )
    assert uncertain.state == ReminderState.PENDING and uncertain.due_at == NOW
    with pytest.raises(Conflict):
        service.decide_uncertain(cid, uncertain.id, service.Decision.SENT, _settings(app), now=NOW)
    other = make.reminder(person, world["session"], state=ReminderState.UNCERTAIN)
    with transaction():
        service.decide_uncertain(cid, other.id, service.Decision.FAILED, _settings(app), now=NOW)
    assert other.state == ReminderState.FAILED


def test_reminder_of_another_centre_is_not_found(
    app: Flask, make: Any, world: dict[str, Any]
) -> None:
    """Services load through tenancy: another centre's reminder does not exist for us."""
    stranger = make.reminder(make.person(make.centre()))
    with pytest.raises(ServiceError):
        service.cancel(world["centre"].id, stranger.id)


# --- pages -----------------------------------------------------------------------------


def _english(client: Any) -> None:
    """Page tests read English source strings (the default UI language is Norwegian)."""
    client.post("/language", data={"lang": "en"})


def _soon() -> datetime:
    return (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)


def test_schedule_page_previews_then_schedules(client: Any, make: Any, login: Any) -> None:
    """The form previews text, segments and cost without writing; 'Schedule' with the
    previewed fingerprint writes one reminder and lists it."""
    centre = make.centre()
    session = make.session(make.activity(centre, name="Språkkafe"), _soon())
    person = textable_person(make, centre, first_name="Maryam")
    login(make.user(centre, name="Ola Hansen"))
    _english(client)
    assert client.get(f"/reminders/new?person_id={person.id}").status_code == 200
    form = {
        "who": "person",
        "person_id": person.id,
        "session_id": session.id,
        "when": "default",
        "preview": "1",
    }
    html = client.post("/reminders/new", data=form).get_data(as_text=True)
    assert "Hei Maryam! Velkommen til Språkkafe" in html
    assert "GSM-7" in html and "Segments: 1" in html
    assert _count() == 0
    fingerprint = re.search(r'name="previewed" type="hidden" value="([0-9a-f]+)"', html)
    assert fingerprint, html
    confirm = form | {"confirm": "1", "previewed": fingerprint.group(1)}
    confirm.pop("preview")
    response = client.post("/reminders/new", data=confirm)
    assert response.status_code == 302 and _count() == 1
    listing = client.get("/reminders/?state=scheduled").get_data(as_text=True)
    assert "Maryam" in listing


def test_schedule_without_preview_only_previews(client: Any, make: Any, login: Any) -> None:
    """'Schedule' pressed with a stale or missing fingerprint shows the preview instead."""
    centre = make.centre()
    session = make.session(make.activity(centre), _soon())
    person = textable_person(make, centre)
    login(make.user(centre))
    _english(client)
    form = {
        "who": "person",
        "person_id": person.id,
        "session_id": session.id,
        "when": "default",
        "confirm": "1",
        "previewed": "stale",
    }
    html = client.post("/reminders/new", data=form).get_data(as_text=True)
    assert "Preview" in html and _count() == 0


def test_schedule_page_bad_input(client: Any, make: Any, login: Any) -> None:
    """No person chosen, or 'at a time' without a time: a clear message, nothing saved."""
    centre = make.centre()
    session = make.session(make.activity(centre), _soon())
    person = textable_person(make, centre)
    login(make.user(centre))
    _english(client)
    html = client.post(
        "/reminders/new",
        data={"who": "person", "session_id": session.id, "when": "default", "preview": "1"},
    ).get_data(as_text=True)
    assert "Choose a person." in html
    html = client.post(
        "/reminders/new",
        data={
            "who": "person",
            "person_id": person.id,
            "session_id": session.id,
            "when": "at",
            "preview": "1",
        },
    ).get_data(as_text=True)
    assert "Choose the time to send it." in html
    assert _count() == 0


def test_list_detail_cancel_and_decide_pages(client: Any, make: Any, login: Any) -> None:
    """The list shows counts per state; a reminder can be cancelled and an uncertain one
    decided through the pages."""
    centre = make.centre()
    session = make.session(make.activity(centre), _soon())
    person = textable_person(make, centre, first_name="Sana")
    pending = make.reminder(person, session, due_at=_soon() - timedelta(days=1))
    uncertain = make.reminder(person, session, state=ReminderState.UNCERTAIN)
    login(make.user(centre))
    _english(client)
    html = client.get("/reminders/?state=uncertain").get_data(as_text=True)
    assert "Sana" in html and "We do not know whether" in html
    assert client.get(f"/reminders/{pending.id}").status_code == 200
    assert client.post(f"/reminders/{pending.id}/cancel").status_code == 302
    assert db.session.get(Reminder, pending.id).state == ReminderState.CANCELLED
    html = client.get(f"/reminders/{uncertain.id}").get_data(as_text=True)
    assert "Was it sent?" in html
    assert (
        client.post(f"/reminders/{uncertain.id}/decide", data={"decision": "sent"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Reminder, uncertain.id).state == ReminderState.SENT
    # a bad decision changes nothing
    client.post(f"/reminders/{uncertain.id}/decide", data={"decision": "maybe"})
    assert db.session.get(Reminder, uncertain.id).state == ReminderState.SENT


@pytest.mark.time_sensitive
def test_outbox_and_person_messages_pages(client: Any, make: Any, login: Any, clock: Any) -> None:
    """The outbox shows stored-not-sent texts; the person's page shows their messages
    and lets staff opt them out and back in."""
    # Mid-morning in Oslo, outside the quiet hours, whatever instant the suite runs at.
    clock.move_to(oslo_to_utc(to_oslo(utcnow()).date(), time(11, 0)))
    centre = make.centre()
    session = make.session(make.activity(centre), _soon())
    person = textable_person(make, centre, first_name="Yusuf")
    make.reminder(
        person, session, due_at=utcnow() - timedelta(minutes=1), body="Hei Yusuf, vi ses!"
    )
    dispatch_due(now=utcnow())
    login(make.user(centre))
    _english(client)
    html = client.get("/reminders/outbox").get_data(as_text=True)
    assert "Hei Yusuf, vi ses!" in html and "Stored, not sent" in html
    html = client.get(f"/reminders/people/{person.id}").get_data(as_text=True)
    assert "Hei Yusuf, vi ses!" in html and "Can be texted" in html
    assert client.post(f"/reminders/people/{person.id}/opt-out").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(OptOut.source)) == "staff"
    html = client.get(f"/reminders/people/{person.id}").get_data(as_text=True)
    assert "Opted out of SMS" in html
    client.post(f"/reminders/people/{person.id}/opt-in")
    assert _count(OptOut) == 0


def test_admin_writes_a_template_and_it_is_used(
    client: Any, make: Any, login: Any, app: Flask
) -> None:
    """An unknown placeholder is refused with a message; a good text is saved and used."""
    centre = make.centre()
    session = make.session(make.activity(centre, name="Kreativt verksted"), _soon())
    person = textable_person(make, centre, first_name="Leila")
    login(make.user(centre, role=UserRole.ADMIN))
    _english(client)
    assert client.get("/reminders/templates").status_code == 200
    html = client.post(
        "/reminders/templates/nb", data={"body": "Hei {navn}!", "submit": "1"}
    ).get_data(as_text=True)
    assert "Unknown placeholder {navn}." in html
    response = client.post(
        "/reminders/templates/nb",
        data={"body": "Hei {first_name}, {activity} {day}!", "submit": "1"},
    )
    assert response.status_code == 302
    plan = service.preview(
        centre.id,
        service.ScheduleRequest(person_id=person.id, session_id=session.id),
        "Ola",
        _settings(app),
    )
    assert plan.items[0].body.startswith("Hei Leila, Kreativt verksted ")


def test_staff_cannot_edit_templates(client: Any, make: Any, login: Any) -> None:
    """Templates are for admins: staff get 403."""
    centre = make.centre()
    login(make.user(centre))
    _english(client)
    assert client.get("/reminders/templates").status_code == 403
    assert client.post("/reminders/templates/nb", data={"body": "x"}).status_code == 403


def test_norwegian_pages(client: Any, make: Any, login: Any) -> None:
    """The reminders pages speak Norwegian by default."""
    centre = make.centre()
    login(make.user(centre))
    html = client.get("/reminders/").get_data(as_text=True)
    assert "Påminnelser" in html


# --- logging ---------------------------------------------------------------------------


def test_info_log_has_no_phone_numbers_or_texts(
    app: Flask, client: Any, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Dispatch and an inbound reply log masked numbers only, never a text."""
    centre = make.centre()
    session = make.session(make.activity(centre), THURSDAY)
    person = textable_person(make, centre, phone="+4791234567")
    make.reminder(person, session, due_at=NOW, body="Hemmelig tekst til Kari")
    caplog.set_level(logging.INFO)
    dispatch_due(now=NOW)
    from rekruttering.sms.inbound import receive

    with transaction():
        receive(
            sid="SM1",
            from_number="+4791234567",
            to_number="+4759440000",
            body="STOPP nå takk",
            now=NOW,
        )
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "…67" in logged
    for secret in ("91234567", "Hemmelig", "STOPP nå"):
        assert secret not in logged
    assert _count(Message) == 2
