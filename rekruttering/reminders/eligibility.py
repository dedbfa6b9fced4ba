"""May this person be texted now? Checked when scheduling and again at the moment of sending."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from rekruttering.domain.phone import is_mobile
from rekruttering.extensions import db
from rekruttering.models import Consent, ConsentPurpose, OptOut, Person
from rekruttering.privacy.consent import has_active_consent
from rekruttering.sms.number_hash import current_key, number_hash
from rekruttering.sms.opt_out import OPTED_OUT_REASON, is_opted_out
from rekruttering.sms.provider_errors import NOT_MOBILE_REASON, _l

NO_PHONE = _l("No phone number")
NO_CONSENT = _l("No consent to SMS")


def _reason(person: Person, opted_out: bool, consents: bool) -> str | None:
    if not person.phone or person.anonymised_at is not None:
        return NO_PHONE
    if person.sms_opted_out_at is not None or opted_out:
        return OPTED_OUT_REASON
    if person.phone_not_textable_reason:
        return person.phone_not_textable_reason
    if not is_mobile(person.phone):
        return NOT_MOBILE_REASON  # a landline stored before numbers were checked
    if not consents:
        return NO_CONSENT
    return None


def why_not_textable(person: Person) -> str | None:
    """None when an SMS may go to ``person`` now; else the reason (English, translated
    when shown). The authoritative check, made at the moment of sending."""
    return _reason(
        person,
        is_opted_out(person.phone),
        person.phone is not None and has_active_consent(person.id, ConsentPurpose.SMS),
    )


def reasons_not_textable(people: Sequence[Person]) -> dict[int, str | None]:
    """``why_not_textable`` for many people in two queries (for a preview)."""
    key = current_key()
    hashes = {p.phone: number_hash(p.phone, key) for p in people if p.phone}
    listed = set(
        db.session.scalars(
            sa.select(OptOut.phone_hash).where(OptOut.phone_hash.in_(list(hashes.values())))
        )
    )
    opted = {phone for phone, digest in hashes.items() if digest in listed}
    consenting = set(
        db.session.scalars(
            sa.select(Consent.person_id).where(
                Consent.person_id.in_([p.id for p in people]),
                Consent.purpose == ConsentPurpose.SMS,
                Consent.withdrawn_at.is_(None),
            )
        )
    )
    return {p.id: _reason(p, p.phone in opted, p.id in consenting) for p in people}
