"""The old dispatcher (a188a39, from ``make_old.sh``) beside the new, by name."""

import os
import sys

import phonenumbers

from rekruttering.reminders import dispatch as new_dispatch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "old"))
import old_dispatch  # noqa: E402 - made by make_old.sh
import old_sms_segments  # noqa: E402 - made by make_old.sh


def _old_is_mobile(e164: str) -> bool:
    """``is_mobile`` as it was: every number through ``phonenumbers.parse``."""
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


old_dispatch.is_mobile = _old_is_mobile
old_dispatch.count_segments = old_sms_segments.count_segments
MODULES = {"old": old_dispatch, "new": new_dispatch}


def dispatch_due(mode, **kw):
    return MODULES[mode].dispatch_due(**kw)
