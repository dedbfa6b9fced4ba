"""Use cases on people: create, edit, merge, family links. Never commit (see transaction.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from rekruttering import audit
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import STAGE_ORDER, Stage
from rekruttering.domain.person_name import clean_name, has_visible_letter
from rekruttering.domain.phone import InvalidPhoneNumber, is_mobile, normalise_phone
from rekruttering.errors import Conflict, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Attendance,
    Contact,
    Enrolment,
    LinkKind,
    Person,
    PersonLink,
    Session,
    SessionSignup,
)
from rekruttering.sms.provider_errors import NOT_MOBILE_REASON
from rekruttering.tenancy import fetch

#: Placeholder name of a person merged into another (the row keeps no personal data).
MERGED_NAME = "—"


class DuplicatePhone(Conflict):
    """A person with this phone exists in the centre: offer them instead of a duplicate."""

    def __init__(self, existing: Person) -> None:
        super().__init__(
            _("%(name)s already has this phone number.", name=existing.display_name),
            field="phone",
        )
        self.existing = existing


def parse_phone(text: str | None) -> str | None:
    """E.164 for a typed number, None for an empty field, ServiceError otherwise."""
    if text is None or not text.strip():
        return None
    try:
        return normalise_phone(text)
    except InvalidPhoneNumber:
        raise ServiceError(
            _(
                "%(value)s is not a phone number we can use. Write it like 912 34 567 or +47 912 34 567.",
                value=text.strip(),
            ),
            field="phone",
        ) from None


def find_by_phone(centre_id: int, e164: str) -> Person | None:
    """The centre's person with this phone (records held for staff to confirm aside)."""
    return db.session.scalar(
        select(Person).where(
            Person.centre_id == centre_id, Person.phone == e164, Person.held_match_id.is_(None)
        )
    )


def add_from_third_party(
    centre_id: int, first_name: str, last_name: str, e164: str, language: str = "nb"
) -> Person:
    """A person a partner or the public form tells us about: always a new record.

    A third party never changes what the centre knows about someone: when the phone is
    already a person's, the new record is held (``held_match_id``) for staff to merge
    or keep apart, and consent given with it stays on it. Both cases run the same
    statements, so neither the answer nor its timing tells whether a number is known.
    """
    match = find_by_phone(centre_id, e164)
    person = Person(
        centre_id=centre_id,
        first_name=_clean_first_name(first_name),
        last_name=(last_name or "").strip()[:80],
        phone=e164,
        language=_clean_language(language),
        held_match_id=match.id if match is not None else None,
    )
    db.session.add(person)
    db.session.flush()
    return person


def keep_apart(centre_id: int, person_id: int) -> Person:
    """Staff decide a held record is someone else: it stays, without the other's phone."""
    person = fetch(Person, person_id, centre_id)
    if person.held_match_id is None:
        raise Conflict(_("This person is not waiting for a decision."))
    person.held_match_id = None
    person.phone = None
    person.phone_not_textable_reason = None
    audit.record("person_kept_apart", person_id=person.id, centre_id=centre_id)
    db.session.flush()
    return person


def _clean_first_name(first_name: str | None) -> str:
    if not (first_name or "").strip():
        raise ServiceError(_("A first name is needed."), field="first_name")
    first_name = clean_name(first_name)
    if not has_visible_letter(first_name):
        raise ServiceError(_("A name needs at least one visible letter."), field="first_name")
    return first_name[:80]


def _clean_last_name(last_name: str | None) -> str:
    return clean_name(last_name)[:80]


def _not_textable_reason(e164: str | None) -> str | None:
    """Kept as a phone number, but offered no SMS: landlines, toll-free, short numbers."""
    if e164 is not None and not is_mobile(e164):
        return NOT_MOBILE_REASON
    return None


def _clean_language(language: str | None) -> str:
    return (language or "nb").strip()[:10] or "nb"


def create_person(
    centre_id: int,
    first_name: str,
    last_name: str = "",
    phone: str | None = None,
    language: str = "nb",
    target_group: str | None = None,
    note: str = "",
    recruited_by_id: int | None = None,
) -> Person:
    """Add a person. Raises DuplicatePhone when the phone is already in this centre."""
    first_name = _clean_first_name(first_name)
    e164 = parse_phone(phone)
    if e164 is not None:
        existing = find_by_phone(centre_id, e164)
        if existing is not None:
            raise DuplicatePhone(existing)
    if recruited_by_id is not None:
        fetch(Person, recruited_by_id, centre_id)
    person = Person(
        centre_id=centre_id,
        first_name=first_name,
        last_name=_clean_last_name(last_name),
        phone=e164,
        phone_not_textable_reason=_not_textable_reason(e164),
        language=_clean_language(language),
        target_group=target_group or None,
        note=note or "",
        recruited_by_id=recruited_by_id,
    )
    db.session.add(person)
    db.session.flush()
    return person


@dataclass(frozen=True)
class PersonChanges:
    """The editable fields of a person, as typed."""

    first_name: str
    last_name: str = ""
    phone: str | None = None
    language: str = "nb"
    target_group: str | None = None
    note: str = ""


def update_person(centre_id: int, person_id: int, changes: PersonChanges) -> Person:
    """Change a person's details. Raises DuplicatePhone if another person has the phone."""
    person = fetch(Person, person_id, centre_id)
    if person.merged_into_id is not None or person.is_anonymised:
        raise Conflict(_("This person is anonymised or merged and cannot be edited."))
    first_name = _clean_first_name(changes.first_name)
    e164 = parse_phone(changes.phone)
    held_with_own_phone = person.held_match_id is not None and e164 == person.phone
    if e164 is not None and not held_with_own_phone:
        existing = find_by_phone(centre_id, e164)
        if existing is not None and existing.id != person.id:
            raise DuplicatePhone(existing)
    if e164 != person.phone:
        # A new number has not failed yet: the old provider verdict does not apply.
        person.phone_not_textable_reason = _not_textable_reason(e164)
    person.first_name = first_name
    person.last_name = _clean_last_name(changes.last_name)
    person.phone = e164
    person.language = _clean_language(changes.language)
    person.target_group = changes.target_group or None
    person.note = changes.note or ""
    audit.record("person_updated", person_id=person.id, centre_id=centre_id)
    db.session.flush()
    return person


# --- family links -------------------------------------------------------------------


def link_family(centre_id: int, person_id: int, other_id: int, kind: LinkKind) -> PersonLink:
    """Link two people: ``person`` is a parent of ``other``, or they are family."""
    person = fetch(Person, person_id, centre_id)
    other = fetch(Person, other_id, centre_id)
    kind = LinkKind(kind)
    if person.id == other.id:
        raise ServiceError(_("A person cannot be linked to themselves."), field="other_id")
    if person.merged_into_id is not None or other.merged_into_id is not None:
        raise Conflict(_("A merged person cannot be linked."))
    existing = db.session.scalar(
        select(PersonLink).where(
            or_(
                sa.and_(PersonLink.person_id == person.id, PersonLink.other_id == other.id),
                sa.and_(PersonLink.person_id == other.id, PersonLink.other_id == person.id),
            )
        )
    )
    if existing is not None:
        raise Conflict(
            _(
                "%(a)s and %(b)s are linked already.",
                a=person.display_name,
                b=other.display_name,
            )
        )
    link = PersonLink(centre_id=centre_id, person_id=person.id, other_id=other.id, kind=kind)
    db.session.add(link)
    db.session.flush()
    return link


def unlink_family(centre_id: int, link_id: int) -> None:
    """Remove a family link."""
    link = fetch(PersonLink, link_id, centre_id)
    db.session.delete(link)
    db.session.flush()


# --- merging duplicates -------------------------------------------------------------

STAGE_COLUMNS = ("heard_at", "asked_at", "showed_up_at", "regular_at")


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _combine_enrolments(keep: Enrolment, other: Enrolment) -> None:
    """Fold ``other`` into ``keep``: earliest time of each stage, the furthest stage."""
    first_heard_by_other = other.heard_at is not None and (
        keep.heard_at is None or other.heard_at < keep.heard_at
    )
    asked_first_by_other = other.asked_at is not None and (
        keep.asked_at is None or other.asked_at < keep.asked_at
    )
    for column in STAGE_COLUMNS:
        setattr(keep, column, _earliest(getattr(keep, column), getattr(other, column)))
    # "Said no" / "not now" are the latest such facts.
    keep.declined_at = _latest(keep.declined_at, other.declined_at)
    keep.not_now_at = _latest(keep.not_now_at, other.not_now_at)
    keep.stage = max((Stage(keep.stage), Stage(other.stage)), key=lambda s: STAGE_ORDER.index(s))
    if other.first_channel_id is not None and (
        keep.first_channel_id is None or first_heard_by_other
    ):
        keep.first_channel_id = other.first_channel_id
    if other.ask_channel_id is not None and (keep.ask_channel_id is None or asked_first_by_other):
        keep.ask_channel_id = other.ask_channel_id
    keep.partner_id = keep.partner_id or other.partner_id
    keep.created_at = _earliest(keep.created_at, other.created_at) or keep.created_at


def _person_fk_columns() -> list[sa.Column]:
    """Every column of every table that points at person.id."""
    columns = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "person" and fk.column.name == "id":
                columns.append(fk.parent)
    return columns


def merge_people(centre_id: int, keep_id: int, merge_id: int) -> Person:
    """Merge ``merge_id`` into ``keep_id``: all history moves, the duplicate is emptied.

    Contacts, enrolments (the same activity and role combined), attendance (a session
    both attended counts once), messages, reminders, consents, referrals,
    notifications, sign-ups, family links and "recruited by" references move to the
    kept person. The other row stays as a tombstone (``merged_into_id``) without name
    or phone, so old links and audit entries still resolve.
    """
    keep = fetch(Person, keep_id, centre_id)
    other = fetch(Person, merge_id, centre_id)
    if keep.id == other.id:
        raise ServiceError(_("Choose two different people to merge."), field="other_id")
    for person in (keep, other):
        if person.merged_into_id is not None or person.is_anonymised:
            raise Conflict(_("%(name)s is anonymised or merged already.", name=person.display_name))
    now = utcnow()

    # Enrolments: combine those of the same activity and role, move the rest.
    keep_enrolments = {
        (e.activity_id, e.role): e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.person_id == keep.id))
    }
    combined: list[Enrolment] = []
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.person_id == other.id)):
        twin = keep_enrolments.get((enrolment.activity_id, enrolment.role))
        if twin is None:
            enrolment.person_id = keep.id
        else:
            _combine_enrolments(twin, enrolment)
            combined.append(twin)
            db.session.delete(enrolment)
    db.session.flush()

    # Attendance and sign-ups: a session both are registered for counts once.
    for model in (Attendance, SessionSignup):
        kept_sessions = select(model.session_id).where(model.person_id == keep.id)
        db.session.execute(
            sa.delete(model).where(
                model.person_id == other.id, model.session_id.in_(kept_sessions)
            ),
            execution_options={"synchronize_session": False},
        )

    # Family links: drop the link between the two and links the kept person has already.
    links = db.session.scalars(
        select(PersonLink).where(
            or_(PersonLink.person_id == other.id, PersonLink.other_id == other.id)
        )
    ).all()
    kept_pairs = {
        frozenset((link.person_id, link.other_id))
        for link in db.session.scalars(
            select(PersonLink).where(
                or_(PersonLink.person_id == keep.id, PersonLink.other_id == keep.id)
            )
        )
    }
    for link in links:
        a = keep.id if link.person_id == other.id else link.person_id
        b = keep.id if link.other_id == other.id else link.other_id
        if a == b or frozenset((a, b)) in kept_pairs:
            db.session.delete(link)
            continue
        link.person_id, link.other_id = a, b
        kept_pairs.add(frozenset((a, b)))
    db.session.flush()

    # The kept person takes what it lacks; an opt-out on either one stays an opt-out.
    if keep.recruited_by_id == other.id:
        keep.recruited_by_id = None
    if keep.recruited_by_id is None and other.recruited_by_id not in (None, keep.id):
        keep.recruited_by_id = other.recruited_by_id
    keep.last_name = keep.last_name or other.last_name
    keep.target_group = keep.target_group or other.target_group
    if other.note and other.note not in keep.note:
        keep.note = f"{keep.note}\n{other.note}".strip()
    keep.sms_opted_out_at = _earliest(keep.sms_opted_out_at, other.sms_opted_out_at)
    keep.last_activity_at = _latest(keep.last_activity_at, other.last_activity_at) or now
    keep.created_at = _earliest(keep.created_at, other.created_at) or keep.created_at
    other_phone, other_reason = other.phone, other.phone_not_textable_reason

    # The duplicate becomes a tombstone without personal data.
    other.merged_into_id = keep.id
    other.first_name = MERGED_NAME
    other.last_name = ""
    other.phone = None
    other.note = ""
    other.target_group = None
    other.recruited_by_id = None
    other.phone_not_textable_reason = None
    other.anonymised_at = now
    db.session.flush()
    if keep.phone is None and other_phone is not None:
        keep.phone = other_phone
        keep.phone_not_textable_reason = other_reason
    db.session.flush()

    # Everything else that points at the duplicate now points at the kept person:
    # contacts, messages, reminders, consents, referrals, notifications, attendance,
    # "recruited by" references, and any table added later.
    # (Earlier tombstones merged into the duplicate now point at the kept person too.)
    for column in _person_fk_columns():
        db.session.execute(
            update(column.table).where(column == other.id).values({column.name: keep.id}),
            execution_options={"synchronize_session": False},
        )
    # Nobody recruits themselves; records held as a possible match of the duplicate
    # now wait on the kept person, and a held record merged with its match is settled.
    db.session.execute(
        update(Person)
        .where(Person.id == keep.id, Person.recruited_by_id == keep.id)
        .values(recruited_by_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Person).where(Person.held_match_id == other.id).values(held_match_id=keep.id),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Person)
        .where(Person.id == keep.id, Person.held_match_id == keep.id)
        .values(held_match_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    db.session.expire_all()

    for enrolment in combined:
        _recount_attendance(enrolment.id)
    audit.record(
        "person_merged",
        person_id=keep.id,
        centre_id=centre_id,
        detail=f"person {other.id} merged into {keep.id}",
    )
    audit.record(
        "person_merged_away",
        person_id=other.id,
        centre_id=centre_id,
        detail=f"merged into person {keep.id}",
    )
    db.session.flush()
    return db.session.get_one(Person, keep.id)


def _recount_attendance(enrolment_id: int) -> None:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        return
    enrolment.attendance_count = db.session.scalar(
        select(func.count(Attendance.id))
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.person_id == enrolment.person_id,
            Session.activity_id == enrolment.activity_id,
            Attendance.role == enrolment.role,
        )
    )


def merge_summary(centre_id: int, person_id: int) -> dict[str, int]:
    """How much history a person has, shown on the merge confirmation page."""
    fetch(Person, person_id, centre_id)
    counts: dict[str, int] = {}
    for label, model in (
        ("contacts", Contact),
        ("enrolments", Enrolment),
        ("attendance", Attendance),
    ):
        counts[label] = (
            db.session.scalar(select(func.count(model.id)).where(model.person_id == person_id)) or 0
        )
    return counts
