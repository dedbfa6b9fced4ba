"""The audit log: who viewed or changed whose data, logins and failed logins.

Entries carry ids and short descriptions only: never a phone number or message body.
The entry joins the caller's transaction, so it is stored exactly when the change is.
"""

from __future__ import annotations

import re

from flask import g, has_request_context, request
from flask_login import current_user

from rekruttering.extensions import db
from rekruttering.models import AuditEvent

#: Anything that could be a phone number: seven or more digits, with spaces, dashes or
#: brackets between them (ids and counts in details are shorter).
_NUMBER = re.compile(r"\+?\d(?:[\s()-]*\d){6,}")


def scrub(text: str) -> str:
    """A detail safe for the log: phone-like digit runs replaced, cut to the column size."""
    return _NUMBER.sub("[number]", text or "")[:300]


def record(
    action: str,
    *,
    person_id: int | None = None,
    user_id: int | None = None,
    centre_id: int | None = None,
    detail: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit entry to the current transaction (the caller commits).

    ``detail`` is a short description for people reading the log; it passes through
    ``scrub`` so a phone number typed into a reason never lands in the log.
    """
    if has_request_context():
        if person_id is not None:
            # The request's own entry about this person: access_log.py adds no other.
            g.setdefault("audited_person_ids", set()).add(person_id)
        if user_id is None and current_user and current_user.is_authenticated:
            user_id = current_user.id
        if centre_id is None and g.get("centre") is not None:
            centre_id = g.centre.id
        ip = ip or request.remote_addr
    event = AuditEvent(
        action=action[:40],
        person_id=person_id,
        user_id=user_id,
        centre_id=centre_id,
        detail=scrub(detail),
        ip=(ip or "")[:45] or None,
    )
    db.session.add(event)
    return event
