"""How objects look in the API. Phone numbers are E.164; times are ISO 8601 in UTC.

A person's free-text note is not part of the API: integrations get what they need to
find and count people, not staff's notes (data minimisation).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rekruttering.models import Activity, Channel, Contact, Enrolment, Person, Session


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "phone": p.phone,
        "language": p.language,
        "target_group": p.target_group,
        "recruited_by_id": p.recruited_by_id,
        "created_at": _time(p.created_at),
        "last_activity_at": _time(p.last_activity_at),
        "anonymised": p.anonymised_at is not None,
    }


def enrolment(e: Enrolment) -> dict[str, Any]:
    return {
        "activity_id": e.activity_id,
        "role": e.role.value,
        "stage": e.stage.value,
        "heard_at": _time(e.heard_at),
        "asked_at": _time(e.asked_at),
        "showed_up_at": _time(e.showed_up_at),
        "regular_at": _time(e.regular_at),
        "declined_at": _time(e.declined_at),
        "not_now_at": _time(e.not_now_at),
        "attendance_count": e.attendance_count,
    }


def person_detail(p: Person, enrolments: list[Enrolment]) -> dict[str, Any]:
    return {**person(p), "enrolments": [enrolment(e) for e in enrolments]}


def contact(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "person_id": c.person_id,
        "activity_id": c.activity_id,
        "channel_id": c.channel_id,
        "role": c.role.value,
        "outcome": c.outcome.value,
        "occurred_at": _time(c.occurred_at),
        "by_user_id": c.by_user_id,
        "recruited_by_id": c.recruited_by_id,
        "follow_up_on": _day(c.follow_up_on),
    }


def activity(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "slug": a.slug,
        "target_group": a.target_group,
        "capacity": a.capacity,
        "signup_required": a.signup_required,
        "active": a.active,
        "season_start": _day(a.season_start),
        "season_end": _day(a.season_end),
    }


def session(s: Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "activity_id": s.activity_id,
        "starts_at": _time(s.starts_at),
        "ends_at": _time(s.ends_at),
        "place": s.place,
        "cancelled": s.cancelled,
    }


def page(items: list[dict[str, Any]], pagination: Any) -> dict[str, Any]:
    return {
        "items": items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


def channel(c: Channel) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind.value,
        "active": c.active,
        "partner_id": c.partner_id,
        "note": c.note,
    }
