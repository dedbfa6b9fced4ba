"""Partners refer people and see whether they came; staff manage partners and referrals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Stage
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    AuditEvent,
    Channel,
    ChannelKind,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    Enrolment,
    Invitation,
    Membership,
    Notification,
    Partner,
    PartnerCentre,
    Person,
    Referral,
    ReferralStatus,
    User,
    UserRole,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.partners import invitations, organisations
from rekruttering.partners.referrals import (
    ReferralInput,
    partner_referrals,
    refer_person,
    set_not_reached,
)
from rekruttering.people.service import merge_people
from rekruttering.transaction import transaction


class FreshClient(FlaskClient):
    """A client whose requests do not inherit the logged-in user of another client.

    The tests share one app context, so ``g`` (where Flask-Login keeps the current
    user) outlives a request; with two clients in one test that would mix them up.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _client(app: Flask, user: Any, password: str | None = None) -> FlaskClient:
    from tests.factories import PASSWORD

    client = FreshClient(app, app.response_class, use_cookies=True)
    response = client.post("/login", data={"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Person, Referral, Contact, Consent, Notification, Enrolment)
    }


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    centre = make.centre("Borgen nærmiljøsentral")
    other = make.centre("Heggedal nærmiljøsentral")
    nav = make.partner(name="NAV Asker", centres=[centre, other])
    refugee = make.partner(name="Flyktningetjenesten", centres=[centre])
    return {
        "centre": centre,
        "other": other,
        "nav": nav,
        "refugee": refugee,
        "activity": make.activity(centre, name="Språkkafe"),
        "other_activity": make.activity(other, name="Strikkekafe"),
        "nav_user": make.user(centres=[centre, other], role=UserRole.PARTNER, partner=nav),
        "refugee_user": make.user(centre, role=UserRole.PARTNER, partner=refugee),
        "staff": make.user(centre, role=UserRole.STAFF),
    }


def _refer(world: dict[str, Any], **kw: Any) -> Referral:
    data = {
        "centre_id": world["centre"].id,
        "first_name": "Amina",
        "last_name": "Test",
        "phone": "912 34 567",
        "language": "ar",
        "activity_id": world["activity"].id,
        "note": "Best after 12",
        "consent": True,
    }
    if "name" in kw:  # the whole name in one string, as the demo and older callers give it
        data.pop("first_name")
        data.pop("last_name")
    data.update(kw)
    user = kw.pop("user", None) or world["nav_user"]
    data.pop("user", None)
    with transaction():
        return refer_person(user, ReferralInput(**data))


def _status_of(referral_id: int) -> str:
    from rekruttering.partners.referrals import with_status

    db.session.expire_all()
    return db.session.scalar(
        with_status(sa.select(Referral)).where(Referral.id == referral_id)
    ).effective_status


# --- the use case through the service ------------------------------------------------


def test_referral_enters_the_funnel_with_consent_and_a_notice(world: dict[str, Any]) -> None:
    """A referral makes the person, a 'heard' contact via the partner's channel, consent, a notice."""
    referral = _refer(world)
    person = db.session.get(Person, referral.person_id)
    assert (person.first_name, person.last_name, person.phone, person.language) == (
        "Amina",
        "Test",
        "+4791234567",
        "ar",
    )
    contact = db.session.scalar(sa.select(Contact).where(Contact.referral_id == referral.id))
    channel = db.session.get(Channel, contact.channel_id)
    assert contact.outcome == Outcome.HEARD
    assert channel.partner_id == world["nav"].id and channel.kind == ChannelKind.PARTNER
    assert contact.by_user_id == world["nav_user"].id
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.person_id == person.id))
    assert enrolment.stage == Stage.HEARD
    assert enrolment.activity_id == world["activity"].id
    assert enrolment.partner_id == world["nav"].id
    assert enrolment.first_channel_id == channel.id
    consents = db.session.scalars(sa.select(Consent).where(Consent.person_id == person.id)).all()
    assert {c.purpose for c in consents} == {ConsentPurpose.REGISTER, ConsentPurpose.SMS}
    for consent in consents:
        assert consent.method == ConsentMethod.PARTNER_REFERRAL
        assert consent.partner_id == world["nav"].id
        assert consent.recorded_by_id == world["nav_user"].id
    notice = db.session.scalar(sa.select(Notification))
    assert (notice.kind, notice.person_id, notice.centre_id) == (
        "referral",
        person.id,
        world["centre"].id,
    )
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "referral_created")
    ).person_id == (person.id)
    assert referral.name_given == "Amina Test"


def test_a_known_phone_attaches_the_referral_to_that_person(
    world: dict[str, Any], make: Any
) -> None:
    """A phone that exists in the centre: the referral is held on a new record that
    staff merge into the known person; nothing about that person changes (issue 12)."""
    known = make.person(world["centre"], phone="+4791234567", first_name="Fatima")
    before = db.session.scalar(sa.select(sa.func.count(Person.id)))
    referral = _refer(world, name="F. Hassan", phone="+47 912 34 567")
    held = db.session.get(Person, referral.person_id)
    assert held.id != known.id and held.held_match_id == known.id
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == before + 1
    assert db.session.get(Person, known.id).first_name == "Fatima"  # not renamed by a partner
    with transaction():
        merge_people(world["centre"].id, known.id, held.id)
    assert db.session.get(Referral, referral.id).person_id == known.id


def test_the_partner_channel_is_made_once_per_centre(world: dict[str, Any]) -> None:
    """Two referrals to the same centre use one channel; another centre gets its own."""
    _refer(world)
    _refer(world, phone="+4791234568")
    _refer(
        world,
        phone="+4791234569",
        centre_id=world["other"].id,
        activity_id=world["other_activity"].id,
    )
    channels = db.session.scalars(
        sa.select(Channel).where(Channel.partner_id == world["nav"].id)
    ).all()
    assert sorted(c.centre_id for c in channels) == sorted([world["centre"].id, world["other"].id])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"phone": "123"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"first_name": "", "last_name": "", "name": "  "}, "name"),
        ({"first_name": "\u200b ", "last_name": "Test"}, "first_name"),
    ],
)
def test_bad_referrals_are_refused_and_store_nothing(
    world: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    """No consent, an impossible phone or no name: a clear message, nothing written."""
    before = _counts()
    with pytest.raises(ServiceError) as caught:
        _refer(world, **change)
    assert caught.value.field == field
    assert caught.value.message
    assert _counts() == before


def test_an_activity_of_another_centre_is_refused(world: dict[str, Any]) -> None:
    """The activity must be one of the chosen centre's."""
    before = _counts()
    with pytest.raises(ServiceError) as caught:
        _refer(world, activity_id=world["other_activity"].id)
    assert caught.value.field == "activity_id"
    assert _counts() == before


def test_a_partner_cannot_refer_to_a_centre_it_does_not_work_with(
    world: dict[str, Any], make: Any
) -> None:
    """The refugee service (linked to one centre only) cannot refer to the other."""
    with pytest.raises(NotFound):
        _refer(
            world,
            user=world["refugee_user"],
            centre_id=world["other"].id,
            activity_id=None,
        )
    staff = world["staff"]
    with pytest.raises(NotFound):
        _refer(world, user=staff)  # not a partner login at all
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0


def test_a_double_submitted_referral_is_made_once(world: dict[str, Any]) -> None:
    """The same form token twice gives one referral, one contact and one notice."""
    first = _refer(world, form_token="tok-1")
    second = _refer(world, form_token="tok-1")
    assert first.id == second.id
    assert _counts()["Referral"] == 1
    assert _counts()["Contact"] == 1
    assert _counts()["Notification"] == 1


# --- the status a partner sees ---------------------------------------------------------


def test_status_follows_the_funnel_stage_by_stage(world: dict[str, Any], make: Any) -> None:
    """received -> not reached (staff mark) -> contacted (staff contact) -> came (attendance)."""
    referral = _refer(world)
    centre = world["centre"]
    assert _status_of(referral.id) == ReferralStatus.RECEIVED
    with transaction():
        set_not_reached(centre.id, referral.id, True)
    assert _status_of(referral.id) == ReferralStatus.NOT_REACHED
    with transaction():
        set_not_reached(centre.id, referral.id, False)
    assert _status_of(referral.id) == ReferralStatus.RECEIVED
    # A staff contact dated to the start of the day (before the referral) still counts:
    # it was logged after the referral.
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                referral.person_id,
                Outcome.ASKED,
                world["activity"].id,
                by_user_id=world["staff"].id,
                occurred_at=referral.created_at - timedelta(hours=3),
            ),
        )
    assert _status_of(referral.id) == ReferralStatus.CONTACTED
    session = make.session(world["activity"], utcnow() + timedelta(minutes=1))
    make.attendance(session, db.session.get(Person, referral.person_id))
    assert _status_of(referral.id) == ReferralStatus.CAME


def test_status_declined_when_the_person_says_no(world: dict[str, Any]) -> None:
    """A 'said no' contact after the referral shows as declined."""
    referral = _refer(world)
    with transaction():
        log_contact(
            world["centre"].id,
            ContactInput(
                referral.person_id,
                Outcome.DECLINED,
                world["activity"].id,
                by_user_id=world["staff"].id,
            ),
        )
    assert _status_of(referral.id) == ReferralStatus.DECLINED


def test_what_happened_before_the_referral_does_not_count(world: dict[str, Any], make: Any) -> None:
    """A regular whom a partner refers again is 'received' until something new happens."""
    person = make.person(world["centre"], phone="+4791234567")
    earlier = utcnow() - timedelta(days=30)
    session = make.session(world["activity"], earlier)
    make.attendance(session, person)
    make.enrolment(person, world["activity"], heard_at=earlier, showed_up_at=earlier)
    make.contact(person, outcome=Outcome.ASKED, by_user_id=world["staff"].id, occurred_at=earlier)
    referral = _refer(world)
    with transaction():  # staff confirm the held record is this person
        merge_people(world["centre"].id, person.id, referral.person_id)
    assert db.session.get(Referral, referral.id).person_id == person.id
    assert _status_of(referral.id) == ReferralStatus.RECEIVED


def test_a_partner_contact_does_not_count_as_contacted(world: dict[str, Any]) -> None:
    """Another partner referring the same person is not the centre getting in touch."""
    first = _refer(world)
    _refer(world, user=world["refugee_user"], name="Amina T.")
    assert _status_of(first.id) == ReferralStatus.RECEIVED


# --- through HTTP: the partner's journey ------------------------------------------------


def test_partner_refers_on_the_form_and_follows_the_status(
    app: Flask, world: dict[str, Any], make: Any
) -> None:
    """The whole journey: form, confirmation, list with the status at each stage."""
    partner = _client(app, world["nav_user"])
    assert partner.get("/").headers["Location"].endswith("/partner/")
    form = partner.get("/partner/refer")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "Språkkafe" in html and "Strikkekafe" in html  # both centres' activities
    token = re.search(r'name="form_token"[^>]*value="([0-9a-f]+)"', html)
    token = token or re.search(r'value="([0-9a-f]{32})"', html)
    assert token
    data = {
        "centre_id": world["centre"].id,
        "first_name": "Amina",
        "last_name": "Test",
        "phone": "912 34 567",
        "language": "ar",
        "activity_id": world["activity"].id,
        "note": "Secret note about health",
        "consent": "y",
        "form_token": token.group(1),
    }
    response = partner.post("/partner/refer", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/partner/refer/sent")
    assert partner.post("/partner/refer", data=data).status_code == 302  # sent twice
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 1
    done = partner.get("/partner/refer/sent?lang=en").get_data(as_text=True)
    assert "Amina Test" in done and "What happens next" in done

    def seen() -> str:
        return partner.get("/partner/?lang=en").get_data(as_text=True)

    page = seen()
    assert "Amina Test" in page and "Received" in page
    assert "Secret note" not in page and "912" not in page

    referral = db.session.scalar(sa.select(Referral))
    staff = _client(app, world["staff"])
    response = staff.post(f"/referrals/{referral.id}/not-reached", data={"not_reached": "1"})
    assert response.status_code == 302
    assert "Not reached" in seen()
    staff.post(f"/referrals/{referral.id}/not-reached", data={"not_reached": "0"})
    with transaction():
        log_contact(
            world["centre"].id,
            ContactInput(referral.person_id, Outcome.ASKED, by_user_id=world["staff"].id),
        )
    assert "Contacted" in seen()
    session = make.session(world["activity"], utcnow() + timedelta(minutes=1))
    make.attendance(session, db.session.get(Person, referral.person_id))
    assert "Came" in seen()


def test_partner_list_shows_only_the_given_name_and_own_referrals(
    app: Flask, world: dict[str, Any], make: Any
) -> None:
    """No stored name, no note, no other partner's referral, no other activity."""
    known = make.person(world["centre"], phone="+4791234567", first_name="Fatima", last_name="Real")
    make.enrolment(known, make.activity(world["centre"], name="Jentegruppe"))
    _refer(world, name="F. Given")
    _refer(world, user=world["refugee_user"], name="Other Partners Person", phone="+4798765432")
    page = _client(app, world["nav_user"]).get("/partner/").get_data(as_text=True)
    assert "F. Given" in page
    for hidden in ("Fatima", "Real", "Best after 12", "Other Partners Person", "Jentegruppe"):
        assert hidden not in page, hidden
    other_page = _client(app, world["refugee_user"]).get("/partner/").get_data(as_text=True)
    assert "Other Partners Person" in other_page and "F. Given" not in other_page


def test_partner_sees_own_referrals_in_every_centre(app: Flask, world: dict[str, Any]) -> None:
    """NAV works with two centres and sees its referrals in both, each with its centre."""
    _refer(world, name="Person One")
    _refer(
        world,
        name="Person Two",
        phone="+4791234568",
        centre_id=world["other"].id,
        activity_id=world["other_activity"].id,
    )
    page = _client(app, world["nav_user"]).get("/partner/").get_data(as_text=True)
    assert "Person One" in page and "Person Two" in page
    assert "Borgen nærmiljøsentral" in page and "Heggedal nærmiljøsentral" in page


def test_refer_form_shows_clear_messages_for_bad_input(app: Flask, world: dict[str, Any]) -> None:
    """Missing consent and an impossible phone: the form again with messages, nothing stored."""
    partner = _client(app, world["nav_user"])
    before = _counts()
    response = partner.post(
        "/partner/refer?lang=en",
        data={
            "centre_id": world["centre"].id,
            "first_name": "Amina",
            "phone": "12",
            "language": "nb",
            "activity_id": "",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Confirm that the person agreed to be contacted." in html
    response = partner.post(
        "/partner/refer?lang=en",
        data={
            "centre_id": world["centre"].id,
            "first_name": "Amina",
            "phone": "12",
            "language": "nb",
            "consent": "y",
        },
    )
    assert "is not a phone number we can use" in response.get_data(as_text=True)
    assert _counts() == before


def test_partner_list_needs_a_fixed_number_of_queries(
    app: Flask, world: dict[str, Any], make: Any
) -> None:
    """The status is computed in SQL: 3 or 15 referrals cost the same number of queries."""
    partner = _client(app, world["nav_user"])

    def statements() -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert partner.get("/partner/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        return count

    for n in range(3):
        _refer(world, phone=f"+479100000{n}", name=f"P{n}")
    few = statements()
    for n in range(3, 15):
        _refer(world, phone=f"+47910000{n:02d}", name=f"P{n}")
    assert statements() == few


def test_partner_referral_query_filters_by_status(world: dict[str, Any]) -> None:
    """The status filter works in SQL, on the derived status."""
    a = _refer(world)
    _refer(world, phone="+4791234568")
    with transaction():
        set_not_reached(world["centre"].id, a.id, True)
    rows = db.session.scalars(partner_referrals(world["nav"].id, ReferralStatus.NOT_REACHED)).all()
    assert [r.id for r in rows] == [a.id]


# --- staff: referrals, partners, invitations, notices ------------------------------------


def test_staff_see_referrals_and_outcomes_per_partner(app: Flask, world: dict[str, Any]) -> None:
    """The staff list shows each referral with the partner, and counts per partner."""
    _refer(world, name="Amina Test")
    _refer(world, user=world["refugee_user"], name="Olek Test", phone="+4791234568")
    staff = _client(app, world["staff"])
    html = staff.get("/referrals?lang=en").get_data(as_text=True)
    assert "Amina Test" in html and "Olek Test" in html
    assert "NAV Asker" in html and "Flyktningetjenesten" in html
    assert "Best after 12" in html  # staff see the partner's note
    only_nav = staff.get(f"/referrals?partner={world['nav'].id}").get_data(as_text=True)
    assert "Amina Test" in only_nav and "Olek Test" not in only_nav


def test_notices_show_in_the_navbar_and_can_be_marked_read(
    app: Flask, world: dict[str, Any]
) -> None:
    """A new referral gives staff an unread notice; reading it clears the badge."""
    _refer(world)
    staff = _client(app, world["staff"])
    html = staff.get("/notifications?lang=en").get_data(as_text=True)
    assert "New referral" in html and "Amina Test" in html
    assert re.search(r'badge text-bg-danger">1<', html)
    notice = db.session.scalar(sa.select(Notification))
    assert staff.post(f"/notifications/{notice.id}/read").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, notice.id).read_at is not None
    html = staff.get("/notifications?lang=en").get_data(as_text=True)
    assert 'badge text-bg-danger"' not in html
    _refer(world, phone="+4791234568")
    staff.post("/notifications/read")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.read_at.is_(None))
        )
        == 0
    )


def test_staff_add_a_partner_with_its_channel(app: Flask, world: dict[str, Any]) -> None:
    """Adding a partner links it to the centre and makes its channel there."""
    staff = _client(app, world["staff"])
    response = staff.post(
        "/partners/new", data={"name": "Borgen barnehage", "kind": "kindergarten"}
    )
    assert response.status_code == 302
    partner = db.session.scalar(sa.select(Partner).where(Partner.name == "Borgen barnehage"))
    assert organisations.centre_ids_of(partner.id) == [world["centre"].id]
    channel = db.session.scalar(sa.select(Channel).where(Channel.partner_id == partner.id))
    assert channel.centre_id == world["centre"].id and channel.kind == ChannelKind.PARTNER
    again = staff.post("/partners/new?lang=en", data={"name": "borgen barnehage", "kind": "other"})
    assert "already works with this centre" in again.get_data(as_text=True)


def test_a_partner_of_the_same_name_elsewhere_is_a_new_organisation(
    app: Flask, world: dict[str, Any], make: Any
) -> None:
    """The refugee service, known to one centre, added by the other: a new organisation
    of the other centre; the first one's logins get no access there (issue 12)."""
    other_staff = make.user(world["other"], role=UserRole.STAFF)
    client = _client(app, other_staff)
    response = client.post("/partners/new", data={"name": "Flyktningetjenesten", "kind": "other"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Partner.id))) == 3
    assert organisations.centre_ids_of(world["refugee"].id) == [world["centre"].id]
    db.session.expire_all()
    assert db.session.get(User, world["refugee_user"].id).role_in(world["other"].id) is None


def test_staff_of_another_centre_get_404_for_a_partner_not_linked_to_it(
    app: Flask, world: dict[str, Any], make: Any
) -> None:
    """Partner is installation-wide, but the refugee service is unknown to Heggedal's staff."""
    client = _client(app, make.user(world["other"], role=UserRole.STAFF))
    assert client.get(f"/partners/{world['refugee'].id}").status_code == 404
    assert client.get(f"/partners/{world['nav'].id}").status_code == 200


def test_unlinking_a_partner_removes_its_users_access_there(
    app: Flask, world: dict[str, Any]
) -> None:
    """After 'end the work', NAV's users have no role in that centre; history stays."""
    referral = _refer(world)
    staff = _client(app, world["staff"])
    assert staff.get(f"/partners/{world['nav'].id}/unlink").status_code == 200
    assert staff.post(f"/partners/{world['nav'].id}/unlink").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world["nav_user"].id).role_in(world["centre"].id) is None
    assert db.session.get(Referral, referral.id) is not None
    assert not db.session.scalars(partner_referrals(world["nav"].id)).all()


def test_invitation_link_sets_a_password_and_logs_in(app: Flask, world: dict[str, Any]) -> None:
    """Staff invite; the link (stored hashed) sets the password once and logs the partner in."""
    staff = _client(app, world["staff"])
    response = staff.post(
        f"/partners/{world['nav'].id}/invite?lang=en",
        data={"name": "Siri Veileder", "email": "siri@nav.test"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="(http://localhost/invitation/[^"]+)"', html).group(1)
    token = link.rsplit("/", 1)[1]
    user = db.session.scalar(sa.select(User).where(User.email == "siri@nav.test"))
    assert user.partner_id == world["nav"].id and not user.password_hash
    # An invitation from a centre gives access to that centre only (issue 12).
    assert {m.centre_id: m.role for m in user.memberships} == {
        world["centre"].id: UserRole.PARTNER,
    }
    stored = db.session.scalar(sa.select(Invitation).where(Invitation.user_id == user.id))
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.expires_at - utcnow() > timedelta(days=6)

    visitor = FreshClient(app, app.response_class, use_cookies=True)
    assert visitor.get(f"/invitation/{token}").status_code == 200
    mismatch = visitor.post(
        f"/invitation/{token}?lang=en",
        data={"password": "long-enough-pw", "password_again": "something-else"},
    )
    assert "not the same" in mismatch.get_data(as_text=True)
    short = visitor.post(
        f"/invitation/{token}?lang=en", data={"password": "short", "password_again": "short"}
    )
    assert "at least 12" in short.get_data(as_text=True)
    ok = visitor.post(
        f"/invitation/{token}",
        data={"password": "long-enough-pw", "password_again": "long-enough-pw"},
    )
    assert ok.status_code == 302
    assert visitor.get("/").headers["Location"].endswith("/partner/")
    assert visitor.get("/partner/").status_code == 200
    assert (
        FreshClient(app, app.response_class, use_cookies=True)
        .get(f"/invitation/{token}")
        .status_code
        == 410
    )  # used once
    _client(app, user, "long-enough-pw")  # and the password works at the login page


def test_expired_and_replaced_links_do_not_work(app: Flask, world: dict[str, Any]) -> None:
    """An expired link and one replaced by a new link both answer 'expired'."""
    past = utcnow() - timedelta(days=10)
    with transaction():
        user, old = invitations.invite_partner_user(
            world["centre"].id, world["nav"].id, "Per", "per@nav.test", None, days=7, now=past
        )
    assert (
        FreshClient(app, app.response_class, use_cookies=True).get(f"/invitation/{old}").status_code
        == 410
    )
    with transaction():
        _, first = invitations.renew_invitation(
            world["centre"].id, world["nav"].id, user.id, None, days=7
        )
        _, second = invitations.renew_invitation(
            world["centre"].id, world["nav"].id, user.id, None, days=7
        )
    assert (
        FreshClient(app, app.response_class, use_cookies=True)
        .get(f"/invitation/{first}")
        .status_code
        == 410
    )
    assert (
        FreshClient(app, app.response_class, use_cookies=True)
        .get(f"/invitation/{second}")
        .status_code
        == 200
    )
    with pytest.raises(NotFound):
        invitations.accept_invitation(first, "long-enough-pw", "long-enough-pw")


def test_removing_access_ends_a_partner_login(app: Flask, world: dict[str, Any]) -> None:
    """Remove access from a login of this centre only: it cannot log in or use an open
    session; a new link restores it."""
    partner = _client(app, world["refugee_user"])
    staff = _client(app, world["staff"])
    url = f"/partners/{world['refugee'].id}/users/{world['refugee_user'].id}"
    assert staff.post(f"{url}/deactivate").status_code == 302
    cut_off = partner.get("/partner/")
    assert cut_off.status_code in (302, 403)
    assert cut_off.status_code == 403 or "/login" in cut_off.headers["Location"]
    response = FreshClient(app, app.response_class, use_cookies=True).post(
        "/login", data={"email": world["refugee_user"].email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200  # refused
    html = staff.post(f"{url}/new-link").get_data(as_text=True)
    token = re.search(r"/invitation/([^\"]+)\"", html).group(1)
    visitor = FreshClient(app, app.response_class, use_cookies=True)
    visitor.post(
        f"/invitation/{token}",
        data={"password": "a-new-password", "password_again": "a-new-password"},
    )
    assert visitor.get("/partner/").status_code == 200
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Membership.id)).where(
                Membership.user_id == world["refugee_user"].id
            )
        )
        == 1
    )


def test_a_partner_without_organisation_sees_nothing(app: Flask, make: Any) -> None:
    """A partner-role login not tied to a partner gets 403 on the partner pages."""
    centre = make.centre()
    client = _client(app, make.user(centre, role=UserRole.PARTNER))
    assert client.get("/partner/").status_code == 403
    assert client.get("/partner/refer").status_code == 403


def test_partner_centre_links_are_per_pair(world: dict[str, Any]) -> None:
    """PartnerCentre rows say exactly which centres each partner works with."""
    pairs = db.session.execute(sa.select(PartnerCentre.partner_id, PartnerCentre.centre_id)).all()
    assert (world["refugee"].id, world["other"].id) not in pairs
