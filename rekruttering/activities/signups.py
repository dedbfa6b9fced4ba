"""Sign-up and the waiting list, for activities that need sign-up (Ferieaktiviteter).

A session has ``capacity`` places for participants. A place is taken by a confirmed
sign-up or by a participant checked in without one (drop-in when there is room).
Beyond capacity people go on the waiting list, in the order they signed up; when
someone cancels (or the capacity is raised) the first on the list moves up.
Never commits (see transaction.py).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, union
from sqlalchemy.orm import joinedload

from rekruttering import row_locks
from rekruttering.domain.clock import oslo_today, start_of_oslo_day, utcnow
from rekruttering.domain.funnel import Role, Stage
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import enrol, reach_stage, touch
from rekruttering.models import Activity, Attendance, Person, Session, SessionSignup
from rekruttering.tenancy import fetch


def locked_session(centre_id: int, session_id: int) -> Session:
    """The session, locked for this transaction on PostgreSQL: two sign-ups for the last
    place are decided one after the other, never both confirmed. Read locked once in a
    transaction (a view and the service it calls): the second time, the object held."""
    held = row_locks.held(db.session(), Session, int(session_id), "centre_id")
    if held is not None:
        if held.centre_id != centre_id:
            raise NotFound("not found")
        return held
    session = db.session.scalar(
        select(Session)
        .where(Session.id == int(session_id), Session.centre_id == centre_id)
        # Its activity with it (every caller reads it): the session's row is locked,
        # not the activity's.
        .options(joinedload(Session.activity, innerjoin=True))
        .with_for_update(of=Session)
    )
    if session is None:
        raise NotFound("not found")
    row_locks.remember(db.session(), session)
    return session


def places_taken(session_id: int) -> int:
    """People holding a place: confirmed sign-ups and participants checked in."""
    holders = union(
        select(SessionSignup.person_id).where(
            SessionSignup.session_id == session_id, SessionSignup.waitlisted.is_(False)
        ),
        select(Attendance.person_id).where(
            Attendance.session_id == session_id, Attendance.role == Role.PARTICIPANT
        ),
    ).subquery()
    return db.session.scalar(select(func.count()).select_from(holders)) or 0


def has_room(session: Session) -> bool:
    capacity = session.activity.capacity
    return capacity is None or places_taken(session.id) < capacity


def sign_up(
    centre_id: int, session_id: int, person_id: int, now: datetime | None = None
) -> SessionSignup:
    """Sign a person up; when the session is full they go on the waiting list.

    Signing up twice keeps the first sign-up (and its place in the queue).
    """
    now = now or utcnow()
    session = locked_session(centre_id, session_id)
    activity: Activity = session.activity
    if not activity.signup_required:
        raise ServiceError(_("%(name)s needs no sign-up: people just come.", name=activity.name))
    if session.cancelled:
        raise ServiceError(_("This session is cancelled."))
    if session.ends_at <= now:
        raise ServiceError(_("This session is over; sign-up is closed."))
    person = fetch(Person, person_id, centre_id)
    if person.anonymised_at is not None or person.merged_into_id is not None:
        raise ServiceError(_("This person can no longer be signed up."))
    existing = db.session.scalar(
        select(SessionSignup).where(
            SessionSignup.session_id == session.id, SessionSignup.person_id == person.id
        )
    )
    if existing is not None:
        return existing
    signup = SessionSignup(
        centre_id=centre_id,
        session_id=session.id,
        person_id=person.id,
        waitlisted=not has_room(session),
        created_at=now,
    )
    db.session.add(signup)
    # Signing up means they have at least heard of the activity.
    enrolment = enrol(centre_id, person.id, activity.id, Role.PARTICIPANT)
    reach_stage(enrolment, Stage.HEARD, now)
    touch(person, now)
    db.session.flush()
    return signup


def fill_from_waiting_list(session: Session) -> list[SessionSignup]:
    """Move people up from the waiting list while there is room; returns those moved."""
    waiting = list(
        db.session.scalars(
            select(SessionSignup)
            .where(SessionSignup.session_id == session.id, SessionSignup.waitlisted.is_(True))
            .order_by(SessionSignup.created_at, SessionSignup.id)
        )
    )
    capacity = session.activity.capacity
    room = len(waiting) if capacity is None else capacity - places_taken(session.id)
    moved = waiting[: max(room, 0)]
    for signup in moved:
        signup.waitlisted = False
    db.session.flush()
    return moved


def cancel_signup(centre_id: int, session_id: int, person_id: int) -> list[SessionSignup]:
    """Take a sign-up back; the first on the waiting list gets the place.

    Returns the sign-ups that moved up from the waiting list.
    """
    session = locked_session(centre_id, session_id)
    person = fetch(Person, person_id, centre_id)
    signup = db.session.scalar(
        select(SessionSignup).where(
            SessionSignup.session_id == session.id, SessionSignup.person_id == person.id
        )
    )
    if signup is None:
        raise NotFound(_("%(name)s is not signed up for this session.", name=person.display_name))
    db.session.delete(signup)
    db.session.flush()
    if session.cancelled:
        return []
    return fill_from_waiting_list(session)


def fill_from_waiting_list_for_activity(centre_id: int, activity_id: int) -> int:
    """After a capacity change: fill every future session's free places from its list."""
    sessions = db.session.scalars(
        select(Session).where(
            Session.centre_id == centre_id,
            Session.activity_id == activity_id,
            Session.cancelled.is_(False),
            Session.starts_at >= start_of_oslo_day(oslo_today()),
            Session.id.in_(
                select(SessionSignup.session_id).where(SessionSignup.waitlisted.is_(True))
            ),
        )
    ).all()
    return sum(len(fill_from_waiting_list(session)) for session in sessions)
