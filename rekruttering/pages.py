"""One page of a query's results, for the list views.

The query itself comes from a feature's query function (``<feature>/queries.py``, a
service module); views hand it here with the page number rather than touching the
database session.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from rekruttering.extensions import db


def paginate(
    statement: Select[Any],
    *,
    page: int | None = None,
    per_page: int | None = None,
    error_out: bool = True,
    count: bool = True,
) -> Pagination:
    """One page of ``statement`` (Flask-SQLAlchemy's pagination, same arguments)."""
    return db.paginate(
        statement, page=page, per_page=per_page, error_out=error_out, count=count
    )
