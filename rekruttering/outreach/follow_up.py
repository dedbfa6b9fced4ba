"""The follow-up queue ("Å følge opp"): who needs the staff's next move, and which move.

Sections, each one SELECT (with its count) whatever the number of rows, each paginated
on its own (``pages``):

* follow-up dates that have passed (overdue) and those due today: the contact asked
  for one, nobody has done it;
* newly referred people (referrals not yet acted on) and unread sign-up notices;
* heard of an activity but not asked after ``funnel.heard_not_asked_days``;
* asked, but the next session of that activity after the ask has passed without them.

"Said no" and "not now" take a person out of the last two sections; a follow-up date
brings them back when it is due. ``mine`` (a user id) keeps the follow-ups that user
logged and the people that user has talked to; new referrals and sign-ups are nobody's
yet, so they stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, load_only

from rekruttering.domain.clock import oslo_today, utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.extensions import db
from rekruttering.funnel.referral_status import newly_referred_condition
from rekruttering.models import (
    Activity,
    Channel,
    Contact,
    Enrolment,
    Notification,
    PartnerCentre,
    Person,
    Referral,
    Session,
    User,
)
from rekruttering.outreach.service import QUEUE_NOTIFICATION_KINDS

#: The sections, by the name their page number goes by in the URL (``?overdue=2``).
SECTIONS = ("overdue", "today", "referrals", "notifications", "heard", "asked")

#: A section counts its rows up to this many and then says "100+": an exact count of
#: thousands of rows would read them all on every visit, and nobody works through 100
#: follow-ups in a day. Counting to 500 was itself most of the page's SQL at 100,000
#: people (three sections × 501 rows, each with its subqueries; docs/performance.md).
COUNT_CAP = 100


@dataclass
class Section:
    rows: list[Any]
    total: int
    page: int = 1
    per_page: int = 0
    #: ``total`` is COUNT_CAP and there are more
    capped: bool = False
    #: The referrals' section: referral id -> its partner's name at this centre.
    partner_labels: dict[int, str] = field(default_factory=dict)
    #: The names a row shows of what it refers to (``_names_of``): the kind
    #: ("activity", "by_user", "first_channel") -> row id -> name; a row without one is
    #: left out.
    names: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based), for "11-20 of 34"."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


@dataclass
class Queue:
    heard_not_asked: Section
    asked_not_showed: Section
    overdue: Section
    due_today: Section
    referrals: Section
    notifications: Section
    heard_days: int
    today: date
    mine: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(
            s.total
            for s in (
                self.heard_not_asked,
                self.asked_not_showed,
                self.overdue,
                self.due_today,
                self.referrals,
                self.notifications,
            )
        )

    @property
    def later_total(self) -> int:
        """Everything below today's follow-ups: what the page folds away."""
        return (
            self.referrals.total
            + self.notifications.total
            + self.heard_not_asked.total
            + self.asked_not_showed.total
        )


#: The columns a row of the queue shows (templates/outreach/follow_up.html): the rest of
#: each entity (a person's note and search keys, an enrolment's other times) was read
#: and converted for every row.
_PERSON_SHOWN = (Person.first_name, Person.last_name, Person.phone)
_ENROLMENT_SHOWN = (
    Enrolment.person_id,
    Enrolment.activity_id,
    Enrolment.role,
    Enrolment.heard_at,
    Enrolment.asked_at,
    Enrolment.first_channel_id,
)


def _active_person() -> list[sa.ColumnElement[bool]]:
    return [Person.merged_into_id.is_(None), Person.anonymised_at.is_(None)]


def _name_of(name: Any, key: Any, kind: str) -> sa.Label[Any]:
    """The name a row shows of what it refers to (an activity, a user, a channel), as a
    scalar subquery in the row rather than an outer join: PostgreSQL plans a subquery
    apart, and every table joined to a section's tables (an anti-join, a rule's
    subqueries) multiplies the join orders it weighs. The heard section's page took
    0.8 ms to plan with its channel joined, 0.35 ms with it as a subquery
    (docs/performance.md)."""
    table = name.class_
    return (
        select(name)
        .where(sa.inspect(table).primary_key[0] == key)
        .scalar_subquery()
        .label(f"{kind}_name")
    )


def _names_of(section: Section, *kinds: str) -> None:
    """Rows read as ``(entity, name, ...)``: keep the entities, the names by row id."""
    section.names = {kind: {} for kind in kinds}
    rows = []
    for entity, *names in section.rows:
        rows.append(entity)
        for kind, name in zip(kinds, names, strict=True):
            if name is not None:
                section.names[kind][entity.id] = name
    section.rows = rows


#: Each section's statements, built once per variant (``_statements``).
_STATEMENTS: dict[tuple[Any, ...], tuple[sa.Select, sa.Select]] = {}


def _statements(
    variant: tuple[Any, ...], build: Callable[[], sa.Select]
) -> tuple[sa.Select, sa.Select]:
    """A section's page and count statements, with their values as bound parameters.

    Built once per variant and reused: SQLAlchemy works out a statement's cache key
    (to find its compiled SQL) once per statement object, and a new object on every
    visit cost a fifth of the queue's time in Python (docs/performance.md). The count's
    limit is named after the variant (``_count_limit``), so that the counts of several
    sections can be made in one statement (``_Counts``)."""
    found = _STATEMENTS.get(variant)
    if found is None:
        query = build()
        page = query.limit(sa.bindparam("row_limit")).offset(sa.bindparam("row_offset"))
        # The count reads the rows' ids only, with the same joins and conditions: SQLite
        # works out every column of a subquery, and the "asked" section's "missed
        # session" column is a correlated subquery it then ran twice a row.
        entity = query.column_descriptions[0]["entity"]
        ids = query.order_by(None).with_only_columns(
            sa.inspect(entity).primary_key[0], maintain_column_froms=True
        )
        count = select(func.count()).select_from(
            ids.limit(sa.bindparam(_count_limit(variant))).subquery()
        )
        found = _STATEMENTS[variant] = (page, count)
    return found


def _count_limit(variant: tuple[Any, ...]) -> str:
    return "count_limit_" + "_".join(str(part) for part in variant)


@dataclass
class _PendingCount:
    section: Section
    variant: tuple[Any, ...]
    count: sa.Select
    values: dict[str, Any]
    cap: int


#: The one statement of several sections' counts, by their variants (``_Counts.run``).
_COMBINED: dict[tuple[tuple[Any, ...], ...], sa.Select] = {}


class _Counts:
    """The counts of the queue's sections, made in one statement after their pages.

    On PostgreSQL each statement costs a round trip; the four counts of a busy centre
    as one statement save three (docs/performance.md). The sections share their
    values (the centre, today, the user): a section whose value of the same name
    differs is counted by itself."""

    def __init__(self) -> None:
        self.pending: list[_PendingCount] = []

    def add(self, pending: _PendingCount) -> None:
        self.pending.append(pending)

    def run(self) -> None:
        shared: dict[str, Any] = {}
        together: list[_PendingCount] = []
        for pending in self.pending:
            clash = any(k in shared and shared[k] != v for k, v in pending.values.items())
            if clash:
                _settle(pending, db.session.scalar(pending.count, pending.values))
                continue
            shared.update(pending.values)
            together.append(pending)
        self.pending = []
        if len(together) == 1:
            _settle(together[0], db.session.scalar(together[0].count, together[0].values))
            return
        if not together:
            return
        key = tuple(p.variant for p in together)
        statement = _COMBINED.get(key)
        if statement is None:
            statement = _COMBINED[key] = select(*(p.count.scalar_subquery() for p in together))
        for pending, counted in zip(
            together, db.session.execute(statement, shared).one(), strict=True
        ):
            _settle(pending, counted)


def _settle(pending: _PendingCount, counted: Any) -> None:
    total = int(counted or 0)
    pending.section.total = min(total, pending.cap)
    pending.section.capped = total > pending.cap


def _section(
    variant: tuple[Any, ...],
    statements: tuple[sa.Select, sa.Select],
    values: dict[str, Any],
    limit: int,
    page: int = 1,
    counts: _Counts | None = None,
) -> Section:
    """One page of ``limit`` rows, and how many there are up to COUNT_CAP (or past it).

    The rows come in the order of an index (the oldest first), so the database stops
    after the page; a count is made only when the first page is full or a later page is
    asked for, and it stops at COUNT_CAP + 1 (an exact COUNT(*) OVER () read every
    matching row: x10 people, x10 time). With ``counts`` a page that has rows leaves
    its count to ``counts.run()`` (one statement for all sections). A page past the end
    (the queue shrank since the link was made) shows the last one.
    """
    page_query, count_query = statements
    page = max(1, page)
    rows = (
        db.session.execute(
            page_query, {**values, "row_limit": limit, "row_offset": (page - 1) * limit}
        )
        .unique()
        .all()
    )
    items = [r if len(r) > 1 else r[0] for r in (tuple(row) for row in rows)]
    if page == 1 and len(items) < limit:
        return Section(rows=items, total=len(items), page=1, per_page=limit)
    cap = max(COUNT_CAP, page * limit)
    count_values = {**values, _count_limit(variant): cap + 1}
    if counts is not None and items:
        section = Section(rows=items, total=0, page=page, per_page=limit)
        counts.add(_PendingCount(section, variant, count_query, count_values, cap))
        return section
    counted = db.session.scalar(count_query, count_values)
    total = int(counted or 0)
    if not items and page > 1:
        last_page = max(1, -(-min(total, cap) // limit))
        if last_page < page:
            return _section(variant, statements, values, limit, last_page, counts)
    return Section(rows=items, total=min(total, cap), page=page, per_page=limit, capped=total > cap)


def _talked_to_by(mine: bool, person_id: Any) -> list[sa.ColumnElement[bool]]:
    """The "only mine" condition: the user ``:mine`` has logged a contact with the person."""
    if not mine:
        return []
    return [
        sa.exists(
            select(Contact.id).where(
                Contact.person_id == person_id, Contact.by_user_id == sa.bindparam("mine")
            )
        )
    ]


def _mine(user_id: int | None) -> dict[str, Any]:
    return {} if user_id is None else {"mine": user_id}


def _open_follow_up_later() -> sa.ColumnElement[bool]:
    """The person has a follow-up date still ahead (after ``:today``): they are waiting
    for that, not us.

    ``OFFSET 0`` keeps PostgreSQL from turning the ``NOT EXISTS`` into an anti-join
    among the section's joins: it is then a probe of the person's contacts for each
    candidate, as the anti-join's plan was anyway (the page stops after a few rows),
    and it is planned apart. Planning the heard page 0.36 -> 0.20 ms, the asked page
    0.38 -> 0.26, the counts 0.98 -> 0.69 (docs/performance.md). SQLite ignores it."""
    return sa.exists(
        select(Contact.id)
        .where(
            Contact.person_id == Enrolment.person_id,
            or_(Contact.activity_id == Enrolment.activity_id, Contact.activity_id.is_(None)),
            Contact.follow_up_on > sa.bindparam("today"),
            Contact.follow_up_done_at.is_(None),
        )
        .offset(sa.literal_column("0"))
    )


def heard_not_asked(
    centre_id: int,
    now: datetime,
    days: int,
    today: date,
    limit: int,
    page: int = 1,
    mine: int | None = None,
    counts: _Counts | None = None,
) -> Section:
    def build() -> sa.Select:
        return (
            select(Enrolment, _name_of(Channel.name, Enrolment.first_channel_id, "first_channel"))
            .join(Enrolment.person)
            .join(Enrolment.activity)
            .where(
                Enrolment.centre_id == sa.bindparam("centre_id"),
                Enrolment.stage == Stage.HEARD,
                Enrolment.heard_at <= sa.bindparam("heard_before"),
                Enrolment.declined_at.is_(None),
                Enrolment.not_now_at.is_(None),
                Activity.active.is_(True),
                ~_open_follow_up_later(),
                *_active_person(),
                *_talked_to_by(mine is not None, Enrolment.person_id),
            )
            .options(
                load_only(*_ENROLMENT_SHOWN),
                contains_eager(Enrolment.person).load_only(*_PERSON_SHOWN),
                contains_eager(Enrolment.activity).load_only(Activity.name),
            )
            .order_by(Enrolment.heard_at, Enrolment.id)
        )

    values = {
        "centre_id": centre_id,
        "heard_before": now - timedelta(days=days),
        "today": today,
        **_mine(mine),
    }
    variant = ("heard", mine is not None)
    section = _section(variant, _statements(variant, build), values, limit, page, counts)
    _names_of(section, "first_channel")
    return section


def asked_not_showed(
    centre_id: int,
    now: datetime,
    today: date,
    limit: int,
    page: int = 1,
    mine: int | None = None,
    counts: _Counts | None = None,
) -> Section:
    """Asked, and a session of the activity after the ask has started without them."""

    def build() -> sa.Select:
        missed = (
            select(func.min(Session.starts_at))
            .where(
                Session.activity_id == Enrolment.activity_id,
                Session.starts_at > Enrolment.asked_at,
                Session.starts_at <= sa.bindparam("now"),
                Session.cancelled.is_(False),
            )
            .correlate(Enrolment)
            .scalar_subquery()
        )
        return (
            select(Enrolment, missed.label("missed_session_at"))
            .join(Enrolment.person)
            .join(Enrolment.activity)
            .where(
                Enrolment.centre_id == sa.bindparam("centre_id"),
                Enrolment.stage == Stage.ASKED,
                or_(Enrolment.declined_at.is_(None), Enrolment.declined_at < Enrolment.asked_at),
                or_(Enrolment.not_now_at.is_(None), Enrolment.not_now_at < Enrolment.asked_at),
                Activity.active.is_(True),
                missed.is_not(None),
                ~_open_follow_up_later(),
                *_active_person(),
                *_talked_to_by(mine is not None, Enrolment.person_id),
            )
            .options(
                load_only(*_ENROLMENT_SHOWN),
                contains_eager(Enrolment.person).load_only(*_PERSON_SHOWN),
                contains_eager(Enrolment.activity).load_only(Activity.name),
            )
            .order_by(Enrolment.asked_at, Enrolment.id)
        )

    values = {"centre_id": centre_id, "now": now, "today": today, **_mine(mine)}
    variant = ("asked", mine is not None)
    return _section(variant, _statements(variant, build), values, limit, page, counts)


def follow_ups_due(
    centre_id: int,
    today: date,
    limit: int,
    page: int = 1,
    mine: int | None = None,
    overdue: bool | None = None,
    counts: _Counts | None = None,
) -> Section:
    """Follow-up dates due: passed ones only (``overdue=True``), today's (``False``), or both."""

    def build() -> sa.Select:
        on: sa.BindParameter[date] = sa.bindparam("today")
        if overdue is None:
            due = Contact.follow_up_on <= on
        elif overdue:
            due = Contact.follow_up_on < on
        else:
            due = Contact.follow_up_on == on
        return (
            select(
                Contact,
                _name_of(Activity.name, Contact.activity_id, "activity"),
                _name_of(User.name, Contact.by_user_id, "by_user"),
            )
            .join(Contact.person)
            .where(
                Contact.centre_id == sa.bindparam("centre_id"),
                due,
                Contact.follow_up_done_at.is_(None),
                *_active_person(),
                *([Contact.by_user_id == sa.bindparam("mine")] if mine is not None else []),
            )
            .options(
                load_only(
                    Contact.person_id,
                    Contact.activity_id,
                    Contact.by_user_id,
                    Contact.role,
                    Contact.outcome,
                    Contact.note,
                    Contact.follow_up_on,
                ),
                contains_eager(Contact.person).load_only(*_PERSON_SHOWN),
            )
            .order_by(Contact.follow_up_on, Contact.id)
        )

    values = {"centre_id": centre_id, "today": today, **_mine(mine)}
    variant = ("due", overdue, mine is not None)
    section = _section(variant, _statements(variant, build), values, limit, page, counts)
    _names_of(section, "activity", "by_user")
    return section


def new_referrals(
    centre_id: int, limit: int, page: int = 1, counts: _Counts | None = None
) -> Section:
    def build() -> sa.Select:
        # The partner's name as this centre calls it (``partners.partner_label``) comes
        # with the row: the page then makes no query for the centre's partner names. It
        # and the activity's name are subqueries, not joins (``_name_of``): the rule's
        # nine subqueries made this page 0.8 ms to plan with them joined, 0.45 ms so.
        label = (
            select(PartnerCentre.name)
            .where(
                PartnerCentre.partner_id == Referral.partner_id,
                PartnerCentre.centre_id == Referral.centre_id,
            )
            .scalar_subquery()
            .label("partner_label")
        )
        return (
            select(Referral, label, _name_of(Activity.name, Referral.activity_id, "activity"))
            .join(Referral.person)
            .where(
                Referral.centre_id == sa.bindparam("centre_id"),
                # The stored answer reads the few not acted on (a partial index); the
                # rule, shared with what partners see, is still the definition.
                Referral.acted_on == sa.false(),
                newly_referred_condition(),
                *_active_person(),
            )
            .options(
                load_only(
                    Referral.person_id,
                    Referral.partner_id,
                    Referral.activity_id,
                    Referral.created_at,
                ),
                contains_eager(Referral.person).load_only(*_PERSON_SHOWN),
            )
            .order_by(Referral.created_at, Referral.id)
        )

    variant = ("referrals",)
    values = {"centre_id": centre_id}
    section = _section(variant, _statements(variant, build), values, limit, page, counts)
    _names_of(section, "partner", "activity")
    # A partner with no link to this centre: the template falls back to
    # ``partner_label(referral.partner)``, which reads the partner then.
    section.partner_labels = section.names.pop("partner")
    return section


def unread_notifications(
    centre_id: int, limit: int, page: int = 1, counts: _Counts | None = None
) -> Section:
    """Unread sign-up notices (and referral notices without a referral row to show)."""

    def build() -> sa.Select:
        has_referral = sa.exists(
            select(Referral.id).where(Referral.person_id == Notification.person_id)
        )
        return (
            select(Notification)
            .join(Notification.person)
            .where(
                Notification.centre_id == sa.bindparam("centre_id"),
                Notification.kind.in_(QUEUE_NOTIFICATION_KINDS),
                Notification.read_at.is_(None),
                ~sa.and_(Notification.kind == "referral", has_referral),
                *_active_person(),
            )
            .options(
                load_only(Notification.person_id, Notification.kind, Notification.created_at),
                contains_eager(Notification.person).load_only(*_PERSON_SHOWN),
            )
            .order_by(Notification.created_at, Notification.id)
        )

    variant = ("notifications",)
    values = {"centre_id": centre_id}
    return _section(variant, _statements(variant, build), values, limit, page, counts)


def follow_up_queue(
    centre_id: int,
    heard_days: int,
    limit: int = 50,
    now: datetime | None = None,
    pages: dict[str, int] | None = None,
    mine: int | None = None,
) -> Queue:
    """The queue, ``limit`` rows per section on the page ``pages[section]`` (default 1);
    ``mine``: only the follow-ups and people of this user (see the module's text)."""
    now = now or utcnow()
    today = oslo_today(now)
    pages = pages or {}
    counts = _Counts()
    queue = Queue(
        overdue=follow_ups_due(
            centre_id, today, limit, pages.get("overdue", 1), mine, overdue=True, counts=counts
        ),
        due_today=follow_ups_due(
            centre_id, today, limit, pages.get("today", 1), mine, overdue=False, counts=counts
        ),
        referrals=new_referrals(centre_id, limit, pages.get("referrals", 1), counts),
        notifications=unread_notifications(centre_id, limit, pages.get("notifications", 1), counts),
        heard_not_asked=heard_not_asked(
            centre_id, now, heard_days, today, limit, pages.get("heard", 1), mine, counts
        ),
        asked_not_showed=asked_not_showed(
            centre_id, now, today, limit, pages.get("asked", 1), mine, counts
        ),
        heard_days=heard_days,
        today=today,
        mine=mine is not None,
    )
    counts.run()
    return queue
