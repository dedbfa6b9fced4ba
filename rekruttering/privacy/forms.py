"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from rekruttering.date_rules import EventDate
from rekruttering.models import ConsentMethod, ConsentPurpose
from rekruttering.privacy.anonymise import ERASURE_REASONS, MAX_NOTE

PURPOSE_LABELS = {
    ConsentPurpose.SMS: _l("Being contacted by SMS"),
    ConsentPurpose.REGISTER: _l("Being stored in the register"),
}

METHOD_LABELS = {
    ConsentMethod.IN_PERSON: _l("In person"),
    ConsentMethod.PARTNER_REFERRAL: _l("Partner referral"),
    ConsentMethod.WEB_FORM: _l("Web form"),
    ConsentMethod.IMPORT: _l("Import"),
}

#: What staff may record by hand (a web form or an import records itself).
MANUAL_METHODS = (ConsentMethod.IN_PERSON, ConsentMethod.PARTNER_REFERRAL)


class GiveConsentForm(FlaskForm):
    purpose = HiddenField(validators=[DataRequired()])
    method = SelectField(
        _l("How was it given?"),
        choices=[(m.value, METHOD_LABELS[m]) for m in MANUAL_METHODS],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Record consent"))

    def validate_purpose(self, field: HiddenField) -> None:
        if field.data not in {p.value for p in ConsentPurpose}:
            raise ValidationError(_l("Unknown purpose."))


class WithdrawConsentForm(FlaskForm):
    purpose = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Withdraw consent"))

    def validate_purpose(self, field: HiddenField) -> None:
        if field.data not in {p.value for p in ConsentPurpose}:
            raise ValidationError(_l("Unknown purpose."))


class EraseForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=[("", _l("Choose…")), *ERASURE_REASONS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=MAX_NOTE)],
        description=_l(
            "The person's name and phone number are removed from the note before it is "
            "stored. No sensitive details."
        ),
    )
    confirm = BooleanField(
        _l("I understand that names, phone and notes are removed for good."),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Erase personal data"))


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Download JSON"))


class AuditFilterForm(FlaskForm):
    """Filters of the audit log page (a GET form: no CSRF token needed to read)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    user = SelectField(_l("User"), choices=[], validators=[Optional()])
    person_id = IntegerField(
        _l("Person id"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    date_from = DateField(_l("From"), validators=[Optional(), EventDate()])
    date_to = DateField(_l("To"), validators=[Optional(), EventDate()])
    submit = SubmitField(_l("Search"))
