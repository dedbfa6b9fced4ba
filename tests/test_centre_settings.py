"""The centre settings page: defaults from the config, checked values, every reader."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from rekruttering.centre_settings import service
from rekruttering.centres.service import create_centre
from rekruttering.checkin.service import session_overview
from rekruttering.domain.funnel import Role
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, CentreSettings, UserRole
from rekruttering.privacy.retention import due_everywhere
from rekruttering.reminders.texts import TemplateBook
from rekruttering.transaction import transaction

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)

GOOD = {
    "public_name": "Borgen frivilligsentral",
    "address": "Borgenveien 1, 1388 Borgen",
    "phone": "67 12 34 56",
    "email": "post@borgen.example.no",
    "wished_volunteer_ratio": "0.5",
    "reminder_days_before": "2",
    "reminder_time": "17:30",
    "sms_signature": "Borgen",
    "reminder_languages": ["nb", "uk"],
    "retention_months": "18",
    "privacy_notice": "Vi sletter opplysningene dine når du ber om det.\nRing oss.",
}


def _admin(make: Any, centre: Any) -> Any:
    return make.user(centre, role=UserRole.ADMIN, locale="en")


def _row(centre_id: int) -> CentreSettings | None:
    return db.session.scalar(sa.select(CentreSettings).where(CentreSettings.centre_id == centre_id))


@pytest.mark.settings(
    **{
        "retention.months": 12,
        "centre_defaults.reminder_time": "17:00",
        "centre_defaults.reminder_languages": ["nb", "ar"],
    }
)
def test_a_new_centre_starts_with_the_config_values(app: Flask) -> None:
    with transaction():
        centre = create_centre("Nytt senter", "nytt")
    row = _row(centre.id)
    assert row is not None
    assert (row.retention_months, row.reminder_time, row.languages) == (
        12,
        time(17, 0),
        ("nb", "ar"),
    )


def test_a_centre_without_a_row_reads_the_defaults(app: Flask, make: Any) -> None:
    """A centre made before the settings existed: the installation's values, nothing stored."""
    centre = make.centre()
    settings = service.settings_of(centre.id)
    assert settings.retention_months == 24 and settings.languages == ("nb", "en", "uk", "pl")
    assert _row(centre.id) is None


def test_admin_saves_the_settings_and_the_audit_log_says_so(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    admin = _admin(make, centre)
    login(admin)
    page = client.get("/centre-settings").get_data(as_text=True)
    assert "Set for the whole installation" in page and "the SMS gateway" in page
    response = client.post("/centre-settings", data=GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = _row(centre.id)
    assert row.public_name == "Borgen frivilligsentral"
    assert row.phone == "+4767123456"
    assert row.wished_volunteer_ratio == 0.5
    assert (row.reminder_days_before, row.reminder_time) == (2, time(17, 30))
    assert row.languages == ("nb", "uk") and row.retention_months == 18
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "centre_settings_changed")
    )
    assert event.user_id == admin.id and "retention_months=18" in event.detail
    assert "67" not in event.detail  # names of fields, not the phone number
    again = client.post("/centre-settings", data=GOOD, follow_redirects=True)
    assert "Nothing changed." in again.get_data(as_text=True)  # a double submit: no change
    shown = client.get("/centre-settings").get_data(as_text=True)
    assert 'value="67 12 34 56"' in shown
    assert re.search(r'<input checked[^>]*value="uk"', shown)
    assert not re.search(r'<input checked[^>]*value="en"', shown)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wished_volunteer_ratio", "0", "more than 0 and at most 10"),
        ("wished_volunteer_ratio", "11", "more than 0 and at most 10"),
        ("wished_volunteer_ratio", "mange", "Not a valid decimal value"),
        ("reminder_days_before", "15", "0 to 14 days before"),
        ("reminder_days_before", "-1", "0 to 14 days before"),
        ("reminder_time", "25:00", "Write the time as 11:00."),
        ("retention_months", "0", "1 to 240 months"),
        ("retention_months", "241", "1 to 240 months"),
        ("phone", "12", "not a phone number we can use"),
        ("email", "post-at-borgen", "Write an e-mail address"),
        ("reminder_languages", [], "Choose at least one language."),
        ("reminder_languages", ["nb", "klingon"], "Choose languages from the list."),
        ("sms_signature", "x" * 41, "at most 40 characters"),
        ("public_name", "x" * 121, "at most 120 characters"),
        ("privacy_notice", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message_and_nothing_saved(
    client: Any, make: Any, login: Any, field: str, value: Any, message: str
) -> None:
    centre = make.centre()
    login(_admin(make, centre))
    response = client.post("/centre-settings", data={**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _row(centre.id) is None
    changed = sa.select(sa.func.count()).where(AuditEvent.action == "centre_settings_changed")
    assert db.session.scalar(changed) == 0


def test_only_the_admin_of_the_centre_reaches_the_page(app: Flask, make: Any) -> None:
    centre = make.centre()
    for role in (UserRole.STAFF, UserRole.MUNICIPALITY):
        client = app.test_client()
        user = make.user(centre, role=role)
        client.post("/login", data={"email": user.email, "password": make.PASSWORD})
        assert client.get("/centre-settings").status_code == 403
        assert client.post("/centre-settings", data=GOOD).status_code == 403
    assert _row(centre.id) is None
    # Another centre's admin changes its own centre's settings, never this one's.
    other = make.centre()
    client = app.test_client()
    user = make.user(other, role=UserRole.ADMIN)
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert client.post("/centre-settings", data=GOOD).status_code == 302
    assert _row(centre.id) is None and _row(other.id) is not None


# --- the readers ----------------------------------------------------------------------


def _save(centre_id: int, **changes: Any) -> None:
    values = {
        "reminder_languages": ("nb", "en", "uk", "pl"),
        "retention_months": 24,
        **changes,
    }
    with transaction():
        service.update_settings(centre_id, service.SettingsInput(**values))


def test_public_pages_show_the_centres_details_and_notice(client: Any, make: Any) -> None:
    centre = make.centre("Senter A")
    source = make.source(centre)
    before = client.get(f"/s/{source.code}").get_data(as_text=True)
    assert "Senter A" in before and "You can ask us to delete" not in before  # nb page
    _save(
        centre.id,
        public_name="Borgen frivilligsentral",
        address="Borgenveien 1",
        phone="67 12 34 56",
        email="post@borgen.example.no",
        privacy_notice="Vi sletter alt etter to år.",
    )
    page = client.get(f"/s/{source.code}?lang=nb").get_data(as_text=True)
    assert "Borgen frivilligsentral" in page and "Borgenveien 1" in page
    assert "67 12 34 56" in page and "post@borgen.example.no" in page
    assert "Vi sletter alt etter to år." in page


def test_poster_page_shows_the_public_details(client: Any, make: Any, login: Any) -> None:
    centre = make.centre()
    source = make.source(centre)
    _save(centre.id, public_name="Borgen frivilligsentral", address="Borgenveien 1")
    login(make.user(centre))
    page = client.get(f"/sources/{source.id}").get_data(as_text=True)
    assert "Borgen frivilligsentral" in page and "Borgenveien 1" in page


def test_check_in_uses_the_centres_ratio_when_the_activity_has_none(app: Flask, make: Any) -> None:
    centre = make.centre()
    own = make.activity(centre, wished_volunteer_ratio=0.25)
    plain = make.activity(centre)
    at = datetime(2026, 1, 8, 10, tzinfo=UTC)
    plain_session, own_session = make.session(plain, at), make.session(own, at)
    assert session_overview(centre.id, plain_session.id).ratio.wished_ratio is None
    _save(centre.id, wished_volunteer_ratio=0.5)
    assert session_overview(centre.id, plain_session.id).ratio.wished_ratio == 0.5
    assert session_overview(centre.id, own_session.id).ratio.wished_ratio == 0.25
    assert Role.VOLUNTEER  # volunteers are counted against it (tests/test_checkin.py)


def test_reminders_use_the_signature_and_the_centres_languages(app: Flask, make: Any) -> None:
    centre = make.centre()
    session = make.session(make.activity(centre), datetime(2026, 1, 8, 10, tzinfo=UTC))
    ukrainian = make.person(centre, language="uk")
    _save(centre.id, sms_signature="Borgen", reminder_languages=("nb", "en"))
    book = TemplateBook(centre.id)
    text, language = book.text_for(ukrainian, session, "Kari")
    assert language == "nb"  # the centre does not write Ukrainian: its first language
    assert "Hilsen Kari, Borgen." in text
    _save(centre.id, sms_signature="", reminder_languages=("en", "uk"))
    text, language = TemplateBook(centre.id).text_for(
        make.person(centre, language="so"), session, "Kari"
    )
    assert language == "en" and "Kari." in text


def test_a_template_in_a_new_language_adds_it_to_the_centres_languages(
    app: Flask, make: Any
) -> None:
    from rekruttering.reminders.service import save_template

    centre = make.centre()
    with transaction():
        save_template(centre.id, "so", "Salaan {first_name}! {activity} {day} {time}.")
    assert "so" in service.settings_of(centre.id).languages


def test_retention_uses_each_centres_own_period(app: Flask, make: Any) -> None:
    short, long = make.centre(), make.centre()
    idle = datetime(2025, 1, 5, 12, tzinfo=UTC)  # 14 months before NOW
    a = make.person(short, last_activity_at=idle, created_at=idle)
    b = make.person(long, last_activity_at=idle, created_at=idle)
    _save(short.id, retention_months=12)
    due = {d.person_id for d in due_everywhere(NOW)}
    assert a.id in due and b.id not in due  # the other centre keeps the default 24


def test_new_activity_form_starts_from_the_centres_reminder_default(
    client: Any, make: Any, login: Any
) -> None:
    centre = make.centre()
    _save(centre.id, reminder_days_before=3, reminder_time=time(16, 45))
    login(make.user(centre))
    page = client.get("/activities/new").get_data(as_text=True)
    assert 'value="3"' in page and 'value="16:45"' in page


def test_service_refusals_are_translated(app: Flask, make: Any) -> None:
    centre = make.centre()
    with force_locale("nb"), pytest.raises(ServiceError) as refused, transaction():
        service.update_settings(
            centre.id, service.SettingsInput(retention_months=0, reminder_languages=("nb",))
        )
    assert refused.value.message == "Lagringstiden må være 1 til 240 måneder."
    assert _row(centre.id) is None
