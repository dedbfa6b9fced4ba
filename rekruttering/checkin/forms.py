"""Forms at the door: one tap per person, and a walk-in in a few fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from rekruttering.domain.funnel import Role
from rekruttering.people.forms import NewPersonForm

ROLE_CHOICES = [
    (Role.PARTICIPANT.value, _l("Participant")),
    (Role.VOLUNTEER.value, _l("Volunteer")),
]


class TapForm(FlaskForm):
    """The check-in (or undo) button of one person."""

    person_id = IntegerField(validators=[InputRequired()])
    role = SelectField(choices=ROLE_CHOICES, default=Role.PARTICIPANT.value, validate_choice=True)
    q = HiddenField()
    #: The page of the list the button was on (the answer goes back to it).
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])


class WalkInForm(NewPersonForm):
    """Someone who is not on the list: add them and check them in."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.PARTICIPANT.value)
    form_token = HiddenField(validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Add and check in"))
