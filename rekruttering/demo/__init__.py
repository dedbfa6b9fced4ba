"""The demo installation: Borgen nærmiljøsentral and a second, small centre.

``load_demo`` runs each step of ``DEMO_STEPS`` in order inside one transaction; a
feature adds its step (people and their funnel histories, reminders, referrals …) by
appending to the list. Data is generated with Faker (nb_NO and the languages of the
centre's participants): no real person is in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from rekruttering.demo import (
    accounts,
    centres,
    people,
    privacy,
    programme,
    referrals,
    reminders,
    sessions,
)
from rekruttering.extensions import db
from rekruttering.models import Centre
from rekruttering.transaction import transaction


@dataclass
class DemoContext:
    """What the steps share: the random source and the objects made so far."""

    rng: random.Random
    #: Made objects by key ("activity:borgen:datahjelp"); each step reads them as the
    #: model it knows the key to hold.
    objects: dict[str, Any] = field(default_factory=dict)


DemoStep = Callable[[DemoContext], None]

DEMO_STEPS: list[DemoStep] = [
    centres.load,
    accounts.load,
    # People of Borgen and Heggedal with a year of contacts (heard, asked, came, no).
    people.load,
    # After the people step: attendance for everyone who showed up, sessions ahead.
    sessions.load,
    # Keep after the steps that create people and sessions: it looks them up.
    reminders.load,
    # NAV and refugee-service referrals in every state; QR codes with sign-ups.
    referrals.load,
    # The public programme (website source) and a printed programme in Arabic.
    programme.load,
    # After every step that adds people: register consent, a few idle for retention.
    privacy.load,
]


def load_demo(seed: int = 2026, if_empty: bool = False) -> bool:
    """Load the demo data. Returns False (and does nothing) if asked to and not empty."""
    if if_empty and db.session.scalar(select(Centre.id).limit(1)) is not None:
        return False
    context = DemoContext(rng=random.Random(seed))
    # One transaction: a demo that fails half-way leaves nothing behind.
    with transaction():
        for step in DEMO_STEPS:
            step(context)
    return True
