"""Query functions of the reminder form: whom it can be for, and what it is probably about.

The form does not list every textable person (thousands at a large centre): staff
search with the shared person search (people/search.py), and the form offers that
page of results plus the person already chosen.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from rekruttering.domain.funnel import Stage
from rekruttering.extensions import db
from rekruttering.models import Activity, Enrolment, Person
from rekruttering.people.search import search_people
from rekruttering.reminders import picker_walk

#: How many people one search offers at once.
PICKER_LIMIT = 20


class PickedPerson(NamedTuple):
    """A person as the picker offers them: the id and the name, nothing else."""

    id: int
    first_name: str
    last_name: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()  # as Person.display_name


def textable_people(centre_id: int, text: str, limit: int = PICKER_LIMIT) -> list[PickedPerson]:
    """The shared person search, narrowed to people with a phone: the id and name of each.

    Only the columns the picker shows: the search sorts every match of the centre to
    find the first ``limit`` (hundreds at a large centre), and whole rows made each of
    them wider to sort, and each of the page's rows an entity to build
    (docs/performance.md). For a common word the first ones by name are found by a
    walk in name order that stops there (``picker_walk``): the same people."""
    walked = picker_walk.first_by_name(centre_id, text, limit)
    if walked is not None:
        return [PickedPerson(*row) for row in walked]
    query = search_people(
        centre_id, text, limit=limit, where=(Person.phone.is_not(None),)
    ).with_only_columns(Person.id, Person.first_name, Person.last_name)
    return [PickedPerson(*row) for row in db.session.execute(query)]


def chosen_person(centre_id: int, person_id: int | None) -> Person | None:
    """The person a link or a posted form chose, if the form may offer them."""
    if person_id is None:
        return None
    return db.session.scalar(
        sa.select(Person).where(
            Person.id == person_id,
            Person.centre_id == centre_id,
            Person.phone.is_not(None),
            Person.anonymised_at.is_(None),
            Person.merged_into_id.is_(None),
        )
    )


def enrolled_activity_id(centre_id: int, person_id: int) -> int | None:
    """The active activity the person is enrolled in (the furthest along, then the most
    recent enrolment): what a reminder for them is most likely about."""
    stage_rank = sa.case(
        (Enrolment.stage == Stage.REGULAR, 0),
        (Enrolment.stage == Stage.SHOWED_UP, 1),
        (Enrolment.stage == Stage.ASKED, 2),
        else_=3,
    )
    return db.session.scalar(
        sa.select(Enrolment.activity_id)
        .join(Activity, Activity.id == Enrolment.activity_id)
        .where(
            Enrolment.centre_id == centre_id,
            Enrolment.person_id == person_id,
            Enrolment.declined_at.is_(None),
            Activity.active.is_(True),
        )
        .order_by(stage_rank, Enrolment.id.desc())
        .limit(1)
    )
