"""May this person be texted now? Checked when scheduling and again at the moment of sending."""

from __future__ import annotations

from rekruttering.models import ConsentPurpose, Person
from rekruttering.privacy.consent import has_active_consent
from rekruttering.sms.opt_out import OPTED_OUT_REASON, is_opted_out
from rekruttering.sms.provider_errors import _l

NO_PHONE = _l("No phone number")
NO_CONSENT = _l("No consent to SMS")


def why_not_textable(person: Person) -> str | None:
    """None when an SMS may go to ``person``; else the reason (English, for translation)."""
    if not person.phone or person.anonymised_at is not None:
        return NO_PHONE
    if person.sms_opted_out_at is not None or is_opted_out(person.phone):
        return OPTED_OUT_REASON
    if person.phone_not_textable_reason:
        return person.phone_not_textable_reason
    if not has_active_consent(person.id, ConsentPurpose.SMS):
        return NO_CONSENT
    return None
