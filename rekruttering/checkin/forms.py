"""Forms at the door: one tap per person, and a walk-in in a few fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from rekruttering.domain.funnel import Role
from rekruttering.people.languages import LANGUAGES
from rekruttering.privacy.consent_text import sms_consent_field

ROLE_CHOICES = [
    (Role.PARTICIPANT.value, _l("Participant")),
    (Role.VOLUNTEER.value, _l("Volunteer")),
]


class TapForm(FlaskForm):
    """The check-in (or undo) button of one person."""

    person_id = IntegerField(validators=[InputRequired()])
    role = SelectField(choices=ROLE_CHOICES, default=Role.PARTICIPANT.value, validate_choice=True)
    q = HiddenField()


class NewPersonForm(FlaskForm):
    """The few fields needed to add someone at the door (or to sign them up)."""

    first_name = StringField(
        _l("First name"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(
        _l("Last name"), validators=[Optional(), Length(max=80)], render_kw={"autocomplete": "off"}
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[Optional(), Length(max=40)],
        description=_l("Optional. If the number is known, that person is checked in."),
        render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "off"},
    )
    language = SelectField(
        _l("Language"),
        choices=[(code, name) for code, name in LANGUAGES.items()],
        default="nb",
    )
    sms_consent = sms_consent_field()


class WalkInForm(NewPersonForm):
    """Someone who is not on the list: add them and check them in."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.PARTICIPANT.value)
    form_token = HiddenField(validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Add and check in"))
