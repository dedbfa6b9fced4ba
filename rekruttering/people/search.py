"""Finding people: the search box and the filters of the people list, as one SELECT.

The query is built here (no Flask request objects) and paginated by the view; the
enrolments shown per row are loaded with one extra statement for the whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Role, Stage
from rekruttering.domain.phone import try_normalise_phone
from rekruttering.extensions import db
from rekruttering.languages import language_code_for
from rekruttering.models import Channel, Enrolment, Person, Referral

#: Stage filter values beyond the four stages: the facts "said no" and "not now".
DECLINED = "declined"
NOT_NOW = "not_now"
STAGE_FILTERS = (*(s.value for s in Stage), DECLINED, NOT_NOW)

_PHONE_CHARS = re.compile(r"[\d\s+()./-]+")


@dataclass(frozen=True)
class PeopleFilter:
    """What the people list is narrowed to; every field is optional."""

    q: str = ""
    language: str | None = None
    activity_id: int | None = None
    stage: str | None = None
    role: Role | None = None
    channel_id: int | None = None
    partner_id: int | None = None
    no_contact_weeks: int | None = None
    sort: str = "recent"  # or "name"

    @property
    def filters_enrolments(self) -> bool:
        return any(
            v is not None
            for v in (self.activity_id, self.stage, self.role, self.channel_id, self.partner_id)
        )


def text_condition(text: str) -> sa.ColumnElement[bool] | None:
    """Name (every word), phone (any common format, or some of its digits) or language."""
    text = text.strip()
    if not text:
        return None
    found: list[sa.ColumnElement[bool]] = []
    e164 = try_normalise_phone(text)
    if e164 is not None:
        found.append(Person.phone == e164)
    if _PHONE_CHARS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if digits.startswith("00"):
            digits = digits[2:]
        if len(digits) >= 3:
            found.append(Person.phone.contains(digits, autoescape=True))
    code = language_code_for(text)
    if code is not None:
        found.append(Person.language == code)
    words = [w for w in text.split() if w]
    if words and not _PHONE_CHARS.fullmatch(text):
        found.append(
            and_(
                *(
                    or_(
                        Person.first_name.icontains(w, autoescape=True),
                        Person.last_name.icontains(w, autoescape=True),
                    )
                    for w in words
                )
            )
        )
    if not found:
        return sa.false()
    return or_(*found)


def _enrolment_condition(f: PeopleFilter) -> sa.ColumnElement[bool]:
    """One enrolment of the person meets every enrolment filter at once."""
    conditions: list[sa.ColumnElement[bool]] = [Enrolment.person_id == Person.id]
    if f.activity_id is not None:
        conditions.append(Enrolment.activity_id == f.activity_id)
    if f.role is not None:
        conditions.append(Enrolment.role == f.role)
    if f.stage == DECLINED:
        conditions.append(Enrolment.declined_at.is_not(None))
    elif f.stage == NOT_NOW:
        conditions.append(Enrolment.not_now_at.is_not(None))
    elif f.stage is not None:
        conditions.append(Enrolment.stage == Stage(f.stage))
    if f.channel_id is not None:
        conditions.append(
            or_(
                Enrolment.first_channel_id == f.channel_id, Enrolment.ask_channel_id == f.channel_id
            )
        )
    if f.partner_id is not None:
        partner_channels = select(Channel.id).where(Channel.partner_id == f.partner_id)
        conditions.append(
            or_(
                Enrolment.partner_id == f.partner_id,
                Enrolment.first_channel_id.in_(partner_channels),
            )
        )
    return sa.exists(select(Enrolment.id).where(*conditions))


def people_query(
    centre_id: int,
    f: PeopleFilter,
    now: datetime | None = None,
    with_enrolments: bool = True,
) -> Select:
    """The people of a centre matching ``f`` (merged and anonymised people left out)."""
    query = select(Person).where(
        Person.centre_id == centre_id,
        Person.merged_into_id.is_(None),
        Person.anonymised_at.is_(None),
    )
    condition = text_condition(f.q)
    if condition is not None:
        query = query.where(condition)
    if f.language:
        query = query.where(Person.language == f.language)
    if f.filters_enrolments:
        enrolment_match = _enrolment_condition(f)
        if f.partner_id is not None and not any(
            v is not None for v in (f.activity_id, f.stage, f.role, f.channel_id)
        ):
            # A person a partner referred counts as theirs even before any enrolment.
            referred = sa.exists(
                select(Referral.id).where(
                    Referral.person_id == Person.id, Referral.partner_id == f.partner_id
                )
            )
            enrolment_match = or_(enrolment_match, referred)
        query = query.where(enrolment_match)
    if f.no_contact_weeks:
        cutoff = (now or utcnow()) - timedelta(weeks=f.no_contact_weeks)
        query = query.where(Person.last_activity_at < cutoff)
    if f.sort == "name":
        query = query.order_by(Person.first_name, Person.last_name, Person.id)
    else:
        query = query.order_by(Person.last_activity_at.desc(), Person.id.desc())
    if with_enrolments:
        query = query.options(selectinload(Person.enrolments).joinedload(Enrolment.activity))
    return query


def quick_search(centre_id: int, text: str, limit: int = 20) -> list[Person]:
    """A short list of people for pickers (log a contact, merge, family links)."""
    query = people_query(centre_id, PeopleFilter(q=text, sort="name"), with_enrolments=False)
    query = query.limit(limit)
    return list(db.session.scalars(query))


def recent_people(centre_id: int, limit: int = 30) -> list[Person]:
    """The people with the latest activity: the likely ones to log a contact for."""
    query = (
        select(Person)
        .where(
            Person.centre_id == centre_id,
            Person.merged_into_id.is_(None),
            Person.anonymised_at.is_(None),
        )
        .order_by(Person.last_activity_at.desc(), Person.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def recruiters(centre_id: int, limit: int = 300) -> list[Person]:
    """People who have come (showed up or regular): those who can bring others."""
    came = sa.exists(
        select(Enrolment.id).where(
            Enrolment.person_id == Person.id,
            Enrolment.stage.in_((Stage.SHOWED_UP, Stage.REGULAR)),
        )
    )
    query = (
        select(Person)
        .where(
            Person.centre_id == centre_id,
            Person.merged_into_id.is_(None),
            Person.anonymised_at.is_(None),
            came,
        )
        .order_by(Person.first_name, Person.last_name, Person.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def find_other_people(
    centre_id: int, query: str, exclude: set[int], limit: int = 10
) -> list[Person]:
    """People of the centre matching ``query`` who are not on the session's list."""
    text = query.strip()
    if len(text) < 2:
        return []
    digits = "".join(c for c in text if c.isdigit())
    conditions = [
        func.lower(Person.first_name + " " + Person.last_name).contains(
            text.lower(), autoescape=True
        )
    ]
    if len(digits) >= 3:
        conditions.append(Person.phone.contains(digits, autoescape=True))
    statement = (
        select(Person)
        .where(
            Person.centre_id == centre_id,
            Person.anonymised_at.is_(None),
            Person.merged_into_id.is_(None),
            or_(*conditions),
        )
        .order_by(Person.first_name, Person.last_name, Person.id)
        .limit(limit + len(exclude))
    )
    return [p for p in db.session.scalars(statement) if p.id not in exclude][:limit]
