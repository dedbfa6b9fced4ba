"""Who looked at or changed whose data: one audit entry per request about a person.

Every route with a ``<int:person_id>`` argument (the person page, a contact form, the
consent page, the API's person endpoint …) is logged here, so no feature has to
remember it: a GET that succeeded is ``person_viewed``, anything else that succeeded is
``person_changed``, with the endpoint as detail. When the request already wrote a more
precise entry about the person (``audit.record`` with their id: an export, an erasure,
a consent, an edit), or the view called ``mark_logged``, no second entry is added.

The entry is written in the request's own transaction, never in a commit of its own:

* a change (POST and the like) joins the view's ``transaction()``: a session
  ``before_commit`` listener adds the entry to the commit that writes the change, so
  the change and its log entry are stored together or not at all;
* a request that wrote nothing (a page view, a refused form) has no transaction, so
  its entry is the request's one write: ``transaction()`` after the answer, only for
  an answer below 400.
"""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from rekruttering import audit
from rekruttering.extensions import db
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)

FLAG = "person_access_logged"


def init_app(app: Flask) -> None:
    app.before_request(_reset)
    app.after_request(_log_person_access)
    if not event.contains(Session, "before_commit", _join_the_change):
        event.listen(Session, "before_commit", _join_the_change)


def mark_logged() -> None:
    """A view wrote its own audit entry for this request."""
    setattr(g, FLAG, True)


def _reset() -> None:
    # In tests the app context (and so ``g``) outlives a request: start afresh.
    setattr(g, FLAG, False)
    g.audited_person_ids = set()


def _due_person_id() -> int | None:
    """The person this request is about, if no entry about them is written yet."""
    person_id = (request.view_args or {}).get("person_id")
    if (
        person_id is None
        or g.get(FLAG)
        or int(person_id) in g.get("audited_person_ids", set())
        or request.method in ("HEAD", "OPTIONS")
        or not current_user.is_authenticated
    ):
        return None
    return int(person_id)


def _record(person_id: int) -> None:
    action = "person_viewed" if request.method == "GET" else "person_changed"
    setattr(g, FLAG, True)
    audit.record(action, person_id=person_id, detail=request.endpoint or "")


def _join_the_change(session: Session) -> None:
    """before_commit: a change about the person carries its access entry with it."""
    if not has_request_context() or session is not db.session():
        return
    if request.method == "GET" or not (session.new or session.dirty or session.deleted):
        return  # bookkeeping (a token's last use), not a change to the person's data
    person_id = _due_person_id()
    if person_id is not None:
        _record(person_id)


def _log_person_access(response: Response) -> Response:
    if response.status_code >= 400:
        return response
    person_id = _due_person_id()
    if person_id is None:
        return response
    try:
        # Nothing of this request was committed: what the view left pending (a form
        # it refused) is not to be stored with the entry.
        db.session.rollback()
        with transaction():
            _record(person_id)
    except Exception:  # noqa: BLE001 - the log must never break the answer
        log.exception("could not write the audit entry for %s", request.endpoint)
    return response
