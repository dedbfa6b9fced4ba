"""In-app notices for the centre's staff: a new referral, a new sign-up.

A notice belongs to the centre (every staff member sees the same ones); reading it
marks it read for all, which fits a team of three sharing one follow-up queue.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Notification
from rekruttering.tenancy import fetch
from rekruttering.transaction import execute_dml


class NoticeKind(StrEnum):
    REFERRAL = "referral"
    SIGNUP = "signup"


def notify(
    centre_id: int, kind: NoticeKind, person_id: int | None, at: datetime | None = None
) -> Notification:
    """Add a notice for the centre's staff (joins the caller's transaction)."""
    notice = Notification(
        centre_id=centre_id, kind=str(kind), person_id=person_id, created_at=at or utcnow()
    )
    db.session.add(notice)
    return notice


def unread_count(centre_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.centre_id == centre_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(centre_id: int, notification_id: int) -> Notification:
    notice = fetch(Notification, notification_id, centre_id)
    if notice.read_at is None:
        notice.read_at = utcnow()
    return notice


def mark_all_read(centre_id: int) -> int:
    return execute_dml(
        update(Notification)
        .where(Notification.centre_id == centre_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
