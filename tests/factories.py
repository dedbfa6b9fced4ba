"""Small factories for test data. Names come from Faker no_NO (bokmål): never real people."""

from __future__ import annotations

import itertools
from datetime import time
from typing import Any

from faker import Faker
from werkzeug.security import generate_password_hash

from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Centre,
    Channel,
    ChannelKind,
    Membership,
    Partner,
    PartnerCentre,
    Person,
    User,
    UserRole,
    WeeklySlot,
)

PASSWORD = "correct-horse-battery"
#: Every factory login's password, hashed once and cheaply: the app's scrypt costs about
#: 0.1 s a hash and as much again at each login, in thousands of tests. The app's own
#: hashing (``User.set_password``, scrypt) is what test_auth.py checks.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
fake = Faker("no_NO")  # Faker names Norwegian bokmål no_NO
Faker.seed(1234)
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def centre(name: str | None = None, **kw: Any) -> Centre:
    n = _n()
    obj = Centre(name=name or f"Senter {n}", slug=kw.pop("slug", f"senter-{n}"), **kw)
    db.session.add(obj)
    db.session.commit()
    return obj


def user(
    centre: Centre | None = None,
    role: UserRole | str = UserRole.STAFF,
    partner: Partner | None = None,
    centres: list[Centre] | None = None,
    **kw: Any,
) -> User:
    n = _n()
    obj = User(
        email=kw.pop("email", f"user{n}@example.test"),
        name=kw.pop("name", fake.name()),
        partner_id=partner.id if partner else None,
        **kw,
    )
    obj.password_hash = PASSWORD_HASH
    for c in centres or ([centre] if centre else []):
        obj.memberships.append(Membership(centre_id=c.id, role=UserRole(role)))
    db.session.add(obj)
    db.session.commit()
    return obj


def partner(centres: list[Centre] | None = None, **kw: Any) -> Partner:
    obj = Partner(name=kw.pop("name", f"{fake.company()} {_n()}"), **kw)
    db.session.add(obj)
    db.session.flush()
    for c in centres or []:
        db.session.add(
            PartnerCentre(partner_id=obj.id, centre_id=c.id, name=obj.name, kind=obj.kind)
        )
    db.session.commit()
    return obj


def channel(centre: Centre, name: str | None = None, **kw: Any) -> Channel:
    obj = Channel(
        centre_id=centre.id,
        name=name or f"Kanal {_n()}",
        kind=kw.pop("kind", ChannelKind.OTHER),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def activity(
    centre: Centre,
    name: str | None = None,
    weekday: int | None = 3,
    start: time = time(11, 0),
    end: time = time(13, 0),
    **kw: Any,
) -> Activity:
    n = _n()
    obj = Activity(centre_id=centre.id, name=name or f"Aktivitet {n}", slug=f"akt-{n}", **kw)
    if weekday is not None:
        obj.schedules.append(
            WeeklySlot(
                centre_id=centre.id, weekday=weekday, start_time=start, end_time=end, place="Kafeen"
            )
        )
    db.session.add(obj)
    db.session.commit()
    return obj


def person(centre: Centre, phone: str | None = None, **kw: Any) -> Person:
    obj = Person(
        centre_id=centre.id,
        first_name=kw.pop("first_name", fake.first_name()),
        last_name=kw.pop("last_name", fake.last_name()),
        phone=phone if phone is not None else f"+479{_n():07d}",
        language=kw.pop("language", "nb"),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def session(activity: Activity, starts_at: Any, minutes: int = 120, **kw: Any) -> Any:
    """A session of ``activity`` starting at the aware datetime ``starts_at``."""
    from datetime import timedelta

    from rekruttering.models import Session

    obj = Session(
        centre_id=activity.centre_id,
        activity_id=activity.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        place=kw.pop("place", "Kafeen"),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def sms_consent(person: Person) -> Any:
    """Give ``person`` SMS consent (in person)."""
    from rekruttering.models import Consent, ConsentMethod, ConsentPurpose

    obj = Consent(
        centre_id=person.centre_id,
        person_id=person.id,
        purpose=ConsentPurpose.SMS,
        method=ConsentMethod.IN_PERSON,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def enrolment(person: Person, activity: Activity, **kw: Any) -> Any:
    """An enrolment with the given stage times (aware datetimes) and attribution.

    ``stage`` defaults to the furthest stage that has a time.
    """
    from rekruttering.domain.funnel import Role, Stage
    from rekruttering.models import Enrolment

    stage = kw.pop("stage", None)
    if stage is None:
        stage = Stage.HEARD
        for name, value in (
            ("asked_at", Stage.ASKED),
            ("showed_up_at", Stage.SHOWED_UP),
            ("regular_at", Stage.REGULAR),
        ):
            if kw.get(name) is not None:
                stage = value
    obj = Enrolment(
        centre_id=person.centre_id,
        person_id=person.id,
        activity_id=activity.id,
        role=kw.pop("role", Role.PARTICIPANT),
        stage=stage,
        attendance_count=kw.pop("attendance_count", 0),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def attendance(session: Any, person: Person, **kw: Any) -> Any:
    """``person`` checked in at ``session`` (as participant unless ``role`` is given)."""
    from rekruttering.domain.funnel import Role
    from rekruttering.models import Attendance

    obj = Attendance(
        centre_id=session.centre_id,
        session_id=session.id,
        person_id=person.id,
        role=kw.pop("role", Role.PARTICIPANT),
        checked_in_at=kw.pop("checked_in_at", session.starts_at),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def contact(person: Person, **kw: Any) -> Any:
    """A logged contact with ``person`` (outcome 'heard' unless given); no funnel effect."""
    from rekruttering.domain.funnel import Outcome
    from rekruttering.models import Contact

    obj = Contact(
        centre_id=person.centre_id,
        person_id=person.id,
        outcome=kw.pop("outcome", Outcome.HEARD),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def person_link(centre: Centre, **kw: Any) -> Any:
    """Two new people of ``centre`` linked as family (or ``kind``)."""
    from rekruttering.models import LinkKind, PersonLink

    first = kw.pop("person", None) or person(centre)
    second = kw.pop("other", None) or person(centre)
    obj = PersonLink(
        centre_id=centre.id,
        person_id=first.id,
        other_id=second.id,
        kind=kw.pop("kind", LinkKind.FAMILY),
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def notification(person: Person, kind: str = "signup", **kw: Any) -> Any:
    """An unread staff notice about ``person``."""
    from rekruttering.models import Notification

    obj = Notification(centre_id=person.centre_id, person_id=person.id, kind=kind, **kw)
    db.session.add(obj)
    db.session.commit()
    return obj


def reminder(person: Person, session: Any = None, **kw: Any) -> Any:
    """A reminder for ``person`` (pending and due now unless told otherwise)."""
    from rekruttering.domain.clock import utcnow
    from rekruttering.models import Reminder, ReminderState

    obj = Reminder(
        centre_id=person.centre_id,
        person_id=person.id,
        session_id=session.id if session is not None else None,
        body=kw.pop("body", "Hei! Velkommen i morgen kl. 11:00."),
        language=kw.pop("language", "nb"),
        due_at=kw.pop("due_at", None) or utcnow(),
        state=kw.pop("state", ReminderState.PENDING),
        attempts=kw.pop("attempts", 0),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def message(person: Person | None = None, centre: Centre | None = None, **kw: Any) -> Any:
    """An SMS to (or, with direction="inbound", from) ``person``."""
    from rekruttering.models import Direction, Message

    direction = Direction(kw.pop("direction", Direction.OUTBOUND))
    phone = person.phone if person is not None else kw.pop("phone", "+4799999999")
    centre_id = person.centre_id if person is not None else (centre.id if centre else None)
    obj = Message(
        centre_id=centre_id,
        person_id=person.id if person is not None else None,
        direction=direction,
        to_number=kw.pop("to_number", phone if direction == Direction.OUTBOUND else ""),
        from_number=kw.pop("from_number", phone if direction == Direction.INBOUND else ""),
        body=kw.pop("body", "Hei!"),
        gateway=kw.pop("gateway", "outbox"),
        status=kw.pop("status", "stored"),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def partner_user(centre: Centre, partner: Partner | None = None, **kw: Any) -> User:
    """A partner login (role partner in ``centre``) of ``partner`` (made and linked if not given)."""
    partner = partner or globals()["partner"](centres=[centre])
    return user(centre, role=UserRole.PARTNER, partner=partner, **kw)


def referral(centre: Centre, partner: Partner | None = None, **kw: Any) -> Any:
    """A referral of a new person of ``centre`` by ``partner`` (made and linked if not given)."""
    from rekruttering.models import Referral

    partner = partner or globals()["partner"](centres=[centre])
    who = kw.pop("person", None) or person(centre)
    obj = Referral(
        centre_id=centre.id,
        partner_id=partner.id,
        person_id=who.id,
        name_given=kw.pop("name_given", who.display_name),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def link_request(centre: Centre, **kw: Any) -> Any:
    """A centre's waiting request asking a partner to work with it."""
    from rekruttering.models import PartnerLinkRequest

    obj = PartnerLinkRequest(
        centre_id=centre.id,
        email=kw.pop("email", f"kontakt{_n()}@partner.test"),
        name=kw.pop("name", fake.company()),
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def source(centre: Centre, name: str | None = None, **kw: Any) -> Any:
    """A QR source of ``centre`` on a new channel (or ``channel``)."""
    from rekruttering.models import Source

    via = kw.pop("channel", None) or channel(centre, kind=ChannelKind.PRINT)
    obj = Source(
        centre_id=centre.id,
        name=name or f"Plakat {_n()}",
        code=kw.pop("code", f"c{_n():05d}"),
        channel_id=via.id,
        **kw,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def api_token(centre: Centre, user: User | None = None, **kw: Any) -> Any:
    """An API token of a staff ``user`` (a new one by default) in ``centre``.

    Returns the row; the token to send is on it as ``.plain`` (only a hash is stored).
    """
    from rekruttering.api.tokens import create_token

    owner = user or globals()["user"](centre)
    row, plain = create_token(
        centre.id, owner.id, kw.pop("name", "Integrasjon"), kw.pop("days", 365)
    )
    db.session.commit()
    row.plain = plain
    return row


def device(centre: Centre, name: str | None = None) -> User:
    """A door tablet of ``centre`` (logged in through its pairing link, not a password)."""
    obj = User(
        email=f"tablet-{_n()}@devices.invalid",
        name=name or f"Nettbrett {_n()}",
        is_device=True,
        password_hash="",
    )
    obj.memberships.append(Membership(centre_id=centre.id, role=UserRole.DOOR))
    db.session.add(obj)
    db.session.commit()
    return obj


def installation_admin(**kw: Any) -> User:
    """Whoever runs the server: above the centres, no membership."""
    obj = User(
        email=kw.pop("email", f"drift{_n()}@example.test"),
        name=kw.pop("name", fake.name()),
        is_installation_admin=True,
        **kw,
    )
    obj.password_hash = PASSWORD_HASH
    db.session.add(obj)
    db.session.commit()
    return obj


def print_run(centre: Centre, language: str = "nb") -> Any:
    """A printed programme (a ProgrammeSource of the print kind) of ``centre``."""
    from datetime import date

    from rekruttering.programme.service import PrintRunInput, create_print_run

    run = create_print_run(centre.id, PrintRunInput("month", date(2026, 12, 1), language))
    db.session.commit()
    return run
