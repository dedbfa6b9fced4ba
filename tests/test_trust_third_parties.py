"""Issue 12, hole 2: third parties never change what is known about an existing person.

A partner referral or a public sign-up with a phone the centre knows is held as a new,
unmatched record for staff to confirm; consent is recorded only on that record; the
partner and the public get the same answer whether or not the number is known; a
partner sees the status only of people it referred itself.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import (
    Consent,
    ConsentPurpose,
    Person,
    Referral,
    UserRole,
)
from rekruttering.privacy.consent import has_active_consent, withdraw_consent
from rekruttering.signup.spam import SpamGuard
from rekruttering.transaction import transaction
from tests.factories import PASSWORD

PHONE = "+4791234567"


class FreshClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _client(app: Flask, user: Any = None) -> FlaskClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return client


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    borgen = make.centre("Borgen nærmiljøsentral")
    nav = make.partner(name="NAV Asker", centres=[borgen])
    activity = make.activity(borgen, name="Språkkafe")
    fatima = make.person(borgen, phone=PHONE, first_name="Fatima", last_name="Aasen")
    make.sms_consent(fatima)
    with transaction():
        withdraw_consent(fatima.id, ConsentPurpose.SMS)
    return {
        "borgen": borgen,
        "nav": nav,
        "activity": activity,
        "fatima": fatima,
        "nav_user": make.user(borgen, role=UserRole.PARTNER, partner=nav),
        "staff": make.user(borgen, role=UserRole.STAFF),
        "source": make.source(borgen, name="Plakat på biblioteket"),
    }


def _refer(client: FlaskClient, world: dict[str, Any], phone: str, token: str) -> Any:
    return client.post(
        "/partner/refer",
        data={
            "centre_id": world["borgen"].id,
            "first_name": "Navn Fra",
            "last_name": "Partner",
            "phone": phone,
            "language": "nb",
            "activity_id": world["activity"].id,
            "note": "",
            "consent": "y",
            "form_token": token,
        },
        follow_redirects=True,
    )


def _sign_up(client: FlaskClient, app: Flask, world: dict[str, Any], phone: str) -> Any:
    source = world["source"]
    guard = SpamGuard(app.secret_key, min_fill_seconds=3, max_age_seconds=24 * 3600)
    return client.post(
        f"/s/{source.code}",
        data={
            "name": "Navn Fra Skjema",
            "phone": phone,
            "consent": "yes",
            "stamp": guard.issue(source.code, now=utcnow().timestamp() - 30),
            "website": "",
        },
        follow_redirects=True,
    )


def _shape(html: str) -> str:
    """A page with its per-request secrets taken out, to compare two answers."""
    html = re.sub(r'name="(csrf_token|stamp|form_token)"[^>]*value="[^"]*"', "", html)
    return re.sub(r'value="[^"]*" name="(csrf_token|stamp|form_token)"', "", html)


def _assert_fatima_untouched(world: dict[str, Any]) -> None:
    db.session.expire_all()
    fatima = world["fatima"]
    assert not has_active_consent(fatima.id, ConsentPurpose.SMS)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Consent).where(Consent.person_id == fatima.id)
        )
        == 1
    )  # only the withdrawn one she gave in person
    assert db.session.scalar(sa.select(Referral.id).where(Referral.person_id == fatima.id)) is None


def test_partner_referral_with_a_known_phone_is_held_and_grants_no_consent(
    app: Flask, world: dict[str, Any]
) -> None:
    """After staff withdraw Fatima's SMS consent, NAV refers her phone: Fatima keeps
    no SMS consent and gets no referral; a held record waits for staff; when Fatima
    comes to the centre NAV does not see 'came' for its referral."""
    partner = _client(app, world["nav_user"])
    assert _refer(partner, world, "912 34 567", "t1").status_code == 200
    _assert_fatima_untouched(world)
    referral = db.session.scalar(sa.select(Referral))
    held = db.session.get(Person, referral.person_id)
    assert held.id != world["fatima"].id
    assert held.held_match_id == world["fatima"].id
    assert has_active_consent(held.id, ConsentPurpose.SMS)
    # Fatima comes; NAV's referral is not of her (until staff confirm the match).
    with transaction():
        from rekruttering.models import Contact

        db.session.add(
            Contact(
                centre_id=world["borgen"].id,
                person_id=world["fatima"].id,
                outcome="showed_up",
                occurred_at=utcnow() + timedelta(minutes=1),
            )
        )
    from rekruttering.partners.referrals import with_status

    db.session.expire_all()
    status = db.session.scalar(
        with_status(sa.select(Referral)).where(Referral.id == referral.id)
    ).effective_status
    assert status == "received"


def test_public_sign_up_with_a_known_phone_is_held_and_grants_no_consent(
    app: Flask, world: dict[str, Any]
) -> None:
    """An anonymous sign-up with Fatima's phone does not re-grant her SMS consent."""
    visitor = _client(app)
    assert _sign_up(visitor, app, world, "912 34 567").status_code == 200
    _assert_fatima_untouched(world)
    held = db.session.scalar(sa.select(Person).where(Person.held_match_id == world["fatima"].id))
    assert held is not None and held.first_name == "Navn Fra"


def test_partner_and_public_get_the_same_answer_for_known_and_unknown_numbers(
    app: Flask, world: dict[str, Any]
) -> None:
    """The forms are no phone-number lookup: same status and same page either way."""
    partner = _client(app, world["nav_user"])
    known = _refer(partner, world, "912 34 567", "t1")
    unknown = _refer(partner, world, "912 34 568", "t2")
    assert known.status_code == unknown.status_code
    assert _shape(known.get_data(as_text=True)) == _shape(unknown.get_data(as_text=True))
    visitor = _client(app)
    known = _sign_up(visitor, app, world, "912 34 567")
    unknown = _sign_up(visitor, app, world, "912 34 569")
    assert known.status_code == unknown.status_code
    assert _shape(known.get_data(as_text=True)) == _shape(unknown.get_data(as_text=True))


def test_staff_see_the_match_and_merge_with_the_people_merge(
    app: Flask, world: dict[str, Any]
) -> None:
    """The held record says 'this looks like Fatima A., same phone'; merging it moves
    the referral to Fatima through the people merge; keeping apart leaves both."""
    partner = _client(app, world["nav_user"])
    _refer(partner, world, "912 34 567", "t1")
    held = db.session.scalar(sa.select(Person).where(Person.held_match_id.is_not(None)))
    staff = _client(app, world["staff"])
    page = staff.get(f"/people/{held.id}").get_data(as_text=True)
    assert "Fatima A." in page
    response = staff.post(
        f"/people/{world['fatima'].id}/merge", data={"other_id": held.id, "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Referral.person_id)) == world["fatima"].id


def test_staff_keep_a_held_record_apart(app: Flask, world: dict[str, Any]) -> None:
    """'Not the same person': the held record stays, without the other person's phone."""
    visitor = _client(app)
    _sign_up(visitor, app, world, "912 34 567")
    held = db.session.scalar(sa.select(Person).where(Person.held_match_id.is_not(None)))
    staff = _client(app, world["staff"])
    assert staff.post(f"/people/{held.id}/keep-apart").status_code == 302
    db.session.expire_all()
    held = db.session.get(Person, held.id)
    assert held.held_match_id is None and held.phone is None
    assert db.session.get(Person, world["fatima"].id).phone == PHONE
