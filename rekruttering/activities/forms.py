"""Forms for activities, their weekly schedule, cancelled dates and sign-ups."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
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
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.dates import parse_date
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.form_fields import TypedTimeField

WEEKDAYS = (
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
)

TARGET_GROUPS = {
    TargetGroup.IMMIGRANT: _l("People with immigrant background"),
    TargetGroup.CHILDREN_YOUTH: _l("Children, young people and their parents"),
    TargetGroup.VOLUNTEERS_SENIORS: _l("Volunteers and pensioners"),
    TargetGroup.OTHERS: _l("Others"),
}


class TypedDateField(StringField):
    """A date field that takes what people type (2026-03-29, 29.03.2026) and says how."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("type", "date")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        if not self.raw_text.strip():
            return
        parsed = parse_date(self.raw_text, oslo_today())
        if parsed is None:
            raise ValueError(_l("Write the date as 2026-03-29 or 29.03.2026."))
        self.data = parsed

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return getattr(self, "raw_text", "") or ""


class SlotForm(Form):
    """One weekly meeting. A row with no weekday is ignored (the spare row)."""

    weekday = SelectField(
        _l("Weekday"),
        choices=[("", "—")] + [(str(n), label) for n, label in WEEKDAYS],
        validators=[Optional()],
    )
    start = TypedTimeField(_l("Starts"), validators=[Optional()])
    end = TypedTimeField(_l("Ends"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=120)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.weekday.data:
            return ok
        if self.start.data is None and not self.start.errors:
            self.start.errors = [*self.start.errors, _l("When does it start?")]
            ok = False
        if self.end.data is None and not self.end.errors:
            self.end.errors = [*self.end.errors, _l("When does it end?")]
            ok = False
        if self.start.data and self.end.data and self.start.data == self.end.data:
            self.end.errors = [*self.end.errors, _l("It must end after it starts.")]
            ok = False
        return ok


class ActivityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    target_group = SelectField(
        _l("Target group"),
        choices=[("", "—")] + [(g.value, label) for g, label in TARGET_GROUPS.items()],
        validators=[Optional()],
    )
    slots = FieldList(FormField(SlotForm), min_entries=1, max_entries=14)
    add_slot = SubmitField(_l("Add another time"))
    season_start = TypedDateField(_l("Season starts"), validators=[Optional(), EventDate()])
    season_end = TypedDateField(
        _l("Season ends"),
        validators=[Optional(), EventDate()],
        description=_l("Leave both empty for all year."),
    )
    capacity = IntegerField(
        _l("Capacity (participants per session)"),
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description=_l("Empty: no limit."),
    )
    signup_required = BooleanField(
        _l("Sign-up needed in advance (waiting list when full)"),
    )
    wished_volunteer_ratio = DecimalField(
        _l("Wished volunteers per participant"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01, max=10)],
        description=_l(
            "For example 0.5: one volunteer for every two participants. Empty: no wish."
        ),
    )
    reminder_days_before = IntegerField(
        _l("Reminder: days before the session"),
        default=1,
        validators=[InputRequired(), NumberRange(min=0, max=14)],
    )
    reminder_time = TypedTimeField(
        _l("Reminder: time of day"), default=time(18, 0), validators=[InputRequired()]
    )
    active = BooleanField(_l("Active (sessions are generated)"), default=True)
    submit = SubmitField(_l("Save"))

    def validate_season_end(self, field: TypedDateField) -> None:
        if field.data and self.season_start.data and field.data < self.season_start.data:
            raise ValidationError(_l("The season must end after it starts."))


class CancelledDateForm(FlaskForm):
    day = TypedDateField(_l("Date"), validators=[InputRequired(), EventDate()])
    reason = StringField(
        _l("Why (for example a holiday)"), validators=[Optional(), Length(max=200)]
    )
    submit = SubmitField(_l("Cancel this date"))


class RemoveCancelledDateForm(FlaskForm):
    day = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button with nothing but the CSRF token."""


class PersonActionForm(FlaskForm):
    """A button that acts on one person (sign up, cancel)."""

    person_id = IntegerField(validators=[InputRequired()])


class ClosedPeriodForm(FlaskForm):
    """A period the whole centre is closed; the order of the days is the service's check."""

    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=120)],
        description=_l("For example Christmas or Summer holiday."),
    )
    first_day = TypedDateField(_l("First closed day"), validators=[InputRequired(), EventDate()])
    last_day = TypedDateField(_l("Last closed day"), validators=[InputRequired(), EventDate()])
    submit = SubmitField(_l("Save"))
