"""The form of the API tokens page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from rekruttering.api.tokens import LIFETIMES, MAX_NAME


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=MAX_NAME)],
        description=_l('What will use it, such as "Website sign-up form".'),
    )
    days = SelectField(
        _l("Valid for"),
        choices=[(str(d), _l("%(n)d days", n=d)) for d in LIFETIMES],
        default=str(LIFETIMES[-1]),
    )
    submit = SubmitField(_l("Make a token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
