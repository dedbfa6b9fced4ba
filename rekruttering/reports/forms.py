"""Report filters: GET forms (no CSRF: they only read), choices limited to the centre."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import DataRequired, Optional

from rekruttering.date_rules import EventDate
from rekruttering.reports.filters import Attribution
from rekruttering.reports.labels import TARGET_GROUP_LABELS
from rekruttering.reports.periods import Granularity
from rekruttering.reports.select_widget import PlainSelect

ALL = ""
#: The selects' widget: their options written in one pass (``select_widget``).
PLAIN_SELECT = PlainSelect()


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    activity_id = SelectField(_l("Activity"), choices=[], default=ALL, widget=PLAIN_SELECT)
    role = SelectField(
        _l("Role"),
        choices=[
            ("participant", _l("Participants")),
            ("volunteer", _l("Volunteers")),
            ("all", _l("Participants and volunteers")),
        ],
        default="participant",
        widget=PLAIN_SELECT,
    )
    target_group = SelectField(_l("Target group"), choices=[], default=ALL, widget=PLAIN_SELECT)
    partner_id = SelectField(_l("Partner"), choices=[], default=ALL, widget=PLAIN_SELECT)
    start = DateField(_l("First heard, from"), validators=[Optional(), EventDate()])
    end = DateField(_l("First heard, until"), validators=[Optional(), EventDate()])
    attribution = SelectField(
        _l("Count people under"),
        choices=[
            (Attribution.FIRST_HEARD.value, _l("the channel through which they first heard")),
            (Attribution.ASK.value, _l("the channel of the personal ask")),
        ],
        default=Attribution.FIRST_HEARD.value,
        widget=PLAIN_SELECT,
    )
    submit = SubmitField(_l("Show"))

    def set_choices(
        self,
        activities: list[tuple[int, str]],
        partners: list[tuple[int, str]],
        with_activity: bool = True,
    ) -> None:
        self.activity_id.choices = [(ALL, _l("All activities"))] + [
            (str(i), name) for i, name in activities
        ]
        if not with_activity:
            del self.activity_id
        self.target_group.choices = [(ALL, _l("All target groups"))] + [
            (value, label) for value, label in TARGET_GROUP_LABELS.items()
        ]
        self.partner_id.choices = [(ALL, _l("All partners"))] + [
            (str(i), name) for i, name in partners
        ]


class CompareForm(FlaskForm):
    class Meta:
        csrf = False

    a = SelectField(_l("Channel"), choices=[], widget=PLAIN_SELECT)
    b = SelectField(_l("against"), choices=[], widget=PLAIN_SELECT)
    compare = SubmitField(_l("Compare"))


class VolunteerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    activity_id = SelectField(_l("Activity"), choices=[], default=ALL, widget=PLAIN_SELECT)
    start = DateField(_l("From"), validators=[Optional(), EventDate()])
    end = DateField(_l("Until"), validators=[Optional(), EventDate()])
    granularity = SelectField(
        _l("Per"),
        choices=[(Granularity.MONTH.value, _l("month")), (Granularity.WEEK.value, _l("week"))],
        default=Granularity.MONTH.value,
        widget=PLAIN_SELECT,
    )
    submit = SubmitField(_l("Show"))


class FunderForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("First day"), validators=[DataRequired(), EventDate()])
    end = DateField(_l("Last day"), validators=[DataRequired(), EventDate()])
    submit = SubmitField(_l("Show"))
