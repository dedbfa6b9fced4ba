"""Demo privacy data: consent to be in the register, a withdrawn SMS consent, and a
few people from the centre's old spreadsheets who have been idle so long that the
retention list has someone on it (and the nightly job something to do)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from faker import Faker
from sqlalchemy import select

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.domain.retention import add_months
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Centre,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Membership,
    Person,
    UserRole,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.service import create_person
from rekruttering.privacy.consent import give_consent, withdraw_consent

if TYPE_CHECKING:
    from rekruttering.demo import DemoContext

#: Idle people (months and days since their last contact): due tonight, and soon.
IDLE = ((30, 0), (26, 12), (24, 3), (23, 20), (23, 5))


def load(context: DemoContext) -> None:
    rng = context.rng
    fake = Faker("no_NO")  # Faker's name for Norwegian bokmål
    fake.seed_instance(rng.randrange(10**9))
    now = utcnow()
    for centre in db.session.scalars(select(Centre).order_by(Centre.id)):
        staff = list(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.centre_id == centre.id,
                    Membership.role.in_((UserRole.STAFF, UserRole.ADMIN)),
                )
            )
        )
        registered = set(
            db.session.scalars(
                select(Consent.person_id).where(
                    Consent.centre_id == centre.id, Consent.purpose == ConsentPurpose.REGISTER
                )
            )
        )
        people = list(
            db.session.scalars(
                select(Person).where(Person.centre_id == centre.id).order_by(Person.id)
            )
        )
        for person in people:
            if person.id not in registered:
                give_consent(
                    centre.id,
                    person.id,
                    ConsentPurpose.REGISTER,
                    ConsentMethod.IN_PERSON,
                    recorded_by_id=rng.choice(staff) if staff else None,
                    at=person.created_at,
                )
        # One person asked not to get texts any more: withdrawal is as easy as giving.
        texted = [p for p in people if p.phone]
        if texted:
            withdraw_consent(rng.choice(texted).id, ConsentPurpose.SMS, at=now - timedelta(days=9))
        if centre.slug == "borgen":
            _idle_people(centre, fake, staff, now)
    db.session.flush()


def _idle_people(centre: Centre, fake: Faker, staff: list[int], now: datetime) -> None:
    """People from the old spreadsheets, last contacted long ago."""
    activity = db.session.scalar(
        select(Activity).where(Activity.centre_id == centre.id).order_by(Activity.id)
    )
    for months, days in IDLE:
        last = add_months(now, -months) - timedelta(days=days)
        person = create_person(centre.id, fake.first_name(), fake.last_name(), note="")
        person.created_at = last
        log_contact(
            centre.id,
            ContactInput(
                person_id=person.id,
                outcome=Outcome.HEARD,
                activity_id=activity.id if activity else None,
                occurred_at=last,
                by_user_id=staff[0] if staff else None,
            ),
        )
        # log_contact only moves last activity forward; an imported past sets it back.
        person.last_activity_at = last
