"""The reminder form: the person found with the shared search (not one <select> of every
textable person), the activity taken from the enrolment, consent recorded in place."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Consent, ConsentMethod, ConsentPurpose, Reminder
from tests.sms_fakes import textable_person


def _soon() -> datetime:
    return (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)


def _staff(make: Any, login: Any) -> tuple[Any, Any]:
    centre = make.centre()
    user = make.user(centre)
    login(user)
    return centre, user


def test_the_form_lists_only_what_the_search_found(client: Any, make: Any, login: Any) -> None:
    centre, _user = _staff(make, login)
    ase = textable_person(make, centre, first_name="Åse", last_name="Lund")
    ola = textable_person(make, centre, first_name="Ola", last_name="Lund")
    no_phone = make.person(centre, first_name="Åsmund", last_name="Lund")
    no_phone.phone = None
    db.session.commit()
    blank = client.get("/reminders/new").get_data(as_text=True)
    assert "Åse Lund" not in blank and "Ola Lund" not in blank
    found = client.get("/reminders/new?person_q=ÅSE").get_data(as_text=True)
    assert f'value="{ase.id}"' in found and f'value="{ola.id}"' not in found
    everyone_named_lund = client.get("/reminders/new?person_q=lund").get_data(as_text=True)
    assert "Åse Lund" in everyone_named_lund and "Ola Lund" in everyone_named_lund
    assert "Åsmund" not in everyone_named_lund  # nobody without a phone


def test_search_as_you_type_answers_json_a_page_at_a_time(
    client: Any, make: Any, login: Any
) -> None:
    centre, _user = _staff(make, login)
    other = make.centre()
    textable_person(make, other, first_name="Åse", last_name="Annen")
    for i in range(23):
        make.person(centre, first_name="Åse", last_name=f"Berg{i:02d}")
    answer = json.loads(client.get("/reminders/people?q=åse").get_data(as_text=True))
    assert len(answer["people"]) == 20 and answer["more"] is True
    assert all(p["name"].startswith("Åse Berg") for p in answer["people"])
    narrow = json.loads(client.get("/reminders/people?q=ase berg07").get_data(as_text=True))
    assert [p["name"] for p in narrow["people"]] == ["Åse Berg07"] and narrow["more"] is False
    empty = json.loads(client.get("/reminders/people?q=").get_data(as_text=True))
    assert empty == {"people": [], "more": False}


def test_a_link_for_a_person_offers_them_and_their_activity(
    client: Any, make: Any, login: Any
) -> None:
    centre, _user = _staff(make, login)
    language_cafe = make.activity(centre, name="Språkkafe")
    make.activity(centre, name="Aaa først i lista")
    person = textable_person(make, centre, first_name="Øyvind")
    make.enrolment(person, language_cafe, heard_at=utcnow() - timedelta(days=9))
    html = client.get(f"/reminders/new?person_id={person.id}").get_data(as_text=True)
    assert f'<option selected value="{person.id}">Øyvind' in html
    assert f'<option selected value="{language_cafe.id}">Språkkafe</option>' in html
    # A person of another centre is not offered by a link either.
    stranger = textable_person(make, make.centre(), first_name="Fremmed")
    assert "Fremmed" not in client.get(f"/reminders/new?person_id={stranger.id}").get_data(
        as_text=True
    )


def test_consent_recorded_in_place_comes_back_to_the_preview(
    client: Any, make: Any, login: Any
) -> None:
    """ "No consent to SMS" in the preview offers one tap that records it (in person,
    by this user) and comes back to the same preview, now ready to schedule."""
    centre, user = _staff(make, login)
    session = make.session(make.activity(centre, name="Språkkafe"), _soon())
    person = make.person(centre, first_name="Maryam")
    form = {
        "who": "person",
        "person_id": person.id,
        "session_id": session.id,
        "when": "default",
        "preview": "1",
    }
    html = client.post("/reminders/new", data=form).get_data(as_text=True)
    assert f'action="/privacy/people/{person.id}/consents/give"' in html
    start = html.index('name="next" value="') + len('name="next" value="')
    back = html[start : html.index('"', start)].replace("&amp;", "&")
    assert urlsplit(back).path == "/reminders/new" and "preview=1" in back
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        f"/privacy/people/{person.id}/consents/give",
        data={"csrf_token": csrf, "purpose": "sms", "method": "in_person", "next": back},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == back
    consent = db.session.scalar(sa.select(Consent).where(Consent.person_id == person.id))
    assert (consent.purpose, consent.method, consent.recorded_by_id) == (
        ConsentPurpose.SMS,
        ConsentMethod.IN_PERSON,
        user.id,
    )
    again = client.get(back).get_data(as_text=True)
    assert "consents/give" not in again and 'name="confirm"' in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0


def test_consent_in_place_never_goes_to_another_site(client: Any, make: Any, login: Any) -> None:
    centre, _user = _staff(make, login)
    person = make.person(centre)
    client.get(f"/privacy/people/{person.id}/consents")
    page = client.get(f"/privacy/people/{person.id}/consents").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        f"/privacy/people/{person.id}/consents/give",
        data={
            "csrf_token": csrf,
            "purpose": "sms",
            "method": "in_person",
            "next": "//evil.example/",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/privacy/people/{person.id}/consents")


def test_the_picker_offers_the_shared_search_reading_only_ids_and_names(
    client: Any, make: Any, login: Any
) -> None:
    """The picker's people are the shared search's (phone only, exact matches first, by
    name), and it reads the id and the name of each, not whole rows."""
    from rekruttering.models import Person
    from rekruttering.people.search import search_people
    from rekruttering.reminders import picker_walk
    from rekruttering.reminders.picker import textable_people
    from tests.statement_counter import count_statements

    centre, _user = _staff(make, login)
    for first, last in [("Kasem", "Ali"), ("Åse", "Berg"), ("Asel", "Dahl"), ("Base", "Ek")]:
        textable_person(make, centre, first_name=first, last_name=last)
    silent = make.person(centre, first_name="Asen", last_name="Foss")
    silent.phone = None
    db.session.commit()
    # The walk's window (reminders/picker_walk.py) is looked up once a centre, then
    # remembered: a centre this small is not walked.
    picker_walk.forget_windows()
    textable_people(centre.id, "ase", 3)
    for text in ("ase", "åse", "as", "e"):
        shared = db.session.scalars(
            search_people(centre.id, text, limit=3, where=(Person.phone.is_not(None),))
        ).all()
        with count_statements() as counted:
            picked = textable_people(centre.id, text, 3)
        assert [(p.id, p.display_name) for p in picked] == [(p.id, p.display_name) for p in shared]
        assert len(counted.statements) == 1
        columns = " ".join(counted.statements[0].split()).split(" FROM ", 1)[0]
        assert "person.note" not in columns and "person.search_key" not in columns
