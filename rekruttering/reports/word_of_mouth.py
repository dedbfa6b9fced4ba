"""Word of mouth: who brought whom, the best recruiters, and chains of referrals.

Built on ``Person.recruited_by_id`` (set when a contact names who brought a person).
Everything is counted in SQL; chains use a recursive CTE (both databases have
WITH RECURSIVE). A depth limit guards against a loop in the data (A brought B and B
brought A after a merge) making the recursion endless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from rekruttering.extensions import db
from rekruttering.models import Enrolment, Person
from rekruttering.tenancy import fetch

#: Chains deeper than this are cut (and a loop in the data cannot recurse forever).
MAX_DEPTH = 25
#: A chain page shows at most this many people below the person.
MAX_CHAIN_PEOPLE = 500


def _showed_up(person_id: Any) -> sa.ColumnElement[bool]:
    """EXISTS an enrolment of the person that reached 'showed up'."""
    return (
        sa.select(Enrolment.id)
        .where(Enrolment.person_id == person_id, Enrolment.showed_up_at.is_not(None))
        .exists()
    )


def _live(person: Any) -> sa.ColumnElement[bool]:
    return person.merged_into_id.is_(None)


@dataclass(frozen=True)
class Recruiter:
    person_id: int
    name: str
    brought: int
    showed_up: int


def top_recruiters(centre_id: int, limit: int = 10) -> list[Recruiter]:
    """The people whose referrals showed up most (then most brought, then name)."""
    recruiter = aliased(Person, name="recruiter")
    brought = aliased(Person, name="brought")
    showed = sa.func.count(sa.distinct(sa.case((_showed_up(brought.id), brought.id))))
    query = (
        sa.select(
            recruiter.id,
            recruiter.first_name,
            recruiter.last_name,
            sa.func.count(brought.id).label("brought"),
            showed.label("showed_up"),
        )
        .join(brought, brought.recruited_by_id == recruiter.id)
        .where(recruiter.centre_id == centre_id, brought.centre_id == centre_id, _live(brought))
        .group_by(recruiter.id, recruiter.first_name, recruiter.last_name)
        .order_by(
            showed.desc(), sa.func.count(brought.id).desc(), recruiter.first_name, recruiter.id
        )
        .limit(limit)
    )
    return [
        Recruiter(row.id, f"{row.first_name} {row.last_name}".strip(), row.brought, row.showed_up)
        for row in db.session.execute(query)
    ]


def brought_people_select(centre_id: int) -> sa.Select[tuple[Person]]:
    """People brought by someone, newest first (to paginate), recruiter eager-loaded."""
    return (
        sa.select(Person)
        .options(joinedload(Person.recruited_by))
        .where(Person.centre_id == centre_id, Person.recruited_by_id.is_not(None), _live(Person))
        .order_by(Person.created_at.desc(), Person.id.desc())
    )


def showed_up_among(centre_id: int, person_ids: list[int]) -> set[int]:
    """Which of these people have shown up at something (one query for a page)."""
    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(sa.distinct(Enrolment.person_id)).where(
                Enrolment.centre_id == centre_id,
                Enrolment.person_id.in_(person_ids),
                Enrolment.showed_up_at.is_not(None),
            )
        )
    )


@dataclass(frozen=True)
class Chain:
    """A chain of referrals started by someone nobody brought."""

    root_id: int
    root_name: str
    people: int  # brought, directly or further down the chain (the root not counted)
    generations: int  # longest path from the root
    showed_up: int  # of those people, how many showed up


def _descendants(centre_id: int, roots: sa.Select[Any]) -> Any:
    """Recursive CTE (root_id, person_id, depth) of everyone below each root."""
    chain = roots.cte("chain", recursive=True)
    child = aliased(Person, name="child")
    chain = chain.union_all(
        sa.select(chain.c.root_id, child.id, chain.c.depth + 1)
        .join(child, child.recruited_by_id == chain.c.person_id)
        .where(child.centre_id == centre_id, _live(child), chain.c.depth < MAX_DEPTH)
    )
    return chain


def longest_chains(centre_id: int, limit: int = 10) -> list[Chain]:
    """The biggest chains: roots who were not brought by anyone but brought others."""
    root = aliased(Person, name="root")
    roots: sa.Select[tuple[int, int, Any]] = sa.select(
        root.id.label("root_id"), root.id.label("person_id"), sa.literal_column("0").label("depth")
    ).where(
        root.centre_id == centre_id,
        root.recruited_by_id.is_(None),
        _live(root),
        sa.select(Person.id).where(Person.recruited_by_id == root.id).exists(),
    )
    chain = _descendants(centre_id, roots)
    people = sa.func.count(sa.distinct(chain.c.person_id)) - 1
    showed = sa.func.count(
        sa.distinct(
            sa.case((sa.and_(chain.c.depth > 0, _showed_up(chain.c.person_id)), chain.c.person_id))
        )
    )
    named = aliased(Person, name="named")
    query = (
        sa.select(
            chain.c.root_id,
            named.first_name,
            named.last_name,
            people.label("people"),
            sa.func.max(chain.c.depth).label("generations"),
            showed.label("showed_up"),
        )
        .join(named, named.id == chain.c.root_id)
        .group_by(chain.c.root_id, named.first_name, named.last_name)
        .order_by(people.desc(), sa.func.max(chain.c.depth).desc(), chain.c.root_id)
        .limit(limit)
    )
    return [
        Chain(
            row.root_id,
            f"{row.first_name} {row.last_name}".strip(),
            row.people,
            row.generations,
            row.showed_up,
        )
        for row in db.session.execute(query)
    ]


@dataclass(frozen=True)
class ChainMember:
    person_id: int
    name: str
    depth: int
    brought_by_id: int | None
    showed_up: bool


@dataclass(frozen=True)
class ChainTree:
    person: Person
    #: Who brought the person, and who brought them, ... nearest first.
    ancestors: list[Person]
    #: Everyone below the person in depth-first order (depth 1 = brought directly).
    members: list[ChainMember]
    truncated: bool


def chain_of(centre_id: int, person_id: int) -> ChainTree:
    """The chain around one person: who brought them, and everyone they brought since."""
    person = fetch(Person, person_id, centre_id)
    ancestors = _ancestors(centre_id, person)
    start: sa.Select[tuple[Any, int, Any]] = sa.select(
        sa.literal_column(str(int(person.id))).label("root_id"),
        Person.id.label("person_id"),
        sa.literal_column("0").label("depth"),
    ).where(Person.id == person.id)
    chain = _descendants(centre_id, start)
    member = aliased(Person, name="member")
    rows = db.session.execute(
        sa.select(
            member.id,
            member.first_name,
            member.last_name,
            member.recruited_by_id,
            sa.func.min(chain.c.depth).label("depth"),
            _showed_up(member.id).label("showed_up"),
        )
        .join(member, member.id == chain.c.person_id)
        .where(chain.c.depth > 0)
        .group_by(member.id, member.first_name, member.last_name, member.recruited_by_id)
        .order_by(sa.func.min(chain.c.depth), member.id)
        .limit(MAX_CHAIN_PEOPLE + 1)
    ).all()
    truncated = len(rows) > MAX_CHAIN_PEOPLE
    rows = rows[:MAX_CHAIN_PEOPLE]
    by_parent: dict[int | None, list[Any]] = {}
    for row in rows:
        by_parent.setdefault(row.recruited_by_id, []).append(row)
    ordered: list[ChainMember] = []
    placed: set[int] = set()

    def walk(parent_id: int, depth: int) -> None:
        for row in by_parent.get(parent_id, []):
            if depth > MAX_DEPTH or row.id in placed:
                continue
            placed.add(row.id)
            ordered.append(
                ChainMember(
                    row.id,
                    f"{row.first_name} {row.last_name}".strip(),
                    depth,
                    row.recruited_by_id,
                    bool(row.showed_up),
                )
            )
            walk(row.id, depth + 1)

    walk(person.id, 1)
    return ChainTree(person, ancestors, ordered, truncated)


def _ancestors(centre_id: int, person: Person) -> list[Person]:
    """Who brought ``person``, who brought them, ...: nearest first (one recursive query)."""
    up = (
        sa.select(Person.recruited_by_id.label("person_id"), sa.literal_column("1").label("depth"))
        .where(Person.id == person.id, Person.recruited_by_id.is_not(None))
        .cte("up", recursive=True)
    )
    parent = aliased(Person, name="parent")
    up = up.union_all(
        sa.select(parent.recruited_by_id, up.c.depth + 1)
        .join(parent, parent.id == up.c.person_id)
        .where(parent.recruited_by_id.is_not(None), up.c.depth < MAX_DEPTH)
    )
    rows = db.session.execute(
        sa.select(Person, sa.func.min(up.c.depth).label("depth"))
        .join(up, up.c.person_id == Person.id)
        .where(Person.centre_id == centre_id, Person.id != person.id)
        .group_by(Person.id)
        .order_by(sa.func.min(up.c.depth))
    ).all()
    return [row[0] for row in rows]
