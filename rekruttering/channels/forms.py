"""Forms for the channels pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from rekruttering.form_fields import optional_int
from rekruttering.models import ChannelKind
from rekruttering.reports.labels import CHANNEL_KIND_LABELS

#: The reports' names for the kinds (one list for the whole app).
KIND_LABELS = CHANNEL_KIND_LABELS


def kind_choices() -> list[tuple[str, object]]:
    return [(k.value, KIND_LABELS[k.value]) for k in ChannelKind if k != ChannelKind.PARTNER]


class ChannelForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l('As staff say it, e.g. "Poster at the library".'),
    )
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Length(max=500)],
        description=_l("For colleagues: what counts under this channel."),
    )
    submit = SubmitField(_l("Save"))


class RetireForm(FlaskForm):
    # The service checks the choice (with a clearer message than "Not a valid choice").
    move_to = SelectField(_l("Move the QR codes to"), coerce=optional_int, validate_choice=False)
    submit = SubmitField(_l("Retire the channel"))


class MergeForm(FlaskForm):
    into = SelectField(
        _l("Merge into"), coerce=optional_int, validators=[DataRequired()], validate_choice=False
    )
    confirm = HiddenField()
    submit = SubmitField(_l("Continue"))
