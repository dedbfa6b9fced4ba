"""Log a contact through the phone-sized page: pick or add the person, bad input, double submit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.domain.clock import oslo_today, utcnow
from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Contact,
    Enrolment,
    Notification,
    Person,
    Referral,
    ReferralStatus,
)
from rekruttering.outreach.forms import parse_date
from rekruttering.outreach.service import (
    ContactInput,
    NewPerson,
    log_contact,
    log_contact_for_new_person,
    mark_follow_up_done,
)
from rekruttering.people.service import DuplicatePhone
from rekruttering.transaction import transaction

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def setup(client: Any, make: Any, login: Any) -> dict[str, Any]:
    centre = make.centre()
    staff = make.user(centre, name="Ola Hansen")
    login(staff)
    return {
        "centre": centre,
        "staff": staff,
        "activity": make.activity(centre, "Mat og prat"),
        "channel": make.channel(centre, "Besøk i barnehagen"),
    }


def form(s: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        "activity_id": s["activity"].id,
        "channel_id": s["channel"].id,
        "outcome": "asked",
        "role": "participant",
        "by_user_id": s["staff"].id,
        "form_token": "tok-" + str(id(changes)),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- the service --------------------------------------------------------------------


def test_new_person_and_contact_in_one_go(make: Any) -> None:
    """A new person is added and their first contact logged in one transaction."""
    centre = make.centre()
    activity = make.activity(centre)
    with transaction():
        contact = log_contact_for_new_person(
            centre.id,
            NewPerson("Olena", "412 34 567", "uk"),
            ContactInput(0, Outcome.HEARD, activity.id, form_token="t1"),
        )
    assert contact.person.phone == "+4741234567"
    assert db.session.scalar(select(Enrolment.stage)) == Stage.HEARD


def test_new_person_with_a_known_phone_writes_nothing(make: Any) -> None:
    """A known phone raises DuplicatePhone; neither a person nor a contact is written."""
    centre = make.centre()
    existing = make.person(centre, phone="+4741234567")
    with pytest.raises(DuplicatePhone) as caught, transaction():
        log_contact_for_new_person(
            centre.id, NewPerson("Olena", "41234567"), ContactInput(0, Outcome.HEARD)
        )
    assert caught.value.existing.id == existing.id
    assert (count(Person), count(Contact)) == (1, 0)


def test_double_submitted_new_person_form_adds_one_person(make: Any) -> None:
    """The same form token twice adds one person and one contact."""
    centre = make.centre()
    for _ in range(2):
        with transaction():
            log_contact_for_new_person(
                centre.id, NewPerson("Olena"), ContactInput(0, Outcome.HEARD, form_token="same")
            )
    assert (count(Person), count(Contact)) == (1, 1)


def test_contact_in_the_future_is_refused(make: Any) -> None:
    """A contact dated tomorrow is refused."""
    centre = make.centre()
    person = make.person(centre)
    with pytest.raises(ServiceError), transaction():
        log_contact(
            centre.id,
            ContactInput(person.id, Outcome.HEARD, occurred_at=utcnow() + timedelta(days=1)),
        )
    assert count(Contact) == 0


def test_who_did_it_must_work_at_the_centre(make: Any) -> None:
    """A user of another centre cannot be named as the one who made the contact."""
    mine, other = make.centre(), make.centre()
    person, outsider = make.person(mine), make.user(other)
    with pytest.raises(ServiceError) as caught, transaction():
        log_contact(mine.id, ContactInput(person.id, Outcome.HEARD, by_user_id=outsider.id))
    assert caught.value.field == "by_user_id"


def test_word_of_mouth_records_who_brought_them(make: Any) -> None:
    """Naming who brought them sets 'recruited by' on the person (once)."""
    centre = make.centre()
    person, neighbour, later = make.person(centre), make.person(centre), make.person(centre)
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, recruited_by_id=neighbour.id))
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, recruited_by_id=later.id))
    db.session.refresh(person)
    assert person.recruited_by_id == neighbour.id


def test_contact_about_a_referral_moves_its_status_forward(make: Any) -> None:
    """Asking a referred person marks the referral contacted; 'showed up' marks it came."""
    centre = make.centre()
    partner = make.partner(centres=[centre])
    person = make.person(centre)
    referral = Referral(centre_id=centre.id, partner_id=partner.id, person_id=person.id)
    db.session.add(referral)
    db.session.commit()
    make.notification(person, kind="referral")
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, referral_id=referral.id))
    assert referral.status == ReferralStatus.RECEIVED  # the partner's telling is the "heard"
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.ASKED, referral_id=referral.id))
    assert referral.status == ReferralStatus.CONTACTED
    assert db.session.scalar(select(Notification.read_at)) is not None
    with transaction():
        log_contact(centre.id, ContactInput(person.id, Outcome.SHOWED_UP, referral_id=referral.id))
        log_contact(centre.id, ContactInput(person.id, Outcome.NOT_NOW, referral_id=referral.id))
    assert referral.status == ReferralStatus.CAME


def test_mark_follow_up_done_is_idempotent(make: Any) -> None:
    """Marking a follow-up done twice keeps the first time; no date means nothing to do."""
    centre = make.centre()
    person = make.person(centre)
    due = make.contact(person, follow_up_on=date(2026, 1, 5))
    plain = make.contact(person)
    with transaction():
        first = mark_follow_up_done(centre.id, due.id).follow_up_done_at
    with transaction():
        assert mark_follow_up_done(centre.id, due.id).follow_up_done_at == first
    with pytest.raises(ServiceError), transaction():
        mark_follow_up_done(centre.id, plain.id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-24", date(2026, 3, 24)),
        ("24.03.2026", date(2026, 3, 24)),
        ("4.3.2026", date(2026, 3, 4)),
        ("24.3.26", date(2026, 3, 24)),
    ],
)
def test_dates_as_people_write_them(text: str, expected: date) -> None:
    """ISO dates (date pickers) and Norwegian day.month.year are understood."""
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2026", "24/03/2026", "next tuesday", "2026-13-01"])
def test_impossible_or_unknown_dates_are_refused(text: str) -> None:
    """Impossible dates and unknown formats raise ValueError."""
    with pytest.raises(ValueError):
        parse_date(text)


# --- the page -----------------------------------------------------------------------


def test_page_offers_recent_people_and_a_form_token(client: Any, make: Any, setup: Any) -> None:
    """A fresh page lists recent people, activities and the staff, with a form token."""
    person = make.person(setup["centre"], first_name="Amina")
    html = client.get("/contacts/new").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert f'value="{person.id}"' in html and "Amina" in html
    assert 'name="form_token"' in html and 'name="form_token" type="hidden" value=""' not in html
    assert "Mat og prat" in html and "Ola Hansen" in html
    assert "helse" in html or "health" in html  # the hint about sensitive data


def test_page_search_narrows_the_people(client: Any, make: Any, setup: Any) -> None:
    """Searching (a GET form, no JavaScript) lists only the people who match."""
    make.person(setup["centre"], first_name="Amina", phone="+4791234567")
    make.person(setup["centre"], first_name="Olena", phone="+4741234567")
    html = client.get("/contacts/new?q=912+34+567").get_data(as_text=True)
    assert "Amina" in html and "Olena" not in html


def test_prefilled_from_the_query_string(client: Any, make: Any, setup: Any) -> None:
    """?person_id=&activity_id= fixes the person and preselects the activity."""
    person = make.person(setup["centre"], first_name="Amina")
    activity = setup["activity"]
    html = client.get(
        f"/contacts/new?person_id={person.id}&activity_id={activity.id}&outcome=asked"
    ).get_data(as_text=True)
    assert f'<input type="hidden" name="person_id" value="{person.id}">' in html
    assert f'<option selected value="{activity.id}">' in html
    assert '<input checked class="btn-check" id="outcome-1" name="outcome"' in html


def test_prefill_with_another_centres_person_is_not_found(
    client: Any, make: Any, setup: Any
) -> None:
    """Another centre's person id in the query string gives 404."""
    stranger = make.person(make.centre())
    assert client.get(f"/contacts/new?person_id={stranger.id}").status_code == 404
    assert client.get("/contacts/new?person_id=abc").status_code == 404


def test_log_contact_for_an_existing_person(client: Any, make: Any, setup: Any) -> None:
    """Posting moves the enrolment to 'asked' and shows the person's page."""
    person = make.person(setup["centre"])
    response = client.post(
        "/contacts/new", data=form(setup, person_id=person.id, note="Ringte henne")
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    contact = db.session.scalar(select(Contact))
    assert (contact.outcome, contact.by_user_id, contact.note) == (
        Outcome.ASKED,
        setup["staff"].id,
        "Ringte henne",
    )
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.stage, enrolment.ask_channel_id) == (Stage.ASKED, setup["channel"].id)


def test_log_contact_for_a_new_person_as_volunteer(client: Any, make: Any, setup: Any) -> None:
    """A new person (first name, phone, language) is added with the contact, as volunteer."""
    response = client.post(
        "/contacts/new",
        data=form(
            setup,
            new_first_name="Olena",
            new_last_name="Kovalenko",
            new_phone="+47 412 34 567",
            new_language="uk",
            role="volunteer",
            outcome="heard",
        ),
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person))
    assert (person.first_name, person.phone, person.language) == ("Olena", "+4741234567", "uk")
    assert person.last_name == "Kovalenko"  # first and last, as on every person form
    assert db.session.scalar(select(Enrolment.role)) == Role.VOLUNTEER


def test_new_person_with_a_known_phone_is_offered_instead(
    client: Any, make: Any, setup: Any
) -> None:
    """A known phone picks the existing person for a second tap; nothing is written yet."""
    existing = make.person(setup["centre"], first_name="Fatima", phone="+4741234567")
    data = form(setup, new_first_name="F", new_phone="41234567")
    response = client.post("/contacts/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<input type="hidden" name="person_id" value="{existing.id}">' in html
    assert (count(Person), count(Contact)) == (1, 0)
    data["person_id"] = existing.id
    assert client.post("/contacts/new", data=data).status_code == 302
    assert db.session.scalar(select(Contact.person_id)) == existing.id


def test_impossible_phone_gets_a_clear_message(client: Any, make: Any, setup: Any) -> None:
    """An impossible phone number is named in the message; nothing is written."""
    response = client.post("/contacts/new", data=form(setup, new_first_name="X", new_phone="999"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "999" in html and "912 34 567" in html
    assert (count(Person), count(Contact)) == (0, 0)


def test_wrong_date_format_gets_a_clear_message(client: Any, make: Any, setup: Any) -> None:
    """A follow-up date like 31/12 is refused with the format to use; nothing is written."""
    person = make.person(setup["centre"])
    response = client.post(
        "/contacts/new", data=form(setup, person_id=person.id, follow_up_on="31/12")
    )
    assert response.status_code == 400
    assert "24.03.2026" in response.get_data(as_text=True)
    assert count(Contact) == 0


def test_dates_in_norwegian_format_are_accepted(client: Any, make: Any, setup: Any) -> None:
    """A follow-up date typed as day.month.year and a past contact day are stored."""
    person = make.person(setup["centre"])
    follow = oslo_today() + timedelta(days=7)
    yesterday = oslo_today() - timedelta(days=1)
    response = client.post(
        "/contacts/new",
        data=form(
            setup,
            person_id=person.id,
            follow_up_on=follow.strftime("%d.%m.%Y"),
            occurred_on=yesterday.isoformat(),
        ),
    )
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.follow_up_on == follow
    assert contact.occurred_at.astimezone(UTC).date() == yesterday


def test_past_follow_up_and_future_contact_dates_are_refused(
    client: Any, make: Any, setup: Any
) -> None:
    """A follow-up date that has passed, or a contact dated tomorrow, is refused."""
    person = make.person(setup["centre"])
    response = client.post(
        "/contacts/new",
        data=form(
            setup,
            person_id=person.id,
            follow_up_on=(oslo_today() - timedelta(days=1)).isoformat(),
            occurred_on=(oslo_today() + timedelta(days=1)).isoformat(),
        ),
    )
    assert response.status_code == 400
    assert count(Contact) == 0


def test_missing_person_activity_and_outcome_are_named(client: Any, make: Any, setup: Any) -> None:
    """An empty form says what is missing, all at once."""
    response = client.post(
        "/contacts/new", data={"form_token": "t", "role": "participant", "activity_id": ""}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback") >= 3
    assert count(Contact) == 0


def test_double_submitted_form_logs_one_contact(client: Any, make: Any, setup: Any) -> None:
    """Posting the same form twice (same token) logs one contact, for a new person too."""
    data = form(setup, new_first_name="Olena", form_token="fixed-token")
    assert client.post("/contacts/new", data=data).status_code == 302
    assert client.post("/contacts/new", data=data).status_code == 302
    assert (count(Person), count(Contact)) == (1, 1)


def test_other_centres_ids_in_the_form_are_not_found(client: Any, make: Any, setup: Any) -> None:
    """A person, activity or recruiter of another centre in the posted form gives 404."""
    other = make.centre()
    person = make.person(setup["centre"])
    for changes in (
        {"person_id": make.person(other).id},
        {"person_id": person.id, "activity_id": make.activity(other).id},
        {"person_id": person.id, "channel_id": make.channel(other).id},
        {"person_id": person.id, "recruited_by_id": make.person(other).id},
        {"person_id": person.id, "follow_up_id": make.contact(make.person(other)).id},
    ):
        assert client.post("/contacts/new", data=form(setup, **changes)).status_code == 404
    mine = select(func.count(Contact.id)).where(Contact.centre_id == setup["centre"].id)
    assert db.session.scalar(mine) == 0


def test_a_simultaneous_double_submit_shows_the_saved_contact(
    client: Any, make: Any, setup: Any, monkeypatch: Any
) -> None:
    """If the other post wins the race for the form token, the page shows that contact."""
    person = make.person(setup["centre"])
    make.contact(person, form_token="race-token")
    # The service's own check misses the other post (it has not committed yet) ...
    monkeypatch.setattr(
        "rekruttering.outreach.service.contact_for_token", lambda centre_id, token: None
    )
    response = client.post(
        "/contacts/new", data=form(setup, person_id=person.id, form_token="race-token")
    )
    # ... the unique token refuses the second row, and the page shows the first.
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    assert db.session.scalar(select(func.count(Contact.id))) == 1
