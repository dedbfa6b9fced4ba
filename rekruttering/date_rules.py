"""The acceptable-date rule (``domain.dates``) as a form validator with its message.

Every date field of every form takes ``EventDate()``: contacts, follow-ups, sessions,
seasons, report and audit periods. Import and API apply the same ``is_event_date``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from rekruttering.domain.dates import EVENT_RANGE, is_event_date


def event_date_message() -> Any:
    return _l(
        "Write a date from %(first)s to %(last)s (a year such as 0026 is a typing error).",
        first=EVENT_RANGE[0].year,
        last=EVENT_RANGE[1].year,
    )


class EventDate:
    """A WTForms validator: the field's date lies in the event range."""

    field_flags = {"min": EVENT_RANGE[0].isoformat(), "max": EVENT_RANGE[1].isoformat()}

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, date) and not is_event_date(field.data):
            raise ValidationError(str(event_date_message()))
