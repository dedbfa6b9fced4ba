"""``Referral.acted_on``: every writer keeps it equal to the rule (funnel/referral_status.py).

One test per writer of what the rule reads (a contact, a check-in and its undoing, an
enrolment's stage times, the staff's mark, a merge, a user becoming a partner's), a
random sequence of all of them compared with the rule after every step, and the
migration's fill compared with the rule."""

from __future__ import annotations

import importlib.util
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rekruttering.checkin.service import check_in, undo_check_in
from rekruttering.domain.funnel import Outcome
from rekruttering.extensions import db
from rekruttering.funnel.referral_acted_on import out_of_step
from rekruttering.models import Contact, Enrolment, Referral
from rekruttering.outreach.follow_up import follow_up_queue
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.partners.referrals import set_not_reached
from rekruttering.people.service import merge_people
from rekruttering.transaction import transaction
from tests.conftest import TEST_NOW

NOW = TEST_NOW
HOUR = timedelta(hours=1)
MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "rekruttering"
    / "migrations"
    / "versions"
    / "referral_acted_on.py"
)


def stored(referral: Referral) -> bool:
    """The stored value, read from the database (not the session's copy)."""
    return bool(db.session.scalar(sa.select(Referral.acted_on).where(Referral.id == referral.id)))


def in_step() -> None:
    assert out_of_step(db.session.connection()) == []


def new_referrals(centre: Any) -> list[int]:
    queue = follow_up_queue(centre.id, heard_days=14, now=NOW + 30 * 24 * HOUR)
    return [r.id for r in queue.referrals.rows]


def test_a_new_referral_is_not_acted_on_and_shows(make: Any) -> None:
    centre = make.centre()
    referral = make.referral(centre, created_at=NOW)
    assert stored(referral) is False
    in_step()
    assert new_referrals(centre) == [referral.id]


def test_a_staff_contact_acts_the_partners_own_do_not(make: Any) -> None:
    centre = make.centre()
    partner = make.partner(centres=[centre])
    referral = make.referral(centre, partner, created_at=NOW)
    person_id = referral.person_id
    with transaction():  # the partner's own "heard of it" contact
        log_contact(centre.id, ContactInput(person_id, Outcome.HEARD, referral_id=referral.id))
    partner_user = make.partner_user(centre, partner)
    make.contact(
        db.session.get(type(referral.person), person_id),
        by_user_id=partner_user.id,
        occurred_at=NOW + HOUR,
    )
    assert stored(referral) is False
    in_step()
    with transaction():
        log_contact(centre.id, ContactInput(person_id, Outcome.NOT_NOW))
    assert stored(referral) is True
    in_step()
    assert new_referrals(centre) == []


def test_a_contact_moved_or_deleted_is_recomputed(make: Any) -> None:
    centre = make.centre()
    referral = make.referral(centre, created_at=NOW)
    other = make.person(centre)
    contact = make.contact(referral.person, occurred_at=NOW + HOUR)
    assert stored(referral) is True
    contact.person_id = other.id  # logged against the wrong person, moved
    db.session.commit()
    assert stored(referral) is False
    in_step()
    contact.person_id = referral.person_id
    db.session.commit()
    assert stored(referral) is True
    db.session.delete(contact)
    db.session.commit()
    assert stored(referral) is False
    in_step()


def test_a_check_in_acts_and_taking_it_back_undoes_it(make: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, NOW + HOUR)
    referral = make.referral(centre, created_at=NOW)
    with transaction():
        check_in(centre.id, session.id, referral.person_id, now=NOW + HOUR)
    assert stored(referral) is True
    in_step()
    with transaction():
        undo_check_in(centre.id, session.id, referral.person_id)
    assert stored(referral) is False
    in_step()
    assert new_referrals(centre) == [referral.id]


def test_an_enrolment_showed_up_or_declined_acts(make: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre)
    came, said_no, before = (make.referral(centre, created_at=NOW) for _ in range(3))
    make.enrolment(came.person, activity, heard_at=NOW, showed_up_at=NOW + HOUR)
    make.enrolment(said_no.person, activity, heard_at=NOW, declined_at=NOW + HOUR)
    make.enrolment(before.person, activity, heard_at=NOW - HOUR, declined_at=NOW - HOUR)
    assert [stored(r) for r in (came, said_no, before)] == [True, True, False]
    in_step()
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.person_id == came.person_id))
    assert enrolment is not None
    enrolment.showed_up_at = None
    db.session.commit()
    assert stored(came) is False
    in_step()


def test_the_staff_mark_acts_and_can_be_taken_back(make: Any) -> None:
    centre = make.centre()
    referral = make.referral(centre, created_at=NOW)
    with transaction():
        set_not_reached(centre.id, referral.id, True)
    assert stored(referral) is True
    with transaction():
        set_not_reached(centre.id, referral.id, False)
    assert stored(referral) is False
    in_step()


def test_a_merge_brings_the_duplicates_history_and_referrals(make: Any) -> None:
    centre = make.centre()
    activity = make.activity(centre)
    session = make.session(activity, NOW + HOUR)
    referral = make.referral(centre, created_at=NOW)
    duplicate = make.person(centre)
    make.attendance(session, duplicate, checked_in_at=NOW + HOUR)
    assert stored(referral) is False
    with transaction():
        merge_people(centre.id, referral.person_id, duplicate.id)
    assert stored(referral) is True
    in_step()
    # The other way: the referral is on the duplicate, the kept person was called since.
    moved = make.referral(centre, created_at=NOW)
    keep = make.person(centre)
    make.contact(keep, occurred_at=NOW + HOUR)
    assert stored(moved) is False
    with transaction():
        merge_people(centre.id, keep.id, moved.person_id)
    assert stored(moved) is True
    in_step()


def test_a_user_who_becomes_a_partners_no_longer_counts_as_staff(make: Any) -> None:
    centre = make.centre()
    partner = make.partner(centres=[centre])
    referral = make.referral(centre, partner, created_at=NOW)
    user = make.user(centre)
    make.contact(referral.person, by_user_id=user.id, occurred_at=NOW + HOUR)
    assert stored(referral) is True
    user.partner_id = partner.id
    db.session.commit()
    assert stored(referral) is False
    in_step()


def test_random_writes_keep_it_equal_to_the_rule(make: Any) -> None:
    """Many writes in a random order, through the services and the ORM: after each
    commit the stored value of every referral is the rule's."""
    centre = make.centre()
    activity = make.activity(centre)
    partner = make.partner(centres=[centre])
    partner_user, staff = make.partner_user(centre, partner), make.user(centre)
    sessions = [make.session(activity, NOW + k * HOUR) for k in (-2, 1, 3)]
    people = [make.person(centre) for _ in range(6)]
    rng = random.Random(17)
    for step in range(60):
        person = rng.choice(people)
        at = NOW + rng.randint(-3, 4) * HOUR
        move = rng.randrange(7)
        if move == 0:
            make.referral(centre, partner, person=person, created_at=at)
        elif move == 1:
            make.contact(
                person,
                by_user_id=rng.choice([staff.id, partner_user.id, None]),
                outcome=rng.choice(list(Outcome)),
                occurred_at=at,
            )
        elif move == 2:
            session = rng.choice(sessions)
            with transaction():
                check_in(centre.id, session.id, person.id, now=session.starts_at)
        elif move == 3:
            attended = [s for s in sessions if _attended(s, person)]
            if attended:
                with transaction():
                    undo_check_in(centre.id, rng.choice(attended).id, person.id)
        elif move == 4:
            contacts = db.session.scalars(
                sa.select(Contact).where(Contact.person_id == person.id)
            ).all()
            if contacts:
                db.session.delete(rng.choice(contacts))
                db.session.commit()
        elif move == 5:
            referrals = db.session.scalars(
                sa.select(Referral).where(Referral.person_id == person.id)
            ).all()
            if referrals:
                with transaction():
                    set_not_reached(centre.id, rng.choice(referrals).id, rng.random() < 0.5)
        else:
            enrolment = db.session.scalar(
                sa.select(Enrolment).where(Enrolment.person_id == person.id)
            )
            if enrolment is not None:
                setattr(
                    enrolment, rng.choice(["showed_up_at", "declined_at"]), rng.choice([None, at])
                )
                db.session.commit()
        assert out_of_step(db.session.connection()) == [], f"after step {step} (move {move})"
    counted = db.session.execute(
        sa.select(Referral.acted_on, sa.func.count()).group_by(Referral.acted_on)
    ).all()
    assert len(counted) == 2, f"the sequence should leave both kinds: {counted}"


def _attended(session: Any, person: Any) -> bool:
    from rekruttering.models import Attendance

    return (
        db.session.scalar(
            sa.select(Attendance.id).where(
                Attendance.session_id == session.id, Attendance.person_id == person.id
            )
        )
        is not None
    )


def test_the_migration_fills_in_the_rule(make: Any) -> None:
    """The revision's SQL (a copy of the rule as it was written) gives what the rule gives."""
    centre = make.centre()
    activity = make.activity(centre)
    partner = make.partner(centres=[centre])
    partner_user = make.partner_user(centre, partner)
    session = make.session(activity, NOW + HOUR)
    kinds = [make.referral(centre, partner, created_at=NOW) for _ in range(7)]
    make.attendance(session, kinds[0].person, checked_in_at=NOW + HOUR)
    make.enrolment(kinds[1].person, activity, heard_at=NOW, showed_up_at=NOW + HOUR)
    make.enrolment(kinds[2].person, activity, heard_at=NOW, declined_at=NOW + HOUR)
    make.contact(kinds[3].person, occurred_at=NOW + HOUR)
    make.contact(kinds[4].person, by_user_id=partner_user.id, occurred_at=NOW + HOUR)
    make.contact(
        kinds[5].person,
        by_user_id=partner_user.id,
        outcome=Outcome.SHOWED_UP,
        occurred_at=NOW + HOUR,
    )
    kinds[6].status = "not_reached"
    db.session.commit()
    expected = [True, True, True, True, False, True, True]
    assert [stored(r) for r in kinds] == expected
    spec = importlib.util.spec_from_file_location("referral_acted_on_revision", MIGRATION)
    assert spec is not None and spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    # Every stored value wrong, then the revision's fill.
    db.session.execute(sa.update(Referral).values(acted_on=~Referral.acted_on))
    assert [stored(r) for r in kinds] == [not e for e in expected]
    db.session.execute(sa.text(revision.BACKFILL))
    assert [stored(r) for r in kinds] == expected
    in_step()
    db.session.rollback()
