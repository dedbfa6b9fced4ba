"""The centre settings form: the fields parse what people type; the service checks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from rekruttering.form_fields import TypedTimeField


class SettingsForm(FlaskForm):
    public_name = StringField(_l("Public name"))
    address = StringField(_l("Address"), render_kw={"autocomplete": "street-address"})
    phone = StringField(_l("Phone"), render_kw={"type": "tel", "inputmode": "tel"})
    email = StringField(_l("E-mail"), render_kw={"type": "email"})
    wished_volunteer_ratio = DecimalField(
        _l("Wished volunteers per participant"),
        places=2,
        validators=[Optional()],
        description=_l(
            "For example 0.5: one volunteer for every two participants. Check-in uses it "
            "for activities without a ratio of their own. Empty: no wish."
        ),
    )
    reminder_days_before = IntegerField(
        _l("Reminder: days before the session"),
        validators=[InputRequired()],
        description=_l("The default for new activities (0 to 14)."),
    )
    reminder_time = TypedTimeField(_l("Reminder: time of day"), validators=[InputRequired()])
    sms_signature = StringField(
        _l("SMS signature"),
        description=_l('Added after the staff member\'s name in reminders: "Kari, Borgen".'),
    )
    reminder_languages = SelectMultipleField(
        _l("Languages the centre writes reminders in"),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
        description=_l("A person whose language is not chosen gets the first one in the list."),
    )
    retention_months = IntegerField(
        _l("Retention period in months"),
        validators=[InputRequired()],
        description=_l(
            "People with no contact, attendance or message for this long are anonymised "
            "(1 to 240 months)."
        ),
    )
    privacy_notice = TextAreaField(
        _l("Privacy notice on public pages"),
        render_kw={"rows": 4},
        description=_l("Shown under the public sign-up form. Empty: the built-in sentence."),
    )
    submit = SubmitField(_l("Save"))
