"""The demo people step: a few hundred people with a year of outreach, through the real services."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.domain.clock import oslo_today
from rekruttering.domain.funnel import Stage
from rekruttering.domain.phone import is_mobile, normalise_phone
from rekruttering.extensions import db
from rekruttering.models import Centre, Consent, Contact, Enrolment, Person, PersonLink


# What the step makes is the generator's property, not the database's: test_cli_demo loads
# the whole demo, this step with it, on both databases, so this runs once.
@pytest.mark.sqlite_only
def test_demo_people_step(app: Any) -> None:
    """Borgen gets ~300 people and Heggedal ~30, with funnels, recruiters, families and consent."""
    from rekruttering.demo import DemoContext, accounts, centres, people  # after the app

    context = DemoContext(rng=random.Random(7))
    for step in (centres.load, accounts.load, people.load):
        step(context)
    db.session.commit()
    borgen = db.session.scalar(select(Centre).where(Centre.slug == "borgen"))
    heggedal = db.session.scalar(select(Centre).where(Centre.slug == "heggedal"))

    def n(query: Any) -> int:
        return db.session.scalar(query)

    assert n(select(func.count(Person.id)).where(Person.centre_id == borgen.id)) == 300
    assert n(select(func.count(Person.id)).where(Person.centre_id == heggedal.id)) == 30
    phones = db.session.scalars(select(Person.phone).where(Person.phone.is_not(None))).all()
    assert all(normalise_phone(p) == p and is_mobile(p) for p in phones)
    assert len(set(phones)) == len(phones)
    languages = set(db.session.scalars(select(Person.language).distinct()))
    assert {"nb", "ar", "so", "ti", "uk", "prs", "pl", "en"} <= languages
    stages = dict(
        db.session.execute(select(Enrolment.stage, func.count()).group_by(Enrolment.stage)).all()
    )
    assert stages.get(Stage.HEARD) and stages.get(Stage.ASKED) and stages.get(Stage.SHOWED_UP)
    assert n(select(func.count(Enrolment.id)).where(Enrolment.declined_at.is_not(None))) > 5
    assert n(select(func.count(Enrolment.id)).where(Enrolment.not_now_at.is_not(None))) > 5
    assert n(select(func.count(Person.id)).where(Person.recruited_by_id.is_not(None))) > 10
    assert n(select(func.count(PersonLink.id))) >= 10
    consented = n(select(func.count(func.distinct(Consent.person_id))))
    assert consented > 0.7 * len(phones)
    due = select(func.count(Contact.id)).where(
        Contact.centre_id == borgen.id,
        Contact.follow_up_on <= oslo_today(),
        Contact.follow_up_done_at.is_(None),
    )
    assert n(due) >= 5
    showed_up = context.objects["enrolments:showed_up:borgen"]
    assert showed_up and all(e.showed_up_at is not None for e in showed_up)
    assert len(context.objects["people:borgen"]) == 300
