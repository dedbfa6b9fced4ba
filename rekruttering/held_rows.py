"""The object a session already holds for a primary key, as it was read.

Loading a row the session's identity map already holds gives back the same object at
the cost of a statement. ``held`` returns it without the statement when it is still as
read: loaded (not expired), not deleted, with the given columns loaded and, if asked,
without changes of its own not yet flushed. Used by ``tenancy.fetch`` (a write's view
and its service both load the person, the activity, the session) and ``row_locks`` (a
row read locked earlier in the transaction).
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

T = TypeVar("T")


def held(
    session: Session, model: type[T], ident: int, *columns: str, unchanged: bool = False
) -> T | None:
    """``model``'s object with primary key ``ident`` if ``session`` holds it as read
    (see the module); None when it must be read again."""
    # inspect() of a mapped class is its Mapper (typed as possibly None).
    key = inspect(model).identity_key_from_primary_key([ident])  # type: ignore[union-attr]  # see above
    obj = session.identity_map.get(key)
    if obj is None:
        return None
    state = inspect(obj)
    if state.expired or state.deleted or state.was_deleted or obj in session.deleted:
        return None
    if unchanged and state.modified:
        return None
    if any(name not in state.dict for name in columns):
        return None
    return obj
