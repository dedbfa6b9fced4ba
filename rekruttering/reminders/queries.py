"""What the reminder and SMS pages read (query functions; no writes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Direction,
    Message,
    MessageTemplate,
    Person,
    Reminder,
    ReminderState,
    Session,
)
from rekruttering.reminders.texts import KIND
from rekruttering.tenancy import centre_of_persons_rows, scoped


def reminders_query(centre_id: int, states: Iterable[ReminderState], *, by_due: bool) -> Any:
    """Reminders in ``states``: by due time (the scheduled tab), else latest change first."""
    query = (
        scoped(Reminder, centre_id)
        .where(Reminder.state.in_(tuple(states)))
        .options(
            joinedload(Reminder.person),
            joinedload(Reminder.session).joinedload(Session.activity),
            joinedload(Reminder.message),
        )
    )
    if by_due:
        return query.order_by(Reminder.due_at, Reminder.id)
    return query.order_by(Reminder.updated_at.desc(), Reminder.id.desc())


def active_activity_names(centre_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Activity.id, Activity.name)
        .where(Activity.centre_id == centre_id, Activity.active.is_(True))
        .order_by(Activity.name)
    ).tuples()
    return list(rows.all())


def outbox_query(centre_id: int) -> Any:
    """Texts the outbox gateway stored instead of sending, latest first."""
    return (
        scoped(Message, centre_id)
        .where(Message.gateway == "outbox", Message.direction == Direction.OUTBOUND)
        .options(joinedload(Message.person))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )


def unknown_senders(centre_id: int) -> Any:
    """Texts from unknown numbers received on this centre's number (sms.inbound_centres).

    Texts to a number no centre owns are for the installation's operator only
    (``rekruttering unknown-senders``), never for every centre's admins.
    """
    return scoped(Message, centre_id).where(
        Message.person_id.is_(None), Message.direction == Direction.INBOUND
    )


def unknown_senders_query(centre_id: int) -> Any:
    return unknown_senders(centre_id).order_by(Message.created_at.desc(), Message.id.desc())


def messages_of_person_query(centre_id: int, person_id: int) -> Any:
    return (
        sa.select(Message)
        .where(Message.person_id == person_id, centre_of_persons_rows(Message.centre_id, centre_id))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )


def latest_reminders_of_person(centre_id: int, person_id: int, limit: int) -> list[Reminder]:
    return list(
        db.session.scalars(
            sa.select(Reminder)
            .where(
                Reminder.person_id == person_id,
                centre_of_persons_rows(Reminder.centre_id, centre_id),
            )
            .options(joinedload(Reminder.session).joinedload(Session.activity))
            .order_by(Reminder.due_at.desc(), Reminder.id.desc())
            .limit(limit)
        )
    )


def reminder_templates(centre_id: int) -> list[MessageTemplate]:
    """The centre's own reminder texts (one per language at most)."""
    return list(
        db.session.scalars(scoped(MessageTemplate, centre_id).where(MessageTemplate.kind == KIND))
    )


def reminder_template(centre_id: int, language: str) -> MessageTemplate | None:
    return db.session.scalar(
        scoped(MessageTemplate, centre_id).where(
            MessageTemplate.kind == KIND, MessageTemplate.language == language
        )
    )


def spoken_languages(centre_id: int) -> set[str]:
    """The language codes the centre's people (not anonymised) have."""
    return set(
        db.session.scalars(
            sa.select(Person.language)
            .where(Person.centre_id == centre_id, Person.anonymised_at.is_(None))
            .distinct()
        )
    )
