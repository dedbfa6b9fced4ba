"""Where Flask-Limiter keeps its counts: ``[limits] storage_uri``.

``memory://`` (the default) counts in each process: right for ``rekruttering serve``
and the tests, wrong for gunicorn with several workers, where each worker would allow
the whole limit. Any shared store the ``limits`` library knows works there
(``redis://host:6379``, ``memcached://host:11211``, ...; install its client), and so
does ``database://``: the counters live in the application's own database (the
``rate_limit_counter`` table), so an installation with PostgreSQL needs nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models.limits import RateLimitCounter
from rekruttering.models.types import UTCDateTime

DATABASE_SCHEME = "database"


class DatabaseStorage(Storage):
    """Fixed-window counters in the application's database, shared by every worker.

    Each call runs in its own short transaction on the app's engine (never the
    request's session), and the increment is one atomic upsert.
    """

    STORAGE_SCHEME = [DATABASE_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    @staticmethod
    def _engine() -> sa.Engine:
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = utcnow()
        table = RateLimitCounter.__table__
        engine = self._engine()
        postgresql = engine.dialect.name == "postgresql"
        insert = postgresql_insert if postgresql else sqlite_insert
        expired = table.c.expires_at <= now
        ends = sa.literal(now + timedelta(seconds=expiry), UTCDateTime())
        upsert = insert(table).values(key=key, count=amount, expires_at=ends)
        stmt = upsert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=table.c.count + amount),
                "expires_at": sa.case((expired, ends), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with engine.begin() as connection:
            return int(connection.execute(stmt).scalar_one())

    def _row(self, key: str) -> tuple[int, datetime] | None:
        table = RateLimitCounter.__table__
        with self._engine().connect() as connection:
            row = connection.execute(
                sa.select(table.c.count, table.c.expires_at).where(table.c.key == key)
            ).first()
        if row is None:
            return None
        count, expires_at = row
        return int(count), expires_at

    def get(self, key: str) -> int:
        row = self._row(key)
        if row is None or row[1] <= utcnow():
            return 0
        return row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        if row is None or row[1] <= utcnow():
            return utcnow().timestamp()
        return row[1].timestamp()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(sa.delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with self._engine().begin() as connection:
            connection.execute(sa.delete(table).where(table.c.key == key))


def purge_expired() -> int:
    """Delete windows that have ended (the nightly job could call this; rows are tiny)."""
    table = RateLimitCounter.__table__
    with DatabaseStorage._engine().begin() as connection:
        return connection.execute(sa.delete(table).where(table.c.expires_at <= utcnow())).rowcount
