"""A centre's own settings: read them (with the installation's defaults for a centre
that never saved any) and change them (checked, audit-logged).

Every reader goes through ``settings_of``: the public sign-up form and QR poster
(name, address, contact, privacy notice), check-in (the wished volunteer ratio),
new activities (reminder day and time), reminders (signature, languages) and the
retention job (months).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time

from flask_babel import gettext as _
from sqlalchemy import select

from rekruttering import audit
from rekruttering.config import current_settings
from rekruttering.domain.clock import utcnow
from rekruttering.domain.phone import InvalidPhoneNumber, format_phone, normalise_phone
from rekruttering.domain.reminder_text import DEFAULT_TEMPLATES
from rekruttering.domain.reminder_time import MAX_REMINDER_DAYS
from rekruttering.domain.text import clean
from rekruttering.domain.volunteer_ratio import MAX_RATIO
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.languages import LANGUAGES
from rekruttering.models import Activity, Centre, CentreSettings

MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 240
MAX_NOTICE = 2000
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: The fields a change is audited by (their names, never their values: a phone number
#: or an address is not for the log).
FIELDS = (
    "public_name",
    "address",
    "phone",
    "email",
    "wished_volunteer_ratio",
    "reminder_days_before",
    "reminder_time",
    "sms_signature",
    "reminder_languages",
    "retention_months",
    "privacy_notice",
)


@dataclass(frozen=True)
class SettingsInput:
    public_name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    wished_volunteer_ratio: float | None = None
    reminder_days_before: int = 1
    reminder_time: time = time(18, 0)
    sms_signature: str = ""
    reminder_languages: Sequence[str] = field(default_factory=lambda: ("nb",))
    retention_months: int = 24
    privacy_notice: str = ""


def known_languages(centre_id: int | None = None) -> list[str]:
    """Codes a centre may write reminders in: the people's languages, the built-in texts
    and any the centre already writes in (a template may be in another language)."""
    current = settings_of(centre_id).languages if centre_id is not None else ()
    return list(dict.fromkeys([*LANGUAGES, *DEFAULT_TEMPLATES, *current]))


def add_reminder_language(centre_id: int, code: str) -> None:
    """The centre wrote a reminder template in ``code``: it writes reminders in it."""
    row = add_defaults(centre_id)
    if code not in row.languages:
        row.reminder_languages = ",".join([*row.languages, code])[:200]
        audit.record("centre_settings_changed", centre_id=centre_id, detail="reminder_languages")


def defaults(centre_id: int) -> CentreSettings:
    """A new centre's settings from the installation's config (not added to the session)."""
    config = current_settings()
    return CentreSettings(
        centre_id=centre_id,
        public_name="",
        address="",
        phone="",
        email="",
        wished_volunteer_ratio=None,
        reminder_days_before=config.centre_defaults.reminder_days_before,
        reminder_time=config.centre_defaults.reminder_time,
        sms_signature="",
        reminder_languages=",".join(config.centre_defaults.reminder_languages),
        retention_months=config.retention.months,
        privacy_notice="",
    )


def _row(centre_id: int) -> CentreSettings | None:
    return db.session.scalar(select(CentreSettings).where(CentreSettings.centre_id == centre_id))


def settings_of(centre_id: int) -> CentreSettings:
    """The centre's settings; the installation's defaults if it never saved any."""
    return _row(centre_id) or defaults(centre_id)


def add_defaults(centre_id: int) -> CentreSettings:
    """Store a new centre's settings, from the config (called when a centre is made)."""
    row = _row(centre_id)
    if row is None:
        row = defaults(centre_id)
        db.session.add(row)
    return row


@dataclass(frozen=True)
class PublicDetails:
    """What the public pages (sign-up form, QR poster) say about the centre."""

    name: str
    address: str
    phone: str  # readable, not E.164
    email: str
    privacy_notice: str  # empty: the page's built-in sentence


def public_details(centre: Centre) -> PublicDetails:
    row = settings_of(centre.id)
    return PublicDetails(
        name=row.public_name or centre.name,
        address=row.address,
        phone=format_phone(row.phone),
        email=row.email,
        privacy_notice=row.privacy_notice,
    )


def wished_ratio(activity: Activity) -> float | None:
    """Volunteers per participant wished at the activity's sessions: its own wish, else
    the centre's."""
    if activity.wished_volunteer_ratio:
        return activity.wished_volunteer_ratio
    return settings_of(activity.centre_id).wished_volunteer_ratio


def _checked(centre_id: int, data: SettingsInput) -> dict[str, object]:
    values: dict[str, object] = {}
    name = clean(data.public_name)
    if len(name) > 120:
        raise ServiceError(_("The name is too long (at most 120 characters)."), "public_name")
    values["public_name"] = name
    address = clean(data.address)
    if len(address) > 200:
        raise ServiceError(_("The address is too long (at most 200 characters)."), "address")
    values["address"] = address
    phone = clean(data.phone)
    if phone:
        try:
            phone = normalise_phone(phone)
        except InvalidPhoneNumber:
            raise ServiceError(
                _("This is not a phone number we can use. Write it as 67 12 34 56 or +47…"),
                "phone",
            ) from None
    values["phone"] = phone
    email = clean(data.email)
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise ServiceError(_("Write an e-mail address such as post@example.no."), "email")
    values["email"] = email
    ratio = data.wished_volunteer_ratio
    if ratio is not None and not 0 < ratio <= MAX_RATIO:
        raise ServiceError(
            _("The wished ratio must be more than 0 and at most 10 volunteers per participant."),
            "wished_volunteer_ratio",
        )
    values["wished_volunteer_ratio"] = None if ratio is None else float(ratio)
    if not 0 <= data.reminder_days_before <= MAX_REMINDER_DAYS:
        raise ServiceError(_("Reminders can be sent 0 to 14 days before."), "reminder_days_before")
    values["reminder_days_before"] = data.reminder_days_before
    if data.reminder_time is None:
        raise ServiceError(_("Write a time such as 18:00."), "reminder_time")
    values["reminder_time"] = data.reminder_time
    signature = clean(data.sms_signature)
    if len(signature) > 40:
        raise ServiceError(_("The signature is too long (at most 40 characters)."), "sms_signature")
    values["sms_signature"] = signature
    languages = list(dict.fromkeys(code.strip().lower() for code in data.reminder_languages))
    languages = [code for code in languages if code]
    if not languages:
        raise ServiceError(_("Choose at least one language."), "reminder_languages")
    allowed = set(known_languages(centre_id))
    if any(code not in allowed or not LANGUAGE_CODE.match(code) for code in languages):
        raise ServiceError(_("Choose languages from the list."), "reminder_languages")
    values["reminder_languages"] = ",".join(languages)
    if not MIN_RETENTION_MONTHS <= data.retention_months <= MAX_RETENTION_MONTHS:
        raise ServiceError(_("The retention period must be 1 to 240 months."), "retention_months")
    values["retention_months"] = data.retention_months
    notice = clean(data.privacy_notice, keep_newlines=True)
    if len(notice) > MAX_NOTICE:
        raise ServiceError(
            _("The privacy notice is too long (at most 2000 characters)."), "privacy_notice"
        )
    values["privacy_notice"] = notice
    return values


def update_settings(centre_id: int, data: SettingsInput) -> list[str]:
    """Check and store the centre's settings; returns the names of the changed fields.

    Nothing is stored when a value is refused. The audit log says which fields changed
    (and the ratio, days and months, which carry nothing personal).
    """
    values = _checked(centre_id, data)
    row = _row(centre_id)
    if row is None:
        row = defaults(centre_id)
        db.session.add(row)
    changed = [name for name in FIELDS if getattr(row, name) != values[name]]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.updated_at = utcnow()
        audit.record("centre_settings_changed", centre_id=centre_id, detail=_detail(row, changed))
    db.session.flush()
    return changed


def _detail(row: CentreSettings, changed: list[str]) -> str:
    shown = {"wished_volunteer_ratio", "reminder_days_before", "retention_months"}
    parts = [f"{name}={getattr(row, name)}" if name in shown else name for name in changed]
    return "changed: " + ", ".join(parts)
