"""Consent records: for what, how, when, by whom; withdrawal as easy as giving.

Building blocks (never commit; see transaction.py). Sending an SMS checks
``has_active_consent(person_id, ConsentPurpose.SMS)`` at the moment of sending.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from rekruttering.domain.clock import utcnow
from rekruttering.extensions import db
from rekruttering.models import Consent, ConsentMethod, ConsentPurpose


def active_consent(person_id: int, purpose: ConsentPurpose) -> Consent | None:
    """The newest consent for ``purpose`` that has not been withdrawn, if any."""
    return db.session.scalar(
        select(Consent)
        .where(
            Consent.person_id == person_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.given_at.desc())
        .limit(1)
    )


def has_active_consent(person_id: int, purpose: ConsentPurpose) -> bool:
    return active_consent(person_id, purpose) is not None


def give_consent(
    centre_id: int,
    person_id: int,
    purpose: ConsentPurpose,
    method: ConsentMethod,
    recorded_by_id: int | None = None,
    partner_id: int | None = None,
    at: datetime | None = None,
) -> Consent:
    """Record consent; giving it again while active keeps the existing record."""
    existing = active_consent(person_id, purpose)
    if existing is not None:
        return existing
    consent = Consent(
        centre_id=centre_id,
        person_id=person_id,
        purpose=purpose,
        method=method,
        given_at=at or utcnow(),
        recorded_by_id=recorded_by_id,
        partner_id=partner_id,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def withdraw_consent(person_id: int, purpose: ConsentPurpose, at: datetime | None = None) -> int:
    """Withdraw every active consent for ``purpose``; returns how many were withdrawn."""
    consents = db.session.scalars(
        select(Consent).where(
            Consent.person_id == person_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
    ).all()
    for consent in consents:
        consent.withdrawn_at = at or utcnow()
    return len(consents)


def consent_history(person_id: int) -> list[Consent]:
    """Every consent given or withdrawn for the person, newest first (the caller has
    loaded the person through the tenancy helpers)."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.person_id == person_id)
            .options(joinedload(Consent.recorded_by), joinedload(Consent.partner))
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
    )
