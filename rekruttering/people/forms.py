"""The person form (create and edit)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from rekruttering.domain.target_groups import TargetGroup
from rekruttering.form_fields import as_choices
from rekruttering.languages import LANGUAGES, language_choices

TARGET_GROUP_LABELS = {
    TargetGroup.IMMIGRANT: _l("People with immigrant background"),
    TargetGroup.CHILDREN_YOUTH: _l("Children, young people and parents"),
    TargetGroup.VOLUNTEERS_SENIORS: _l("Volunteers and pensioners"),
    TargetGroup.OTHERS: _l("Others"),
}


def target_group_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(TARGET_GROUP_LABELS[TargetGroup(value)])
    except ValueError:
        return value


def _text(value: object) -> str:
    return "" if value is None else str(value)


class PersonForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        validators=[DataRequired(_l("A first name is needed.")), Length(max=80)],
    )
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=80)])
    phone = StringField(
        _l("Mobile"),
        validators=[Optional(), Length(max=40)],
        description=_l("Norwegian numbers without +47 are fine."),
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    language = SelectField(_l("Language"), default="nb", coerce=_text)
    target_group = SelectField(_l("Target group"), default="", coerce=_text)
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Only what the follow-up needs. Do not write health, religion, origin or other sensitive details."
        ),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A field missing from the post (or None on the person) means "not set".
        self.target_group.data = self.target_group.data or ""
        self.language.data = self.language.data or "nb"
        choices = language_choices()
        current = self.language.data
        if current and current not in dict(choices):
            choices.append((current, current))  # an imported code we do not list
        self.language.choices = as_choices(choices)
        self.target_group.choices = as_choices(
            [("", "—")] + [(g.value, str(label)) for g, label in TARGET_GROUP_LABELS.items()]
        )


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
