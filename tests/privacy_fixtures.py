"""A person with data in every table that can hold data about a person (privacy tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.extensions import db
from rekruttering.models import Centre, Consent, ConsentMethod, ConsentPurpose, Person
from rekruttering.privacy.person_data import person_tables


@dataclass
class Holder:
    """The person, someone they brought, and the personal text written about them."""

    person: Person
    recruit: Person
    secrets: list[str] = field(default_factory=list)


def full_person(make: Any, centre: Centre, at: datetime | None = None) -> Holder:
    """A person with rows in every person table, each with personal free text."""
    at = at or datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
    person = make.person(
        centre,
        phone="+4791234567",
        first_name="Amina",
        last_name="Haugland",
        note="Kjenner naboen i oppgang B",
        last_activity_at=at,
    )
    # A fixed last name: a random one could be "Haugland", which the dump test hunts for.
    recruit = make.person(
        centre,
        first_name="Nabo",
        last_name="Naboen",
        recruited_by_id=person.id,
        last_activity_at=at,
    )
    activity = make.activity(centre, name="Mat og prat")
    channel = make.channel(centre)
    session = make.session(activity, at)
    make.enrolment(person, activity, heard_at=at, asked_at=at, showed_up_at=at, attendance_count=1)
    make.attendance(session, person, checked_in_at=at)
    make.contact(
        person,
        activity_id=activity.id,
        channel_id=channel.id,
        occurred_at=at,
        note="Ringte om barnehageplass",
        outcome=Outcome.ASKED,
    )
    make.contact(
        recruit,
        recruited_by_id=person.id,
        occurred_at=at,
        note="Om naboen sin",
        outcome=Outcome.HEARD,
    )
    make.message(person, body="Hei Amina, velkommen til Mat og prat", created_at=at)
    make.message(person, direction="inbound", body="Ja takk, jeg kommer", created_at=at)
    make.reminder(
        person,
        session=session,
        body="Hei Amina! Velkommen tirsdag kl. 11",
        last_error="To number +4791234567 is not valid",
        due_at=at + timedelta(days=900),
    )
    # A named partner: Faker's company names are made of last names ("Haugland AS").
    health_centre = make.partner(centres=[centre], name="Helsestasjonen")
    make.referral(
        centre,
        partner=health_centre,
        person=person,
        note="Trenger norskpraksis",
        name_given="Amina H.",
    )
    make.notification(person)
    make.person_link(centre, person=person, other=recruit)
    db.session.add(
        Consent(
            centre_id=centre.id,
            person_id=person.id,
            purpose=ConsentPurpose.SMS,
            method=ConsentMethod.IN_PERSON,
            given_at=at,
        )
    )
    from rekruttering.models import SessionSignup

    db.session.add(SessionSignup(centre_id=centre.id, session_id=session.id, person_id=person.id))
    from rekruttering.models import OfflineTap

    db.session.add(
        OfflineTap(
            centre_id=centre.id,
            client_id="6f1c2b9e-offline-tap",
            session_id=session.id,
            person_id=person.id,
            kind="check_in",
            outcome="checked_in",
            tapped_at=at,
        )
    )
    db.session.commit()
    secrets = [
        "Amina",
        "Haugland",
        "91234567",
        "912 34 567",
        "Kjenner naboen",
        "barnehageplass",
        "velkommen til Mat og prat",
        "jeg kommer",
        "velkommen tirsdag",
        "norskpraksis",
        "Amina H.",
    ]
    return Holder(person=person, recruit=recruit, secrets=secrets)


def report_counts() -> dict[str, Any]:
    """What the reports count, as plain SQL: enrolments by stage, attendance, contacts."""
    with db.engine.connect() as conn:
        stages = dict(
            conn.execute(
                sa.text("SELECT stage, COUNT(*) FROM enrolment GROUP BY stage ORDER BY stage")
            ).all()
        )
        attendance = conn.scalar(sa.text("SELECT COUNT(*) FROM attendance"))
        attendance_totals = conn.scalar(sa.text("SELECT SUM(attendance_count) FROM enrolment"))
        contacts = dict(
            conn.execute(
                sa.text("SELECT outcome, COUNT(*) FROM contact GROUP BY outcome ORDER BY outcome")
            ).all()
        )
        people = conn.scalar(sa.text("SELECT COUNT(*) FROM person"))
        recruited = conn.scalar(
            sa.text("SELECT COUNT(*) FROM person WHERE recruited_by_id IS NOT NULL")
        )
    return {
        "stages": stages,
        "attendance": attendance,
        "attendance_totals": attendance_totals,
        "contacts": contacts,
        "people": people,
        "recruited": recruited,
        "regular": stages.get(Stage.REGULAR.value, 0),
    }


def text_of_person_rows(person_id: int) -> str:
    """All text in rows about ``person_id``, in every person table, as one string."""
    chunks: list[str] = []
    with db.engine.connect() as conn:
        for pt in person_tables():
            if pt.subject is None:
                continue
            for row in conn.execute(sa.select(pt.table).where(pt.subject == person_id)).mappings():
                chunks += [str(v) for v in row.values() if isinstance(v, str)]
    return "\n".join(chunks)
