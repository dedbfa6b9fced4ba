"""A person's page (timeline, audit), create, edit, merge and family links through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from rekruttering.domain.funnel import Outcome
from rekruttering.extensions import db
from rekruttering.models import (
    AuditEvent,
    Contact,
    Direction,
    LinkKind,
    Message,
    Person,
    PersonLink,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.transaction import transaction
from tests.statement_counter import count_statements

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_person_page_shows_one_timeline_newest_first(client: Any, make: Any, login: Any) -> None:
    """Contacts, stage changes, attendance, messages and consent appear, newest first."""
    centre = make.centre()
    staff = make.user(centre, name="Ola Hansen")
    login(staff)
    person = make.person(centre, first_name="Amina")
    activity = make.activity(centre, "Mat og prat")
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id,
                Outcome.ASKED,
                activity.id,
                occurred_at=T0,
                by_user_id=staff.id,
                note="Vil gjerne komme",
            ),
        )
    session = make.session(activity, T0 + timedelta(days=7))
    make.attendance(session, person)
    db.session.add(
        Message(
            centre_id=centre.id,
            person_id=person.id,
            direction=Direction.OUTBOUND,
            body="Velkommen til Mat og prat",
            created_at=T0 + timedelta(days=6),
        )
    )
    db.session.commit()
    make.sms_consent(person)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert html.count("<h1") == 1
    for text in ("Mat og prat", "Vil gjerne komme", "Ola Hansen", "Velkommen til Mat og prat"):
        assert text in html
    # The implied "heard" stage is shown (no single contact tells it apart from "asked").
    positions = [
        html.index("timeline-consent"),
        html.index("timeline-attendance"),
        html.index("timeline-message"),
        html.index("timeline-contact"),
    ]
    assert positions == sorted(positions)


def test_viewing_a_person_is_audited(client: Any, make: Any, login: Any) -> None:
    """Opening a person's page leaves a 'person_viewed' entry with the viewer."""
    centre = make.centre()
    staff = make.user(centre)
    login(staff)
    person = make.person(centre)
    assert client.get(f"/people/{person.id}").status_code == 200
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("person_viewed", "person_changed")))
    ).all()
    assert [(e.action, e.person_id, e.user_id, e.centre_id) for e in events] == [
        ("person_viewed", person.id, staff.id, centre.id)
    ]


def test_person_page_is_audited_last_and_reads_nothing_again(
    client: Any, make: Any, login: Any
) -> None:
    """The page's entry is its last statement (written once the page is made, before it
    is answered), and nothing the page read is read again: a commit that expired the
    loaded rows made the person, the centre and the user be read a second time."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre)
    client.get(f"/people/{person.id}")
    with count_statements() as counted:
        response = client.get(f"/people/{person.id}")
    assert response.status_code == 200
    statements = [" ".join(s.split()) for s in counted.statements]
    writes = [s for s in statements if s.startswith("INSERT")]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO audit_event")
    assert statements[-1] == writes[0]
    first_table = [s.split(" FROM ", 1)[1].split()[0] for s in statements if " FROM " in s]
    assert first_table.count("user_account") <= 1
    assert first_table.count("centre") <= 1
    # The person by id once (the page's own lookup), not again as an expired row.
    refreshed = [s for s in statements if s.startswith("SELECT person.id AS person_id")]
    assert refreshed == []


def test_person_page_statement_count_does_not_grow_with_history(
    client: Any, make: Any, login: Any
) -> None:
    """A long history costs the same statements as a short one."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre)
    activity = make.activity(centre)
    channel = make.channel(centre)

    def add_contacts(n: int) -> None:
        with transaction():
            for i in range(n):
                log_contact(
                    centre.id,
                    ContactInput(
                        person.id,
                        Outcome.HEARD,
                        activity.id,
                        channel.id,
                        occurred_at=T0 + timedelta(hours=i),
                    ),
                )

    add_contacts(2)
    client.get(f"/people/{person.id}")
    with count_statements() as few:
        client.get(f"/people/{person.id}")
    add_contacts(20)
    client.get(f"/people/{person.id}")
    with count_statements() as many:
        client.get(f"/people/{person.id}")
    assert many.count == few.count


def test_a_merged_person_page_leads_to_the_kept_person(client: Any, make: Any, login: Any) -> None:
    """The old record's address redirects to the person it was merged into."""
    centre = make.centre()
    login(make.user(centre))
    keep, dup = make.person(centre), make.person(centre)
    dup.merged_into_id = keep.id
    db.session.commit()
    response = client.get(f"/people/{dup.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{keep.id}")


def test_create_person_through_the_form(client: Any, make: Any, login: Any) -> None:
    """The form adds a person with a normalised phone and shows their page."""
    centre = make.centre()
    login(make.user(centre))
    response = client.post(
        "/people/new",
        data={"first_name": "Olena", "last_name": "K", "phone": "412 34 567", "language": "uk"},
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person))
    assert (person.phone, person.language) == ("+4741234567", "uk")
    assert response.headers["Location"].endswith(f"/people/{person.id}")


def test_create_person_with_an_impossible_phone_says_so(client: Any, make: Any, login: Any) -> None:
    """An impossible number gets a clear message on the form and nothing is stored."""
    centre = make.centre()
    login(make.user(centre))
    response = client.post(
        "/people/new", data={"first_name": "Olena", "phone": "12345", "language": "uk"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "12345" in html and "912 34 567" in html
    assert people() == 0


def test_create_person_with_a_known_phone_offers_the_existing_one(
    client: Any, make: Any, login: Any
) -> None:
    """A known phone links to the existing person instead of adding a duplicate."""
    centre = make.centre()
    login(make.user(centre))
    existing = make.person(centre, phone="+4791234567", first_name="Fatima")
    response = client.post(
        "/people/new", data={"first_name": "F.", "phone": "+47 91 23 45 67", "language": "ar"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'href="/people/{existing.id}"' in html
    assert f"/contacts/new?person_id={existing.id}" in html
    assert people() == 1


def test_edit_person(client: Any, make: Any, login: Any) -> None:
    """Editing shows the current values and saves the new ones."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre, phone="+4791234567", first_name="Ola")
    html = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert 'value="91 23 45 67"' in html
    response = client.post(
        f"/people/{person.id}/edit",
        data={"first_name": "Ole", "phone": "91234567", "language": "pl", "target_group": ""},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.first_name, person.language) == ("Ole", "pl")


def test_edit_person_refuses_another_persons_phone(client: Any, make: Any, login: Any) -> None:
    """Taking a phone someone else has is refused with a link to them."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre, phone="+4791234567")
    other = make.person(centre, phone="+4791234568")
    response = client.post(
        f"/people/{person.id}/edit", data={"first_name": "X", "phone": "91234568", "language": "nb"}
    )
    assert response.status_code == 400
    assert f'href="/people/{other.id}"' in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.phone == "+4791234567"


def test_merge_through_the_confirmation_page(client: Any, make: Any, login: Any) -> None:
    """Pick the duplicate, see what moves, confirm: the history moves to the kept person."""
    centre = make.centre()
    login(make.user(centre))
    keep = make.person(centre, first_name="Amina", last_name="Hassan")
    dup = make.person(centre, first_name="Amina", last_name="H.")
    make.contact(dup)
    html = client.get(f"/people/{keep.id}/merge").get_data(as_text=True)
    assert f"other_id={dup.id}" in html  # suggested: same first name
    html = client.get(f"/people/{keep.id}/merge?other_id={dup.id}").get_data(as_text=True)
    assert 'name="other_id"' in html and "Kontakter: 1" in html
    response = client.post(f"/people/{keep.id}/merge", data={"other_id": dup.id})
    assert response.status_code == 302
    assert db.session.scalar(select(Contact.person_id)) == keep.id
    db.session.refresh(dup)
    assert dup.merged_into_id == keep.id


def test_merge_refuses_the_same_person_and_other_centres(
    client: Any, make: Any, login: Any
) -> None:
    """Merging a person with themselves is refused; another centre's person is not found."""
    mine, other = make.centre(), make.centre()
    login(make.user(mine))
    person, stranger = make.person(mine), make.person(other)
    response = client.post(f"/people/{person.id}/merge", data={"other_id": person.id})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.merged_into_id is None
    assert (
        client.post(f"/people/{person.id}/merge", data={"other_id": stranger.id}).status_code == 404
    )
    assert client.get(f"/people/{person.id}/merge?other_id={stranger.id}").status_code == 404


def test_family_links_added_and_removed(client: Any, make: Any, login: Any) -> None:
    """Search a relative on the person page, link as parent, and remove the link."""
    centre = make.centre()
    login(make.user(centre))
    parent = make.person(centre, first_name="Hodan")
    child = make.person(centre, first_name="Ayaan")
    html = client.get(f"/people/{parent.id}?link_q=Ayaan").get_data(as_text=True)
    assert f'name="other_id" value="{child.id}"' in html
    response = client.post(
        f"/people/{parent.id}/links", data={"other_id": child.id, "relation": "parent"}
    )
    assert response.status_code == 302
    link = db.session.scalar(select(PersonLink))
    assert (link.person_id, link.other_id, link.kind) == (parent.id, child.id, LinkKind.PARENT_OF)
    html = client.get(f"/people/{child.id}").get_data(as_text=True)
    assert "Hodan" in html
    assert client.post(f"/people/{child.id}/links/{link.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(PersonLink.id))) == 0


def test_family_link_as_child_and_bad_relation(client: Any, make: Any, login: Any) -> None:
    """'Child' stores the other person as the parent; an unknown relation is a bad request."""
    centre = make.centre()
    login(make.user(centre))
    child, parent = make.person(centre), make.person(centre)
    client.post(f"/people/{child.id}/links", data={"other_id": parent.id, "relation": "child"})
    link = db.session.scalar(select(PersonLink))
    assert (link.person_id, link.other_id) == (parent.id, child.id)
    response = client.post(
        f"/people/{child.id}/links", data={"other_id": parent.id, "relation": "cousin"}
    )
    assert response.status_code == 400


def test_removing_a_link_through_an_unrelated_person_is_not_found(
    client: Any, make: Any, login: Any
) -> None:
    """A link can only be removed from the page of one of its two people."""
    centre = make.centre()
    login(make.user(centre))
    link = make.person_link(centre)
    bystander = make.person(centre)
    assert client.post(f"/people/{bystander.id}/links/{link.id}/delete").status_code == 404


def test_a_transaction_that_keeps_loaded_rows_still_commits_and_rolls_back(make: Any) -> None:
    """``transaction(keep_loaded=True)``: the commit stores what the block wrote and
    leaves the loaded rows unexpired; a block that raises stores nothing; either way
    the session expires rows on commit again afterwards."""
    from sqlalchemy import inspect

    centre = make.centre()
    person = make.person(centre, first_name="Kari")
    db.session.commit()
    assert person.first_name == "Kari"  # loaded again after make's commit
    with transaction(keep_loaded=True):
        db.session.add(AuditEvent(action="person_viewed", person_id=person.id, centre_id=centre.id))
    assert "first_name" not in inspect(person).expired_attributes
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
    try:
        with transaction(keep_loaded=True):
            db.session.add(AuditEvent(action="person_viewed", person_id=person.id))
            raise RuntimeError("refused")
    except RuntimeError:
        pass
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
    assert db.session().expire_on_commit is True
    with transaction():
        person.first_name = "Kari Anne"
    assert "first_name" in inspect(person).expired_attributes


def _timeline_reads(statements: list[str]) -> list[str]:
    """The page's reads of messages, consent, referrals, family links and people brought."""
    reads = ("SELECT message.", "SELECT consent.", "SELECT referral.", "SELECT person_link.")
    return [
        s
        for s in (" ".join(s.split()) for s in statements)
        if s.startswith(reads) or " person.recruited_by_id = " in s
    ]


def test_person_page_reads_only_the_kinds_of_history_the_person_has(
    client: Any, make: Any, login: Any
) -> None:
    """The person's own read says which of the often empty kinds they have (messages,
    consent, referrals, family links, people brought); a kind they do not have is not
    read, and one they have is read and shown (a link from either side)."""
    centre = make.centre()
    login(make.user(centre))
    bare = make.person(centre)
    client.get(f"/people/{bare.id}")
    with count_statements() as few:
        html = client.get(f"/people/{bare.id}").get_data(as_text=True)
    assert _timeline_reads(few.statements) == []
    assert "timeline-" not in html

    rich = make.person(centre)
    make.message(rich, body="Hei Amina")
    make.sms_consent(rich)
    make.referral(centre, person=rich)
    relative = make.person(centre, first_name="Slektning")
    make.person_link(centre, person=relative, other=rich)  # rich is the link's other side
    make.person(centre, first_name="Venninne", recruited_by_id=rich.id)
    client.get(f"/people/{rich.id}")
    with count_statements() as many:
        html = client.get(f"/people/{rich.id}").get_data(as_text=True)
    assert len(_timeline_reads(many.statements)) == 5
    assert few.count <= many.count - 5
    for shown in ("timeline-message", "Hei Amina", "timeline-consent", "timeline-referral"):
        assert shown in html
    assert "Slektning" in html and "Venninne" in html


def test_person_page_reads_check_ins_as_columns(client: Any, make: Any, login: Any) -> None:
    """The check-ins are read as the five columns the timeline shows (the moment, the
    role, walk-in, the activity and its name), not as an attendance, its session and
    the session's activity, three objects a row; and they are shown."""
    centre = make.centre()
    login(make.user(centre))
    person = make.person(centre)
    activity = make.activity(centre, "Mat og prat")
    make.attendance(make.session(activity, T0), person)
    client.get(f"/people/{person.id}")
    with count_statements() as counted:
        html = client.get(f"/people/{person.id}").get_data(as_text=True)
    reads = [" ".join(s.split()) for s in counted.statements if "FROM attendance" in s]
    assert len(reads) == 1
    columns = reads[0].split(" FROM ", 1)[0]
    assert columns == (
        "SELECT attendance.checked_in_at, attendance.role, attendance.walk_in, "
        "session.activity_id, activity.name"
    )
    assert html.count("timeline-attendance") == 1 and "Mat og prat" in html


def test_person_page_reads_contacts_as_columns(client: Any, make: Any, login: Any) -> None:
    """The contacts are read as the columns the timeline shows (with the names of their
    activity, channel, member of staff and the person who brought them), not as five
    objects a row; and every one of them is shown, a contact about no activity too."""
    centre = make.centre()
    staff = make.user(centre, name="Ola <Hansen>")
    login(staff)
    person = make.person(centre)
    friend = make.person(centre, first_name="Kari", last_name="")
    activity = make.activity(centre, "Mat & prat")
    channel = make.channel(centre, name="Plakat")
    with transaction():
        log_contact(
            centre.id,
            ContactInput(
                person.id,
                Outcome.ASKED,
                activity.id,
                channel.id,
                occurred_at=T0,
                by_user_id=staff.id,
                note="Ringer igjen",
                follow_up_on=(T0 + timedelta(days=7)).date(),
                recruited_by_id=friend.id,
            ),
        )
        log_contact(centre.id, ContactInput(person.id, Outcome.HEARD, occurred_at=T0))
    client.get(f"/people/{person.id}")
    with count_statements() as counted:
        html = client.get(f"/people/{person.id}").get_data(as_text=True)
    reads = [" ".join(s.split()) for s in counted.statements if "FROM contact " in s]
    assert len(reads) == 1
    assert reads[0].startswith("SELECT contact.occurred_at, contact.outcome, contact.role,")
    assert "contact.form_token" not in reads[0]
    assert html.count("timeline-contact") == 2
    for shown in (
        "Mat &amp; prat",
        "Plakat",
        "Ola &lt;Hansen&gt;",
        f'<a href="/people/{friend.id}">Kari</a>',
        "Ringer igjen",
        "Sentralen generelt",
    ):
        assert shown in html


def test_a_persons_enrolments_and_recruits_of_one_moment_come_in_the_order_they_were_made(
    make: Any,
) -> None:
    """Rows made in the same moment (an import, a form that enrols in several activities)
    are ordered by id, not left to the database's plan: the same order on every visit and
    on both databases. Written with ids falling, so that the order they lie in differs."""
    from rekruttering.models import Enrolment
    from rekruttering.people.timeline import enrolments_of, history_of

    centre = make.centre()
    person = make.person(centre)
    activities = [make.activity(centre, f"Aktivitet {n}") for n in range(3)]
    base = 900_000
    for n, activity in enumerate(activities):
        db.session.add(
            Enrolment(
                id=base + 10 - n,
                centre_id=centre.id,
                person_id=person.id,
                activity_id=activity.id,
                created_at=T0,
            )
        )
        db.session.add(
            Person(
                id=base + 10 - n,
                centre_id=centre.id,
                first_name=f"Rekrutt {n}",
                last_name="Hansen",
                language="nb",
                recruited_by_id=person.id,
                created_at=T0,
            )
        )
        db.session.flush()
    db.session.commit()
    assert [e.id for e in enrolments_of(person.id)] == [base + 8, base + 9, base + 10]
    history = history_of(centre.id, person)
    assert [p.id for p in history.recruited] == [base + 8, base + 9, base + 10]


def test_a_timelines_entries_of_one_moment_come_in_id_order(make: Any) -> None:
    """Two messages of the same moment, written with ids falling: the timeline shows them
    by id, whatever order the database reads them in."""
    from rekruttering.people.timeline import build_timeline

    centre = make.centre()
    person = make.person(centre)
    for n in range(3):
        db.session.add(
            Message(
                id=800_010 - n,
                centre_id=centre.id,
                person_id=person.id,
                direction=Direction.OUTBOUND,
                to_number=person.phone,
                body=f"Melding {n}",
                created_at=T0,
            )
        )
        db.session.flush()
    db.session.commit()
    entries = build_timeline(centre.id, person.id, [])
    assert [e.item.id for e in entries] == [800_008, 800_009, 800_010]
