"""The person page's timeline, written in Python, against the Jinja loop it replaced
(rendered in the app's own environment: its filters, its ``_()``, its ``trim_blocks``
and ``lstrip_blocks``), with every kind of entry and every branch, on awkward values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace as Row
from typing import Any

import pytest
from flask import render_template_string
from flask_babel import force_locale

from rekruttering.domain.funnel import Outcome, Role, Stage
from rekruttering.models.messaging import Direction
from rekruttering.models.privacy import ConsentPurpose
from rekruttering.people.timeline import (
    ATTENDANCE,
    CONSENT,
    CONSENT_WITHDRAWN,
    CONTACT,
    DECLINED,
    MESSAGE,
    NOT_NOW,
    REFERRAL,
    STAGE,
    Entry,
)

#: The loop of people/detail.html before the timeline was written in Python.
OLD = """    <ol class="list-unstyled timeline">
    {% for entry in history.timeline %}
      <li class="border-start border-3 ps-3 pb-3 timeline-{{ entry.kind }}">
        <div class="small text-body-secondary">{{ entry.at|oslo }}</div>
        {% set item = entry.item %}
        {% if entry.kind == "contact" %}
          <div><span class="badge {{ item.outcome|outcome_badge }}">{{ item.outcome|outcome_label }}</span>
            {% if item.activity %}{{ item.activity.name }}{% else %}{{ _("The centre in general") }}{% endif %}
            {% if item.role == "volunteer" %}({{ item.role|role_label }}){% endif %}
          </div>
          <div class="small dot-list">
            {% if item.channel %}<span>{{ _("Channel:") }} {{ item.channel.name }}</span>{% endif %}
            {% if item.by_user %}<span>{{ _("by %(name)s", name=item.by_user.name) }}</span>{% endif %}
            {% if item.recruited_by %}<span>{{ _("brought by") }} <a href="{{ url_for('people.detail', person_id=item.recruited_by_id) }}">{{ item.recruited_by.display_name }}</a></span>{% endif %}
          </div>
          {% if item.note %}<div class="small text-pre">{{ item.note }}</div>{% endif %}
          {% if item.follow_up_on %}
            <div class="small">{{ _("Follow up on %(day)s", day=item.follow_up_on|local_date) }}
              {% if item.follow_up_done_at %}<span class="badge text-bg-success">{{ _("done") }}</span>{% endif %}</div>
          {% endif %}
        {% elif entry.kind == "stage" %}
          <div><span class="badge {{ entry.extra.stage|stage_badge }}">{{ entry.extra.stage|stage_label }}</span> {{ item.activity.name }}
            {% if item.role == "volunteer" %}({{ item.role|role_label }}){% endif %}</div>
        {% elif entry.kind == "declined" %}
          <div><span class="badge text-bg-danger">{{ _("Said no") }}</span> {{ item.activity.name }}</div>
        {% elif entry.kind == "not_now" %}
          <div><span class="badge text-bg-warning">{{ _("Not now") }}</span> {{ item.activity.name }}</div>
        {% elif entry.kind == "attendance" %}
          <div><span class="badge text-bg-primary">{{ _("Checked in") }}</span> {{ item.session.activity.name }}
            {% if item.role == "volunteer" %}({{ item.role|role_label }}){% endif %}
            {% if item.walk_in %}<span class="small text-body-secondary">{{ _("walk-in") }}</span>{% endif %}</div>
        {% elif entry.kind == "message" %}
          <div><span class="badge text-bg-light border">{% if item.direction == "inbound" %}{{ _("SMS received") }}{% else %}{{ _("SMS sent") }}{% endif %}</span>
            </div>
          <div class="small">{{ item.body|truncate(160) }}</div>
        {% elif entry.kind == "consent" %}
          <div><span class="badge text-bg-success">{{ _("Consent given") }}</span>
            {% if item.purpose == "sms" %}{{ _("to be contacted by SMS") }}{% else %}{{ _("to be kept in the register") }}{% endif %}
            {% if item.recorded_by %}<span class="small"> · {{ _("by %(name)s", name=item.recorded_by.name) }}</span>{% endif %}</div>
        {% elif entry.kind == "consent_withdrawn" %}
          <div><span class="badge text-bg-warning">{{ _("Consent withdrawn") }}</span>
            {% if item.purpose == "sms" %}{{ _("to be contacted by SMS") }}{% else %}{{ _("to be kept in the register") }}{% endif %}</div>
        {% elif entry.kind == "referral" %}
          <div><span class="badge text-bg-info">{{ _("Referred") }}</span> {{ _("by %(name)s", name=partner_label(item.partner)) }}{% if item.activity %} · {{ item.activity.name }}{% endif %}</div>
        {% endif %}
      </li>
    {% endfor %}
    </ol>
"""

NEW = """    <ol class="list-unstyled timeline">
{{ timeline_entries(history.timeline) }}    </ol>
"""

ODD = 'Kafé <i>"100 %"</i> & co'
SPRING = datetime(2026, 3, 29, 0, 30)  # the night Oslo moves its clocks (naive: UTC)
AUTUMN = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def _check_in(activity: Any, role: Role, walk_in: bool) -> Any:
    """A check-in in both shapes: the attendance object the old loop read
    (``item.session.activity.name``) and the ``CheckIn`` row the page now reads."""
    return Row(
        session=Row(activity=activity),
        activity_name=activity.name,
        role=role,
        walk_in=walk_in,
    )


def _contact(fields: dict[str, Any]) -> Any:
    """A contact in both shapes: the contact object the old loop read (its activity,
    channel, member of staff and person who brought them as objects) and the
    ``ContactRow`` the page now reads (their names)."""

    def name(related: Any, attribute: str = "name") -> Any:
        return None if related is None else getattr(related, attribute)

    return Row(
        **fields,
        activity_name=name(fields["activity"]),
        channel_name=name(fields["channel"]),
        by_user_name=name(fields["by_user"]),
        recruited_by_name=name(fields["recruited_by"], "display_name"),
    )


def _entries() -> list[Entry]:
    activity = Row(name=ODD)
    plain = Row(name="Fotball")
    user = Row(name="Ola <b>Nordmann</b> %(name)s")
    friend = Row(display_name="Kari & Co")
    contact = {
        "outcome": Outcome.ASKED,
        "activity": activity,
        "role": Role.PARTICIPANT,
        "channel": Row(name="NAV <x>"),
        "by_user": user,
        "recruited_by": friend,
        "recruited_by_id": 17,
        "note": 'Ringte "i går" <script>\nlinje to',
        "follow_up_on": date(2026, 12, 1),
        "follow_up_done_at": AUTUMN,
    }
    bare = dict(
        contact,
        outcome=Outcome.NOT_NOW,
        activity=None,
        role=Role.VOLUNTEER,
        channel=None,
        by_user=None,
        recruited_by=None,
        note="",
        follow_up_on=None,
    )
    enrolment = Row(activity=activity, role=Role.VOLUNTEER)
    sms = Row(purpose=ConsentPurpose.SMS, recorded_by=user)
    register = Row(purpose=ConsentPurpose.REGISTER, recorded_by=None)
    return [
        Entry(AUTUMN, CONTACT, _contact(contact)),
        Entry(SPRING, CONTACT, _contact(bare)),
        Entry(SPRING, CONTACT, _contact(dict(contact, follow_up_done_at=None, note=None))),
        Entry(AUTUMN, STAGE, enrolment, {"stage": Stage.REGULAR}),
        Entry(AUTUMN, STAGE, Row(activity=plain, role=Role.PARTICIPANT), {"stage": Stage.HEARD}),
        Entry(AUTUMN, DECLINED, enrolment),
        Entry(AUTUMN, NOT_NOW, enrolment),
        Entry(
            AUTUMN,
            ATTENDANCE,
            _check_in(activity, Role.VOLUNTEER, walk_in=True),
        ),
        Entry(
            AUTUMN,
            ATTENDANCE,
            _check_in(plain, Role.PARTICIPANT, walk_in=False),
        ),
        Entry(AUTUMN, MESSAGE, Row(direction=Direction.INBOUND, body="Hei <b>" + "ord " * 60)),
        Entry(AUTUMN, MESSAGE, Row(direction=Direction.OUTBOUND, body="Kort & greit")),
        Entry(AUTUMN, CONSENT, sms),
        Entry(AUTUMN, CONSENT, register),
        Entry(AUTUMN, CONSENT_WITHDRAWN, sms),
        Entry(AUTUMN, CONSENT_WITHDRAWN, register),
        Entry(AUTUMN, REFERRAL, Row(partner=Row(id=-1, name="Røde Kors <r>"), activity=activity)),
        Entry(AUTUMN, REFERRAL, Row(partner=Row(id=-2, name="NAV"), activity=None)),
        Entry(AUTUMN, "something else", enrolment),
    ]


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("count", [1, 18])
def test_timeline_as_the_template_loop_wrote_it(app: Any, locale: str, count: int) -> None:
    history = Row(timeline=_entries()[:count])
    with app.test_request_context(), force_locale(locale):
        old = render_template_string(OLD, history=history)
        new = render_template_string(NEW, history=history)
    assert new == old
    if count > 1:
        assert "&lt;i&gt;" in new and "<i>" not in new and "<script>" not in new
        assert "&lt;b&gt;Nordmann" in new and "%(name)s" in new
