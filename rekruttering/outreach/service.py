"""Log a contact: the staff's most frequent use case. Never commits (transaction.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import null, select, update

from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import EnrolmentRead, apply_outcome, enrol, touch
from rekruttering.models import (
    Activity,
    Channel,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    Enrolment,
    Membership,
    Notification,
    Person,
    Referral,
    ReferralStatus,
    Source,
)
from rekruttering.people.service import create_person
from rekruttering.privacy.service import record_consent
from rekruttering.tenancy import (
    centre_of_persons_rows,
    fetch,
    holds_key,
    memberships_of_request,
)

#: Notification kinds the follow-up queue shows (and a contact about the person closes).
QUEUE_NOTIFICATION_KINDS = ("referral", "signup")

#: How a contact with a referral moves what the partner sees (never backwards).
REFERRAL_STATUS_AFTER: dict[Outcome, ReferralStatus | None] = {
    Outcome.HEARD: None,  # the partner telling them is the "heard"; nothing new
    Outcome.ASKED: ReferralStatus.CONTACTED,
    Outcome.NOT_NOW: ReferralStatus.CONTACTED,
    Outcome.DECLINED: ReferralStatus.DECLINED,
    Outcome.SHOWED_UP: ReferralStatus.CAME,
}
_REFERRAL_RANK = {
    ReferralStatus.RECEIVED: 0,
    ReferralStatus.NOT_REACHED: 1,
    ReferralStatus.CONTACTED: 2,
    ReferralStatus.DECLINED: 3,
    ReferralStatus.CAME: 4,
}

#: A little slack for clocks: a contact "now" from a device a minute ahead is fine.
_FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class ContactInput:
    """What a staff member (or a partner, a form, an import) reports about one touch."""

    person_id: int
    outcome: Outcome
    activity_id: int | None = None
    channel_id: int | None = None
    role: Role = Role.PARTICIPANT
    occurred_at: datetime | None = None
    by_user_id: int | None = None
    note: str = ""
    follow_up_on: date | None = None
    recruited_by_id: int | None = None
    source_id: int | None = None
    referral_id: int | None = None
    partner_id: int | None = None
    #: A random token rendered into the form: the same token twice logs one contact.
    form_token: str | None = None
    #: The follow-up (a contact with a due date) this contact answers: marked done.
    closes_follow_up_id: int | None = None
    #: A staff notification (new referral, sign-up) this contact answers: marked read.
    closes_notification_id: int | None = None


@dataclass(frozen=True)
class NewPerson:
    """The few fields to add a person while logging a contact."""

    first_name: str
    phone: str | None = None
    language: str = "nb"
    last_name: str = ""
    #: The person agreed to SMS (the form's consent box): recorded with the person.
    sms_consent: bool = False


def contact_for_token(centre_id: int, form_token: str | None) -> Contact | None:
    """The contact a form token already logged (a double-submitted form), if any."""
    if not form_token:
        return None
    existing = db.session.scalar(select(Contact).where(Contact.form_token == form_token))
    if existing is not None and existing.centre_id == centre_id:
        return existing
    return None


class ContactSubjects(NamedTuple):
    person: Person
    activity: Activity
    enrolment: EnrolmentRead
    #: The contact the form token already logged (``contact_for_token``), if any.
    earlier: Contact | None


def contact_subjects(
    centre_id: int, person_id: int, activity_id: int, role: Role, form_token: str | None
) -> ContactSubjects | None:
    """The person and the activity of a contact, both of this centre, with the person's
    enrolment in it in this role and the contact the form token logged (as
    ``contact_for_token``): one statement (a contact read them in four,
    docs/performance.md, "Writes: tenth round"). None when the person or the activity
    is not found (the caller reads them one by one, to answer as it did)."""
    if not (holds_key(person_id) and holds_key(activity_id)):
        return None
    # The token's contact as a scalar subquery (its unique index; SQLite scans the
    # table for a LEFT JOIN on the token alone): its id, of this centre, as the lookup.
    earlier_id = (
        select(Contact.id)
        .where(Contact.form_token == form_token, Contact.centre_id == centre_id)
        .scalar_subquery()
        if form_token
        else null()
    )
    row = db.session.execute(
        select(Person, Activity, Enrolment, earlier_id)
        .select_from(Person)
        .join(Activity, (Activity.id == activity_id) & (Activity.centre_id == centre_id))
        .outerjoin(
            Enrolment,
            (Enrolment.person_id == Person.id)
            & (Enrolment.activity_id == Activity.id)
            & (Enrolment.role == role),
        )
        .where(Person.id == person_id, Person.centre_id == centre_id)
    ).one_or_none()
    if row is None:
        return None
    person, activity, enrolment, earlier = row
    return ContactSubjects(
        person,
        activity,
        EnrolmentRead(person.id, activity.id, role, enrolment),
        db.session.get(Contact, earlier) if earlier is not None else None,
    )


def log_contact(
    centre_id: int,
    data: ContactInput,
    token_checked: bool = False,
    enrolment: EnrolmentRead | None = None,
) -> Contact:
    """Record the contact and move the person's enrolment forward (never backwards).

    ``token_checked``: the caller has looked the form token up (``contact_for_token``)
    in this transaction and found nothing; it is not looked up again. (Two posts at the
    same moment are still told apart by the token's unique key.) ``enrolment``: what
    the caller read of the enrolment (``contact_subjects``), not read again."""
    if not token_checked:
        existing = contact_for_token(centre_id, data.form_token)
        if existing is not None:
            return existing  # a double-submitted form
    person = fetch(Person, data.person_id, centre_id)
    if person.merged_into_id is not None or person.is_anonymised:
        raise ServiceError(_("This person is anonymised or merged."), field="person_id")
    if data.activity_id is not None:
        fetch(Activity, data.activity_id, centre_id)
    channel_id = data.channel_id
    if channel_id is not None:
        # A channel merged away (an old form, an API client's cached id): its twin.
        channel_id = fetch(Channel, channel_id, centre_id).merged_into_id or channel_id
    if data.source_id is not None:
        fetch(Source, data.source_id, centre_id)
    if data.recruited_by_id is not None:
        fetch(Person, data.recruited_by_id, centre_id)
    if data.by_user_id is not None and not _is_member(data.by_user_id, centre_id):
        raise ServiceError(_("Choose someone who works at this centre."), field="by_user_id")
    referral = fetch(Referral, data.referral_id, centre_id) if data.referral_id else None
    now = utcnow()
    at = data.occurred_at or now
    if at > now + _FUTURE_SLACK:
        raise ServiceError(_("A contact cannot be in the future."), field="occurred_on")
    if data.activity_id is not None:
        # Before the contact is added: a new enrolment is written in a savepoint of its
        # own (``enrol``), and written with the outcome already applied, the contact,
        # the person and the enrolment are then written in one flush.
        partner_id = data.partner_id or (referral.partner_id if referral else None)
        enrol(
            centre_id,
            person.id,
            data.activity_id,
            data.role,
            prepare=lambda found: apply_outcome(found, data.outcome, at, channel_id, partner_id),
            read=enrolment,
        )
    contact = Contact(
        centre_id=centre_id,
        person_id=person.id,
        activity_id=data.activity_id,
        channel_id=channel_id,
        role=data.role,
        outcome=data.outcome,
        occurred_at=at,
        by_user_id=data.by_user_id,
        note=data.note or "",
        follow_up_on=data.follow_up_on,
        recruited_by_id=data.recruited_by_id,
        source_id=data.source_id,
        referral_id=data.referral_id,
        form_token=data.form_token,
    )
    db.session.add(contact)
    if data.recruited_by_id not in (None, person.id) and person.recruited_by_id is None:
        person.recruited_by_id = data.recruited_by_id
    if referral is not None:
        _advance_referral(centre_id, referral, data.outcome)
    if data.closes_follow_up_id is not None:
        mark_follow_up_done(centre_id, data.closes_follow_up_id, now)
    if data.closes_notification_id is not None:
        mark_notification_read(centre_id, data.closes_notification_id, now)
    touch(person, at)
    db.session.flush()
    return contact


def log_contact_for_new_person(
    centre_id: int, new: NewPerson, data: ContactInput, token_checked: bool = False
) -> Contact:
    """Add a person and log the contact in one go (a form sent twice adds nobody twice).

    Raises DuplicatePhone when the phone belongs to someone already: the caller offers
    that person instead. ``token_checked``: as for ``log_contact``.
    """
    if not token_checked:
        existing = contact_for_token(centre_id, data.form_token)
        if existing is not None:
            return existing
    person = create_person(
        centre_id,
        first_name=new.first_name,
        last_name=new.last_name,
        phone=new.phone,
        language=new.language,
        recruited_by_id=data.recruited_by_id,
    )
    if new.sms_consent and person.phone:
        record_consent(
            centre_id,
            person.id,
            ConsentPurpose.SMS,
            ConsentMethod.IN_PERSON,
            by_user_id=data.by_user_id,
        )
    return log_contact(centre_id, replace(data, person_id=person.id), token_checked=True)


def mark_follow_up_done(centre_id: int, contact_id: int, at: datetime | None = None) -> Contact:
    """The follow-up a contact asked for is done (doing it twice changes nothing)."""
    contact = fetch(Contact, contact_id, centre_id)
    if contact.follow_up_on is None:
        raise ServiceError(_("This contact has no follow-up date."))
    if contact.follow_up_done_at is None:
        contact.follow_up_done_at = at or utcnow()
    return contact


def mark_notification_read(
    centre_id: int, notification_id: int, at: datetime | None = None
) -> Notification:
    notification = fetch(Notification, notification_id, centre_id)
    if notification.read_at is None:
        notification.read_at = at or utcnow()
    return notification


def _advance_referral(centre_id: int, referral: Referral, outcome: Outcome) -> None:
    status = REFERRAL_STATUS_AFTER[outcome]
    if status is None:
        return
    if _REFERRAL_RANK[status] > _REFERRAL_RANK[ReferralStatus(referral.status)]:
        referral.status = status
    # Somebody acted on the referral: the "new referral" notice about them is read.
    db.session.execute(
        update(Notification)
        .where(
            Notification.person_id == referral.person_id,
            centre_of_persons_rows(Notification.centre_id, centre_id),
            Notification.kind == "referral",
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def _is_member(user_id: int, centre_id: int) -> bool:
    known = memberships_of_request(user_id)
    if known is not None:
        return centre_id in known
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user_id, Membership.centre_id == centre_id
            )
        )
        is not None
    )
