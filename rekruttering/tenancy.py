"""Which centre a request works in, and the one place every query is scoped by it.

The current centre is resolved once per request from the user's memberships (and the
centre switch in the header). Views load objects through ``get_or_404`` and list them
through ``scoped``; services take a ``centre_id`` and load through ``fetch``. An object
of another centre is simply not found.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, abort, g, has_app_context, session
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, inspect, literal_column, select
from sqlalchemy.orm import contains_eager

from rekruttering import held_rows
from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.models import Centre, Membership, UserRole

T = TypeVar("T")

SESSION_KEY = "centre_id"

#: Ids are 32-bit integers in PostgreSQL and at most 64-bit in SQLite.
MAX_ID = 2**31


def holds_key(ident: int) -> bool:
    """Whether ``ident`` can be a primary key here: /people/99999999999999999999 is not
    found, not an overflow in the driver."""
    return 0 < ident < MAX_ID


def primary_key(ident: Any) -> int:
    """``ident`` (a path or form value) as a primary key, or NotFound."""
    try:
        key = int(ident)
    except (TypeError, ValueError):
        raise NotFound("not found") from None
    if not holds_key(key):
        raise NotFound("not found")
    return key


def init_app(app: Flask) -> None:
    app.before_request(resolve_centre)

    @app.context_processor
    def centre_context() -> dict[str, Any]:
        return {
            "current_centre": g.get("centre"),
            "current_role": g.get("role"),
            "user_centres": g.get("memberships", []),
        }


def resolve_centre() -> None:
    """Set g.centre, g.role and g.memberships for the logged-in user."""
    g.centre = None
    g.role = None
    g.memberships = []
    if not current_user.is_authenticated:
        return
    if current_user.is_installation_admin:
        # Above the centres: no current centre, so no centre's data by accident.
        g.role = UserRole.INSTALLATION_ADMIN
        return
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == current_user.id)
        .join(Centre)
        # Loaded with the membership: the centre switch in the header names every
        # centre, which was one query per centre (50 for a municipality) on every page.
        .options(contains_eager(Membership.centre))
        .order_by(Centre.name)
    ).all()
    g.memberships = memberships
    if not memberships:
        return
    chosen = next((m for m in memberships if m.centre_id == session.get(SESSION_KEY)), None)
    chosen = chosen or memberships[0]
    g.centre = chosen.centre
    g.role = chosen.role


def memberships_of_request(user_id: int) -> frozenset[int] | None:
    """The centres ``user_id`` works at, if that is the logged-in user whose memberships
    this request has read (``resolve_centre``, in the same transaction): a service
    checking "works at this centre" for the user at the keyboard need not ask again.
    None when they are not at hand (another user, no request, read before a commit)."""
    if not has_app_context():
        return None
    memberships = g.get("memberships")
    if not memberships:
        return None
    for membership in memberships:
        state = inspect(membership)
        if state.expired or "user_id" not in state.dict or "centre_id" not in state.dict:
            return None
    if memberships[0].user_id != user_id:
        return None
    return frozenset(m.centre_id for m in memberships)


def switch_centre(centre_id: int) -> bool:
    """Make ``centre_id`` the current centre if the user belongs to it."""
    if any(m.centre_id == centre_id for m in g.get("memberships", [])):
        session[SESSION_KEY] = centre_id
        return True
    return False


def current_centre_id() -> int:
    centre = g.get("centre")
    if centre is None:
        abort(403)
    return centre.id


def current_role() -> UserRole | None:
    return g.get("role")


def scoped(model: type[T], centre_id: int | None = None) -> Select[tuple[T]]:
    """``select(model)`` limited to the current (or given) centre."""
    cid = current_centre_id() if centre_id is None else centre_id
    return select(model).where(model.centre_id == cid)  # type: ignore[attr-defined]  # a CentreOwned model


def centre_of_persons_rows(column: Any, centre_id: Any) -> ColumnElement[bool]:
    """The centre check of rows read by their person (``person_id = ?`` beside it), for
    ``column``, a table's ``centre_id``: the same rows as ``column == centre_id``, but
    written so that no database answers it from the centre's index.

    The person's index is the one to read: a person has a handful of messages,
    reminders or family links, a centre thousands. SQLite without planner statistics
    (an installation that never ran ``ANALYZE``, or one that ran it while the table was
    empty) weighed ``ix_message_centre_id`` and ``ix_message_person_time`` alike and took
    the centre's, walking every message of the centre on every person page; an
    expression on the column is not in any index, so the person's is taken
    (tests/test_person_scoped_plans.py)."""
    return column + literal_column("0") == centre_id


def fetch(model: type[T], ident: Any, centre_id: int) -> T:
    """Load one object of ``centre_id`` by primary key, or raise NotFound."""
    ident = primary_key(ident)
    # Held as the database has it (no changes of its own): loading it again would give
    # the same object at the cost of a statement (a write's view and its service both
    # load the person, the activity, the session).
    held = held_rows.held(db.session(), model, ident, "centre_id", unchanged=True)
    if held is not None:
        if held.centre_id != centre_id:  # type: ignore[attr-defined]  # a CentreOwned model
            raise NotFound("not found")
        return held
    obj = db.session.scalar(
        select(model).where(model.id == ident, model.centre_id == centre_id)  # type: ignore[attr-defined]  # a CentreOwned model
    )
    if obj is None:
        raise NotFound("not found")
    return obj


def get_or_404(model: type[T], ident: Any) -> T:
    """Load one object of the current centre, or answer 404."""
    try:
        return fetch(model, ident, current_centre_id())
    except NotFound:
        abort(404)
