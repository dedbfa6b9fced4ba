"""Who looked at or changed whose data: one audit entry per request about a person.

Every route with a ``<int:person_id>`` argument (the person page, a contact form, the
consent page, the API's person endpoint …) is logged here after it answers, so no
feature has to remember it: a GET that succeeded is ``person_viewed``, anything else
that succeeded is ``person_changed``, with the endpoint as detail. When the request
already wrote a more precise entry about the person (``audit.record`` with their id:
an export, an erasure, a consent, an edit), or the view called ``mark_logged``, no
second entry is added.
"""

from __future__ import annotations

import logging

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from rekruttering import audit
from rekruttering.extensions import db

log = logging.getLogger(__name__)

FLAG = "person_access_logged"


def init_app(app: Flask) -> None:
    app.before_request(_reset)
    app.after_request(_log_person_access)


def mark_logged() -> None:
    """A view wrote its own audit entry for this request."""
    setattr(g, FLAG, True)


def _reset() -> None:
    # In tests the app context (and so ``g``) outlives a request: start afresh.
    setattr(g, FLAG, False)
    g.audited_person_ids = set()


def _log_person_access(response: Response) -> Response:
    person_id = (request.view_args or {}).get("person_id")
    if (
        person_id is None
        or g.get(FLAG)
        or int(person_id) in g.get("audited_person_ids", set())
        or request.method in ("HEAD", "OPTIONS")
        or response.status_code >= 400
        or not current_user.is_authenticated
    ):
        return response
    action = "person_viewed" if request.method == "GET" else "person_changed"
    try:
        # The view has committed what it meant to; anything still pending in the
        # session would be thrown away at teardown anyway.
        db.session.rollback()
        audit.record(action, person_id=int(person_id), detail=request.endpoint or "")
        db.session.commit()
    except Exception:  # noqa: BLE001 - the log must never break the answer
        db.session.rollback()
        log.exception("could not write the audit entry for %s", request.endpoint)
    return response
