"""QR sources and the public sign-up through them. Never commits (see transaction.py).

A source is one poster, brochure or place; its code is in the short URL printed as a
QR code. Signing up through it puts the person into the funnel at "heard of it" with
that source and its channel, so the report can tell which posters work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, distinct, func, or_, select
from sqlalchemy.orm import aliased

from rekruttering import audit
from rekruttering.domain.clock import utcnow
from rekruttering.domain.funnel import Outcome
from rekruttering.errors import NotFound, ServiceError
from rekruttering.extensions import db
from rekruttering.models import (
    Activity,
    Attendance,
    Channel,
    ConsentMethod,
    ConsentPurpose,
    Contact,
    Enrolment,
    MessageTemplate,
    Source,
)
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.partners.notifications import NoticeKind, notify
from rekruttering.partners.referrals import split_name
from rekruttering.people.service import add_from_third_party, parse_phone
from rekruttering.privacy.consent import give_consent
from rekruttering.signup.form_texts import form_languages
from rekruttering.signup.spam import SpamGuard, SpamSuspected
from rekruttering.tenancy import fetch

#: No 0/o, 1/l/i: a code read off a poster and typed by hand must be unambiguous.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 6


@dataclass(frozen=True)
class SourceInput:
    name: str
    channel_id: int | None
    activity_id: int | None = None


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Source.id).where(Source.code == code)) is None:
            return code


def _checked(centre_id: int, data: SourceInput) -> tuple[str, int, int | None]:
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(_("A name is needed."), field="name")
    if data.channel_id is None:
        raise ServiceError(_("Choose the channel this source belongs to."), field="channel_id")
    fetch(Channel, data.channel_id, centre_id)
    if data.activity_id is not None:
        fetch(Activity, data.activity_id, centre_id)
    return name[:120], data.channel_id, data.activity_id


def create_source(centre_id: int, data: SourceInput) -> Source:
    """A new poster, brochure or place, with a fresh code for its QR code."""
    name, channel_id, activity_id = _checked(centre_id, data)
    source = Source(
        centre_id=centre_id,
        name=name,
        code=_new_code(),
        channel_id=channel_id,
        activity_id=activity_id,
    )
    db.session.add(source)
    db.session.flush()
    audit.record("source_created", centre_id=centre_id, detail=f"source={source.id}")
    return source


def update_source(centre_id: int, source_id: int, data: SourceInput) -> Source:
    """Rename it or change its channel/activity; the code (already printed) stays."""
    source = fetch(Source, source_id, centre_id)
    source.name, source.channel_id, source.activity_id = _checked(centre_id, data)
    audit.record("source_updated", centre_id=centre_id, detail=f"source={source.id}")
    return source


def set_source_active(centre_id: int, source_id: int, active: bool) -> Source:
    """A source taken down stops accepting sign-ups; its history stays."""
    source = fetch(Source, source_id, centre_id)
    source.active = active
    audit.record(
        "source_activated" if active else "source_deactivated",
        centre_id=centre_id,
        detail=f"source={source.id}",
    )
    return source


def source_by_code(code: str) -> Source:
    """The active source behind a short URL (public: the code says which centre)."""
    source = db.session.scalar(
        select(Source).where(Source.code == (code or "").strip().lower(), Source.active.is_(True))
    )
    if source is None:
        raise NotFound("not found")
    return source


def template_languages(centre_id: int) -> set[str]:
    """The languages the centre has message templates in."""
    return set(
        db.session.scalars(
            select(distinct(MessageTemplate.language)).where(MessageTemplate.centre_id == centre_id)
        )
    )


def languages_for(source: Source) -> list[str]:
    """The languages the form behind ``source`` is offered in."""
    return form_languages(template_languages(source.centre_id))


@dataclass(frozen=True)
class SourceStats:
    signups: int = 0
    came: int = 0


def stats_by_source(centre_id: int) -> dict[int, SourceStats]:
    """source id -> people who signed up through it, and how many of them came since.

    One GROUP BY query: "came" counts people who showed up after signing up (a check-in,
    a "showed up" contact, or an enrolment that reached "showed up").
    """
    later = aliased(Contact)
    came = or_(
        select(Attendance.id)
        .where(
            Attendance.person_id == Contact.person_id,
            Attendance.checked_in_at >= Contact.occurred_at,
        )
        .exists(),
        select(Enrolment.id)
        .where(
            Enrolment.person_id == Contact.person_id,
            Enrolment.showed_up_at >= Contact.occurred_at,
        )
        .exists(),
        select(later.id)
        .where(
            later.person_id == Contact.person_id,
            later.outcome == Outcome.SHOWED_UP,
            later.occurred_at >= Contact.occurred_at,
        )
        .exists(),
    )
    rows = db.session.execute(
        select(
            Contact.source_id,
            func.count(distinct(Contact.person_id)),
            func.count(distinct(case((came, Contact.person_id), else_=None))),
        )
        .where(Contact.centre_id == centre_id, Contact.source_id.is_not(None))
        .group_by(Contact.source_id)
    ).all()
    return {source_id: SourceStats(signups, came_n) for source_id, signups, came_n in rows}


class SignupRefused(ServiceError):
    """The public form was refused. ``reason`` names the words to show the visitor
    (a key of form_texts: err_name, err_phone, err_consent, err_bot, err_too_fast,
    err_expired)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason, field)
        self.reason = reason


@dataclass(frozen=True)
class SignupInput:
    name: str
    phone: str
    consent: bool
    language: str = "nb"
    activity_id: int | None = None
    stamp: str = ""
    honeypot: str = ""


def sign_up(code: str, data: SignupInput, guard: SpamGuard, now: datetime | None = None) -> Contact:
    """Someone signs up through a QR source. Refuses bad input, storing nothing."""
    source = source_by_code(code)
    try:
        nonce = guard.check(
            data.stamp, data.honeypot, source.code, now.timestamp() if now else None
        )
    except SpamSuspected as exc:
        raise SignupRefused(f"err_{exc.reason}") from None
    form_token = f"signup:{nonce}"
    earlier = db.session.scalar(select(Contact).where(Contact.form_token == form_token))
    if earlier is not None:
        return earlier  # the same form sent twice
    name = " ".join((data.name or "").split())
    if not name:
        raise SignupRefused("err_name", "name")
    try:
        e164 = parse_phone(data.phone)
    except ServiceError:
        e164 = None
    if e164 is None:
        raise SignupRefused("err_phone", "phone")
    if not data.consent:
        raise SignupRefused("err_consent", "consent")
    activity_id = source.activity_id
    if activity_id is None and data.activity_id is not None:
        activity = db.session.get(Activity, data.activity_id)
        if activity is None or activity.centre_id != source.centre_id or not activity.active:
            raise SignupRefused("err_bot", "activity_id")  # not a choice the form offered
        activity_id = activity.id
    languages = languages_for(source)
    language = data.language if data.language in languages else "nb"
    at = now or utcnow()
    centre_id = source.centre_id
    # Always a new record: a known phone is held for staff to confirm (issue 12).
    first, last = split_name(name)
    person = add_from_third_party(centre_id, first, last, e164, language)
    contact = log_contact(
        centre_id,
        ContactInput(
            person_id=person.id,
            outcome=Outcome.HEARD,
            activity_id=activity_id,
            channel_id=source.channel_id,
            occurred_at=at,
            source_id=source.id,
            form_token=form_token,
        ),
    )
    for purpose in (ConsentPurpose.REGISTER, ConsentPurpose.SMS):
        give_consent(centre_id, person.id, purpose, ConsentMethod.WEB_FORM, at=at)
    notify(centre_id, NoticeKind.SIGNUP, person.id, at)
    audit.record("signup", person_id=person.id, centre_id=centre_id, detail=f"source={source.id}")
    return contact
