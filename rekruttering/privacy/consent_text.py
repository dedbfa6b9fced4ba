"""The SMS consent box of every staff form that adds a person with a phone.

Log a contact (a new person), New person and the walk-in at check-in show the same box
with the same text; ticking it records consent to SMS, given in person, through
``privacy.service.record_consent`` (with its audit entry). A partner's referral records
it from its own box (``partners.forms``); the public form from its own texts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

SMS_CONSENT_LABEL = _l("Agrees to text messages (SMS)")
SMS_CONSENT_TEXT = _l(
    "The person agrees that the centre sends them text messages about its activities, "
    "such as reminders. They can stop them at any time by answering STOPP."
)


def sms_consent_field() -> BooleanField:
    """A fresh "agrees to SMS" box with its consent text (unticked: consent is asked)."""
    return BooleanField(SMS_CONSENT_LABEL, description=SMS_CONSENT_TEXT, default=False)
