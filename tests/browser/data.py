"""Test data for browser flows, made through the real services in the served app.

Each call makes its own activity / people, so the tests do not depend on each other
or on what the demo data happens to contain.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import time, timedelta

import sqlalchemy as sa

_n = itertools.count(1)


@dataclass(frozen=True)
class SessionToday:
    centre_id: int
    activity_id: int
    activity_name: str
    session_id: int
    people: dict[str, int]  # name -> person id


def borgen_id() -> int:
    from rekruttering.extensions import db
    from rekruttering.models import Centre

    return db.session.scalar(sa.select(Centre.id).where(Centre.slug == "borgen"))


def session_today(names: list[str], stage_outcome: str = "asked") -> SessionToday:
    """A new activity at Borgen with a session later today, and ``names`` asked to come."""
    from rekruttering.domain.clock import oslo_to_utc, oslo_today, to_oslo, utcnow
    from rekruttering.domain.funnel import Outcome
    from rekruttering.extensions import db
    from rekruttering.models import Activity, Session
    from rekruttering.outreach.service import ContactInput, log_contact
    from rekruttering.people.service import create_person
    from rekruttering.transaction import transaction

    centre_id = borgen_id()
    n = f"{next(_n)}-{os.getpid() % 1000}"
    now = utcnow()
    # Later today in Oslo, but never past midnight: check-in opens on the session's day.
    starts = max(now + timedelta(minutes=30), oslo_to_utc(oslo_today(), time(0, 5)))
    if to_oslo(starts).date() != oslo_today():
        starts = now
    with transaction():
        activity = Activity(centre_id=centre_id, name=f"Språkkafe {n}", slug=f"sprakkafe-test-{n}")
        db.session.add(activity)
        db.session.flush()
        session = Session(
            centre_id=centre_id,
            activity_id=activity.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place="Kafeen",
        )
        db.session.add(session)
        people = {}
        for name in names:
            person = create_person(centre_id, name, "Testesen")
            log_contact(
                centre_id,
                ContactInput(
                    person_id=person.id, outcome=Outcome(stage_outcome), activity_id=activity.id
                ),
            )
            people[name] = person.id
        db.session.flush()
        result = SessionToday(centre_id, activity.id, activity.name, session.id, people)
    return result


def attendance_count(session_id: int) -> int:
    from rekruttering.extensions import db
    from rekruttering.models import Attendance

    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session_id)
    )


@dataclass(frozen=True)
class TextablePerson:
    person_id: int
    name: str
    session_id: int
    activity_name: str


def textable_person_and_session(name: str, phone: str) -> TextablePerson:
    """A person with a phone and SMS consent, and a session of a new activity in 3 days."""
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Activity, ConsentMethod, ConsentPurpose, Session
    from rekruttering.people.service import create_person
    from rekruttering.privacy.consent import give_consent
    from rekruttering.transaction import transaction

    centre_id = borgen_id()
    n = f"{next(_n)}-{os.getpid() % 1000}"
    starts = oslo_to_utc(oslo_today() + timedelta(days=3), time(11, 0))
    with transaction():
        activity = Activity(centre_id=centre_id, name=f"Mat og prat {n}", slug=f"mop-test-{n}")
        db.session.add(activity)
        db.session.flush()
        session = Session(
            centre_id=centre_id,
            activity_id=activity.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place="Kjøkkenet",
        )
        db.session.add(session)
        person = create_person(centre_id, name, "Testesen", phone=phone)
        give_consent(centre_id, person.id, ConsentPurpose.SMS, ConsentMethod.IN_PERSON)
        db.session.flush()
        result = TextablePerson(person.id, person.display_name, session.id, activity.name)
    return result


def dispatch_due_reminders(person_id: int) -> int:
    """Run the dispatch tick at the person's due time; how many of theirs were sent."""
    from rekruttering.extensions import db
    from rekruttering.models import Reminder, ReminderState
    from rekruttering.reminders.dispatch import dispatch_due

    due = db.session.scalar(
        sa.select(sa.func.max(Reminder.due_at)).where(
            Reminder.person_id == person_id, Reminder.state == ReminderState.PENDING
        )
    )
    if due is None:
        return 0
    dispatch_due(now=due + timedelta(minutes=1))  # sends whatever else is due by then too
    db.session.remove()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Reminder)
        .where(Reminder.person_id == person_id, Reminder.state == ReminderState.SENT)
    )


def any_source_code() -> str:
    """The code of an active QR source at Borgen (one is made if there is none)."""
    from rekruttering.extensions import db
    from rekruttering.models import Channel, Source
    from rekruttering.signup import service
    from rekruttering.transaction import transaction

    centre_id = borgen_id()
    code = db.session.scalar(
        sa.select(Source.code).where(Source.centre_id == centre_id, Source.active.is_(True))
    )
    if code:
        return code
    channel_id = db.session.scalar(sa.select(Channel.id).where(Channel.centre_id == centre_id))
    with transaction():
        source = service.create_source(
            centre_id, service.SourceInput(f"Plakat {next(_n)}", channel_id, None)
        )
        code = source.code
    return code


def people_named(first_name: str) -> int:
    from rekruttering.extensions import db
    from rekruttering.models import Person

    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Person)
        .where(Person.first_name.startswith(first_name))
    )


def report_data(count: int = 14) -> list[str]:
    """People at Borgen who heard through Facebook or a poster; some came yesterday."""
    from rekruttering.checkin.service import check_in
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.domain.funnel import Outcome
    from rekruttering.extensions import db
    from rekruttering.models import Activity, Channel, Session
    from rekruttering.outreach.service import ContactInput, log_contact
    from rekruttering.people.service import create_person
    from rekruttering.transaction import transaction

    centre_id = borgen_id()
    channels = dict(
        db.session.execute(
            sa.select(Channel.name, Channel.id).where(
                Channel.centre_id == centre_id, Channel.name.in_(("Facebook", "Plakat"))
            )
        ).all()
    )
    activity_id = db.session.scalar(
        sa.select(Activity.id).where(Activity.centre_id == centre_id, Activity.slug == "sprakkafe")
    )
    names = []
    with transaction():
        yesterday = oslo_to_utc(oslo_today() - timedelta(days=1), time(11, 0))
        session = db.session.scalar(
            sa.select(Session).where(
                Session.activity_id == activity_id, Session.starts_at == yesterday
            )
        )
        if session is None:
            session = Session(
                centre_id=centre_id,
                activity_id=activity_id,
                starts_at=yesterday,
                ends_at=yesterday + timedelta(hours=2),
            )
            db.session.add(session)
            db.session.flush()
        for i in range(count):
            name = f"Rapport{next(_n)}x{os.getpid() % 1000}"
            person = create_person(centre_id, name, "Testesen")
            channel = channels["Facebook" if i % 2 else "Plakat"]
            for outcome in (Outcome.HEARD, Outcome.ASKED):
                log_contact(
                    centre_id,
                    ContactInput(
                        person_id=person.id,
                        outcome=outcome,
                        activity_id=activity_id,
                        channel_id=channel,
                    ),
                )
            if i % 3 == 0:
                check_in(centre_id, session.id, person.id)
            names.append(name)
    return names


def programme_code() -> str:
    """The code of Borgen's published programme (the demo publishes it)."""
    from rekruttering.extensions import db
    from rekruttering.models import ProgrammeSource, ProgrammeSourceKind, Source

    return db.session.scalar(
        sa.select(Source.code)
        .join(ProgrammeSource, ProgrammeSource.source_id == Source.id)
        .where(
            ProgrammeSource.centre_id == borgen_id(),
            ProgrammeSource.kind == ProgrammeSourceKind.WEBSITE,
        )
    )
