"""People use cases: create, edit, family links and merging duplicates without losing history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.errors import Conflict, NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Attendance,
    AuditEvent,
    Consent,
    ConsentPurpose,
    Contact,
    Direction,
    Enrolment,
    LinkKind,
    Message,
    Notification,
    Person,
    PersonLink,
    Referral,
    Reminder,
    SessionSignup,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.service import (
    MERGED_NAME,
    DuplicatePhone,
    PersonChanges,
    _person_fk_columns,
    create_person,
    link_family,
    merge_people,
    unlink_family,
    update_person,
)
from rekruttering.transaction import transaction

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- create and edit ----------------------------------------------------------------


def test_create_person_stores_phone_as_e164(make: Any) -> None:
    """A phone typed with spaces and 0047 is stored as E.164."""
    centre = make.centre()
    with transaction():
        person = create_person(centre.id, " Amina ", "Hassan", "0047 912 34 567", "so")
    assert (person.first_name, person.phone, person.language) == ("Amina", "+4791234567", "so")


def test_create_person_refuses_an_impossible_phone(make: Any) -> None:
    """An impossible phone number is refused with a message on the phone field; nothing is stored."""
    centre = make.centre()
    with pytest.raises(ServiceError) as caught, transaction():
        create_person(centre.id, "Amina", phone="123")
    assert caught.value.field == "phone"
    assert "123" in caught.value.message
    assert count(Person) == 0


def test_create_person_needs_a_first_name(make: Any) -> None:
    """A blank first name is refused."""
    centre = make.centre()
    with pytest.raises(ServiceError) as caught, transaction():
        create_person(centre.id, "  ")
    assert caught.value.field == "first_name"


def test_create_person_offers_the_existing_person_for_a_known_phone(make: Any) -> None:
    """A phone already in the centre raises DuplicatePhone naming the existing person."""
    centre = make.centre()
    existing = make.person(centre, phone="+4791234567")
    with pytest.raises(DuplicatePhone) as caught, transaction():
        create_person(centre.id, "Someone", phone="912 34 567")
    assert caught.value.existing.id == existing.id
    assert count(Person) == 1


def test_same_phone_in_another_centre_is_no_duplicate(make: Any) -> None:
    """Centres are separate: the same number may exist once per centre."""
    mine, other = make.centre(), make.centre()
    make.person(other, phone="+4791234567")
    with transaction():
        create_person(mine.id, "Ny", phone="91234567")
    assert count(Person) == 2


def test_update_person_changes_details_and_audits(make: Any) -> None:
    """Editing stores the new fields (phone normalised) and leaves an audit entry."""
    centre = make.centre()
    person = make.person(centre, phone="+4791234567", phone_not_textable_reason="landline")
    with transaction():
        update_person(
            centre.id,
            person.id,
            PersonChanges("Fatima", "Ali", "+47 412 34 567", "ar", "immigrant", "likes Tuesdays"),
        )
    db.session.refresh(person)
    assert (person.first_name, person.last_name, person.phone) == ("Fatima", "Ali", "+4741234567")
    assert person.language == "ar" and person.target_group == "immigrant"
    assert person.phone_not_textable_reason is None
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.person_id == person.id)
    ) == ("person_updated")


def test_update_person_keeps_own_phone_and_refuses_anothers(make: Any) -> None:
    """Saving one's own phone is fine; taking another person's phone raises DuplicatePhone."""
    centre = make.centre()
    person = make.person(centre, phone="+4791234567")
    other = make.person(centre, phone="+4791234568")
    with transaction():
        update_person(centre.id, person.id, PersonChanges("Same", phone="91234567"))
    with pytest.raises(DuplicatePhone) as caught, transaction():
        update_person(centre.id, person.id, PersonChanges("Same", phone="91234568"))
    assert caught.value.existing.id == other.id
    db.session.refresh(person)
    assert person.phone == "+4791234567"


def test_update_person_of_another_centre_is_not_found(make: Any) -> None:
    """A person of another centre cannot be edited."""
    mine, other = make.centre(), make.centre()
    stranger = make.person(other)
    with pytest.raises(NotFound), transaction():
        update_person(mine.id, stranger.id, PersonChanges("X"))


# --- family links -------------------------------------------------------------------


def test_link_and_unlink_family(make: Any) -> None:
    """A parent link is stored once; the reverse or a repeat is refused; it can be removed."""
    centre = make.centre()
    parent, child = make.person(centre), make.person(centre)
    with transaction():
        link = link_family(centre.id, parent.id, child.id, LinkKind.PARENT_OF)
    for a, b in ((parent, child), (child, parent)):
        with pytest.raises(Conflict), transaction():
            link_family(centre.id, a.id, b.id, LinkKind.FAMILY)
    assert count(PersonLink) == 1
    with transaction():
        unlink_family(centre.id, link.id)
    assert count(PersonLink) == 0


def test_link_family_refuses_self_and_other_centres(make: Any) -> None:
    """Nobody is their own family, and people of another centre cannot be linked."""
    mine, other = make.centre(), make.centre()
    person, stranger = make.person(mine), make.person(other)
    with pytest.raises(ServiceError), transaction():
        link_family(mine.id, person.id, person.id, LinkKind.FAMILY)
    with pytest.raises(NotFound), transaction():
        link_family(mine.id, person.id, stranger.id, LinkKind.FAMILY)
    assert count(PersonLink) == 0


# --- merging ------------------------------------------------------------------------


def _history(make: Any, centre: Any) -> dict[str, Any]:
    """Two records of one person, each with history, and people around them."""
    keep = make.person(centre, first_name="Amina", last_name="")
    keep.phone = None  # this record was made without a phone
    dup = make.person(centre, phone="+4791234567", first_name="Amina", last_name="Hassan")
    neighbour = make.person(centre)
    child = make.person(centre)
    mat, sprak = make.activity(centre, "Mat og prat"), make.activity(centre, "Språkkafe")
    kindergarten, staff = make.channel(centre), make.channel(centre)
    # keep: heard of Mat og prat late; dup: heard earlier, asked, and came once.
    with transaction():
        log_contact(
            centre.id,
            ContactInput(keep.id, Outcome.HEARD, mat.id, staff.id, occurred_at=T0 + timedelta(10)),
        )
        log_contact(
            centre.id,
            ContactInput(dup.id, Outcome.HEARD, mat.id, kindergarten.id, occurred_at=T0),
        )
        log_contact(
            centre.id,
            ContactInput(dup.id, Outcome.ASKED, mat.id, staff.id, occurred_at=T0 + timedelta(3)),
        )
        log_contact(
            centre.id,
            ContactInput(
                dup.id,
                Outcome.HEARD,
                sprak.id,
                occurred_at=T0 + timedelta(4),
                recruited_by_id=neighbour.id,
            ),
        )
        # The neighbour was brought by the duplicate record.
        log_contact(
            centre.id,
            ContactInput(
                neighbour.id, Outcome.HEARD, sprak.id, occurred_at=T0, recruited_by_id=dup.id
            ),
        )
    shared = make.session(mat, T0 + timedelta(days=7))
    only_dup = make.session(mat, T0 + timedelta(days=14))
    make.attendance(shared, keep)
    make.attendance(shared, dup)
    make.attendance(only_dup, dup)
    for person in (keep, dup):
        db.session.add(
            SessionSignup(centre_id=centre.id, session_id=shared.id, person_id=person.id)
        )
    db.session.add_all(
        [
            Message(
                centre_id=centre.id,
                person_id=dup.id,
                direction=Direction.OUTBOUND,
                to_number=dup.phone,
                body="Velkommen!",
            ),
            Reminder(
                centre_id=centre.id,
                person_id=dup.id,
                body="Husk i morgen",
                due_at=T0 + timedelta(days=20),
            ),
            Notification(centre_id=centre.id, person_id=dup.id, kind="signup"),
            PersonLink(
                centre_id=centre.id, person_id=dup.id, other_id=child.id, kind=LinkKind.PARENT_OF
            ),
            PersonLink(
                centre_id=centre.id, person_id=keep.id, other_id=dup.id, kind=LinkKind.FAMILY
            ),
        ]
    )
    partner = make.partner(centres=[centre])
    db.session.add(Referral(centre_id=centre.id, partner_id=partner.id, person_id=dup.id))
    db.session.commit()
    make.sms_consent(dup)
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.person_id == dup.id, Enrolment.activity_id == mat.id)
    )
    enrolment.attendance_count = 2
    db.session.commit()
    return {
        "keep": keep,
        "dup": dup,
        "neighbour": neighbour,
        "child": child,
        "mat": mat,
        "sprak": sprak,
        "kindergarten": kindergarten,
        "staff": staff,
    }


def test_merge_moves_all_history_to_the_kept_person(make: Any) -> None:
    """Contacts, messages, reminders, consents, referrals, notices, links and recruits move."""
    centre = make.centre()
    h = _history(make, centre)
    keep, dup = h["keep"], h["dup"]
    contacts_before = count(Contact)
    with transaction():
        merge_people(centre.id, keep.id, dup.id)
    keep_id, dup_id = keep.id, dup.id
    db.session.expire_all()

    def owned(model: Any) -> int:
        return db.session.scalar(
            select(func.count()).select_from(model).where(model.person_id == keep_id)
        )

    assert count(Contact) == contacts_before
    assert owned(Contact) == 5 - 1  # all but the neighbour's own
    for model in (Message, Reminder, Consent, Referral, Notification):
        assert owned(model) == 1, model
        assert db.session.scalar(select(func.count()).where(model.person_id == dup_id)) == 0
    neighbour = db.session.get(Person, h["neighbour"].id)
    assert neighbour.recruited_by_id == keep_id
    assert (
        db.session.scalar(select(Contact.recruited_by_id).where(Contact.person_id == neighbour.id))
        == keep_id
    )
    # The link between the two records is gone; the parent link now starts at keep.
    links = db.session.scalars(select(PersonLink)).all()
    assert [(link.person_id, link.other_id, link.kind) for link in links] == [
        (keep_id, h["child"].id, LinkKind.PARENT_OF)
    ]
    # The kept person gets the phone; the duplicate is an empty tombstone.
    kept = db.session.get(Person, keep_id)
    assert kept.phone == "+4791234567" and kept.last_name == "Hassan"
    tomb = db.session.get(Person, dup_id)
    assert tomb.merged_into_id == keep_id
    assert (tomb.first_name, tomb.last_name, tomb.phone) == (MERGED_NAME, "", None)
    assert tomb.anonymised_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"person_merged", "person_merged_away"} <= actions
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Consent)
            .where(Consent.person_id == keep_id, Consent.purpose == ConsentPurpose.SMS)
        )
        == 1
    )


def test_merge_combines_enrolments_and_attendance(make: Any) -> None:
    """Same activity and role: earliest stage times, furthest stage; a shared session counts once."""
    centre = make.centre()
    h = _history(make, centre)
    keep, dup, mat, sprak = h["keep"], h["dup"], h["mat"], h["sprak"]
    keep_id = keep.id
    with transaction():
        merge_people(centre.id, keep.id, dup.id)
    db.session.expire_all()
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.person_id == keep_id).order_by(Enrolment.activity_id)
    ).all()
    assert [(e.activity_id, e.role) for e in enrolments] == [
        (mat.id, Role.PARTICIPANT),
        (sprak.id, Role.PARTICIPANT),
    ]
    combined = enrolments[0]
    assert combined.stage == Stage.ASKED
    assert combined.heard_at == T0  # the duplicate heard first
    assert combined.asked_at == T0 + timedelta(days=3)
    assert combined.first_channel_id == h["kindergarten"].id
    assert combined.ask_channel_id == h["staff"].id
    assert combined.attendance_count == 2  # the shared session once, plus the other
    assert count(Enrolment) == 3  # keep: 2, neighbour: 1
    attendance = db.session.scalars(select(Attendance).where(Attendance.person_id == keep_id)).all()
    assert len(attendance) == 2
    assert count(Attendance) == 2
    assert count(SessionSignup) == 1


def test_merge_keeps_the_furthest_stage_of_either_record(make: Any) -> None:
    """If the duplicate came further (showed up), the kept enrolment says so."""
    centre = make.centre()
    keep, dup = make.person(centre), make.person(centre)
    activity = make.activity(centre)
    make.enrolment(keep, activity, heard_at=T0, asked_at=T0 + timedelta(1))
    make.enrolment(
        dup, activity, heard_at=T0 + timedelta(2), showed_up_at=T0 + timedelta(5), declined_at=T0
    )
    with transaction():
        merge_people(centre.id, keep.id, dup.id)
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.stage == Stage.SHOWED_UP
    assert enrolment.heard_at == T0
    assert enrolment.asked_at == T0 + timedelta(1)
    assert enrolment.showed_up_at == T0 + timedelta(5)
    assert enrolment.declined_at == T0


def test_merge_refuses_bad_pairs(make: Any) -> None:
    """The same person twice, a merged person, or a person of another centre is refused."""
    mine, other = make.centre(), make.centre()
    a, b, stranger = make.person(mine), make.person(mine), make.person(other)
    with pytest.raises(ServiceError), transaction():
        merge_people(mine.id, a.id, a.id)
    with pytest.raises(NotFound), transaction():
        merge_people(mine.id, a.id, stranger.id)
    with transaction():
        merge_people(mine.id, a.id, b.id)
    with pytest.raises(Conflict), transaction():
        merge_people(mine.id, b.id, a.id)


def test_merge_follows_every_reference_to_a_person(make: Any) -> None:
    """Every foreign key to person.id is covered (tables added later are moved too)."""
    names = {f"{c.table.name}.{c.name}" for c in _person_fk_columns()}
    assert {
        "contact.person_id",
        "contact.recruited_by_id",
        "enrolment.person_id",
        "attendance.person_id",
        "message.person_id",
        "reminder.person_id",
        "consent.person_id",
        "referral.person_id",
        "notification.person_id",
        "person.recruited_by_id",
        "person_link.person_id",
        "session_signup.person_id",
    } <= names
