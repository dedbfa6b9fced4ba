"""Names need a visible letter and keep no invisible characters; landlines get no SMS."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from rekruttering.domain.import_rows import Field, Lookups, ProblemCode, parse_row
from rekruttering.domain.person_name import clean_name, has_visible_letter
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.models import Person, UserRole
from rekruttering.people.service import create_person
from rekruttering.reminders.eligibility import why_not_textable
from rekruttering.sms.provider_errors import NOT_MOBILE_REASON

INVISIBLE_ONLY = ["\u200b", "\u00ad\u00ad", "\u202e", "\u200b\u200d\ufeff", "\u2066\u2069"]


def test_clean_name_strips_bidi_and_zero_width() -> None:
    assert clean_name("Ka\u200bri\u202e") == "Kari"
    assert clean_name("\u2067Åse\u2069 ") == "Åse"
    assert has_visible_letter("Åse") and has_visible_letter("مرحبا")
    assert not has_visible_letter(clean_name("\u200b\u00ad"))
    assert not has_visible_letter("123 -")


@pytest.mark.parametrize("name", INVISIBLE_ONLY)
def test_invisible_names_are_refused_by_the_service(app: Any, make: Any, name: str) -> None:
    centre = make.centre()
    with pytest.raises(ServiceError) as refused:
        create_person(centre.id, name)
    assert refused.value.field == "first_name"


@pytest.mark.parametrize("name", INVISIBLE_ONLY)
def test_invisible_names_are_refused_by_import(name: str) -> None:
    parsed = parse_row({Field.FIRST_NAME: name}, Lookups(), date(2026, 3, 5))
    assert isinstance(parsed, list)
    assert parsed[0].code is ProblemCode.MISSING_NAME


def test_import_keeps_the_visible_name() -> None:
    parsed = parse_row({Field.FIRST_NAME: "Ka\u200bri\u202e"}, Lookups(), date(2026, 3, 5))
    assert not isinstance(parsed, list)
    assert parsed.first_name == "Kari"


def test_people_form_refuses_an_invisible_name(client: FlaskClient, make: Any, login: Any) -> None:
    centre = make.centre()
    login(make.user(centre, role=UserRole.STAFF))
    response = client.post("/people/new", data={"first_name": "\u200b\u202e", "language": "nb"})
    assert response.status_code in (200, 400)
    assert db.session.query(Person).count() == 0
    response = client.post("/people/new", data={"first_name": "\u202eKari\u200b", "language": "nb"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Person.first_name)) == "Kari"


@pytest.mark.parametrize("typed", ["02800", "800 12 345", "22 33 44 55"])
def test_landline_toll_free_and_short_numbers_are_kept_but_never_texted(
    app: Any, make: Any, typed: str
) -> None:
    centre = make.centre()
    person = create_person(centre.id, "Kari", phone=typed)
    db.session.commit()
    make.sms_consent(person)
    assert person.phone is not None
    assert person.phone_not_textable_reason == NOT_MOBILE_REASON
    assert why_not_textable(person) == NOT_MOBILE_REASON


def test_a_mobile_number_can_be_texted(app: Any, make: Any) -> None:
    centre = make.centre()
    person = create_person(centre.id, "Kari", phone="912 34 567")
    db.session.commit()
    make.sms_consent(person)
    assert person.phone_not_textable_reason is None
    assert why_not_textable(person) is None


def test_referral_and_sign_up_names_lose_invisible_words() -> None:
    """Partner referrals and the public sign-up split names with ``split_name``."""
    from rekruttering.partners.referrals import split_name

    assert split_name("\u200b Kari \u202e") == ("Kari", "")
    assert split_name("Amina \u00adHassan") == ("Amina", "Hassan")
