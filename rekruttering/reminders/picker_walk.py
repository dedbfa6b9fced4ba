"""The picker's common words: its first people read in name order, without sorting every match.

The picker (``picker.textable_people``) shows the first 20 of the shared person
search's matches: exact matches first, then by name. For a common word ("and", "mar",
"kri") a large centre has thousands of matches, and the search reads and sorts them
all to show 20 (docs/performance.md). When the first ones by name all match exactly,
they are the answer, and they are found by walking the centre's people in name order
(``ix_person_centre_textable_name``: a partial index of the people the picker may
offer, with the folded name key, so the walk reads only the index) until ``limit`` of
them match.

Why the walk's answer is the search's: every exact match ranks before every other
match, and among exact matches the order is the name's. If ``limit`` exact matches
are found walking in name order, no exact match comes before the last of them (it
would have been walked first), so they are the first ``limit`` of the search. Each is
tested against the search's own condition too, so a person the search would not find
is never offered; if fewer than ``limit`` pass, the search answers.

Which words are walked, and how far: on SQLite the walk first reads a probe (the
first PROBE people by name). ``limit`` exact matches there are the answer. Enough of
them to put ``limit`` within the window at the same density make the word dense enough
to walk on to the window's end (WALK_WINDOW people); fewer make it rare, and the
search sorts its few matches: a rare word costs the probe and no more. On PostgreSQL
every word is walked straight to the window's end (``_probes``). The probe's and the
window's ends only bound the walk's cost (whatever they are, the answer is the
search's), so they are looked up once in a while and may be out of
date. Only a search of one name word is walked (the picker's usual case; a phone
number or a language name is left to the search), and only in a centre with more
textable people than the window: in a smaller one every word's matches are few.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from rekruttering.extensions import db
from rekruttering.models import Person
from rekruttering.people.search import one_name_word
from rekruttering.session_connection import flushed_connection

#: How many of the centre's textable people (in name order) the walk reads at most
#: before leaving the word to the search, and how many it reads first (the probe).
#: A word goes on from the probe to the window when the probe's exact matches put
#: ``limit`` of them within the window at the same density (``_dense_enough``).
WALK_WINDOW = 3000
PROBE = 1000

#: How long a centre's probe and window ends are trusted, in seconds.
WINDOW_SECONDS = 600.0

Key = tuple[str, str, int]
_windows: dict[int, tuple[tuple[Key, Key] | None, float]] = {}

#: Core columns of ``person``: the walk is a Core statement, run on the session's
#: connection (it reads people only; the ORM's statement handling was most of a rare
#: word's added cost).
_person = Person.__table__.c
_NAME_ORDER = (_person.first_name, _person.last_name, _person.id)

#: The people the picker may offer: the centre's, active, with a phone. The same
#: terms as the partial index's ``WHERE`` (models/people.py), so both databases use it.
_TEXTABLE = (
    _person.centre_id == sa.bindparam("centre_id"),
    _person.merged_into_id.is_(None),
    _person.anonymised_at.is_(None),
    _person.phone.is_not(None),
)

_KEY_AT = (
    sa.select(*_NAME_ORDER)
    .where(*_TEXTABLE)
    .order_by(*_NAME_ORDER)
    .offset(sa.bindparam("skip", type_=sa.Integer))
    .limit(1)
)


def _walk(matched: sa.ColumnElement[str]) -> sa.Select[Any]:
    """The walk, built once: the first ``limit`` textable people up to ``end`` whose
    ``search_key`` holds ``exact``, kept if ``matched`` (the column the search tests,
    ``search_plain`` or ``search_key``) holds ``word``; in name order. Both values are
    escaped for ``LIKE`` as the search's ``autoescape`` escapes them."""
    first = (
        sa.select(_person.id)
        .where(
            *_TEXTABLE,
            sa.tuple_(*_NAME_ORDER)
            <= sa.tuple_(
                sa.bindparam("end_first"), sa.bindparam("end_last"), sa.bindparam("end_id")
            ),
            _person.search_key.contains(sa.bindparam("exact"), escape="/"),
        )
        .order_by(*_NAME_ORDER)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    return (
        sa.select(_person.id, _person.first_name, _person.last_name)
        .where(
            _person.id.in_(first), *_TEXTABLE, matched.contains(sa.bindparam("word"), escape="/")
        )
        .order_by(*_NAME_ORDER)
    )


_WALK_PLAIN = _walk(_person.search_plain)
_WALK_KEY = _walk(_person.search_key)


def _escaped(word: str) -> str:
    """``word`` for ``LIKE … ESCAPE '/'``, as SQLAlchemy's ``autoescape`` writes it."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _window_ends(centre_id: int) -> tuple[Key, Key] | None:
    """The name order's keys of the centre's PROBE-th and WALK_WINDOW-th textable
    people; None when it has no more than WALK_WINDOW (read from the partial index,
    remembered for WINDOW_SECONDS in this process)."""
    now = time.monotonic()
    known = _windows.get(centre_id)
    if known is None or known[1] < now:
        ends = None
        window_end = (
            db.session.connection()
            .execute(_KEY_AT, {"centre_id": centre_id, "skip": WALK_WINDOW - 1})
            .first()
        )
        probe_end = None
        if window_end is not None:
            probe_end = (
                db.session.connection()
                .execute(_KEY_AT, {"centre_id": centre_id, "skip": PROBE - 1})
                .first()
            )
        if window_end is not None and probe_end is not None:
            ends = (
                (probe_end[0], probe_end[1], probe_end[2]),
                (window_end[0], window_end[1], window_end[2]),
            )
        known = _windows[centre_id] = (ends, now + WINDOW_SECONDS)
    return known[0]


def forget_windows() -> None:
    """Look every centre's probe and window up again at its next search (tests)."""
    _windows.clear()


def first_by_name(centre_id: int, text: str, limit: int) -> list[Any] | None:
    """The search's first ``limit`` textable people for ``text`` (rows of id, first
    name, last name), if the walk finds them; None when the search must answer."""
    word = one_name_word(text)
    if limit <= 0 or word is None:
        return None
    ends = _window_ends(centre_id)
    if ends is None:
        return None
    folded, plain = word
    # The walk runs on the connection, flushed as the search's ``session.execute``
    # would be: a person changed but not yet flushed is written first, so both see
    # the same people.
    connection = flushed_connection()
    statement = _WALK_PLAIN if folded == plain else _WALK_KEY
    values = {
        "centre_id": centre_id,
        "exact": _escaped(folded),
        "word": _escaped(folded if folded != plain else plain),
        "limit": limit,
    }
    probe_end, window_end = ends
    for end in (probe_end, window_end) if _probes() else (window_end,):
        rows = list(connection.execute(statement, {**values, **_end(end)}))
        if len(rows) == limit:
            return rows
        if not _dense_enough(len(rows), limit):
            return None  # a rare word: the search sorts its few matches
    return None


def _probes() -> bool:
    """Whether a probe decides first if a word is walked on to the window's end: on
    SQLite. On PostgreSQL every word is walked straight to the window's end. There the
    walk reads index entries only, ~50 times cheaper each than one match of the search
    (a heap block each): the window costs a rare word about what the probe's round
    trip did, and it finds the words whose matches are few among the first names of the
    probe but many soon after ("kar": Karin, Karl), which the probe's density left to
    the search (docs/performance.md, ninth round). On SQLite an index entry costs
    more against a match, and the probe keeps a rare word's cost down."""
    return db.session.get_bind().dialect.name != "postgresql"


def _dense_enough(probe_hits: int, limit: int) -> bool:
    """Whether ``probe_hits`` exact matches among the PROBE first people put ``limit``
    of them within WALK_WINDOW people at the same density."""
    return probe_hits * WALK_WINDOW >= limit * PROBE


def _end(key: Key) -> dict[str, Any]:
    return {"end_first": key[0], "end_last": key[1], "end_id": key[2]}
