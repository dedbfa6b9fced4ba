from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from rekruttering.form_fields import optional_int
from rekruttering.models import PartnerKind

PARTNER_KIND_LABELS = {
    PartnerKind.KINDERGARTEN: _l("Kindergarten"),
    PartnerKind.SCHOOL: _l("School"),
    PartnerKind.NAV: _l("NAV"),
    PartnerKind.REFUGEE_SERVICE: _l("Refugee service"),
    PartnerKind.MUNICIPAL: _l("Municipal department"),
    PartnerKind.OTHER: _l("Other"),
}


class PartnerForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(
        _l("Kind"), choices=[(k.value, label) for k, label in PARTNER_KIND_LABELS.items()]
    )
    submit = SubmitField(_l("Save"))


class LinkRequestForm(FlaskForm):
    email = EmailField(
        _l("Email of someone at the organisation"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address they log in with at another centre."),
    )
    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(
        _l("Kind"), choices=[(k.value, label) for k, label in PARTNER_KIND_LABELS.items()]
    )
    submit = SubmitField(_l("Send the request"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Make an invitation link"))


class AcceptForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 10 characters."),
    )
    password_again = PasswordField(
        _l("The same password again"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Save password and log in"))


class ReferForm(FlaskForm):
    """Rendered field by field in the template (activities are grouped by centre)."""

    centre_id = SelectField(_l("Centre"), coerce=int, validate_choice=True)
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=80)])
    phone = TelField(
        _l("Mobile phone"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Like 912 34 567 or +47 912 34 567."),
    )
    language = SelectField(_l("Language"), validators=[Optional()])
    activity_id = SelectField(
        _l("Activity of interest"), coerce=optional_int, validate_choice=False
    )
    note = TextAreaField(
        _l("Note for the centre (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For example the best time to call, or if an interpreter helps."),
    )
    consent = BooleanField(
        _l(
            "The person has agreed that the centre stores their name and phone number "
            "and contacts them about its activities."
        ),
        validators=[DataRequired(_l("Confirm that the person agreed to be contacted."))],
    )
    form_token = HiddenField(validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Send referral"))
