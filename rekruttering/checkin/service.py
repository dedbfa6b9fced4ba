"""Check-in at the door: who is expected, check in (and undo), walk-ins. Never commits.

A check-in is an ``Attendance`` (one per session and person: a double tap checks in
once) and moves the person's enrolment: the first attendance is "showed up", and
``RegularRule`` (N attendances within M weeks) makes them a regular.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import joinedload

from rekruttering.activities.signups import has_room, locked_session
from rekruttering.centre_settings.service import wished_ratio
from rekruttering.domain.clock import oslo_today, to_oslo, utcnow
from rekruttering.domain.funnel import STAGE_ORDER, Outcome, RegularRule, Role, Stage
from rekruttering.domain.search_text import fold, plain, words
from rekruttering.domain.volunteer_ratio import RatioStatus, ratio_status
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import (
    STAGE_COLUMN,
    EnrolmentRead,
    enrol,
    record_attendance,
    touch,
)
from rekruttering.models import (
    Attendance,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    Enrolment,
    Person,
    Session,
    SessionSignup,
)
from rekruttering.people.service import DuplicatePhone, create_person
from rekruttering.privacy.person_data import ANONYMOUS_NAME
from rekruttering.privacy.service import record_consent
from rekruttering.tenancy import fetch, primary_key

#: Enrolment stages at which a person is expected at the activity's sessions.
EXPECTED_STAGES = (Stage.ASKED, Stage.SHOWED_UP, Stage.REGULAR)


@dataclass
class ExpectedPerson:
    """One row of the check-in page."""

    person_id: int
    name: str
    phone: str | None
    language: str
    role: Role
    stage: Stage | None = None
    signup: str | None = None  # "confirmed" / "waitlisted"
    checked_in: bool = False
    walk_in: bool = False
    rsvp: str | None = None  # "yes" / "no": the SMS answer

    def matches(self, query: str) -> bool:
        return _matches(self.name, self.phone, query)


def _matches(name: str, phone: str | None, query: str) -> bool:
    """The check-in page's search box: a name's words, or three digits of the phone."""
    wanted = query.casefold().strip()
    if not wanted:
        return True
    digits = "".join(c for c in wanted if c.isdigit())
    if digits and len(digits) >= 3 and phone and digits in phone:
        return True
    # The same folding as the person search: "ase" finds Åse on the list too.
    folded = plain(name)
    return all(p in folded for _, p in words(query))


@dataclass
class SessionOverview:
    session: Session
    people: list[ExpectedPerson]
    ratio: RatioStatus
    places_taken: int | None = None
    rsvp_yes: int = 0
    rsvp_no: int = 0

    @property
    def checked_in(self) -> int:
        return sum(1 for p in self.people if p.checked_in)


@dataclass(frozen=True)
class CheckInResult:
    attendance: Attendance
    created: bool  # False: they were checked in already (a double tap)
    person: Person


@dataclass(frozen=True)
class WalkInInput:
    first_name: str
    phone: str | None = None
    language: str = "nb"
    role: Role = Role.PARTICIPANT
    last_name: str = ""
    #: The person agreed to SMS (the form's consent box): recorded when they are added.
    sms_consent: bool = False


def _latest_is_refusal(enrolment: Any) -> bool:
    """'Said no' or 'not now' after the latest stage: not expected any more.

    ``enrolment``: an Enrolment, or a row with its stage and refusal columns."""
    refusal = max((t for t in (enrolment.declined_at, enrolment.not_now_at) if t), default=None)
    if refusal is None:
        return False
    reached = [getattr(enrolment, STAGE_COLUMN[s]) for s in STAGE_ORDER]
    latest = max((t for t in reached if t), default=None)
    return latest is None or refusal >= latest


#: The person's columns a row of the check-in page shows.
_PERSON_COLUMNS = (
    Person.id.label("person_id"),
    Person.first_name,
    Person.last_name,
    Person.phone,
    Person.language,
)


class ListedPerson(NamedTuple):
    """One person on a session's list, as far as the search box needs: the name and the
    phone. The row itself (``ExpectedPerson``) is read only for the people a page shows.
    (A tuple: hundreds are made for a search.)"""

    person_id: int
    name: str
    phone: str | None
    language: str

    def matches(self, query: str) -> bool:
        return _matches(self.name, self.phone, query)


@dataclass
class SessionList:
    """Who is on a session's list (their ids) and the counts of the whole list; their
    names are read in name order by ``listed_people``, a page or all of them.

    ``expected_people`` reads the rows of some of them (a page of the check-in list);
    ``session_overview`` reads them all."""

    session: Session
    listed_ids: Sequence[int]  # in name order
    checked_in: int
    ratio: RatioStatus
    places_taken: int | None
    rsvp_yes: int
    rsvp_no: int
    rsvp: dict[int, str]
    refused: list[int]  # enrolments whose latest word is "said no" / "not now"
    signups: dict[int, bool]  # person → waitlisted
    attendances: dict[int, tuple[Role, bool]]  # person → (role, walk-in)

    @property
    def count(self) -> int:
        return len(self.listed_ids)


@dataclass(frozen=True)
class _Statements:
    session: Select
    said_no: Select
    signups: Select
    attendances: Select
    listed_ids: Select
    people_by_id: Select
    roles: Select
    page_rows: Select


def name_order(dialect: str) -> ColumnElement[str]:
    """The list's name order in SQL: the stored search key, which is the name case
    folded (``search_text.fold``: "Åse Økland" -> "åse økland"), compared by code point
    as Python compares the folded names (PostgreSQL: the "C" collation; SQLite's own
    comparison is by code point). Anonymising clears the key but names the person
    "Anonymisert", so an anonymised person sorts under that name, as shown."""
    key = case(
        (Person.anonymised_at.is_not(None), literal(fold(ANONYMOUS_NAME))),
        else_=Person.search_key,
    )
    return key.collate("C") if dialect == "postgresql" else key


@cache
def _statements(dialect: str) -> _Statements:
    """The check-in list's statements, built once with bound parameters (SQLAlchemy works
    out a statement's cache key once per statement object, docs/performance.md)."""
    live = Person.anonymised_at.is_(None) & Person.merged_into_id.is_(None)
    said_no = Enrolment.declined_at.is_not(None) | Enrolment.not_now_at.is_not(None)
    expected = (
        Enrolment.activity_id == bindparam("activity_id"),
        Enrolment.stage.in_(EXPECTED_STAGES),
    )
    not_refused = Enrolment.id.not_in(bindparam("refused", expanding=True))
    # Everyone on the list, in name order: the expected enrolments but the refused ones
    # and the sign-ups, of people still there, and everyone checked in.
    ordered: Select
    if dialect == "postgresql":
        # The ids as arrays: an index scan of the primary key for each. As a join (or
        # ``IN (SELECT …)``) the planner hashed the few hundred enrolments against a
        # sequential scan of every person of the installation (17 ms at 100,000
        # people; docs/performance.md).
        enrolled = select(Enrolment.person_id).where(*expected, not_refused)
        signed_up = select(SessionSignup.person_id).where(
            SessionSignup.session_id == bindparam("session_id")
        )
        attended = select(Attendance.person_id).where(
            Attendance.session_id == bindparam("session_id")
        )
        listed = or_(
            and_(
                Person.id == any_(func.array(union(enrolled, signed_up).scalar_subquery())),
                live,
            ),
            Person.id == any_(func.array(attended.scalar_subquery())),
        )
        ordered = select(Person.id).where(listed).order_by(name_order(dialect), Person.id)
    else:
        # SQLite looks each person up by primary key, once.
        key = name_order(dialect).label("name_key")
        everyone = union(
            select(Person.id, key)
            .select_from(Enrolment)
            .join(Person, Person.id == Enrolment.person_id)
            .where(*expected, not_refused, live),
            select(Person.id, key)
            .select_from(SessionSignup)
            .join(Person, Person.id == SessionSignup.person_id)
            .where(SessionSignup.session_id == bindparam("session_id"), live),
            select(Person.id, key)
            .select_from(Attendance)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.session_id == bindparam("session_id")),
        ).subquery()
        ordered = select(everyone.c.id).order_by(everyone.c.name_key, everyone.c.id)
    return _Statements(
        session=select(Session)
        .options(joinedload(Session.activity))
        .where(Session.id == bindparam("session_id"), Session.centre_id == bindparam("centre_id")),
        # The few enrolments with a "said no" or "not now": is it after their latest
        # stage? (Their times only: six times for every row of a long list cost more
        # than the rest.)
        said_no=select(
            Enrolment.id,
            Enrolment.declined_at,
            Enrolment.not_now_at,
            *(getattr(Enrolment, STAGE_COLUMN[s]) for s in STAGE_ORDER),
        ).where(*expected, said_no),
        signups=select(SessionSignup.person_id, SessionSignup.waitlisted)
        .join(Person, Person.id == SessionSignup.person_id)
        .where(SessionSignup.session_id == bindparam("session_id"), live),
        attendances=select(Attendance.person_id, Attendance.role, Attendance.walk_in).where(
            Attendance.session_id == bindparam("session_id")
        ),
        listed_ids=ordered,
        people_by_id=select(
            Person.id, Person.first_name, Person.last_name, Person.phone, Person.language
        ).where(Person.id.in_(bindparam("ids", expanding=True))),
        roles=select(Enrolment.person_id, Enrolment.id, Enrolment.role, Enrolment.stage)
        .join(Person, Person.id == Enrolment.person_id)
        .where(*expected, live, Enrolment.person_id.in_(bindparam("ids", expanding=True))),
        # A page's names and roles in one statement (``page_of``): ``people_by_id``
        # with ``roles`` outer-joined (a person with no expected enrolment, or no
        # longer there, has a row with no enrolment).
        page_rows=select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.phone,
            Person.language,
            Enrolment.id,
            Enrolment.role,
            Enrolment.stage,
        )
        .outerjoin(Enrolment, and_(Enrolment.person_id == Person.id, *expected, live))
        .where(Person.id.in_(bindparam("ids", expanding=True))),
    )


def _current_statements() -> _Statements:
    return _statements(db.session.get_bind().dialect.name)


def session_list(
    centre_id: int,
    session_id: int,
    rsvp: dict[int, str] | None = None,
    rsvp_of: Callable[[int], dict[int, str]] | None = None,
) -> SessionList:
    """Everyone expected at a session (asked or further, signed up, checked in): who
    they are and the list's counts. A fixed number of queries, however many people are
    expected; a session of a large centre expects hundreds, so only their ids are read
    here, and the names of those a page shows by ``listed_people``
    (docs/performance.md).

    The session is read here, with its activity (``NotFound`` if it is not the
    centre's); its SMS answers are ``rsvp``, or ``rsvp_of(session id)`` once it is
    found."""
    statements = _current_statements()
    session = db.session.scalar(
        statements.session, {"session_id": int(session_id), "centre_id": centre_id}
    )
    if session is None:
        raise NotFound("not found")
    activity = session.activity
    if rsvp is None and rsvp_of is not None:
        rsvp = rsvp_of(session.id)
    rsvp = rsvp or {}
    refused = sorted(
        row[0]
        for row in db.session.execute(statements.said_no, {"activity_id": activity.id})
        if _latest_is_refusal(row)
    )
    signups: dict[int, bool] = {
        row[0]: row[1] for row in db.session.execute(statements.signups, {"session_id": session.id})
    }
    attendances: dict[int, tuple[Role, bool]] = {}
    participants = volunteers = 0
    for person_id, role, was_walk_in in db.session.execute(
        statements.attendances, {"session_id": session.id}
    ):
        attendances[person_id] = (role, was_walk_in)
        if role == Role.VOLUNTEER:
            volunteers += 1
        else:
            participants += 1
    listed_ids = db.session.scalars(
        statements.listed_ids,
        {"activity_id": activity.id, "session_id": session.id, "refused": refused},
    ).all()
    taken = None
    if activity.signup_required or activity.capacity is not None:
        holders = {person_id for person_id, waitlisted in signups.items() if not waitlisted}
        holders |= {p for p, (role, _) in attendances.items() if role == Role.PARTICIPANT}
        taken = len(holders)
    on_list = frozenset(listed_ids) if rsvp else frozenset()
    answers = [answer for person_id, answer in rsvp.items() if person_id in on_list]
    return SessionList(
        session=session,
        listed_ids=listed_ids,
        checked_in=len(attendances),
        ratio=ratio_status(participants, volunteers, wished_ratio(activity)),
        places_taken=taken,
        rsvp_yes=answers.count("yes"),
        rsvp_no=answers.count("no"),
        rsvp=rsvp,
        refused=refused,
        signups=signups,
        attendances=attendances,
    )


def listed_people(
    listing: SessionList, offset: int = 0, limit: int | None = None
) -> list[ListedPerson]:
    """The people on the list in name order (the folded name, then the id): ``limit``
    of them from ``offset``, or all. Only their names are read here; the database
    ordered them (``name_order``)."""
    end = None if limit is None else offset + max(0, limit)
    wanted = listing.listed_ids[max(0, offset) : end]
    if not wanted:
        return []
    rows = {
        row[0]: row
        for row in db.session.execute(_current_statements().people_by_id, {"ids": list(wanted)})
    }
    return [
        ListedPerson(person_id, f"{first_name} {last_name}".strip(), phone, language)
        for person_id, first_name, last_name, phone, language in (rows[i] for i in wanted)
    ]


def expected_people(listing: SessionList, people: list[ListedPerson]) -> list[ExpectedPerson]:
    """The check-in rows of ``people`` (some or all of ``listing.listed``), in their
    order: the role and stage of their enrolments, their sign-up, their check-in."""
    if not people:
        return []
    wanted = [p.person_id for p in people]
    enrolments = db.session.execute(
        _current_statements().roles,
        {"activity_id": listing.session.activity_id, "ids": wanted},
    ).all()
    return _rows(listing, people, enrolments)


def page_of(listing: SessionList, offset: int, limit: int) -> list[ExpectedPerson]:
    """``expected_people(listing, listed_people(listing, offset, limit))`` in one
    statement: a page of the list without a search."""
    wanted = listing.listed_ids[max(0, offset) : max(0, offset) + max(0, limit)]
    if not wanted:
        return []
    people: dict[int, ListedPerson] = {}
    enrolments: list[Any] = []
    for person_id, first_name, last_name, phone, language, *enrolment in db.session.execute(
        _current_statements().page_rows,
        {"activity_id": listing.session.activity_id, "ids": list(wanted)},
    ):
        if person_id not in people:
            people[person_id] = ListedPerson(
                person_id, f"{first_name} {last_name}".strip(), phone, language
            )
        if enrolment[0] is not None:
            enrolments.append(_Enrolment(person_id, *enrolment))
    return _rows(listing, [people[i] for i in wanted], enrolments)


class _Enrolment(NamedTuple):
    """An expected enrolment's columns that a row needs (the ``roles`` statement's)."""

    person_id: int
    id: int
    role: Role
    stage: Stage


def _rows(
    listing: SessionList, people: list[ListedPerson], enrolments: Sequence[Any]
) -> list[ExpectedPerson]:
    """The rows of ``people``, in their order, from their expected enrolments."""
    wanted = [p.person_id for p in people]
    rows = {
        p.person_id: ExpectedPerson(
            person_id=p.person_id,
            name=p.name,
            phone=p.phone,
            language=p.language,
            role=Role.PARTICIPANT,
            rsvp=listing.rsvp.get(p.person_id),
        )
        for p in people
    }
    enrolled: set[int] = set()
    refused = set(listing.refused)
    for enrolment in sorted(enrolments, key=lambda e: e.role != Role.PARTICIPANT):
        if enrolment.id in refused:
            continue
        row = rows[enrolment.person_id]
        if enrolment.person_id not in enrolled:
            # The first enrolment read (a participant's before a volunteer's) names the role.
            enrolled.add(enrolment.person_id)
            row.role = enrolment.role
        if row.stage is None or enrolment.stage.rank > row.stage.rank:
            row.stage, row.role = enrolment.stage, enrolment.role
    for person_id, row in rows.items():
        if person_id in listing.signups:
            row.signup = "waitlisted" if listing.signups[person_id] else "confirmed"
        if person_id in listing.attendances:
            row.role, row.walk_in = listing.attendances[person_id]
            row.checked_in = True
    return [rows[person_id] for person_id in wanted]


def session_overview(
    centre_id: int, session_id: int, rsvp: dict[int, str] | None = None
) -> SessionOverview:
    """Everyone expected at a session with their rows (``session_list`` and
    ``expected_people`` of all of them), who is checked in and the volunteers against
    the wished ratio."""
    listing = session_list(centre_id, session_id, rsvp=rsvp)
    return SessionOverview(
        session=listing.session,
        people=expected_people(listing, listed_people(listing)),
        ratio=listing.ratio,
        places_taken=listing.places_taken,
        rsvp_yes=listing.rsvp_yes,
        rsvp_no=listing.rsvp_no,
    )


def _attendance_time(session: Session, now: datetime) -> datetime:
    """At the door (the session's own day) the moment of the tap; registering a past
    session afterwards, its start: the regular rule counts sessions, not typing days."""
    if to_oslo(session.starts_at).date() == oslo_today(now):
        return now
    return session.starts_at


class _AtSession(NamedTuple):
    person: Person
    attendance: Attendance | None
    signup: SessionSignup | None
    enrolment: EnrolmentRead


def _person_at_session(session: Session, person_id: Any, role: Role) -> _AtSession:
    """The person (NotFound unless of the session's centre), their check-in at the
    session, their sign-up for it and their enrolment in its activity in this role: one
    statement (they were four, docs/performance.md, "Writes: tenth round"). Each of the
    three is unique per session (activity and role) and person."""
    ident = primary_key(person_id)
    row = db.session.execute(
        select(Person, Attendance, SessionSignup, Enrolment)
        .outerjoin(
            Attendance,
            (Attendance.session_id == session.id) & (Attendance.person_id == Person.id),
        )
        .outerjoin(
            SessionSignup,
            (SessionSignup.session_id == session.id) & (SessionSignup.person_id == Person.id),
        )
        .outerjoin(
            Enrolment,
            (Enrolment.person_id == Person.id)
            & (Enrolment.activity_id == session.activity_id)
            & (Enrolment.role == role),
        )
        .where(Person.id == ident, Person.centre_id == session.centre_id)
    ).one_or_none()
    if row is None:
        raise NotFound("not found")
    person, attendance, signup, enrolment = row
    read = EnrolmentRead(person.id, session.activity_id, role, enrolment)
    return _AtSession(person, attendance, signup, read)


def check_in(
    centre_id: int,
    session_id: int,
    person_id: int,
    role: Role = Role.PARTICIPANT,
    rule: RegularRule | None = None,
    by_user_id: int | None = None,
    now: datetime | None = None,
    walk_in: bool = False,
    form_token: str | None = None,
) -> CheckInResult:
    """Check a person in. Checking in twice keeps the first check-in."""
    now = now or utcnow()
    rule = rule or RegularRule()
    session = locked_session(centre_id, session_id)
    person, existing, signup, enrolment_read = _person_at_session(session, person_id, role)
    if existing is not None:
        return CheckInResult(existing, created=False, person=person)
    if session.cancelled:
        raise ServiceError(_("This session is cancelled; nobody can be checked in."))
    if to_oslo(session.starts_at).date() > oslo_today(now):
        raise ServiceError(
            _(
                "This session is on %(day)s; check-in opens that day.",
                day=format_date(session.starts_at, "full"),
            )
        )
    if person.anonymised_at is not None or person.merged_into_id is not None:
        raise ServiceError(_("This person can no longer be checked in."))
    activity = session.activity
    holds_place = signup is not None and not signup.waitlisted
    if (
        activity.signup_required
        and role == Role.PARTICIPANT
        and not holds_place
        and not has_room(session)
    ):
        raise ServiceError(
            _(
                "The session is full (%(capacity)d places). Put %(name)s on the waiting list instead.",
                capacity=activity.capacity,
                name=person.display_name,
            )
        )
    at = _attendance_time(session, now)
    attendance = Attendance(
        centre_id=centre_id,
        session_id=session.id,
        person_id=person.id,
        role=role,
        checked_in_at=at,
        by_user_id=by_user_id,
        walk_in=walk_in,
        form_token=form_token or None,
    )
    db.session.add(attendance)
    if signup is not None and signup.waitlisted:
        signup.waitlisted = False  # drop-in: there was room
    db.session.flush()
    enrolment = enrol(centre_id, person.id, activity.id, role, read=enrolment_read)
    record_attendance(enrolment, at, rule)
    touch(person, at)
    db.session.flush()
    return CheckInResult(attendance, created=True, person=person)


def walk_in(
    centre_id: int,
    session_id: int,
    data: WalkInInput,
    rule: RegularRule | None = None,
    by_user_id: int | None = None,
    now: datetime | None = None,
    form_token: str | None = None,
) -> CheckInResult:
    """Someone not on the list: add them (or find them by phone) and check them in."""
    if form_token:
        existing = db.session.scalar(
            select(Attendance).where(
                Attendance.form_token == form_token, Attendance.centre_id == centre_id
            )
        )
        if existing is not None:  # the same form sent twice
            return CheckInResult(existing, created=False, person=existing.person)
    locked_session(centre_id, session_id)  # 404 before anyone is created
    try:
        person = create_person(
            centre_id,
            data.first_name,
            last_name=data.last_name,
            phone=data.phone,
            language=data.language,
        )
    except DuplicatePhone as duplicate:
        person = duplicate.existing  # known already: their consent is theirs to change
    else:
        if data.sms_consent and person.phone:
            record_consent(
                centre_id,
                person.id,
                ConsentPurpose.SMS,
                ConsentMethod.IN_PERSON,
                by_user_id=by_user_id,
            )
    return check_in(
        centre_id,
        session_id,
        person.id,
        role=data.role,
        rule=rule,
        by_user_id=by_user_id,
        now=now,
        walk_in=True,
        form_token=form_token,
    )


def _stage_evidence(
    contacts: list[tuple[Outcome, datetime]], attended: list[datetime]
) -> dict[Stage, datetime | None]:
    """The first time each stage is shown by the remaining facts."""
    shown: dict[Stage, list[datetime]] = {stage: [] for stage in STAGE_ORDER}
    for outcome, at in contacts:
        reached = {
            Outcome.SHOWED_UP: Stage.SHOWED_UP,
            Outcome.ASKED: Stage.ASKED,
        }.get(outcome, Stage.HEARD)
        for stage in STAGE_ORDER[: reached.rank + 1]:
            shown[stage].append(at)
    for at in attended:
        for stage in STAGE_ORDER[: Stage.SHOWED_UP.rank + 1]:
            shown[stage].append(at)
    return {stage: min(times) if times else None for stage, times in shown.items()}


def undo_check_in(
    centre_id: int, session_id: int, person_id: int, rule: RegularRule | None = None
) -> None:
    """Take back a mistaken tap: the attendance goes, and so do the stage times that this
    check-in alone set (a stage another fact shows stays, at that fact's time)."""
    rule = rule or RegularRule()
    session = locked_session(centre_id, session_id)
    person = fetch(Person, person_id, centre_id)
    attendance = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.person_id == person.id
        )
    )
    if attendance is None:
        raise NotFound(_("%(name)s is not checked in.", name=person.display_name))
    removed_at, role = attendance.checked_in_at, attendance.role
    db.session.delete(attendance)
    db.session.flush()
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.person_id == person.id,
            Enrolment.activity_id == session.activity_id,
            Enrolment.role == role,
        )
    )
    if enrolment is None:
        return
    attended = list(
        db.session.scalars(
            select(Attendance.checked_in_at)
            .join(Session, Session.id == Attendance.session_id)
            .where(
                Attendance.person_id == person.id,
                Session.activity_id == session.activity_id,
                Attendance.role == role,
            )
        )
    )
    contacts = [
        (outcome, at)
        for outcome, at in db.session.execute(
            select(Contact.outcome, Contact.occurred_at).where(
                Contact.person_id == person.id,
                Contact.activity_id == session.activity_id,
                Contact.role == role,
            )
        )
    ]
    enrolment.attendance_count = len(attended)
    evidence = _stage_evidence(contacts, attended)
    for stage in (Stage.HEARD, Stage.ASKED, Stage.SHOWED_UP):
        column = STAGE_COLUMN[stage]
        if getattr(enrolment, column) == removed_at:
            setattr(enrolment, column, evidence[stage])
    if enrolment.regular_at == removed_at:
        enrolment.regular_at = rule.became_regular_at(attended)
    reached = [s for s in STAGE_ORDER if getattr(enrolment, STAGE_COLUMN[s]) is not None]
    if not reached and not contacts:
        db.session.delete(enrolment)  # the check-in was all there was
    else:
        enrolment.stage = reached[-1] if reached else Stage.HEARD
    db.session.flush()
