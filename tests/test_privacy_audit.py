"""The audit log: who saw or changed whose data; searchable by admins; no phones or texts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from rekruttering.audit import scrub
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, UserRole
from tests.privacy_fixtures import full_person


def _event(centre: Any, action: str, at: datetime, **kw: Any) -> AuditEvent:
    event = AuditEvent(centre_id=centre.id if centre else None, action=action, at=at, **kw)
    db.session.add(event)
    db.session.commit()
    return event


def test_audit_page_filters_by_action_user_person_and_date(
    client: Any, make: Any, login: Any
) -> None:
    """Admins search the log by action, user, person id and Oslo dates."""
    centre, other = make.centre(), make.centre()
    admin = make.user(centre, role=UserRole.ADMIN, name="Kari Leder")
    staff = make.user(centre, name="Ola Ansatt")
    _event(
        centre, "person_viewed", datetime(2026, 3, 1, 9, tzinfo=UTC), user_id=staff.id, person_id=7
    )
    _event(
        centre, "person_erased", datetime(2026, 3, 2, 9, tzinfo=UTC), user_id=admin.id, person_id=8
    )
    _event(
        centre,
        "person_viewed",
        datetime(2026, 3, 3, 23, 30, tzinfo=UTC),
        user_id=staff.id,
        person_id=8,
    )
    _event(other, "person_viewed", datetime(2026, 3, 1, 9, tzinfo=UTC), person_id=99)
    _event(None, "login", datetime(2026, 3, 1, 8, tzinfo=UTC), user_id=staff.id)
    _event(None, "login_failed", datetime(2026, 3, 1, 8, tzinfo=UTC), detail="unknown account")
    login(admin)

    def rows(query: str) -> list[str]:
        html = client.get(f"/privacy/audit?{query}").get_data(as_text=True)
        return re.findall(r'<span title="([a-z_.]+)">', html)

    everything = rows("")
    assert everything.count("person_viewed") == 2 and "person_erased" in everything
    assert "login" in everything  # a login of the centre's user belongs to no centre yet
    assert "login_failed" not in everything  # an unknown address belongs to no centre
    assert rows("action=person_erased") == ["person_erased"]
    assert rows(f"user={staff.id}&action=person_viewed") == ["person_viewed", "person_viewed"]
    assert rows("person_id=8") == ["person_viewed", "person_erased"]
    # 23:30 UTC on 3 March is 00:30 on 4 March in Oslo
    assert rows("date_from=2026-03-04&date_to=2026-03-04") == ["person_viewed"]
    assert rows("date_from=2026-03-02&date_to=2026-03-03") == ["person_erased"]
    bad = client.get("/privacy/audit?person_id=abc&date_from=03.03.2026")
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)


def test_audit_page_paginates_and_is_for_admins(client: Any, make: Any, login: Any) -> None:
    """The log is paged; staff who are not admins get 403."""
    centre = make.centre()
    for n in range(60):
        _event(
            centre, "person_viewed", datetime(2026, 1, 1, 9, n % 60, tzinfo=UTC), person_id=n + 1
        )
    login(make.user(centre, role=UserRole.ADMIN))
    first = client.get("/privacy/audit").get_data(as_text=True)
    second = client.get("/privacy/audit?page=2").get_data(as_text=True)
    assert first.count('<span title="') == 50  # the admin's own login, 49 views
    assert second.count('<span title="person_viewed">') == 11
    client.post("/logout")
    login(make.user(centre, role=UserRole.STAFF))
    assert client.get("/privacy/audit").status_code == 403


def test_viewing_and_changing_a_person_is_logged(client: Any, make: Any, login: Any) -> None:
    """Opening any page about a person logs person_viewed; a consent logs what changed."""
    centre = make.centre()
    person = make.person(centre)
    staff = make.user(centre)
    login(staff)
    client.get(f"/privacy/people/{person.id}/consents")
    client.post(
        f"/privacy/people/{person.id}/consents/give", data={"purpose": "sms", "method": "in_person"}
    )
    client.get(f"/privacy/people/{person.id + 1000}/consents")  # 404: nothing to log
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.person_id.is_not(None)).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.person_id, e.user_id, e.centre_id) for e in events] == [
        ("person_viewed", person.id, staff.id, centre.id),
        ("consent_given", person.id, staff.id, centre.id),
    ]
    assert events[0].detail == "privacy.consents"


def test_the_log_holds_no_phone_numbers_or_message_texts(
    client: Any, make: Any, login: Any
) -> None:
    """After logins, views, consent, export, API use and erasure, no phone or text is logged."""
    centre = make.centre()
    holder = full_person(make, centre)
    admin = make.user(centre, role=UserRole.ADMIN, name="Drift Admin")  # not Faker's "Haugland"
    client.post("/login", data={"email": admin.email, "password": "wrong-password"})
    login(admin)
    pid = holder.person.id
    client.get(f"/privacy/people/{pid}/consents")
    client.post(f"/privacy/people/{pid}/consents/withdraw", data={"purpose": "sms"})
    client.get(f"/privacy/people/{pid}/access")
    client.post(f"/privacy/people/{pid}/export.json")
    client.get(f"/people/{pid}")
    token = make.api_token(centre)
    headers = {"Authorization": f"Bearer {token.plain}"}
    client.get("/api/v1/people?q=+4791234567", headers=headers)
    client.post(
        "/api/v1/people", json={"first_name": "Ny", "phone": "+4792345678"}, headers=headers
    )
    client.post(
        "/api/v1/contacts",
        json={"person_id": pid, "outcome": "heard", "note": "ring 92345678 i morgen"},
        headers=headers,
    )
    client.post(
        f"/privacy/people/{pid}/erase",
        data={
            "reason": "other",
            "note": "Ba om sletting, ring +47 912 34 567 eller 92345678",
            "confirm": "y",
        },
    )
    events = db.session.scalars(select(AuditEvent)).all()
    actions = {e.action for e in events}
    assert {
        "login_failed",
        "login",
        "person_viewed",
        "consent_withdrawn",
        "person_exported",
    } <= actions
    assert {"api_person_created", "api_contact_logged", "person_erased"} <= actions
    logged = "\n".join(f"{e.action} {e.detail} {e.ip}" for e in events)
    for phone in ("91234567", "912 34 567", "92345678", "4791234567"):
        assert phone not in logged, phone
    for text in ("Ja takk", "velkommen", "barnehageplass", "ring 9", "Haugland"):
        assert text not in logged, text
    assert not re.search(r"\d{7,}", re.sub(r"\s", "", logged.replace("[number]", "")))


def test_scrub_removes_anything_like_a_phone_number() -> None:
    """Digit runs that could be phone numbers are replaced; ids and counts stay."""
    assert scrub("ring +47 912 34 567 nå") == "ring [number] nå"
    assert scrub("tlf (0047) 912-34-567") == "tlf ([number]"
    assert scrub("contact 1234, roles=2") == "contact 1234, roles=2"
    assert len(scrub("x" * 1000)) == 300


def test_a_precise_entry_is_not_doubled_by_the_generic_one(app: Any, make: Any, login: Any) -> None:
    """A view that records its own entry about the person gets no extra person_changed."""
    from flask import Blueprint

    from rekruttering import audit
    from rekruttering.access import STAFF, allow

    probe = Blueprint("probe", __name__)

    @probe.route("/probe/<int:person_id>", methods=["POST"])
    @allow(*STAFF)
    def edit(person_id: int) -> str:
        audit.record("person_updated", person_id=person_id)
        db.session.commit()
        return "ok"

    @probe.route("/probe/<int:person_id>/plain", methods=["POST"])
    @allow(*STAFF)
    def plain(person_id: int) -> str:
        return "ok"

    app.register_blueprint(probe)
    centre = make.centre()
    person = make.person(centre)
    client = app.test_client()
    staff = make.user(centre)
    client.post("/login", data={"email": staff.email, "password": make.PASSWORD})
    client.post(f"/probe/{person.id}")
    client.post(f"/probe/{person.id}/plain")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.person_id == person.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["person_updated", "person_changed"]


def _recorded_actions() -> set[str]:
    """Every action code the code records: first arguments of audit.record(...) and
    record_for_partner(...), read from the source."""
    import ast
    from pathlib import Path

    import rekruttering

    codes: set[str] = set()
    for path in Path(rekruttering.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if name in ("record", "record_for_partner") and isinstance(first, ast.Constant):
                codes.add(str(first.value))
    return codes


def test_every_recorded_action_has_a_label() -> None:
    from rekruttering.privacy.audit_log import ACTION_LABELS

    codes = _recorded_actions()
    assert {"login", "referral_created", "import"} <= codes  # the reader finds them
    assert not codes - set(ACTION_LABELS), sorted(codes - set(ACTION_LABELS))


def test_log_shows_each_action_once_in_words_and_import_counts_translated(
    client: Any, make: Any, login: Any
) -> None:
    """No raw code beside the label ("referral_created referral_created"), and the
    import's counts in Norwegian."""
    centre = make.centre()
    admin = make.user(centre, role=UserRole.ADMIN)
    at = datetime(2026, 1, 7, 12, tzinfo=UTC)
    _event(centre, "referral_created", at)
    _event(centre, "import", at, detail="3 rows, 2 new people, 5 contacts, 1 rows skipped")
    login(admin)
    page = client.get("/privacy/audit").get_data(as_text=True)
    assert "Henvisning opprettet" in page
    assert "referral_created referral_created" not in page
    assert ">referral_created<" not in page
    assert "3 rader, 2 nye personer, 5 kontakter, 1 rader hoppet over" in page
