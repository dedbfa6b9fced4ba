"""Finding people: the search box and the filters of the people list, as one SELECT.

The query is built here (no Flask request objects) and paginated by the view; the
enrolments shown per row are loaded with one extra statement for the whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import visitors

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Role, Stage
from rekruttering.domain.phone import try_normalise_phone
from rekruttering.domain.search_text import words
from rekruttering.extensions import db
from rekruttering.languages import language_code_for
from rekruttering.models import Activity, Channel, Enrolment, Person, Referral, person_trigram
from rekruttering.pages import PAGE_BOUNDS, ReadPagination, paged_keys, paginate_keys

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


def _name_words(text: str) -> list[tuple[str, str]]:
    """The words of a name search ((folded, plain) each); none for a phone number."""
    if _PHONE_CHARS.fullmatch(text):
        return []
    return words(text)


def _like_value(word: str) -> str:
    """``word`` escaped for ``LIKE … ESCAPE '/'``, as ``contains(word, autoescape=True)``
    escapes it (SQLAlchemy's ``_escaped_like_impl``): the value can then be a named bind
    parameter, which ``autoescape`` does not take."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _contains(column: Any, name: str, values: dict[str, Any]) -> sa.ColumnElement[bool]:
    """``column LIKE '%' || :name || '%' ESCAPE '/'``: the SQL of ``contains(…,
    autoescape=True)``, its value (escaped by ``_like_value``) a named bind parameter."""
    return column.contains(_bound(name, values, column), escape="/")


def _bound(name: str, values: dict[str, Any], column: Any = None) -> Any:
    """The bind parameter ``name`` holding its value from ``values``, of ``column``'s
    type (as a literal compared with the column would be)."""
    return sa.bindparam(name, values[name], type_=None if column is None else column.type)


@dataclass(frozen=True)
class TextSearch:
    """What a search text asks for, split into its shape (which conditions, on which
    columns) and its values (bound by name: ``search_centre``, ``search_phone``,
    ``search_digits``, ``search_language``, ``search_word_<i>``, ``search_rank_<i>``,
    ``trigram_match``).

    Two texts of one shape make the same statement with other values, so the people
    list builds its keys statement once per shape (``people_page``)."""

    centre_id: int
    phone: str | None = None
    digits: str | None = None
    language: str | None = None
    #: (column, word) of each name word: ``search_plain`` for a word typed without
    #: accents, else ``search_key``.
    keyed: tuple[tuple[str, str], ...] = ()
    #: The FTS5 query of the trigram candidates (SQLite, a word of three letters or more).
    match: str | None = None
    #: The typed words folded, for ``rank``: exact matches first.
    folded: tuple[str, ...] = ()
    #: A name word of three letters or more: the trigram index names the candidates.
    trigram: bool = False
    empty: bool = True

    @property
    def shape(self) -> tuple[Any, ...]:
        return (
            self.empty,
            self.phone is not None,
            self.digits is not None,
            self.language is not None,
            tuple(column for column, _ in self.keyed),
            self.match is not None,
            len(self.folded),
            self.trigram,
        )

    @property
    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {"search_centre": self.centre_id}
        if self.phone is not None:
            found["search_phone"] = self.phone
        if self.digits is not None:
            found["search_digits"] = _like_value(self.digits)
        if self.language is not None:
            found["search_language"] = self.language
        for i, (_, word) in enumerate(self.keyed):
            found[f"search_word_{i}"] = _like_value(word)
        for i, word in enumerate(self.folded):
            found[f"search_rank_{i}"] = _like_value(word)
        if self.match is not None:
            found["trigram_match"] = self.match
        return found

    def condition(self) -> sa.ColumnElement[bool] | None:
        """Name (every word), phone or language: who matches (None for no text)."""
        if self.empty:
            return None
        values = self.values
        found: list[sa.ColumnElement[bool]] = []
        if self.phone is not None:
            found.append(Person.phone == _bound("search_phone", values, Person.phone))
        if self.digits is not None:
            found.append(_contains(Person.phone, "search_digits", values))
        if self.language is not None:
            found.append(Person.language == _bound("search_language", values, Person.language))
        if self.keyed:
            like = and_(
                *(
                    _contains(
                        Person.search_plain if column == "search_plain" else Person.search_key,
                        f"search_word_{i}",
                        values,
                    )
                    for i, (column, _) in enumerate(self.keyed)
                )
            )
            if self.match is not None:
                like = and_(
                    Person.id.in_(person_trigram.sqlite_matches(_bound("trigram_match", values))),
                    like,
                )
            found.append(like)
        if not found:
            return sa.false()
        return or_(*found)

    def rank(self) -> sa.ColumnElement[int] | None:
        """0 for people whose name holds every typed word as typed (folded), 1 for those
        found only without accents ("ase" finding Åse); None when the text is no name."""
        if not self.folded:
            return None
        values = self.values
        exact = and_(
            *(
                _contains(Person.search_key, f"search_rank_{i}", values)
                for i in range(len(self.folded))
            )
        )
        # Constants in the SQL, not bind parameters: a statement built once per shape
        # (``people_page``) binds every value by name.
        return sa.case((exact, sa.literal_column("0")), else_=sa.literal_column("1"))


def text_search(centre_id: int, text: str, dialect: str) -> TextSearch:
    """Name (every word), phone (any common format, or some of its digits) or language.

    Names are compared folded (domain/search_text.py): "åse", "ÅSE" and "Åse" find
    Åse on SQLite and PostgreSQL alike, and "ase" finds her too, through the key
    without accents (ranked after the exact matches by ``TextSearch.rank``). Every word
    must be in the name.

    A name word's ``LIKE`` on its key is answered by PostgreSQL from the trigram index
    (``pg_trgm``); on SQLite the FTS5 trigram table finds the candidates first (words of
    three letters or more) and the same ``LIKE`` confirms them. Words of one or two
    letters alone are searched on the centre's search-key index, as before
    (models/person_trigram.py).
    """
    text = text.strip()
    if not text:
        return TextSearch(centre_id)
    e164 = try_normalise_phone(text)
    digits: str | None = None
    if _PHONE_CHARS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if digits.startswith("00"):
            digits = digits[2:]
        if len(digits) < 3:
            digits = None
    name_words = _name_words(text)
    # A word typed without accents also matches without them ("ase" finds Åse and
    # Kasem); a word with them matches only as typed ("åse" finds Åse, not Kasem).
    keyed = tuple(("search_plain", p) if f == p else ("search_key", f) for f, p in name_words)
    match = person_trigram.match_expression(centre_id, list(keyed)) if keyed else None
    return TextSearch(
        centre_id,
        phone=e164,
        digits=digits,
        language=language_code_for(text),
        keyed=keyed,
        match=match if dialect == "sqlite" else None,
        folded=tuple(f for f, _ in name_words),
        trigram=any(len(f if f != p else p) >= person_trigram.MIN_LENGTH for f, p in name_words),
        empty=False,
    )


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def one_name_word(text: str) -> tuple[str, str] | None:
    """The (folded, plain) word of a search that is one name word and nothing else
    (not a phone number, not a language): its ``TextSearch.condition`` is that word's
    ``LIKE`` alone, on ``search_plain`` when it was typed without accents
    (``folded == plain``), else on ``search_key``; None for any other search."""
    text = text.strip()
    name_words = _name_words(text)
    if len(name_words) != 1 or try_normalise_phone(text) is not None:
        return None
    if language_code_for(text) is not None:
        return None
    return name_words[0]


def search_people(
    centre_id: int,
    text: str,
    limit: int | None = 20,
    offset: int = 0,
    where: tuple[sa.ColumnElement[bool], ...] = (),
    order: str = "name",
) -> Select:
    """THE person search: every search box that finds people by name or phone uses it
    (people list, log a contact, merge, family links, check-in, reminders, the API).

    The centre's active people (merged and anonymised left out) matching ``text``,
    exact matches first, then by name (``order="name"``) or the latest activity first
    (``"recent"``); ``where`` narrows further (e.g. textable only).

    A name word of three letters or more is found through the trigram index
    (models/person_trigram.py: an FTS5 table on SQLite, ``pg_trgm`` on PostgreSQL),
    which names the candidates; each candidate's row is then read once. Otherwise
    (a phone number, a language, one or two letters) the text is matched in a
    subquery of ids that reads only the narrow index beside the centre
    (``ix_person_centre_search_plain``) and the rows are fetched for the matches
    only: an outer ``WHERE`` on the whole row made the database walk the centre's
    people in the list's order and fetch every row to test it (x10 people, x10
    time; see docs/performance.md).

    Every value of the text is a named bind parameter (``TextSearch.values``).
    """
    return _search_statement(text_search(centre_id, text, _dialect()), limit, offset, where, order)


def _search_statement(
    search: TextSearch,
    limit: int | None,
    offset: int,
    where: tuple[sa.ColumnElement[bool], ...],
    order: str,
) -> Select:
    """``search_people``'s statement for a ``TextSearch``."""
    centre = _bound("search_centre", search.values, Person.centre_id)
    query = select(Person).where(
        # The centre here too: without it PostgreSQL joined the matches to a scan of
        # every person of the installation.
        Person.centre_id == centre,
        Person.merged_into_id.is_(None),
        Person.anonymised_at.is_(None),
        *where,
    )
    condition = search.condition()
    if condition is not None and search.trigram:
        # The trigram index finds the candidates (models/person_trigram.py): one read
        # of each candidate's row tests everything at once.
        query = query.where(condition)
    elif condition is not None:
        # Not correlated: the inner "person" is its own scan of the centre's index.
        matching = select(Person.id).where(Person.centre_id == centre, condition).correlate(None)
        query = query.where(Person.id.in_(matching))
    rank = search.rank()
    if rank is not None:
        query = query.order_by(rank)
    if order == "recent":
        query = query.order_by(Person.last_activity_at.desc(), Person.id.desc())
    else:
        query = query.order_by(Person.first_name, Person.last_name, Person.id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return query


class ListedEnrolment(NamedTuple):
    """One enrolment as a row of the people list shows it."""

    activity_name: str
    role: Role
    stage: Stage


@dataclass
class ListedPerson:
    """One row of the people list: what it shows, read as plain columns (``people_page``)."""

    id: int
    first_name: str
    last_name: str
    phone: str | None
    language: str
    last_activity_at: datetime | None
    enrolments: list[ListedEnrolment] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()  # as Person.display_name


#: A page's people with their enrolments (``people_page``), one row per enrolment (one
#: with none for a person without), built once: read as entities, with the enrolments'
#: activities, they cost more than the page's search at 100,000 people, and as two
#: statements a round trip more on PostgreSQL (docs/performance.md).
#: The enrolments are read from ``ix_enrolment_person_shown`` alone (on PostgreSQL an
#: index-only scan: 371 -> 327 buffers for a page at 100,000 people).
_PAGE_PEOPLE = (
    select(
        Person.id,
        Person.first_name,
        Person.last_name,
        Person.phone,
        Person.language,
        Person.last_activity_at,
        Activity.name,
        Enrolment.role,
        Enrolment.stage,
    )
    .select_from(Person)
    .outerjoin(Enrolment, Enrolment.person_id == Person.id)
    .outerjoin(Activity, Activity.id == Enrolment.activity_id)
    .where(Person.id.in_(sa.bindparam("ids", expanding=True)))
    # The order of the unique key (person, activity, role): the order SQLite gave the
    # enrolments of a row when they were loaded as the person's relationship.
    .order_by(Person.id, Enrolment.activity_id, Enrolment.role)
)
#: On SQLite the people's centre is a condition too (they are of it: the keys statement
#: found them there), so that they are read by centre and id from
#: ``ix_person_list_rows`` (models/person_trigram.py), whose entries the keys statement
#: has just read. By id alone each person was a page of the table, and each enrolment
#: one more: a word's first search read ~107 of its ~145 pages from the operating
#: system for the page's 50 people at 100,000 people (docs/performance.md). Not on
#: PostgreSQL, whose planner then joined the activities row by row (621 buffers).
_PAGE_PEOPLE_IN_CENTRE = _PAGE_PEOPLE.where(Person.centre_id == sa.bindparam("centre_id"))


def _listed_people(centre_id: int, ids: list[Any]) -> list[ListedPerson]:
    """The people of one page of the centre with their enrolments (one statement)."""
    statement = _PAGE_PEOPLE_IN_CENTRE if _dialect() == "sqlite" else _PAGE_PEOPLE
    people: dict[int, ListedPerson] = {}
    for row in db.session.execute(statement, {"centre_id": centre_id, "ids": ids}):
        person = people.get(row[0])
        if person is None:
            person = people[row[0]] = ListedPerson(*row[:6])
        if row[6] is not None:
            person.enrolments.append(ListedEnrolment(row[6], row[7], row[8]))
    return list(people.values())


def people_page(centre_id: int, f: PeopleFilter, page: int, per_page: int) -> ReadPagination:
    """One page of the people list: the matching ids in order (counted up to the cap),
    then the page's people with their enrolments (``ListedPerson``, one statement).

    Without an enrolment filter (the search box, the language, the weeks without
    contact, the order) the keys statement is built once per shape (``_list_keys``)
    and run with the search's values; with one it is built for the request."""
    if f.filters_enrolments:
        fresh = people_query(centre_id, f, with_enrolments=False).with_only_columns(Person.id)
        return paginate_keys(
            fresh, partial(_listed_people, centre_id), page=page, per_page=per_page
        )
    search = text_search(centre_id, f.q, _dialect())
    where, values = _list_filters(f, None)
    values.update(search.values)
    shape = (_dialect(), f.sort, tuple(values), search.shape)
    keys = _KEYS.get(shape)
    if keys is None:
        keys = _list_keys(search, where, f.sort, values)
        if len(_KEYS) >= _KEYS_KEPT:
            _KEYS.clear()
        _KEYS[shape] = keys
    load = partial(_listed_people, centre_id)
    return paginate_keys(keys, load, page=page, per_page=per_page, values=values)


#: The people list's keys statements by shape (``people_page``): a request then neither
#: builds its statement nor walks it for SQLAlchemy's cache key (~0.5-0.8 ms a search
#: at 100,000 people, docs/performance.md). The shapes are few (the words' count and
#: columns, phone, language, filters); past this many the cache starts again.
_KEYS: dict[tuple[Any, ...], Select] = {}
_KEYS_KEPT = 256


def _list_keys(
    search: TextSearch,
    where: tuple[sa.ColumnElement[bool], ...],
    order: str,
    values: dict[str, Any],
) -> Select:
    """The keys statement of a shape, every value a named bind parameter (checked: a
    value left in the statement would be served to the next search of the shape)."""
    keys = paged_keys(_search_statement(search, None, 0, where, order).with_only_columns(Person.id))
    names = {e.key for e in visitors.iterate(keys) if isinstance(e, sa.BindParameter)}
    unbound = names - set(values) - set(PAGE_BOUNDS)
    if unbound:
        raise RuntimeError(f"the people list's keys statement holds values: {sorted(unbound)}")
    return keys


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
    """The people of a centre matching ``f``: ``search_people`` with the list's filters."""
    where, _ = _list_filters(f, now)
    query = search_people(centre_id, f.q, limit=None, where=where, order=f.sort)
    if with_enrolments:
        query = query.options(selectinload(Person.enrolments).joinedload(Enrolment.activity))
    return query


def _list_filters(
    f: PeopleFilter, now: datetime | None
) -> tuple[tuple[sa.ColumnElement[bool], ...], dict[str, Any]]:
    """The list's filters beyond the text, and the values of those bound by name (the
    language and the weeks without contact: the enrolment filters hold theirs)."""
    values: dict[str, Any] = {}
    where: list[sa.ColumnElement[bool]] = []
    if f.language:
        values["filter_language"] = f.language
        where.append(Person.language == _bound("filter_language", values, Person.language))
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
        where.append(enrolment_match)
    if f.no_contact_weeks:
        values["filter_cutoff"] = (now or utcnow()) - timedelta(weeks=f.no_contact_weeks)
        where.append(
            Person.last_activity_at < _bound("filter_cutoff", values, Person.last_activity_at)
        )
    return tuple(where), values


#: The languages of a centre's people, one index seek per language: the first language,
#: then the next one after it, and so on (a "loose index scan" on
#: ``ix_person_centre_language``). ``SELECT DISTINCT language`` read every person of the
#: centre on every people list (docs/performance.md).
_LANGUAGES_IN_USE = sa.text(
    """
    WITH RECURSIVE langs(language) AS (
        SELECT min(language) FROM person
        WHERE centre_id = :centre_id AND merged_into_id IS NULL
        UNION ALL
        SELECT (
            SELECT min(p.language) FROM person p
            WHERE p.centre_id = :centre_id AND p.merged_into_id IS NULL
            AND p.language > langs.language
        )
        FROM langs WHERE langs.language IS NOT NULL
    )
    SELECT language FROM langs WHERE language IS NOT NULL ORDER BY language
    """
)


def languages_in_use(centre_id: int) -> list[str]:
    """The languages of the centre's (unmerged) people, in order: the language filter."""
    return list(db.session.scalars(_LANGUAGES_IN_USE, {"centre_id": centre_id}))


def quick_search(centre_id: int, text: str, limit: int = 20) -> list[Person]:
    """A short list of people for pickers (log a contact, merge, family links)."""
    return list(db.session.scalars(search_people(centre_id, text, limit=limit)))


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
    # The one person search: "åse" finds Åse at the door as everywhere.
    statement = search_people(centre_id, text, limit=limit + len(exclude))
    return [p for p in db.session.scalars(statement) if p.id not in exclude][:limit]
