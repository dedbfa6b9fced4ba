"""Access (GDPR art. 15): everything the system holds about one person.

``export_person`` walks every table with a foreign key to person.id (see
person_data.py), so a table added later is in the export without anyone touching
this file. Rows about someone else that only mention the person (people they
brought along, a family tie seen from the other side) are listed by id only: the
export gives a person their own data, not their neighbours'.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import Any

import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Activity, AuditEvent, Channel, Partner, Person, Session, User
from rekruttering.privacy.person_data import person_tables
from rekruttering.tenancy import fetch

FORMAT = "rekruttering-person-export/1"

#: Foreign keys shown with a readable name beside the id: table -> (model, label).
LABELS: dict[str, tuple[Any, Any]] = {
    "activity": (Activity, Activity.name),
    "channel": (Channel, Channel.name),
    "partner": (Partner, Partner.name),
    "user_account": (User, User.name),
    "session": (Session, Session.starts_at),
}


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _row(table: sa.Table, mapping: Any) -> dict[str, Any]:
    return {column.name: _plain(mapping[column.name]) for column in table.columns}


def export_person(centre_id: int, person_id: int) -> dict[str, Any]:
    """Everything held about ``person_id`` of ``centre_id`` as a JSON-ready dict.

    ``tables`` has one entry for every table that references a person, even when
    empty, so the export shows where was looked as well as what was found.
    """
    person = fetch(Person, person_id, centre_id)
    tables: dict[str, dict[str, Any]] = {}
    for pt in person_tables():
        rows: list[dict[str, Any]] = []
        if pt.subject is not None:
            result = db.session.execute(
                sa.select(pt.table)
                .where(pt.subject == person.id)
                .order_by(*pt.table.primary_key.columns)
            ).mappings()
            rows = [_row(pt.table, r) for r in result]
            _add_labels(pt.table, rows)
        mentions: dict[str, list[int]] = {}
        for column in pt.mentions:
            pk = next(iter(pt.table.primary_key.columns))
            ids = db.session.scalars(sa.select(pk).where(column == person.id).order_by(pk)).all()
            mentions[column.name] = list(ids)
        tables[pt.name] = {"rows": rows, "mentioned_in": mentions}
    audit = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.person_id == person.id, AuditEvent.centre_id == centre_id)
        .order_by(AuditEvent.at)
    ).all()
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "centre_id": centre_id,
        "person_id": person.id,
        "tables": tables,
        "audit_log": [
            {
                "at": _plain(e.at),
                "action": e.action,
                "user_id": e.user_id,
                "user": e.user.name if e.user else None,
                "detail": e.detail,
            }
            for e in audit
        ],
    }


def _add_labels(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Put a readable name beside foreign keys to activities, channels, partners, users."""
    for column in table.columns:
        for fk in column.foreign_keys:
            label = LABELS.get(fk.column.table.name)
            if label is None:
                continue
            model, attribute = label
            ids = {r[column.name] for r in rows if r[column.name] is not None}
            if not ids:
                continue
            names: dict[Any, Any] = dict(
                db.session.execute(sa.select(model.id, attribute).where(model.id.in_(ids)))
                .tuples()
                .all()
            )
            for r in rows:
                if r[column.name] is not None:
                    r[f"{column.name}__label"] = _plain(names.get(r[column.name]))
