"""log_contact moves enrolments forward, keeps 'no' as a fact, and is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.models import Contact, Enrolment
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.transaction import transaction

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_contacts_move_the_funnel_forward_never_back(make: Any) -> None:
    """heard -> asked; a later 'heard' or 'said no' does not move the stage back."""
    centre = make.centre()
    person, activity = make.person(centre), make.activity(centre)
    kindergarten, staff_ask = make.channel(centre), make.channel(centre)
    with transaction():
        log_contact(
            centre.id,
            ContactInput(person.id, Outcome.HEARD, activity.id, kindergarten.id, occurred_at=T0),
        )
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id,
                Outcome.ASKED,
                activity.id,
                staff_ask.id,
                occurred_at=T0 + timedelta(days=3),
            ),
        )
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id, Outcome.DECLINED, activity.id, occurred_at=T0 + timedelta(days=5)
            ),
        )
    enrolment = db.session.scalar(db.select(Enrolment))
    assert enrolment.stage == Stage.ASKED
    assert enrolment.heard_at == T0
    assert enrolment.asked_at == T0 + timedelta(days=3)
    assert enrolment.declined_at == T0 + timedelta(days=5)
    assert enrolment.first_channel_id == kindergarten.id
    assert enrolment.ask_channel_id == staff_ask.id


def test_double_submitted_form_logs_one_contact(make: Any) -> None:
    """The same form token twice gives one contact."""
    centre = make.centre()
    person = make.person(centre)
    for _ in range(2):
        with transaction():
            log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, form_token="tok-1"))
    assert db.session.scalar(db.select(db.func.count(Contact.id))) == 1


def test_objects_of_another_centre_are_not_found(make: Any) -> None:
    """A person or activity of another centre is refused, and nothing is written."""
    mine, other = make.centre(), make.centre()
    person = make.person(mine)
    foreign_activity = make.activity(other)
    with pytest.raises(NotFound), transaction():
        log_contact(mine.id, ContactInput(person.id, Outcome.ASKED, foreign_activity.id))
    assert db.session.scalar(db.select(db.func.count(Contact.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0
