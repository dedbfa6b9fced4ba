"""Access (GDPR art. 15): the export holds everything about a person, and only theirs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.errors import NotFound
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, UserRole
from rekruttering.privacy.export import export_person
from rekruttering.privacy.person_data import person_tables, unclassified_text_columns
from tests.privacy_fixtures import full_person


def _tables_referencing_person() -> set[str]:
    """Read straight from the metadata: every table with a foreign key to person.id."""
    return {
        table.name
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "person" and fk.column.name == "id"
    }


def test_every_table_referencing_a_person_is_in_the_export(app: Any, make: Any) -> None:
    """Every table with a FK to person.id appears in the export (and the person table)."""
    centre = make.centre()
    holder = full_person(make, centre)
    data = export_person(centre.id, holder.person.id)
    expected = _tables_referencing_person() | {"person"}
    assert expected <= set(data["tables"]), expected - set(data["tables"])
    assert {pt.name for pt in person_tables()} == expected


def test_export_holds_a_row_from_every_table_we_filled(app: Any, make: Any) -> None:
    """Each table that holds rows about the person gives them back, with their values."""
    centre = make.centre()
    holder = full_person(make, centre)
    data = export_person(centre.id, holder.person.id)
    for pt in person_tables():
        if pt.subject is not None:
            assert data["tables"][pt.name]["rows"], f"nothing exported from {pt.name}"
    person_row = data["tables"]["person"]["rows"][0]
    assert person_row["phone"] == "+4791234567" and person_row["note"].startswith("Kjenner")
    bodies = {m["body"] for m in data["tables"]["message"]["rows"]}
    assert "Ja takk, jeg kommer" in bodies
    contact = next(r for r in data["tables"]["contact"]["rows"] if r["note"])
    assert contact["activity_id__label"] == "Mat og prat"
    json.dumps(data)  # JSON-ready all the way down


def test_rows_about_others_are_listed_by_id_only(app: Any, make: Any) -> None:
    """The neighbour the person brought is listed by id; the neighbour's notes are not."""
    centre = make.centre()
    holder = full_person(make, centre)
    data = export_person(centre.id, holder.person.id)
    text = json.dumps(data, ensure_ascii=False)
    assert "Om naboen sin" not in text  # a note about the recruit, not about the person
    assert data["tables"]["person"]["mentioned_in"]["recruited_by_id"] == [holder.recruit.id]
    assert len(data["tables"]["contact"]["mentioned_in"]["recruited_by_id"]) == 1


def test_export_of_another_centres_person_is_not_found(app: Any, make: Any) -> None:
    """The service refuses a person of another centre."""
    mine, other = make.centre(), make.centre()
    with pytest.raises(NotFound):
        export_person(mine.id, make.person(other).id)


def test_every_text_column_of_a_person_table_is_classified(app: Any) -> None:
    """Each text column about a person is either kept or cleared on purpose (person_data.py)."""
    assert unclassified_text_columns() == [], (
        "decide in rekruttering/privacy/person_data.py whether anonymising keeps or clears: "
        + ", ".join(unclassified_text_columns())
    )


def test_access_page_and_json_download(client: Any, make: Any, login: Any) -> None:
    """Staff see a printable page and download JSON; both are audited, neither cached."""
    centre = make.centre()
    holder = full_person(make, centre)
    staff = make.user(centre)
    login(staff)
    page = client.get(f"/privacy/people/{holder.person.id}/access")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "Haugland" in html and "Ja takk, jeg kommer" in html
    assert page.headers["Cache-Control"] == "no-store"
    download = client.post(f"/privacy/people/{holder.person.id}/export.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    data = json.loads(download.get_data(as_text=True))
    assert data["person_id"] == holder.person.id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "person_exported").order_by(AuditEvent.id)
    ).all()
    assert [(e.detail, e.person_id, e.user_id) for e in events] == [
        ("page", holder.person.id, staff.id),
        ("json", holder.person.id, staff.id),
    ]
    # the export's own entries are not doubled by the generic "viewed" entry
    assert not db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person_viewed"))


def test_json_export_needs_post(client: Any, make: Any, login: Any) -> None:
    """A link or prefetch (GET) cannot start the JSON download."""
    centre = make.centre()
    person = make.person(centre)
    login(make.user(centre, role=UserRole.ADMIN))
    assert client.get(f"/privacy/people/{person.id}/export.json").status_code == 405
