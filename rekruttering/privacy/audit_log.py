"""Reading the audit log: what an admin of one centre may search.

An admin sees the centre's own entries, and the logins of the centre's users (a
login belongs to no centre yet, so it is matched through the user's membership).
Failed logins for unknown addresses belong to no centre and are left to operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from rekruttering.domain.clock import oslo_day_bounds
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Membership, User

#: Actions in words (others show their code): the log is read by a manager, not a developer.
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login while locked"),
    "logout": _l("Logged out"),
    "user_created": _l("User created"),
    "user_unlocked": _l("User unlocked"),
    "person_viewed": _l("Viewed a person"),
    "person_changed": _l("Changed a person"),
    "person_created": _l("Person added"),
    "person_updated": _l("Person edited"),
    "person_merged": _l("People merged"),
    "person_exported": _l("Data handed out (access)"),
    "person_erased": _l("Erased on request"),
    "retention_anonymised": _l("Anonymised (retention)"),
    "consent_given": _l("Consent given"),
    "consent_withdrawn": _l("Consent withdrawn"),
    "api_token_created": _l("API token made"),
    "api_token_revoked": _l("API token revoked"),
    "api_person_created": _l("Person added through the API"),
    "api_contact_logged": _l("Contact logged through the API"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    user_id: int | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def centre_users(centre_id: int) -> sa.Select:
    return sa.select(Membership.user_id).where(Membership.centre_id == centre_id)


def audit_query(centre_id: int, flt: AuditFilter) -> sa.Select:
    """The entries an admin of ``centre_id`` may see, filtered, newest first."""
    query = sa.select(AuditEvent).where(
        sa.or_(
            AuditEvent.centre_id == centre_id,
            sa.and_(
                AuditEvent.centre_id.is_(None), AuditEvent.user_id.in_(centre_users(centre_id))
            ),
        )
    )
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.user_id is not None:
        query = query.where(AuditEvent.user_id == flt.user_id)
    if flt.person_id is not None:
        query = query.where(AuditEvent.person_id == flt.person_id)
    if flt.date_from is not None:
        query = query.where(AuditEvent.at >= oslo_day_bounds(flt.date_from)[0])
    if flt.date_to is not None:
        query = query.where(AuditEvent.at < oslo_day_bounds(flt.date_to)[1])
    return query.options(joinedload(AuditEvent.user)).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )


def known_actions(centre_id: int) -> list[str]:
    """The actions that occur in the centre's log (for the filter's choices)."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                sa.or_(
                    AuditEvent.centre_id == centre_id,
                    sa.and_(
                        AuditEvent.centre_id.is_(None),
                        AuditEvent.user_id.in_(centre_users(centre_id)),
                    ),
                )
            )
            .distinct()
            .order_by(AuditEvent.action)
        )
    )


def centre_user_choices(centre_id: int) -> list[tuple[int, str]]:
    return [
        (u.id, u.name)
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_(centre_users(centre_id))).order_by(User.name)
        )
    ]
