"""The readable version of a person's export: section titles and field names in the
person's language, times in Oslo. A table or field added later still shows, under its
technical name, so the page is never less complete than the JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy.types import TypeDecorator

from rekruttering.domain.phone import format_phone
from rekruttering.extensions import db

SECTION_TITLES: dict[str, Any] = {
    "person": _l("Person"),
    "consent": _l("Consents"),
    "contact": _l("Contacts"),
    "enrolment": _l("Activities and stages"),
    "attendance": _l("Attendance"),
    "session_signup": _l("Sign-ups"),
    "message": _l("Text messages"),
    "reminder": _l("Reminders"),
    "referral": _l("Referrals"),
    "notification": _l("Notices to staff"),
    "person_link": _l("Family ties"),
}

FIELD_LABELS: dict[str, Any] = {
    "id": _l("Id"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "phone": _l("Phone"),
    "language": _l("Language"),
    "target_group": _l("Target group"),
    "note": _l("Note"),
    "created_at": _l("Created"),
    "updated_at": _l("Changed"),
    "last_activity_at": _l("Last activity"),
    "anonymised_at": _l("Anonymised"),
    "sms_opted_out_at": _l("Opted out of SMS"),
    "phone_not_textable_reason": _l("Why the phone cannot get SMS"),
    "purpose": _l("Purpose"),
    "method": _l("How"),
    "given_at": _l("Given"),
    "withdrawn_at": _l("Withdrawn"),
    "recorded_by_id__label": _l("Recorded by"),
    "partner_id__label": _l("Partner"),
    "activity_id__label": _l("Activity"),
    "channel_id__label": _l("Channel"),
    "by_user_id__label": _l("By"),
    "created_by_id__label": _l("Created by"),
    "session_id__label": _l("Session"),
    "first_channel_id__label": _l("First heard through"),
    "ask_channel_id__label": _l("Asked through"),
    "role": _l("Role"),
    "outcome": _l("What happened"),
    "occurred_at": _l("When"),
    "stage": _l("Stage"),
    "heard_at": _l("Heard of it"),
    "asked_at": _l("Asked"),
    "showed_up_at": _l("Showed up"),
    "regular_at": _l("Regular"),
    "declined_at": _l("Said no"),
    "not_now_at": _l("Not now"),
    "attendance_count": _l("Attendances"),
    "checked_in_at": _l("Checked in"),
    "walk_in": _l("Walk-in"),
    "direction": _l("Direction"),
    "body": _l("Text"),
    "status": _l("Status"),
    "state": _l("State"),
    "due_at": _l("Due"),
    "kind": _l("Kind"),
    "follow_up_on": _l("Follow up on"),
    "waitlisted": _l("On the waiting list"),
    "recruited_by_id": _l("Brought by (id)"),
    "merged_into_id": _l("Merged into (id)"),
    "other_id": _l("Other person (id)"),
    "from_number": _l("From number"),
    "to_number": _l("To number"),
    "name_given": _l("Name given by the partner"),
}

#: Codes shown in words: field -> code -> label.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "purpose": {
        "sms": _l("Being contacted by SMS"),
        "register": _l("Being stored in the register"),
    },
    "method": {
        "in_person": _l("In person"),
        "partner_referral": _l("Partner referral"),
        "web_form": _l("Web form"),
        "import": _l("Import"),
    },
    "role": {"participant": _l("Participant"), "volunteer": _l("Volunteer")},
    "outcome": {
        "heard": _l("Heard of it"),
        "asked": _l("Asked"),
        "showed_up": _l("Showed up"),
        "declined": _l("Said no"),
        "not_now": _l("Not now"),
    },
    "stage": {
        "heard": _l("Heard of it"),
        "asked": _l("Asked"),
        "showed_up": _l("Showed up"),
        "regular": _l("Regular"),
    },
    "direction": {"outbound": _l("Sent to the person"), "inbound": _l("From the person")},
}

#: Technical fields left off the readable page (they are in the JSON).
HIDDEN = {
    "centre_id",
    "person_id",
    "form_token",
    "provider_sid",
    "claimed_by",
    "claimed_at",
    "gateway",
}


def _field_label(name: str) -> Any:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def _value(table: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    column_name = name.removesuffix("__label")
    column = db.metadata.tables[table].c.get(column_name)
    python_type = _python_type(column) if column is not None else None
    if isinstance(value, str) and python_type is datetime:
        return format_datetime(datetime.fromisoformat(value), "short")
    if isinstance(value, str) and python_type is date:
        return format_date(date.fromisoformat(value), "medium")
    if isinstance(value, str) and name.endswith("__label") and _looks_like_time(value):
        return format_datetime(datetime.fromisoformat(value), "short")
    if name == "phone" and isinstance(value, str):
        return format_phone(value)
    labels = VALUE_LABELS.get(name)
    if labels is not None and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return "✓" if value else "–"
    return str(value)


def _looks_like_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _python_type(column: Any) -> type | None:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance  # UTCDateTime and friends: the type underneath
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def readable_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections for the printable page: one per table, rows as (label, value) pairs."""
    sections = []
    order = list(SECTION_TITLES)
    tables = sorted(
        data["tables"].items(),
        key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
    )
    for table, content in tables:
        rows = []
        for row in content["rows"]:
            labelled = {k for k in row if k.endswith("__label")}
            fields = []
            for name, value in row.items():
                if name in HIDDEN or f"{name}__label" in labelled:
                    continue
                shown = _value(table, name, value)
                if shown:
                    fields.append((_field_label(name), shown))
            rows.append(fields)
        mentions = {str(_field_label(k)): v for k, v in content["mentioned_in"].items() if v}
        sections.append(
            {
                "table": table,
                "title": SECTION_TITLES.get(table, table.replace("_", " ")),
                "rows": rows,
                "mentions": mentions,
            }
        )
    return sections
