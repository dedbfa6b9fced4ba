"""Forms: schedule a reminder (with its preview step), decide, template text."""

from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional


def optional_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class ScheduleForm(FlaskForm):
    who = RadioField(
        _l("Who"),
        choices=[
            ("person", _l("One person")),
            ("everyone", _l("Everyone expected at the session")),
        ],
        default="person",
        validators=[InputRequired()],
    )
    person_id = SelectField(_l("Person"), coerce=optional_int, validate_choice=False)
    activity_id = SelectField(_l("Next session of"), coerce=optional_int, validate_choice=False)
    session_id = SelectField(
        _l("… or a particular session"), coerce=optional_int, validate_choice=False
    )
    when = RadioField(
        _l("When"),
        choices=[
            ("default", _l("The activity's usual time (normally the day before at 18:00)")),
            ("at", _l("At a time I choose")),
        ],
        default="default",
        validators=[InputRequired()],
    )
    at = DateTimeLocalField(_l("Time (Oslo)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    #: A fingerprint of what was previewed: "Schedule" only works on what staff saw.
    previewed = HiddenField()
    preview = SubmitField(_l("Preview"))
    confirm = SubmitField(_l("Schedule"))

    def fingerprint(self) -> str:
        values = "|".join(
            str(getattr(self, name).data)
            for name in ("who", "person_id", "activity_id", "session_id", "when", "at")
        )
        return hashlib.sha256(values.encode()).hexdigest()[:32]


class DecideForm(FlaskForm):
    decision = RadioField(
        _l("What happened?"),
        choices=[
            ("resend", _l("It did not arrive: send it again")),
            ("sent", _l("It did arrive: mark it as sent")),
            ("failed", _l("Give up: mark it as failed")),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Decide"))


class TemplateForm(FlaskForm):
    body = TextAreaField(
        _l("Text"),
        validators=[InputRequired(), Length(max=1000)],
        render_kw={"rows": 5},
        description=_l("Placeholders: {first_name} {activity} {day} {time} {place} {staff_name}"),
    )
    preview = SubmitField(_l("Count segments"))
    submit = SubmitField(_l("Save"))


class TestSendForm(FlaskForm):
    """The "send a test to myself" button (CSRF only)."""
