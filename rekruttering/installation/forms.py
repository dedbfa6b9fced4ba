"""Forms of the installation admin's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class CentreForm(FlaskForm):
    name = StringField(_l("Centre name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("a-z, 0-9 and dashes, e.g. borgen"),
    )
    municipality = StringField(_l("Municipality"), validators=[Optional(), Length(max=120)])
    admin_name = StringField(_l("The manager's name"), validators=[DataRequired(), Length(max=120)])
    admin_email = EmailField(
        _l("The manager's email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The manager gets a link to choose a password and becomes the admin."),
    )
    submit = SubmitField(_l("Create the centre"))


class MunicipalityForm(FlaskForm):
    admin_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    admin_email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    centres = SelectMultipleField(_l("Centres they see"), coerce=int)
    submit = SubmitField(_l("Make an invitation link"))


class CentresForm(FlaskForm):
    centres = SelectMultipleField(_l("Centres they see"), coerce=int)
    submit = SubmitField(_l("Save"))
