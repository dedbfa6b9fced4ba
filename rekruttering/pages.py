"""One page of a query's results, for the list views.

The query itself comes from a feature's query function (``<feature>/queries.py``, a
service module); views hand it here with the page number rather than touching the
database session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from rekruttering.extensions import db
from rekruttering.session_connection import flushed_connection

#: A capped list counts its rows up to this many and then says "more than 500": an exact
#: count reads every matching row on every visit (x10 people, x10 time), and nobody
#: pages through more than ten pages of a search (docs/performance.md).
COUNT_CAP = 500


def paginate(
    statement: Select[Any],
    *,
    page: int | None = None,
    per_page: int | None = None,
    error_out: bool = True,
    count: bool = True,
) -> Pagination:
    """One page of ``statement`` (Flask-SQLAlchemy's pagination, same arguments)."""
    return db.paginate(statement, page=page, per_page=per_page, error_out=error_out, count=count)


class ReadPagination(Pagination):
    """A page whose rows and count the caller has read (``paginate_keys``)."""

    def __init__(
        self, items: list[Any], total: int, page: int, per_page: int, capped: bool = False
    ) -> None:
        self.capped = capped
        super().__init__(
            page=page,
            per_page=per_page,
            max_per_page=None,
            error_out=False,
            items=items,
            total=total,
        )

    def _query_items(self) -> list[Any]:
        return list(self._query_args["items"])

    def _query_count(self) -> int:
        return int(self._query_args["total"])


#: The bind parameters of a keys statement's limit and offset (``paged_keys``).
PAGE_BOUNDS = ("page_limit", "page_offset")


def paged_keys(keys: Select[Any]) -> Select[Any]:
    """``keys`` with its limit and offset as the bind parameters ``PAGE_BOUNDS``: a keys
    statement built once and run by ``paginate_keys(…, values=…)``."""
    limit, offset = (sa.bindparam(name, type_=sa.Integer) for name in PAGE_BOUNDS)
    return keys.limit(limit).offset(offset)


def paginate_keys(
    keys: Select[Any],
    load: Callable[[list[Any]], Sequence[Any]],
    *,
    page: int = 1,
    per_page: int = 50,
    cap: int | None = None,
    values: Mapping[str, Any] | None = None,
) -> ReadPagination:
    """One page, keys first: ``keys`` selects one key column in the list's order; the
    keys from this page on are read up to the cap (which counts them: "more than 500"),
    then ``load(page_keys)`` reads the page's rows (any order; they are put in order).

    One read of the matches instead of two (the rows, then a count that repeats the
    whole search): a person search reads its matches once (docs/performance.md).

    With ``values``, ``keys`` is a statement built once (``paged_keys``) and run with
    them: a request neither builds it nor walks it for SQLAlchemy's cache key.
    """
    page = max(1, page)
    limit = max(COUNT_CAP if cap is None else cap, (page + 1) * per_page)
    offset = (page - 1) * per_page
    # The keys (up to the cap: hundreds) are read on the session's connection, not
    # through the ORM's result handling, which cost ~1.3 µs a key more: ~0.7 ms for a
    # common word's 501 at 100,000 people (docs/performance.md).
    connection = flushed_connection()
    if values is None:
        found = connection.execute(keys.limit(limit + 1 - offset).offset(offset)).scalars().all()
    else:
        bounds = dict(zip(PAGE_BOUNDS, (limit + 1 - offset, offset), strict=True))
        found = connection.execute(keys, {**values, **bounds}).scalars().all()
    if found or page == 1:
        counted = offset + len(found)
    else:  # past the end (the list shrank since the link was made): how long it is
        counted = int(
            db.session.scalar(
                sa.select(sa.func.count()).select_from(
                    keys.order_by(None).limit(limit + 1).offset(0).subquery()
                ),
                dict(values or {}),
            )
            or 0
        )
    shown = list(found[:per_page])
    rows = {getattr(row, "id", row): row for row in load(shown)} if shown else {}
    items = [rows[key] for key in shown if key in rows]
    return ReadPagination(items, min(counted, limit), page, per_page, capped=counted > limit)
