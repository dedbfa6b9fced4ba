"""The log-a-contact form, and a date field that accepts how people write dates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from rekruttering.date_rules import EventDate
from rekruttering.domain.funnel import Outcome, Role
from rekruttering.form_fields import as_choices, optional_int
from rekruttering.outreach.labels import OUTCOME_LABELS, ROLE_LABELS
from rekruttering.privacy.consent_text import sms_consent_field

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NORWEGIAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")


def parse_date(text: str) -> date:
    """``2026-03-24`` (what a date picker sends) or ``24.03.2026`` / ``24.3.26``."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NORWEGIAN.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000
    else:
        raise ValueError("format")
    return date(year, month, day)  # ValueError for 31.02.


class LooseDateField(StringField):
    """A date typed as 2026-03-24 or 24.03.2026; shown as a date picker."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = kwargs.pop("render_kw", {}) or {}
        render_kw.setdefault("type", "date")
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        self.raw = (valuelist[0] if valuelist else "") or ""
        if not self.raw.strip():
            return
        try:
            self.data = parse_date(self.raw)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Write the date as 24.03.2026 (day.month.year) or pick it in the calendar.")
            ) from None

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return getattr(self, "raw", "") or ""


class LogContactForm(FlaskForm):
    """Made for a phone: the person (picked or new), what happened, and when to follow up."""

    person_id = SelectField(_l("Person"), coerce=optional_int, validate_choice=False)
    new_first_name = StringField(_l("First name"), validators=[Optional(), Length(max=80)])
    new_last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=80)])
    new_phone = StringField(
        _l("Mobile"),
        validators=[Optional(), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    new_language = SelectField(_l("Language"), default="nb")
    new_sms_consent = sms_consent_field()
    activity_id = SelectField(_l("Activity"), coerce=optional_int, validate_choice=False)
    channel_id = SelectField(
        _l("Channel (how they heard or were reached)"),
        coerce=optional_int,
        validate_choice=False,
    )
    outcome = RadioField(
        _l("What happened"),
        choices=as_choices((o.value, OUTCOME_LABELS[o]) for o in Outcome),
        validators=[DataRequired(_l("Choose what happened."))],
    )
    role = RadioField(
        _l("As"),
        choices=as_choices((r.value, ROLE_LABELS[r]) for r in Role),
        default=Role.PARTICIPANT.value,
        validators=[DataRequired()],
    )
    recruited_by_id = SelectField(
        _l("Brought by (word of mouth)"), coerce=optional_int, validate_choice=False
    )
    by_user_id = SelectField(_l("Who did it"), coerce=optional_int, validate_choice=False)
    occurred_on = LooseDateField(_l("When"), validators=[Optional(), EventDate()])
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Only what the follow-up needs. Do not write health, religion, origin or other sensitive details."
        ),
        render_kw={"rows": 2},
    )
    follow_up_on = LooseDateField(_l("Follow up on"), validators=[Optional(), EventDate()])
    form_token = HiddenField(validators=[Optional(), Length(max=64)])
    follow_up_id = HiddenField()
    notification_id = HiddenField()
    referral_id = HiddenField()
    submit = SubmitField(_l("Save contact"))
