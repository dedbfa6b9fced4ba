"""A transaction that only read ends with COMMIT, so PostgreSQL keeps its prepared statements.

psycopg prepares a statement once a connection has run it five times, and forgets all
of them (``DEALLOCATE ALL``) whenever it rolls back an open transaction. Flask-SQLAlchemy
ends every app context (a request, a job, a command) by closing its session, which rolls
the connection back, and nearly every request ends with a transaction that read
something: so nothing prepared outlived a request, and PostgreSQL planned every
statement of every page anew (docs/performance.md, "Prepared statements kept across
requests").

A transaction that ran nothing but plain ``SELECT`` statements ends the same way
whether it commits or rolls back: no row was written and its locks go either way. So
when an app context ends, its session's transaction is committed instead, on the
connection (not through ``Session.commit``: nothing is flushed, no ORM hook runs),
**only when all of these hold**:

* no exception left the app context;
* the session holds no new, changed or deleted object;
* every statement that connection ran since the transaction began was a plain read
  (``reads_only``): it begins with ``SELECT`` or ``WITH`` and has none of the words
  ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE`` (a data-modifying CTE), ``INTO``, ``FOR
  UPDATE``/``SHARE`` or a built-in function whose effect a commit would keep
  (``set_config``, ``pg_notify``, ...) anywhere in its text.

Anything else — a flush's ``INSERT``, ``UPDATE`` or ``DELETE``, a savepoint, ``SET``,
``PRAGMA``, a statement that starts with a comment — marks the transaction as written (in
the connection's ``info``, cleared when a transaction begins, commits or rolls back), and
it rolls back as before; so does a transaction whose beginning was not seen. The people
search's ``WITH RECURSIVE`` (the languages in use) is a read: were it counted as a write,
every search would roll back and clear the statements every other page had prepared.
Statements run on the DB-API connection itself are not seen: the dispatcher's such
uses (``generic_plans``, ``read_ahead``, SQLite's ``PRAGMA data_version`` in
``dispatch._data_version``) are on connections of its own, never a session this ends,
and a new one must stay off the request's session (or set ``WROTE``). The app calls no function of its own from a ``SELECT``; one that writes would
have to be added to ``_NOT_PLAIN``.

A request that writes still commits in ``transaction()``; what it reads after that commit
is a new transaction, ended like any other. An error still rolls back (and psycopg then
forgets what the connection had prepared). A prepared statement outlives a request, so a
migration that changes the type of a column while the app runs fails each connection's
next run of a statement that selects it once ("cached plan must not change result
type"; that rollback clears them): restart the app after such a migration.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from rekruttering.extensions import db

log = logging.getLogger(__name__)

#: In ``Connection.info`` (the pooled connection's): True once the open transaction ran
#: a statement that is not a plain read, False from its beginning while it has not.
WROTE = "read_only_commit.wrote"
#: In ``Session.info``: the connections the session's transaction holds.
_CONNECTIONS = "read_only_commit.connections"

_READ = re.compile(r"\s*(?:SELECT|WITH)\b", re.IGNORECASE)
#: In a read: a data-modifying CTE or row locks (INSERT/UPDATE/DELETE/MERGE, FOR
#: UPDATE/SHARE), a new table (SELECT ... INTO), or a built-in function whose effect
#: depends on whether the transaction commits, or that acts outside it. A word anywhere
#: in the text counts, even in a name or a literal (then it rolls back, as before).
_NOT_PLAIN = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|INTO|SHARE|set_config|pg_notify|nextval|setval"
    r"|lo_\w+|pg_advisory\w*|pg_try_advisory\w*|txid_current\w*|pg_current_xact_id\w*"
    r"|dblink\w*)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=2048)
def reads_only(statement: str) -> bool:
    """Whether ``statement`` is a plain read: a ``SELECT`` (or a ``WITH`` of reads only)
    that commits as it rolls back."""
    return bool(_READ.match(statement)) and not _NOT_PLAIN.search(statement)


def init_app(app: Flask) -> None:
    """End each app context's read-only transaction with a commit.

    Must be called after ``db.init_app``: Flask runs teardown functions in the reverse
    order of registration, so this one runs before Flask-SQLAlchemy closes the session.
    """
    app.teardown_appcontext(_commit_if_only_read)


def _commit_if_only_read(exc: BaseException | None) -> None:
    if exc is not None:
        return
    # An error is logged, not raised: Flask would skip the teardown functions after
    # this one, and Flask-SQLAlchemy's, which closes the session, is one of them.
    try:
        _commit_read_only_transaction()
    except Exception:  # noqa: BLE001 - the session's close rolls back what is left
        log.warning("read-only commit failed; the connection is rolled back", exc_info=True)
    except BaseException:
        # Interrupted mid-commit (a worker's timeout, Ctrl-C): the teardowns after this
        # one will not run, so the session is closed here, its connection given back.
        db.session.remove()
        raise


def _commit_read_only_transaction() -> None:
    registry = db.session.registry
    if not registry.has():
        return
    session = registry()
    connections: dict[Connection, None] | None = session.info.get(_CONNECTIONS)
    if not connections or session.new or session.dirty or session.deleted:
        return
    if any(
        connection.invalidated or connection.info.get(WROTE, True) for connection in connections
    ):
        return
    for connection in list(connections):
        if connection.in_transaction():
            connection.commit()


@event.listens_for(Session, "after_begin")
def _remember(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    session.info.setdefault(_CONNECTIONS, {})[connection] = None


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


@event.listens_for(Engine, "begin")
def _began(connection: Connection) -> None:
    connection.info[WROTE] = False


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _ended(connection: Connection) -> None:
    # An invalidated connection (lost) raises on ``info``; its next transaction begins anew.
    if not connection.invalidated:
        connection.info.pop(WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _saw(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not reads_only(statement):
        connection.info[WROTE] = True
