"""Retention: who is due, the nightly job, the dry-run list and CLI; reports unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from rekruttering.config import ConfigError, parse_settings
from rekruttering.domain.clock import OSLO, utcnow
from rekruttering.domain.retention import add_months
from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Person
from rekruttering.privacy.retention import due_people
from rekruttering_jobs.retention import run_retention
from rekruttering_jobs.scheduler import build_scheduler
from tests.privacy_fixtures import full_person, report_counts, text_of_person_rows

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def test_due_counts_contacts_attendance_and_messages(app: Any, make: Any) -> None:
    """A recent contact, check-in or message keeps a person, even if last_activity_at is old."""
    centre = make.centre()
    old = datetime(2023, 1, 1, tzinfo=UTC)
    idle = make.person(centre, last_activity_at=old)
    contacted = make.person(centre, last_activity_at=old)
    make.contact(contacted, occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    came = make.person(centre, last_activity_at=old)
    activity = make.activity(centre)
    make.attendance(make.session(activity, datetime(2025, 9, 1, 10, tzinfo=UTC)), came)
    texted = make.person(centre, last_activity_at=old)
    make.message(texted, created_at=datetime(2025, 12, 24, tzinfo=UTC))
    make.person(centre, last_activity_at=datetime(2025, 1, 1, tzinfo=UTC))  # 17 months: not yet
    gone = make.person(centre, last_activity_at=old, anonymised_at=old)
    due = due_people(centre.id, NOW, 24)
    assert [d.person_id for d in due] == [idle.id]
    assert gone.id not in [d.person_id for d in due_people(None, NOW, 24)]
    assert due_people(make.centre().id, NOW, 24) == []


def test_nightly_job_anonymises_and_reports_do_not_change(app: Any, make: Any) -> None:
    """The job anonymises the idle; enrolments by stage and attendance counts are unchanged."""
    centre = make.centre()
    holder = full_person(make, centre, at=_ago(800))
    active = make.person(centre, first_name="Aktiv")
    make.enrolment(active, make.activity(centre), heard_at=_ago(3))
    before = report_counts()
    assert run_retention(app) == 2  # the person and the neighbour they brought, both idle
    db.session.expire_all()
    assert report_counts() == before
    left = text_of_person_rows(holder.person.id)
    assert all(secret not in left for secret in holder.secrets)
    assert db.session.get(Person, active.id).first_name == "Aktiv"
    assert db.session.get(Person, holder.recruit.id).recruited_by_id == holder.person.id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention_anonymised")
    ).all()
    assert {e.person_id for e in events} == {holder.person.id, holder.recruit.id}
    assert all(e.user_id is None and e.centre_id == centre.id for e in events)
    assert run_retention(app) == 0  # nothing left to do: running twice is harmless


@pytest.mark.settings(**{"retention.months": 12})
def test_retention_months_is_configurable(app: Any, make: Any) -> None:
    """With retention.months = 12, a person idle for 13 months is due."""
    centre = make.centre()
    person = make.person(centre, last_activity_at=_ago(400))
    assert run_retention(app) == 1
    db.session.expire_all()
    assert db.session.get(Person, person.id).anonymised_at is not None


def test_dry_run_page_shows_who_is_due_and_when(client: Any, make: Any, login: Any) -> None:
    """Staff see who goes tonight and who within 30 days, with dates; others are not listed."""
    centre = make.centre()
    make.person(centre, first_name="Gammel", last_activity_at=_ago(800))
    make.person(
        centre, first_name="Snart", last_activity_at=add_months(utcnow(), -24) + timedelta(days=10)
    )
    make.person(
        centre, first_name="Senere", last_activity_at=add_months(utcnow(), -24) + timedelta(days=40)
    )
    make.person(centre, first_name="Fersk", last_activity_at=_ago(10))
    login(make.user(centre))
    response = client.get("/privacy/retention")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<h1") == 1
    assert "Gammel" in html and "I natt" in html
    assert "Snart" in html and html.count("I natt") == 1
    assert "Fersk" not in html and "Senere" not in html
    assert (
        db.session.scalar(select(Person.anonymised_at).where(Person.first_name == "Gammel")) is None
    )


@pytest.mark.settings(**{"app.page_size": 5})
def test_dry_run_page_paginates(client: Any, make: Any, login: Any) -> None:
    """A long list is split in pages of app.page_size, with the oldest activity first."""
    centre = make.centre()
    for n in range(7):
        make.person(centre, first_name=f"Gammel{n}", last_activity_at=_ago(800 + n))
    login(make.user(centre))
    first = client.get("/privacy/retention").get_data(as_text=True)
    second = client.get("/privacy/retention?page=2").get_data(as_text=True)
    assert first.count(">Gammel") == 5 and second.count(">Gammel") == 2
    assert first.index("Gammel6") < first.index("Gammel5") and "pagination" in first


def test_cli_dry_run_changes_nothing_and_apply_anonymises(app: Any, make: Any) -> None:
    """`rekruttering retention` lists ids (no names); --apply anonymises them."""
    centre = make.centre(slug="borgen")
    person = make.person(centre, first_name="Navnløs", last_activity_at=_ago(800))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert f"person {person.id}" in result.output and "Navnløs" not in result.output
    assert "1 people due" in result.output
    db.session.expire_all()
    assert db.session.get(Person, person.id).anonymised_at is None
    assert runner.invoke(args=["retention", "--centre", "nope"]).exit_code != 0
    result = runner.invoke(args=["retention", "--apply", "--centre", "borgen"])
    assert result.exit_code == 0 and "Anonymised 1 people" in result.output
    db.session.expire_all()
    assert db.session.get(Person, person.id).first_name == "Anonymisert"


def test_job_runs_at_01_30_oslo_also_on_summer_time_days(app: Any) -> None:
    """The job fires once a night at 01:30 Oslo, on both summer-time change days too."""
    scheduler = build_scheduler(app)
    trigger = scheduler.get_job("retention").trigger
    for day in (date(2026, 3, 28), date(2026, 10, 24), date(2026, 6, 1)):
        start = datetime(day.year, day.month, day.day, 12, tzinfo=OSLO)
        first = trigger.get_next_fire_time(None, start)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        assert (first.hour, first.minute) == (1, 30) and first.date() == day + timedelta(days=1)
        assert second.date() == day + timedelta(days=2)


def test_run_at_in_the_summer_time_hour_is_refused() -> None:
    """retention.run_at between 02:00 and 03:00 stops start-up with a clear message."""
    with pytest.raises(
        ConfigError, match=r"retention\.run_at: expected a time outside 02:00-03:00"
    ):
        parse_settings({"retention": {"run_at": "02:30"}}, environ={})
    assert parse_settings({"retention": {"run_at": "03:00"}}, environ={}).retention.run_at.hour == 3
