"""One person's history as one timeline, newest first.

Contacts, stage changes (from the enrolments' ``*_at`` columns), attendance, SMS
messages, consent and referrals are read with one statement each (related rows
eager-loaded; contacts and check-ins as plain columns, ``ContactRow`` and
``CheckIn``) and merged here; the person's
own read (``person_of``) says which of the often empty kinds there are to read. The
page's words are ``timeline_rows``'; an entry only says what happened, when, and
carries the row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import aliased, joinedload

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.extensions import db
from rekruttering.funnel.service import STAGE_COLUMN
from rekruttering.models import (
    Activity,
    Attendance,
    Channel,
    Consent,
    Contact,
    Enrolment,
    Message,
    Person,
    PersonLink,
    Referral,
    Session,
    User,
)
from rekruttering.tenancy import centre_of_persons_rows, holds_key

#: The kinds of timeline entry, as the template knows them.
CONTACT, STAGE, DECLINED, NOT_NOW, ATTENDANCE, MESSAGE, CONSENT, CONSENT_WITHDRAWN, REFERRAL = (
    "contact",
    "stage",
    "declined",
    "not_now",
    "attendance",
    "message",
    "consent",
    "consent_withdrawn",
    "referral",
)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    item: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kinds:
    """Which of the kinds of history that many people do not have this person has: the
    person's own read says (``person_of``), and the page reads only those."""

    messages: bool = True
    consents: bool = True
    referrals: bool = True
    links: bool = True
    recruited: bool = True


#: Every kind read (for a person not read by ``person_of``).
EVERY_KIND = Kinds()


@dataclass
class PersonHistory:
    """Everything the person page shows besides the person's own fields."""

    enrolments: list[Enrolment]
    timeline: list[Entry]
    links: list[PersonLink]
    recruited: list[Person]


# The statements are built once, with the person and centre as bound parameters:
# SQLAlchemy works out a statement's cache key (to find its compiled SQL) once per
# statement object, and building eight on every visit cost more than their SQL
# (docs/performance.md). ``:person_id``, ``:centre_id``.


@cache
def _enrolments() -> Select:
    return (
        select(Enrolment)
        .where(Enrolment.person_id == bindparam("person_id"))
        .options(
            joinedload(Enrolment.activity),
            joinedload(Enrolment.first_channel),
            joinedload(Enrolment.ask_channel),
        )
        .order_by(Enrolment.created_at, Enrolment.id)
    )


class ContactRow(NamedTuple):
    """One contact as the timeline shows it, read as plain columns (the contact and
    its activity, channel, member of staff and person who brought them were five
    objects a row). A name is None when there is no such row (names are required)."""

    occurred_at: datetime
    outcome: Outcome
    role: Role
    activity_id: int | None
    note: str
    follow_up_on: date | None
    follow_up_done_at: datetime | None
    recruited_by_id: int | None
    activity_name: str | None
    channel_name: str | None
    by_user_name: str | None
    recruited_by_first: str | None
    recruited_by_last: str | None

    @property
    def recruited_by_name(self) -> str | None:
        """As ``Person.display_name``."""
        if self.recruited_by_first is None:
            return None
        return f"{self.recruited_by_first} {self.recruited_by_last}".strip()


@cache
def _contacts() -> Select:
    # The joins as the eager loads made them (the same aliases' tables, in the same
    # order), so that the rows come in the same order.
    activity, channel, user, brought = (
        aliased(Activity),
        aliased(Channel),
        aliased(User),
        aliased(Person),
    )
    return (
        select(
            Contact.occurred_at,
            Contact.outcome,
            Contact.role,
            Contact.activity_id,
            Contact.note,
            Contact.follow_up_on,
            Contact.follow_up_done_at,
            Contact.recruited_by_id,
            activity.name,
            channel.name,
            user.name,
            brought.first_name,
            brought.last_name,
        )
        .select_from(Contact)
        .outerjoin(activity, activity.id == Contact.activity_id)
        .outerjoin(channel, channel.id == Contact.channel_id)
        .outerjoin(user, user.id == Contact.by_user_id)
        .outerjoin(brought, brought.id == Contact.recruited_by_id)
        .where(
            Contact.person_id == bindparam("person_id"),
            centre_of_persons_rows(Contact.centre_id, bindparam("centre_id")),
        )
        .order_by(Contact.id)  # the order of a moment's rows (``build_timeline``)
    )


class CheckIn(NamedTuple):
    """One attendance as the timeline shows it: read as plain columns, where the whole
    attendance, its session and the session's activity were three objects a row
    (a person at the bench's largest centre has ~22; docs/performance.md)."""

    checked_in_at: datetime
    role: Role
    walk_in: bool
    activity_id: int
    activity_name: str


@cache
def _attendance() -> Select:
    # The joins as the eager loads of the session and its activity made them, so that
    # the rows come in the same order (check-ins of one moment keep their order).
    return (
        select(
            Attendance.checked_in_at,
            Attendance.role,
            Attendance.walk_in,
            Session.activity_id,
            Activity.name,
        )
        .select_from(Attendance)
        .outerjoin(Session, Session.id == Attendance.session_id)
        .outerjoin(Activity, Activity.id == Session.activity_id)
        .where(
            Attendance.person_id == bindparam("person_id"),
            centre_of_persons_rows(Attendance.centre_id, bindparam("centre_id")),
        )
        .order_by(Attendance.id)
    )


@cache
def _messages() -> Select:
    return (
        select(Message)
        .where(
            Message.person_id == bindparam("person_id"),
            centre_of_persons_rows(Message.centre_id, bindparam("centre_id")),
        )
        .order_by(Message.id)
    )


@cache
def _consents() -> Select:
    return (
        select(Consent)
        .where(
            Consent.person_id == bindparam("person_id"),
            centre_of_persons_rows(Consent.centre_id, bindparam("centre_id")),
        )
        .options(joinedload(Consent.recorded_by))
        .order_by(Consent.id)
    )


@cache
def _referrals() -> Select:
    return (
        select(Referral)
        .where(
            Referral.person_id == bindparam("person_id"),
            centre_of_persons_rows(Referral.centre_id, bindparam("centre_id")),
        )
        .options(joinedload(Referral.partner), joinedload(Referral.activity))
        .order_by(Referral.id)
    )


@cache
def _links() -> Select:
    person: Any = bindparam("person_id")
    return (
        select(PersonLink)
        .where(
            centre_of_persons_rows(PersonLink.centre_id, bindparam("centre_id")),
            or_(PersonLink.person_id == person, PersonLink.other_id == person),
        )
        .options(joinedload(PersonLink.person), joinedload(PersonLink.other))
        .order_by(PersonLink.created_at, PersonLink.id)
    )


@cache
def _recruited() -> Select:
    return (
        select(Person)
        .where(
            centre_of_persons_rows(Person.centre_id, bindparam("centre_id")),
            Person.recruited_by_id == bindparam("person_id"),
            Person.merged_into_id.is_(None),
        )
        .order_by(Person.created_at, Person.id)
    )


@cache
def _person() -> Select:
    person: Any = bindparam("person_id")
    centre: Any = bindparam("centre_id")
    brought = aliased(Person)
    return select(
        Person,
        # Each kind by the person's index (``centre_of_persons_rows``).
        exists().where(
            Message.person_id == person, centre_of_persons_rows(Message.centre_id, centre)
        ),
        exists().where(
            Consent.person_id == person, centre_of_persons_rows(Consent.centre_id, centre)
        ),
        exists().where(
            Referral.person_id == person, centre_of_persons_rows(Referral.centre_id, centre)
        ),
        # Two tests, each by its own index, rather than one with OR.
        exists().where(
            PersonLink.person_id == person, centre_of_persons_rows(PersonLink.centre_id, centre)
        )
        | exists().where(
            PersonLink.other_id == person, centre_of_persons_rows(PersonLink.centre_id, centre)
        ),
        exists().where(
            brought.recruited_by_id == person,
            centre_of_persons_rows(brought.centre_id, centre),
            brought.merged_into_id.is_(None),
        ),
    ).where(Person.id == person, Person.centre_id == centre)


def person_of(centre_id: int, person_id: int) -> tuple[Person, Kinds] | None:
    """The person of ``centre_id`` (``None`` if there is none), and which of the kinds
    of history that are often empty they have: one statement, where reading each kind
    to find it empty cost a statement each (docs/performance.md)."""
    if not holds_key(person_id):
        return None
    row = db.session.execute(_person(), {"person_id": person_id, "centre_id": centre_id}).first()
    if row is None:
        return None
    person, *has = row
    return person, Kinds(*(bool(h) for h in has))


def enrolments_of(person_id: int) -> list[Enrolment]:
    return list(db.session.scalars(_enrolments(), {"person_id": person_id}))


def build_timeline(
    centre_id: int, person_id: int, enrolments: list[Enrolment], kinds: Kinds = EVERY_KIND
) -> list[Entry]:
    entries: list[Entry] = []
    told: set[tuple[int | None, datetime]] = set()  # (activity, moment) a row already tells
    whose = {"person_id": person_id, "centre_id": centre_id}

    for row in db.session.execute(_contacts(), whose):
        contact = ContactRow(*row)
        entries.append(Entry(contact.occurred_at, CONTACT, contact))
        told.add((contact.activity_id, contact.occurred_at))

    for row in db.session.execute(_attendance(), whose):
        check_in = CheckIn(*row)
        entries.append(Entry(check_in.checked_in_at, ATTENDANCE, check_in))
        told.add((check_in.activity_id, check_in.checked_in_at))

    for enrolment in enrolments:
        for stage, column in STAGE_COLUMN.items():
            at = getattr(enrolment, column)
            if at is None:
                continue
            # A contact or check-in at that moment already tells it; "regular" is
            # reached by a rule, not by one event, so it is always shown.
            if stage != Stage.REGULAR and (enrolment.activity_id, at) in told:
                continue
            entries.append(Entry(at, STAGE, enrolment, {"stage": stage}))
        for kind, at in ((DECLINED, enrolment.declined_at), (NOT_NOW, enrolment.not_now_at)):
            if at is not None and (enrolment.activity_id, at) not in told:
                entries.append(Entry(at, kind, enrolment))

    messages = db.session.scalars(_messages(), whose).all() if kinds.messages else ()
    entries.extend(Entry(m.created_at, MESSAGE, m) for m in messages)

    consents = db.session.scalars(_consents(), whose).all() if kinds.consents else ()
    for consent in consents:
        entries.append(Entry(consent.given_at, CONSENT, consent))
        if consent.withdrawn_at is not None:
            entries.append(Entry(consent.withdrawn_at, CONSENT_WITHDRAWN, consent))

    referrals = db.session.scalars(_referrals(), whose).all() if kinds.referrals else ()
    entries.extend(Entry(r.created_at, REFERRAL, r) for r in referrals)

    # Newest first; the rows of one moment in the order the kinds are read above, each
    # kind's by id (every read is ordered by id: the same page on every visit).
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def history_of(centre_id: int, person: Person, kinds: Kinds = EVERY_KIND) -> PersonHistory:
    """The person's history; a kind ``kinds`` says they do not have is not read."""
    enrolments = enrolments_of(person.id)
    whose = {"person_id": person.id, "centre_id": centre_id}
    links = list(db.session.scalars(_links(), whose)) if kinds.links else []
    recruited = list(db.session.scalars(_recruited(), whose)) if kinds.recruited else []
    return PersonHistory(
        enrolments=enrolments,
        timeline=build_timeline(centre_id, person.id, enrolments, kinds),
        links=links,
        recruited=recruited,
    )
