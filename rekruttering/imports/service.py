"""Importing people and contacts from a spreadsheet: preview, then all or nothing.

``preview`` reads the whole file and names every row's problem without writing
anything. ``run_import`` reads it again and writes through the ordinary use cases
(create_person, log_contact, give_consent); the caller runs it inside one
``transaction()``, and the first problem raises ``ImportAborted``, so an import
either happens whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from rekruttering import audit
from rekruttering.activities.service import activity_lookups
from rekruttering.domain.clock import oslo_to_utc, utcnow
from rekruttering.domain.funnel import Stage
from rekruttering.domain.import_rows import (
    DuplicatePhones,
    Field,
    Lookups,
    ParsedRow,
    Problem,
    ProblemCode,
    apply_mapping,
    cell_text,
    parse_row,
)
from rekruttering.domain.text import key
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.funnel.service import enrol, reach_stage
from rekruttering.imports.reading import FileFormat, Limits, UnreadableFile, header_and_rows
from rekruttering.models import Channel, ConsentMethod, ConsentPurpose, Person
from rekruttering.outreach.service import ContactInput, log_contact
from rekruttering.people.service import create_person
from rekruttering.privacy.consent import give_consent

#: How many rows with problems the preview lists (the count is always complete).
MAX_LISTED = 200
PHONE_BATCH = 500

FIELD_LABELS: dict[Field, Any] = {
    Field.FULL_NAME: _l("Full name"),
    Field.FIRST_NAME: _l("First name"),
    Field.LAST_NAME: _l("Last name"),
    Field.PHONE: _l("Phone"),
    Field.LANGUAGE: _l("Language"),
    Field.ACTIVITY: _l("Activity"),
    Field.CHANNEL: _l("Channel"),
    Field.DATE: _l("Date of contact"),
    Field.STATUS: _l("Status (heard, asked, showed up, regular, said no, not now)"),
    Field.ROLE: _l("Role (participant or volunteer)"),
    Field.NOTE: _l("Note"),
    Field.SMS_CONSENT: _l("Consent to SMS (yes/no)"),
}


def problem_message(problem: Problem) -> str:
    """One sentence a person can act on, in the interface language."""
    value = problem.value
    messages = {
        ProblemCode.MISSING_NAME: _("The name is missing."),
        ProblemCode.TOO_LONG: _("The text is too long: %(value)s", value=value),
        ProblemCode.BAD_PHONE: _("%(value)s is not a phone number we can use.", value=value),
        ProblemCode.DUPLICATE_PHONE: _(
            "The phone number %(value)s is also on row %(row)s.", value=value, row=problem.other_row
        ),
        ProblemCode.UNKNOWN_LANGUAGE: _("Unknown language: %(value)s.", value=value),
        ProblemCode.UNKNOWN_ACTIVITY: _(
            "No activity is called %(value)s. Use the name of one of the centre's activities.",
            value=value,
        ),
        ProblemCode.UNKNOWN_CHANNEL: _(
            "No channel is called %(value)s. Use the name of one of the centre's channels; "
            "the centre's admin adds and renames them under Administration > Channels.",
            value=value,
        ),
        ProblemCode.BAD_DATE: _(
            "%(value)s is not a date from 2000 to 2100. Write it like 29.03.2026 or 2026-03-29.",
            value=value,
        ),
        ProblemCode.FUTURE_DATE: _("The date %(value)s is in the future.", value=value),
        ProblemCode.UNKNOWN_STATUS: _(
            "Unknown status: %(value)s. Use heard, asked, showed up, regular, said no or not now.",
            value=value,
        ),
        ProblemCode.STATUS_NEEDS_ACTIVITY: _(
            "The status %(value)s needs an activity on the same row.", value=value
        ),
        ProblemCode.UNKNOWN_ROLE: _(
            "Unknown role: %(value)s. Use participant or volunteer.", value=value
        ),
        ProblemCode.BAD_CONSENT: _("Consent must be yes or no, not %(value)s.", value=value),
    }
    return messages[problem.code]


def file_problem_message(error: UnreadableFile) -> str:
    messages = {
        "empty": _("The file is empty."),
        "xls": _("This is an old Excel file (.xls). Save it as .xlsx or CSV and try again."),
        "bad_xlsx": _("The file cannot be read as an Excel workbook (.xlsx)."),
        "binary": _("The file is not a spreadsheet. Upload a .xlsx or .csv file."),
        "encoding": _(
            "Row %(row)s has characters that are not UTF-8. Save the file as CSV UTF-8.",
            row=error.detail,
        ),
        "csv": _("The CSV file is broken near row %(row)s.", row=error.detail),
        "too_many_rows": _(
            "The file has more than %(max)s rows, the most one import takes. "
            "Split it into smaller files and import them one by one.",
            max=error.detail,
        ),
        "unpacked_too_large": _(
            "The workbook would unpack to more than %(mb)s MB (an .xlsx file is packed). "
            "Keep only the sheet you need, or save it as CSV, and try again.",
            mb=error.detail,
        ),
        "no_sheet": _("The workbook has no sheet called %(name)s.", name=error.detail),
    }
    return messages.get(error.code, _("The file cannot be read."))


def mapping_message(problem: str) -> str:
    if problem == "no_name":
        return _("Choose the column with the name (full name or first name).")
    _kind, _sep, field_name = problem.partition(":")
    label = FIELD_LABELS.get(Field(field_name), field_name)
    return _("%(field)s is chosen for more than one column.", field=label)


@dataclass
class RowReport:
    row: int
    problems: list[Problem]


@dataclass
class Preview:
    rows: int = 0
    problem_rows: int = 0
    listed: list[RowReport] = field(default_factory=list)
    new_people: int = 0
    existing_people: int = 0
    contacts: int = 0
    sample: list[ParsedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and self.problem_rows == 0


@dataclass
class ImportResult:
    rows: int = 0
    people_created: int = 0
    people_existing: int = 0
    contacts: int = 0
    consents: int = 0
    skipped: list[RowReport] = field(default_factory=list)
    #: The people the import added or updated, in file order, for the last page's links.
    person_ids: list[int] = field(default_factory=list)


class ImportAborted(ServiceError):
    """A row has a problem: nothing of the import is kept (the transaction rolls back)."""

    def __init__(self, row: int, problems: Sequence[Problem]) -> None:
        details = " ".join(problem_message(p) for p in problems)
        super().__init__(_("Row %(row)d: %(details)s", row=row, details=details))
        self.row = row
        self.problems = list(problems)


def lookups(centre_id: int) -> Lookups:
    """The centre's activities (by name and slug) and channels (by name)."""
    channels: dict[str, int] = {}
    for channel_id, name in db.session.execute(
        select(Channel.id, Channel.name).where(
            Channel.centre_id == centre_id, Channel.merged_into_id.is_(None)
        )
    ):
        channels.setdefault(key(name), channel_id)
    return Lookups(activities=activity_lookups(centre_id), channels=channels)


def read_header(path: Path, fmt: FileFormat) -> tuple[list[str], list[list[str]]]:
    """The column names and the first three rows as text (for the mapping page)."""
    header, rows = header_and_rows(path, fmt)
    samples: list[list[str]] = []
    for _number, cells in rows:
        samples.append([cell_text(c)[:60] for c in cells])
        if len(samples) == 3:
            break
    return header, samples


def _checked_rows(
    path: Path,
    fmt: FileFormat,
    mapping: Sequence[Field | None],
    known: Lookups,
    today: date,
    limits: Limits | None = None,
) -> Iterator[tuple[int, ParsedRow | list[Problem]]]:
    """Every data row parsed, with duplicate phones within the file named."""
    _header, rows = header_and_rows(path, fmt, limits)
    duplicates = DuplicatePhones()
    for number, cells in rows:
        parsed = parse_row(apply_mapping(cells, mapping), known, today)
        if isinstance(parsed, ParsedRow):
            duplicate = duplicates.check(number, parsed.phone)
            if duplicate is not None:
                yield number, [duplicate]
                continue
        yield number, parsed


def _existing_phones(centre_id: int, phones: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(phones), PHONE_BATCH):
        batch = phones[start : start + PHONE_BATCH]
        found.update(
            db.session.scalars(
                select(Person.phone).where(Person.centre_id == centre_id, Person.phone.in_(batch))
            )
        )
    return found


def preview(
    centre_id: int,
    path: Path,
    fmt: FileFormat,
    mapping: Sequence[Field | None],
    today: date,
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 500,
) -> Preview:
    """Check every row; write nothing. Raises UnreadableFile for a broken file."""
    result = Preview()
    phones: list[str] = []
    for number, parsed in _checked_rows(path, fmt, mapping, lookups(centre_id), today, limits):
        result.rows += 1
        if progress is not None and result.rows % progress_every == 0:
            progress(result.rows)
        if isinstance(parsed, list):
            result.problem_rows += 1
            if len(result.listed) < MAX_LISTED:
                result.listed.append(RowReport(number, parsed))
            continue
        if parsed.phone:
            phones.append(parsed.phone)
        if parsed.outcome is not None:
            result.contacts += 1
        if len(result.sample) < 10:
            result.sample.append(parsed)
    existing = len(_existing_phones(centre_id, phones))
    ok_rows = result.rows - result.problem_rows
    result.existing_people = existing
    result.new_people = ok_rows - existing
    return result


def _moment(day: date | None, now: datetime) -> datetime:
    """A contact dated only by day is put at noon Oslo time that day."""
    return oslo_to_utc(day, time(12, 0)) if day is not None else now


def run_import(
    centre_id: int,
    path: Path,
    fmt: FileFormat,
    mapping: Sequence[Field | None],
    by_user_id: int | None,
    today: date,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 100,
    limits: Limits | None = None,
    skip_bad_rows: bool = False,
) -> ImportResult:
    """Write the file's people and contacts.

    By default (all or nothing) the first bad row raises ImportAborted and the caller's
    transaction leaves nothing behind. With ``skip_bad_rows`` the bad rows are left
    out and listed in ``result.skipped`` (row number and problems), the rest imported.
    """
    now = utcnow()
    result = ImportResult()
    rows = _checked_rows(path, fmt, mapping, lookups(centre_id), today, limits)
    for seen, (number, parsed) in enumerate(rows, start=1):
        if isinstance(parsed, list):
            if not skip_bad_rows:
                raise ImportAborted(number, parsed)
            result.skipped.append(RowReport(number, parsed))
        else:
            _import_row(centre_id, parsed, by_user_id, now, result)
            result.rows += 1
        if progress is not None and seen % progress_every == 0:
            progress(seen)
    if result.rows == 0:
        raise ServiceError(_("The file has no rows to import."))
    audit.record(
        "import",
        user_id=by_user_id,
        centre_id=centre_id,
        detail=f"{result.rows} rows, {result.people_created} new people, {result.contacts} contacts"
        + (f", {len(result.skipped)} rows skipped" if result.skipped else ""),
    )
    return result


def _import_row(
    centre_id: int, row: ParsedRow, by_user_id: int | None, now: datetime, result: ImportResult
) -> None:
    at = _moment(row.occurred_on, now)
    person = None
    if row.phone:
        person = db.session.scalar(
            select(Person).where(
                Person.centre_id == centre_id,
                Person.phone == row.phone,
                Person.held_match_id.is_(None),
            )
        )
    if person is None:
        person = create_person(
            centre_id,
            row.first_name,
            last_name=row.last_name,
            phone=row.phone,
            language=row.language,
            note="" if row.outcome is not None else row.note,
        )
        # Their last activity is the row's (the contact's date), not the day of the import.
        person.last_activity_at = at
        result.people_created += 1
    else:
        result.people_existing += 1
        if row.note and row.outcome is None and row.note not in person.note:
            person.note = f"{person.note}\n{row.note}".strip()
    if person.id not in result.person_ids:
        result.person_ids.append(person.id)
    if row.outcome is not None:
        log_contact(
            centre_id,
            ContactInput(
                person_id=person.id,
                outcome=row.outcome,
                activity_id=row.activity_id,
                channel_id=row.channel_id,
                role=row.role,
                occurred_at=at,
                by_user_id=by_user_id,
                note=row.note,
            ),
        )
        result.contacts += 1
        if row.stage == Stage.REGULAR and row.activity_id is not None:
            reach_stage(enrol(centre_id, person.id, row.activity_id, row.role), Stage.REGULAR, at)
    if row.sms_consent:
        give_consent(
            centre_id,
            person.id,
            ConsentPurpose.SMS,
            ConsentMethod.IMPORT,
            recorded_by_id=by_user_id,
            at=at,
        )
        result.consents += 1


def imported_people(centre_id: int, ids: Sequence[object]) -> list[Person]:
    """The centre's people among ``ids`` (an import's result), in the file's order."""
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return []
    found = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(
                Person.centre_id == centre_id,
                Person.id.in_(wanted),
                Person.anonymised_at.is_(None),
            )
        )
    }
    return [found[i] for i in wanted if i in found]
