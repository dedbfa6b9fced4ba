"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from rekruttering.i18n import LANGUAGES


def role_choices() -> list[tuple[str, object]]:
    return [("staff", _l("Staff")), ("admin", _l("Admin"))]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    phone = StringField(
        _l("Your mobile (optional)"),
        validators=[Optional(), Length(max=40)],
        description=_l("Only for test messages you send to yourself."),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    submit = SubmitField(_l("Save"))


class PasswordChangeForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 12 characters. A few words you remember are fine."),
    )
    password_again = PasswordField(_l("New password again"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 12 characters. A few words you remember are fine."),
    )
    password_again = PasswordField(_l("Password again"), validators=[DataRequired()])
    submit = SubmitField(_l("Save password"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = ChoosePasswordForm.password
    password_again = ChoosePasswordForm.password_again
    submit = SubmitField(_l("Save and log in"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Make an invitation link"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))
