"""Staff forms of the programme page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SubmitField
from wtforms.validators import DataRequired

from rekruttering.date_rules import EventDate


class PrintRunForm(FlaskForm):
    period = SelectField(
        _l("Period"), choices=[("month", _l("A month")), ("week", _l("A week"))], default="month"
    )
    starts_on = DateField(
        _l("From"),
        validators=[DataRequired(), EventDate()],
        description=_l("The month or week this day lies in."),
    )
    language = SelectField(_l("Language"))
    submit = SubmitField(_l("Make the printed programme"))


class ActivityProgrammeForm(FlaskForm):
    """Public or not; the texts per language are read from the request (one pair of
    fields per language: title_<code>, description_<code>)."""

    is_public = BooleanField(_l("Show on the public programme"))
    submit = SubmitField(_l("Save"))


class PlainForm(FlaskForm):
    """A button that only needs the CSRF token."""
