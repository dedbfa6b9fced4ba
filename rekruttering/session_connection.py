"""The session's connection for a read that needs no ORM objects.

A statement run on ``db.session.connection()`` skips the ORM's result handling (a
row object per row: ~1.3 µs a row, milliseconds for the hundreds of keys of a search,
docs/performance.md), but also the session's autoflush: a change made in the request
and not yet flushed would not be seen. ``flushed_connection`` flushes first, as the
session's ``execute`` would, and only when the session autoflushes.
"""

from __future__ import annotations

import sqlalchemy as sa

from rekruttering.extensions import db


def flushed_connection() -> sa.Connection:
    """The session's connection (in its transaction), its pending changes flushed as
    the session's ``execute`` would flush them (no statement when nothing is pending)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection()
