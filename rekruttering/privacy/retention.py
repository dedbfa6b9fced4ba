"""Retention: people with no contact, attendance or message for their centre's
retention period (its settings page; ``retention.months`` for a centre that never set
one) are anonymised by the nightly job (jobs/retention.py); staff see who is due first.

A person's last activity is the latest of ``Person.last_activity_at`` (kept up to
date by the use cases) and the newest contact, attendance and message about them,
computed in SQL: so a writer that forgot to touch the person cannot make us
anonymise someone who was here last week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rekruttering import audit
from rekruttering.centre_settings.service import settings_of
from rekruttering.domain.retention import retention_cutoff
from rekruttering.extensions import db
from rekruttering.models import Attendance, Centre, Contact, Message, Person
from rekruttering.privacy.anonymise import anonymise_people

#: How far ahead the dry-run list looks, so staff see who is coming up.
LOOKAHEAD = timedelta(days=30)

#: People anonymised per UPDATE statement (keeps the IN lists short).
BATCH_SIZE = 200

#: An arbitrary constant: the PostgreSQL advisory lock that lets one worker run it.
ADVISORY_LOCK_KEY = 7_202_607


def last_activity(centre_id: int | None = None, person_ids: list[int] | None = None) -> sa.Subquery:
    """(person_id, last_at) for every person (of one centre, or of the given ids)."""
    parts: list[sa.Select[tuple[Any, Any]]] = [
        sa.select(Person.id.label("person_id"), Person.last_activity_at.label("at")),
        sa.select(Contact.person_id, Contact.occurred_at),
        sa.select(Attendance.person_id, Attendance.checked_in_at),
        sa.select(Message.person_id, Message.created_at).where(Message.person_id.is_not(None)),
    ]
    if centre_id is not None:
        parts = [
            parts[0].where(Person.centre_id == centre_id),
            parts[1].where(Contact.centre_id == centre_id),
            parts[2].where(Attendance.centre_id == centre_id),
            parts[3].where(Message.centre_id == centre_id),
        ]
    if person_ids is not None:
        parts = [
            parts[0].where(Person.id.in_(person_ids)),
            parts[1].where(Contact.person_id.in_(person_ids)),
            parts[2].where(Attendance.person_id.in_(person_ids)),
            parts[3].where(Message.person_id.in_(person_ids)),
        ]
    union = sa.union_all(*parts).subquery("activity_times")
    return (
        sa.select(union.c.person_id, sa.func.max(union.c.at).label("last_at"))
        .group_by(union.c.person_id)
        .subquery("last_activity")
    )


def due_query(centre_id: int | None, now: datetime, months: int, ahead: timedelta = timedelta(0)):
    """People not yet anonymised whose last activity is older than the cutoff.

    With ``ahead``, also those who become due within that time (the dry-run list).
    Oldest activity first; ``last_activity_of`` gives the times for a page of them.
    """
    last = last_activity(centre_id)
    cutoff = retention_cutoff(now + ahead, months)
    query = (
        sa.select(Person)
        .join(last, last.c.person_id == Person.id)
        .where(Person.anonymised_at.is_(None), last.c.last_at < cutoff)
        .order_by(last.c.last_at, Person.id)
    )
    if centre_id is not None:
        query = query.where(Person.centre_id == centre_id)
    return query


def last_activity_of(person_ids: list[int]) -> dict[int, datetime]:
    """person id -> last activity, for a page of people (one query)."""
    if not person_ids:
        return {}
    last = last_activity(person_ids=person_ids)
    rows = db.session.execute(sa.select(last.c.person_id, last.c.last_at)).tuples().all()
    return dict(rows)


@dataclass(frozen=True)
class DuePerson:
    centre_id: int
    person_id: int
    last_at: datetime


def due_people(
    centre_id: int | None, now: datetime, months: int, person_ids: list[int] | None = None
) -> list[DuePerson]:
    """Who the job would anonymise now (ids only: the CLI and job print no names)."""
    last = last_activity(centre_id)
    cutoff = retention_cutoff(now, months)
    query = (
        sa.select(Person.centre_id, Person.id, last.c.last_at)
        .join(last, last.c.person_id == Person.id)
        .where(Person.anonymised_at.is_(None), last.c.last_at < cutoff)
        .order_by(Person.centre_id, last.c.last_at, Person.id)
    )
    if centre_id is not None:
        query = query.where(Person.centre_id == centre_id)
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    return [DuePerson(c, p, at) for c, p, at in db.session.execute(query).all()]


def anonymise_due(now: datetime, months: int, centre_id: int | None = None) -> list[DuePerson]:
    """Anonymise everyone due now, in batches, auditing each; returns who (the caller
    commits). Runs once at a time on PostgreSQL: a second worker finds the lock taken
    and does nothing."""
    if not try_lock():
        return []
    done: list[DuePerson] = []
    due = due_people(centre_id, now, months)
    for start in range(0, len(due), BATCH_SIZE):
        batch = due[start : start + BATCH_SIZE]
        anonymise_people([d.person_id for d in batch], at=now)
        for item in batch:
            audit.record(
                "retention_anonymised",
                person_id=item.person_id,
                centre_id=item.centre_id,
                user_id=None,
                detail=f"no activity for {months} months",
            )
        db.session.flush()
        done += batch
    return done


def centre_months(centre_id: int | None = None) -> dict[int, int]:
    """centre id -> its retention period in months (every centre, or one)."""
    ids = [centre_id] if centre_id is not None else list(db.session.scalars(sa.select(Centre.id)))
    return {cid: settings_of(cid).retention_months for cid in ids}


def due_everywhere(now: datetime, centre_id: int | None = None) -> list[DuePerson]:
    """Who is due now, each centre with its own period (ids only)."""
    return [
        item
        for cid, months in centre_months(centre_id).items()
        for item in due_people(cid, now, months)
    ]


def anonymise_due_everywhere(now: datetime, centre_id: int | None = None) -> list[DuePerson]:
    """Anonymise everyone due now, each centre with its own period (the caller commits)."""
    return [
        item
        for cid, months in centre_months(centre_id).items()
        for item in anonymise_due(now, months, cid)
    ]


def try_lock() -> bool:
    """On PostgreSQL, one worker at a time runs retention (the lock ends with the
    transaction); SQLite has one process and needs none."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        db.session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    )
