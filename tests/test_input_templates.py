"""Reminder templates: only plain documented placeholders are saved; any stored text
renders by plain substitution, never through ``str.format``."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from rekruttering.domain.clock import utcnow
from rekruttering.domain.reminder_text import render, template_problems
from rekruttering.extensions import db
from rekruttering.models import MessageTemplate, UserRole
from rekruttering.reminders import service
from rekruttering.reminders.texts import KIND
from tests.sms_fakes import textable_person
from tests.test_reminders import _english, _settings

BAD = {
    "Hei {first_name:d}": "{first_name:d}",
    "{first_name:>40000000}": "{first_name:>40000000}",
    "{first_name.__class__}": "{first_name.__class__}",
    "{first_name!r}": "{first_name!r}",
    "{x[0]}": "{x[0]}",
    "{first_name[0]}": "{first_name[0]}",
}


@pytest.mark.parametrize("body", list(BAD))
def test_bad_placeholders_are_found_and_named(body: str) -> None:
    problems = template_problems(body)
    assert problems and problems[0].placeholder == BAD[body]


def test_good_templates_have_no_problems() -> None:
    assert template_problems("Hei {first_name}! {{STOPP}} {activity} {day} {time}") == []


def test_render_never_formats() -> None:
    values = {"first_name": "Kari"}
    assert render("Hei {first_name:>40000000}", values) == "Hei {first_name:>40000000}"
    assert render("{first_name.__class__} {x[0]}", values) == "{first_name.__class__} {x[0]}"
    assert render("Hei {first_name}! {{ok}} {", values) == "Hei Kari! {ok} {"


@pytest.mark.parametrize("body", list(BAD))
def test_saving_a_bad_template_names_the_placeholder(
    client: Any, make: Any, login: Any, body: str
) -> None:
    centre = make.centre()
    login(make.user(centre, role=UserRole.ADMIN))
    _english(client)
    response = client.post("/reminders/templates/nb", data={"body": body, "submit": "1"})
    assert response.status_code == 200
    assert html.escape(BAD[body], quote=False) in response.get_data(as_text=True)
    assert db.session.query(MessageTemplate).count() == 0


def test_a_bad_template_already_stored_still_previews(
    client: Any, make: Any, login: Any, app: Flask
) -> None:
    centre = make.centre()
    session = make.session(make.activity(centre), utcnow() + timedelta(days=3))
    person = textable_person(make, centre, first_name="Leila")
    db.session.add(
        MessageTemplate(
            centre_id=centre.id, kind=KIND, language="nb", body="Hei {first_name:>40000000} {x[0]}"
        )
    )
    db.session.commit()
    plan = service.preview(
        centre.id,
        service.ScheduleRequest(person_id=person.id, session_id=session.id),
        "Ola",
        _settings(app),
    )
    assert plan.items[0].body == "Hei {first_name:>40000000} {x[0]}"
    login(make.user(centre, role=UserRole.ADMIN))
    assert client.get("/reminders/templates/nb").status_code == 200
