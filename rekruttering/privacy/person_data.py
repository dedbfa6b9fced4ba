"""Where the system holds data about a person, read from the data model itself.

Access (export) and erasure (anonymise) both start here: every table with a foreign
key to ``person.id`` holds data about a person. Reading the list from the metadata,
not from a hand-kept list, means a table added later is exported and anonymised
without anyone remembering to; tests/test_privacy_export.py proves it.

A row is *about* the person when its ``person_id`` (or, for the person table, its
``id``) is theirs. Other foreign keys to a person (``recruited_by_id``,
``merged_into_id``, ``other_id``) only *mention* them: such rows are about someone
else, so the export lists them by id only and anonymising leaves them alone.

Free text in a row about the person is cleared when they are anonymised, unless it
is listed in ``KEEP_TEXT`` (codes and states that reports count, never personal).
Unlisted text is cleared: the safe default for a column added later. ``CLEAR_TEXT``
lists what we know to clear, so a test can demand that every text column is one or
the other and a new column gets a deliberate decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from rekruttering.extensions import db

SUBJECT_COLUMN = "person_id"

#: The name an anonymised person is shown with (data, not interface text).
ANONYMOUS_NAME = "Anonymisert"

#: Text columns kept when a person is anonymised: codes, states, tokens. Not personal.
KEEP_TEXT: dict[str, frozenset[str]] = {
    "person": frozenset({"language", "target_group"}),
    "message": frozenset({"gateway", "provider_sid", "status", "error_code"}),
    "notification": frozenset({"kind"}),
    "attendance": frozenset({"form_token"}),
    "contact": frozenset({"form_token"}),
    "reminder": frozenset({"language", "claimed_by", "rsvp"}),
    "session_signup": frozenset(),
    "offline_tap": frozenset({"client_id", "kind", "outcome", "reason"}),
}

#: Text columns known to hold personal data: cleared when a person is anonymised.
CLEAR_TEXT: dict[str, frozenset[str]] = {
    "person": frozenset(
        {
            "first_name",
            "last_name",
            "phone",
            "note",
            "phone_not_textable_reason",
            "search_key",
            "search_plain",
        }
    ),
    "message": frozenset({"from_number", "to_number", "body"}),
    "referral": frozenset({"note", "name_given"}),
    "contact": frozenset({"note"}),
    "reminder": frozenset({"body", "last_error"}),
}


@dataclass(frozen=True)
class PersonTable:
    """A table holding data about people: which column names the person, which mention."""

    table: sa.Table
    subject: sa.Column | None  # person_id (or person.id); None if it only mentions
    mentions: tuple[sa.Column, ...]  # other foreign keys to person.id

    @property
    def name(self) -> str:
        return self.table.name


def person_tables() -> list[PersonTable]:
    """Every table with a foreign key to person.id, and the person table itself."""
    found: list[PersonTable] = []
    for table in db.metadata.sorted_tables:
        refs = [
            fk.parent
            for fk in table.foreign_keys
            if fk.column.table.name == "person" and fk.column.name == "id"
        ]
        if table.name == "person":
            found.append(PersonTable(table, table.c.id, tuple(sorted(refs, key=_name))))
        elif refs:
            subject = next((c for c in refs if c.name == SUBJECT_COLUMN), None)
            mentions = tuple(sorted((c for c in refs if c is not subject), key=_name))
            found.append(PersonTable(table, subject, mentions))
    return found


def _name(column: sa.Column) -> str:
    return column.name


def text_columns(table: sa.Table) -> list[sa.Column]:
    """Free-text columns: strings that are not enums (enums hold codes, not text)."""
    return [
        c
        for c in table.columns
        if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum) and not c.foreign_keys
    ]


def columns_to_clear(table: sa.Table) -> list[sa.Column]:
    """The text columns anonymising clears in a row about the person."""
    keep = KEEP_TEXT.get(table.name, frozenset())
    return [c for c in text_columns(table) if c.name not in keep]


def unclassified_text_columns() -> list[str]:
    """``table.column`` of text in person tables that neither list names (for the test)."""
    missing = []
    for pt in person_tables():
        if pt.subject is None:
            continue
        known = KEEP_TEXT.get(pt.name, frozenset()) | CLEAR_TEXT.get(pt.name, frozenset())
        missing += [f"{pt.name}.{c.name}" for c in text_columns(pt.table) if c.name not in known]
    return missing


def cleared_value(column: sa.Column) -> str | None:
    """What a cleared column holds: NULL where allowed, else the empty string."""
    return None if column.nullable else ""
