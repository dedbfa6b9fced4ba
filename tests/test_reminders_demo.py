"""The demo step fills the reminder pages for Borgen, and does nothing without people."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Message, Reminder, ReminderState, UserRole


def test_demo_reminders_cover_every_state(app: Flask, make: Any, client: Any, login: Any) -> None:
    """With people and sessions, the step leaves scheduled, sent, delivered, failed,
    uncertain and cancelled reminders, an answer and an unknown sender; pages render."""
    from rekruttering.demo import DemoContext  # after the app: demo and auth import each other
    from rekruttering.demo import reminders as demo_reminders

    borgen = make.centre("Borgen nærmiljøsentral", slug="borgen")
    activity = make.activity(borgen, name="Språkkafe")
    now = utcnow()
    make.session(activity, now - timedelta(days=2))
    make.session(activity, now - timedelta(days=9))
    make.session(activity, now + timedelta(days=3))
    make.session(activity, now + timedelta(days=10))
    for _ in range(16):
        make.person(borgen)
    staff = make.user(borgen, role=UserRole.ADMIN)
    demo_reminders.load(DemoContext(rng=random.Random(1), objects={"user:staff": staff}))
    db.session.commit()
    states = set(db.session.scalars(sa.select(Reminder.state).distinct()))
    assert states == {
        ReminderState.PENDING,
        ReminderState.SENT,
        ReminderState.DELIVERED,
        ReminderState.FAILED,
        ReminderState.UNCERTAIN,
        ReminderState.CANCELLED,
    }
    assert db.session.scalar(sa.select(sa.func.count()).where(Reminder.rsvp == "yes")) == 1
    assert db.session.scalar(
        sa.select(Message.id).where(Message.person_id.is_(None), Message.direction == "inbound")
    )
    login(staff)
    for url in (
        "/reminders/",
        "/reminders/?state=uncertain",
        "/reminders/outbox",
        "/reminders/unknown-senders",
    ):
        assert client.get(url).status_code == 200, url
    # The made-up delivery states are marked as the demo's, and the outbox lists the
    # reminders still waiting with their due time.
    delivered = client.get("/reminders/?state=delivered").get_data(as_text=True)
    assert "demo-marker" in delivered and "Levert" in delivered
    outbox = client.get("/reminders/outbox").get_data(as_text=True)
    assert "Venter på å bli sendt" in outbox
    pending = db.session.scalars(
        sa.select(Reminder).where(Reminder.state == ReminderState.PENDING)
    ).first()
    assert f"/reminders/{pending.id}" in outbox


def test_outbox_lists_scheduled_reminders_with_their_due_time_in_oslo(
    make: Any, client: Any, login: Any
) -> None:
    """Before 08:00 nothing has been sent, but the outbox shows what will be, and when."""
    from datetime import UTC, datetime

    centre = make.centre()
    person = make.person(centre, first_name="Amina")
    make.reminder(person, due_at=datetime(2026, 1, 14, 17, 0, tzinfo=UTC))
    other_centre = make.centre()
    make.reminder(make.person(other_centre, first_name="Zainab"))
    login(make.user(centre, role=UserRole.STAFF))
    page = client.get("/reminders/outbox").get_data(as_text=True)
    assert "Amina" in page and "Zainab" not in page
    assert "14.01.2026" in page and "18:00" in page  # 17:00 UTC is 18:00 in Oslo (winter)
    assert "demo-marker" not in page


def test_demo_reminders_do_nothing_without_people(app: Flask, make: Any) -> None:
    """No people or sessions yet: the step leaves the database as it was."""
    from rekruttering.demo import DemoContext
    from rekruttering.demo import reminders as demo_reminders

    make.centre("Borgen nærmiljøsentral", slug="borgen")
    demo_reminders.load(DemoContext(rng=random.Random(1)))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
