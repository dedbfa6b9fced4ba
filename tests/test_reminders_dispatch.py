"""The dispatcher: claims due reminders once, checks again at sending, and records what
the provider said (retry, stop and mark the phone, or leave it uncertain)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.domain.clock import OSLO, utcnow
from rekruttering.extensions import db
from rekruttering.models import ConsentPurpose, Message, OptOut, Person, Reminder, ReminderState
from rekruttering.privacy.consent import withdraw_consent
from rekruttering.reminders.dispatch import claim_due, dispatch_due
from rekruttering.sms.number_hash import hash_of
from rekruttering.sms.provider_errors import Failure, FailureKind, classify_twilio
from rekruttering.sms.twilio_gateway import TwilioGateway
from tests.sms_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_BASE_URL,
    TWILIO_SETTINGS,
    RecordingGateway,
    textable_person,
    twilio_api,
)

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Oslo, a Tuesday
SESSION_AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def _setup(make: Any, **person_kw: Any) -> tuple[Any, Any, Any]:
    centre = make.centre()
    person = textable_person(make, centre, **person_kw)
    session = make.session(make.activity(centre), SESSION_AT)
    return centre, person, session


def _reload(obj: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_due_reminder_goes_to_the_outbox_and_is_sent_once(app: Flask, make: Any) -> None:
    """A due reminder is stored by the outbox gateway, marked sent, and not sent again."""
    _, person, session = _setup(make)
    due = make.reminder(person, session, due_at=NOW - timedelta(minutes=1))
    later = make.reminder(
        make.person(_centre(person)),
        session,
        due_at=NOW + timedelta(hours=1),
    )
    gateway = RecordingGateway()
    report = dispatch_due(now=NOW, gateway=gateway)
    assert report.claimed == 1 and report.sent == 1
    assert [s.to for s in gateway.sent] == [person.phone]
    due = _reload(due)
    assert due.state == ReminderState.SENT and due.attempts == 1
    message = db.session.get(Message, due.message_id)
    assert (message.status, message.gateway, message.to_number) == (
        "stored",
        "outbox",
        person.phone,
    )
    assert _reload(later).state == ReminderState.PENDING
    assert dispatch_due(now=NOW, gateway=gateway).claimed == 0
    assert len(gateway.sent) == 1


def _centre(person: Person) -> Any:
    from rekruttering.models import Centre

    return db.session.get(Centre, person.centre_id)


def test_claim_is_atomic_a_second_claim_gets_nothing(app: Flask, make: Any) -> None:
    """Once claimed, a reminder is not pending: another claimer cannot take it."""
    _, person, session = _setup(make)
    make.reminder(person, session, due_at=NOW)
    assert len(claim_due(NOW, 10, "worker-a")) == 1
    assert claim_due(NOW, 10, "worker-b") == []


def test_no_sms_without_consent(app: Flask, make: Any) -> None:
    """Consent withdrawn after scheduling: nothing is sent, the reminder says why."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    withdraw_consent(person.id, ConsentPurpose.SMS)
    db.session.commit()
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    reminder = _reload(reminder)
    assert gateway.sent == []
    assert reminder.state == ReminderState.CANCELLED
    assert reminder.last_error == "No consent to SMS"


def test_opted_out_after_scheduling_is_not_sent(app: Flask, make: Any) -> None:
    """A number put on the opt-out list after the reminder was scheduled gets nothing."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    db.session.add(OptOut(phone_hash=hash_of(person.phone), source="keyword"))
    db.session.commit()
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    assert gateway.sent == []
    assert _reload(reminder).state == ReminderState.CANCELLED
    assert _reload(reminder).last_error == "Opted out of SMS"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sms_opted_out_at": NOW - timedelta(days=1)}, "Opted out of SMS"),
        (
            {"phone_not_textable_reason": "Landline: cannot receive SMS"},
            "Landline: cannot receive SMS",
        ),
    ],
)
def test_person_marked_not_textable_is_not_sent(
    app: Flask, make: Any, change: dict[str, Any], reason: str
) -> None:
    """Opted out or not textable on the person: checked at sending, not sent."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    for key, value in change.items():
        setattr(person, key, value)
    db.session.commit()
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    assert gateway.sent == []
    assert _reload(reminder).last_error == reason


def test_cancelled_or_started_session_is_not_reminded(app: Flask, make: Any) -> None:
    """A reminder for a cancelled session, or one that has started, is cancelled."""
    centre, person, session = _setup(make)
    session.cancelled = True
    db.session.commit()
    started = make.session(make.activity(centre), NOW - timedelta(minutes=5))
    first = make.reminder(person, session, due_at=NOW)
    second = make.reminder(person, started, due_at=NOW)
    gateway = RecordingGateway()
    dispatch_due(now=NOW, gateway=gateway)
    assert gateway.sent == []
    assert _reload(first).last_error == "The session was cancelled"
    assert _reload(second).last_error == "The session had already started"


def test_quiet_hours_at_sending_time_defer_to_08(app: Flask, make: Any) -> None:
    """Picked up late (22:30 Oslo), a reminder waits until 08:00 and is not counted as
    an attempt."""
    _, person, session = _setup(make)
    late = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 22:30 Oslo
    reminder = make.reminder(person, session, due_at=late - timedelta(hours=2))
    gateway = RecordingGateway()
    report = dispatch_due(now=late, gateway=gateway)
    assert report.deferred == 1 and gateway.sent == []
    reminder = _reload(reminder)
    assert reminder.state == ReminderState.PENDING and reminder.attempts == 0
    assert reminder.due_at == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 Oslo


@pytest.mark.settings(**{"sms.max_attempts": 3, "sms.retry_base_seconds": 60})
def test_transient_errors_retry_with_backoff_then_fail(app: Flask, make: Any) -> None:
    """30003 (unreachable) retries after 60 s, then 120 s; the third failure is final."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    gateway = RecordingGateway(fail_with=classify_twilio(30003))
    dispatch_due(now=NOW, gateway=gateway)
    reminder = _reload(reminder)
    assert reminder.state == ReminderState.PENDING and reminder.attempts == 1
    assert reminder.due_at == NOW + timedelta(seconds=60)
    assert dispatch_due(now=NOW + timedelta(seconds=30), gateway=gateway).claimed == 0
    dispatch_due(now=NOW + timedelta(seconds=60), gateway=gateway)
    reminder = _reload(reminder)
    assert reminder.attempts == 2 and reminder.due_at == NOW + timedelta(seconds=180)
    dispatch_due(now=NOW + timedelta(seconds=180), gateway=gateway)
    reminder = _reload(reminder)
    assert reminder.state == ReminderState.FAILED and reminder.attempts == 3
    assert len(gateway.sent) == 3
    assert "30003" in reminder.last_error
    assert _reload(person).phone_not_textable_reason is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (21211, "Not a valid phone number"),
        (21614, "Landline: cannot receive SMS"),
        (30006, "Landline or unreachable carrier: cannot receive SMS"),
    ],
)
def test_permanent_errors_stop_and_mark_the_phone(
    app: Flask, make: Any, code: int, reason: str
) -> None:
    """Invalid number or landline: failed at once, the phone marked not textable."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    dispatch_due(now=NOW, gateway=RecordingGateway(fail_with=classify_twilio(code)))
    reminder = _reload(reminder)
    assert reminder.state == ReminderState.FAILED and reminder.attempts == 1
    assert _reload(person).phone_not_textable_reason == reason


def test_unsubscribed_at_provider_opts_out(app: Flask, make: Any) -> None:
    """21610 (the number sent STOP to Twilio): failed, opted out, marked not textable."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    other = make.reminder(
        person,
        make.session(make.activity(_centre(person)), SESSION_AT),
        due_at=NOW + timedelta(days=1),
    )
    dispatch_due(now=NOW, gateway=RecordingGateway(fail_with=classify_twilio(21610)))
    assert _reload(reminder).state == ReminderState.FAILED
    person = _reload(person)
    assert person.sms_opted_out_at is not None
    assert person.phone_not_textable_reason.startswith("Unsubscribed")
    assert (
        db.session.scalar(
            sa.select(OptOut.source).where(OptOut.phone_hash == hash_of(person.phone))
        )
        == "provider"
    )
    assert _reload(other).state == ReminderState.CANCELLED


def test_unexpected_gateway_error_leaves_it_uncertain_and_never_resends(
    app: Flask, make: Any
) -> None:
    """A crash inside the provider call: the reminder is uncertain and stays so."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    gateway = RecordingGateway(raise_error=RuntimeError("connection reset"))
    dispatch_due(now=NOW, gateway=gateway)
    assert _reload(reminder).state == ReminderState.UNCERTAIN
    dispatch_due(now=NOW + timedelta(hours=1), gateway=RecordingGateway())
    assert _reload(reminder).state == ReminderState.UNCERTAIN
    assert len(gateway.sent) == 1


# A worker that dies between claim and answer: see tests/test_dispatch_safeguards.py.


def test_rejected_by_provider_fails_without_marking_the_person(app: Flask, make: Any) -> None:
    """A refusal about our account (20003) fails the reminder but blames no phone."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    dispatch_due(now=NOW, gateway=RecordingGateway(fail_with=classify_twilio(20003, 401)))
    assert _reload(reminder).state == ReminderState.FAILED
    assert _reload(person).phone_not_textable_reason is None


def test_uncertain_failure_kind_from_gateway(app: Flask, make: Any) -> None:
    """A gateway that reports 'no answer' (a read timeout) leaves the reminder uncertain."""
    _, person, session = _setup(make)
    reminder = make.reminder(person, session, due_at=NOW)
    failure = Failure(
        FailureKind.UNCERTAIN, "No answer from the SMS provider: it may or may not have been sent"
    )
    dispatch_due(now=NOW, gateway=RecordingGateway(fail_with=failure))
    reminder = _reload(reminder)
    assert reminder.state == ReminderState.UNCERTAIN
    assert db.session.get(Message, reminder.message_id).status == "unknown"


# --- two dispatchers at once (PostgreSQL) ------------------------------------------------


@pytest.mark.postgres_only  # concurrent transactions and FOR UPDATE SKIP LOCKED
@pytest.mark.settings(**TWILIO_SETTINGS)
def test_two_dispatchers_send_each_of_1000_reminders_exactly_once(app: Flask, make: Any) -> None:
    """Two dispatchers running at once over 1,000 due reminders: each is sent exactly
    once (counted at the intercepted Twilio API)."""
    centre = make.centre()
    session = make.session(make.activity(centre), SESSION_AT)
    people = [
        Person(centre_id=centre.id, first_name=f"P{n}", phone=f"+4741{n:06d}") for n in range(1000)
    ]
    db.session.add_all(people)
    db.session.flush()
    from rekruttering.models import Consent, ConsentMethod

    db.session.add_all(
        Consent(
            centre_id=centre.id,
            person_id=p.id,
            purpose=ConsentPurpose.SMS,
            method=ConsentMethod.IN_PERSON,
        )
        for p in people
    )
    db.session.add_all(
        Reminder(
            centre_id=centre.id,
            person_id=p.id,
            session_id=session.id,
            body=f"Hei {p.first_name}",
            due_at=NOW,
            state=ReminderState.PENDING,
            attempts=0,
        )
        for p in people
    )
    db.session.commit()
    db.session.remove()

    errors: list[BaseException] = []
    reports: dict[str, int] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            with app.app_context():
                gateway = TwilioGateway(
                    ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, public_base_url=PUBLIC_BASE_URL
                )
                start.wait()
                total = 0
                while True:
                    report = dispatch_due(now=NOW, gateway=gateway, claimer=name, limit=25)
                    total += report.sent
                    if report.claimed == 0:
                        break
                reports[name] = total
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    with twilio_api() as api:
        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    assert not errors, errors
    assert len(api.calls) == 1000
    assert set(api.by_recipient().values()) == {1}
    assert sum(reports.values()) == 1000
    assert all(reports.values()), reports  # both really worked
    states = db.session.execute(
        sa.select(Reminder.state, sa.func.count()).group_by(Reminder.state)
    ).all()
    assert dict(states) == {ReminderState.SENT: 1000}
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Message.provider_sid)))) == 1000


@pytest.mark.settings(**{"sms.dispatch_interval_seconds": 7})
def test_scheduler_has_the_dispatch_job_and_it_sends(app: Flask, make: Any) -> None:
    """`serve`/`worker` build a scheduler with the dispatch job (fixed id, interval from
    the settings); running the job sends what is due through the configured gateway."""
    from rekruttering_jobs.dispatch import JOB_ID, dispatch_reminders
    from rekruttering_jobs.scheduler import build_scheduler

    scheduler = build_scheduler(app)
    job = scheduler.get_job(JOB_ID)
    assert job is not None and job.trigger.interval == timedelta(seconds=7)
    _, person, session = _setup(make)
    session.starts_at = utcnow() + timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(hours=2)
    reminder = make.reminder(person, session, due_at=utcnow() - timedelta(minutes=1))
    now_oslo = utcnow().astimezone(OSLO).time()
    dispatch_reminders(app)
    expected = (
        ReminderState.PENDING
        if time(8, 0) > now_oslo or now_oslo >= time(21, 0)
        else ReminderState.SENT
    )
    assert _reload(reminder).state == expected
