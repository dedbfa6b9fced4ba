"""Use cases of the privacy pages: record and withdraw consent, export a person.

They never commit (see transaction.py); each writes its audit entry into the same
transaction, so the log says exactly what happened.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from rekruttering import audit
from rekruttering.errors import ServiceError
from rekruttering.models import Consent, ConsentMethod, ConsentPurpose, Person
from rekruttering.privacy.consent import give_consent, withdraw_consent
from rekruttering.privacy.export import export_person
from rekruttering.tenancy import fetch


def record_consent(
    centre_id: int,
    person_id: int,
    purpose: ConsentPurpose,
    method: ConsentMethod,
    by_user_id: int | None = None,
) -> Consent:
    """Staff record a consent the person gave (in person, through a partner)."""
    person = fetch(Person, person_id, centre_id)
    if person.anonymised_at is not None:
        raise ServiceError(_("This person is anonymised: no consent can be recorded."))
    consent = give_consent(centre_id, person.id, purpose, method, recorded_by_id=by_user_id)
    audit.record(
        "consent_given",
        person_id=person.id,
        centre_id=centre_id,
        user_id=by_user_id,
        detail=f"{purpose.value} ({method.value})",
    )
    return consent


def revoke_consent(
    centre_id: int, person_id: int, purpose: ConsentPurpose, by_user_id: int | None = None
) -> int:
    """The person withdrew consent: as easy as giving it. Returns how many ended."""
    person = fetch(Person, person_id, centre_id)
    count = withdraw_consent(person.id, purpose)
    audit.record(
        "consent_withdrawn",
        person_id=person.id,
        centre_id=centre_id,
        user_id=by_user_id,
        detail=purpose.value,
    )
    return count


def access_export(
    centre_id: int, person_id: int, how: str, by_user_id: int | None = None
) -> dict[str, Any]:
    """Everything held about the person, with an audit entry saying it was handed out."""
    data = export_person(centre_id, person_id)
    audit.record(
        "person_exported",
        person_id=data["person_id"],
        centre_id=centre_id,
        user_id=by_user_id,
        detail=how,
    )
    return data
