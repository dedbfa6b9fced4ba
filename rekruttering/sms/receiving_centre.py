"""Which centre an SMS from an unknown number belongs to: the one that received it.

``sms.inbound_centres`` (installation-wide, like the Twilio account) maps a receiving
number (Twilio's ``To``) or a Messaging Service SID to a centre's slug. A text to a
number not in it belongs to no centre: kept for the installation's operator, shown to
no centre's staff.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlalchemy as sa

from rekruttering.domain.phone import try_normalise_phone
from rekruttering.extensions import db
from rekruttering.models import Centre

log = logging.getLogger(__name__)


def receiving_centre_id(
    mapping: Mapping[str, str], to_number: str, messaging_service_sid: str = ""
) -> int | None:
    """The centre whose number or messaging service received the text, or None."""
    slug = mapping.get((messaging_service_sid or "").strip())
    if slug is None:
        number = try_normalise_phone(to_number or "")
        slug = mapping.get(number) if number else None
    if slug is None:
        return None
    centre_id = db.session.scalar(sa.select(Centre.id).where(Centre.slug == slug))
    if centre_id is None:
        log.warning("sms.inbound_centres names an unknown centre slug %r", slug)
    return centre_id
