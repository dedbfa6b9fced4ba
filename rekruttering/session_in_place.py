"""A session of one's own in place of the app context's scoped ``db.session``, for a while.

Flask-SQLAlchemy's ``db.session`` is a scoped session: every service reads and writes
through it. Code that needs the services to run on a particular connection (the
reminder dispatcher holds one connection for a whole tick) or as another request would
(tests) puts a session of its own in the registry for a block; the app context's own
session is back in place afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from rekruttering.extensions import db


@contextmanager
def session_in_place(session: Session) -> Iterator[Session]:
    """``db.session`` is ``session`` inside the block; closed at its end."""
    registry = db.session.registry
    previous = registry() if registry.has() else None
    registry.set(session)  # type: ignore[arg-type]  # a plain Session stands in
    try:
        yield session
    finally:
        session.close()
        if previous is not None:
            registry.set(previous)
        else:
            registry.clear()
