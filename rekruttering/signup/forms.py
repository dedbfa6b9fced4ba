from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from rekruttering.form_fields import optional_int


class SourceForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l('Where it hangs or lies, e.g. "Poster at Innbyggertorget".'),
    )
    channel_id = SelectField(_l("Channel"), coerce=optional_int, validators=[DataRequired()])
    activity_id = SelectField(
        _l("Activity (optional)"),
        coerce=optional_int,
        description=_l("For a poster about one activity; leave empty for the centre as a whole."),
    )
    submit = SubmitField(_l("Save"))
