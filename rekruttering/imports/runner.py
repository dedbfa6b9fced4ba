"""Running an import's check and the import itself in the background.

Neither runs inside a web request: a request only changes the import's record (in
instance/imports/, see storage) and starts a thread with its own app context, then
answers at once with a page that reloads itself (a ``Refresh`` header: no script
needed) and reads the progress from the record, so any web worker can show it.

While it runs, the job writes its progress to the record every few hundred rows (the
record's ``updated_at`` is its heartbeat) and, at each of those moments, looks whether
someone pressed *Cancel* or started it again; either stops it. A job whose heartbeat
is older than ``imports.stalled_minutes`` has died with its process: the page offers
to start it again or to discard the upload. The import is one transaction, so a dead
or cancelled one has written nothing; on PostgreSQL an advisory lock per upload makes
a restarted import wait until the old one's transaction is surely gone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _

from rekruttering.config import current_settings
from rekruttering.csv_export import CsvDialect, csv_lines
from rekruttering.domain.clock import oslo_today
from rekruttering.domain.import_rows import Field
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.imports import preview_record, storage
from rekruttering.imports.reading import FileFormat, Limits, UnreadableFile
from rekruttering.imports.service import (
    FIELD_LABELS,
    RowReport,
    file_problem_message,
    preview,
    problem_message,
    run_import,
)
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)

#: States in which a background job is (or should be) working on the upload.
WORKING = frozenset({"checking", "running"})

_threads: dict[str, threading.Thread] = {}


class Stopped(Exception):
    """The job was cancelled, or started again elsewhere: stop (and roll back)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def mapping_of(record: dict[str, Any]) -> list[Field | None]:
    return [Field(f) if f else None for f in record.get("mapping", [])]


def _limits(app: Flask) -> Limits:
    return Limits.from_settings(current_settings(app))


def beat(token: str, attempt: int, **changes: Any) -> None:
    """Record progress (the heartbeat); stop if cancelled or superseded."""
    record = storage.load(token) or {}
    if record.get("attempt", 0) != attempt:
        raise Stopped("superseded")
    if record.get("cancel"):
        raise Stopped("cancelled")
    storage.update(token, **changes)


def start_check(app: Flask, token: str) -> None:
    """Check every row of the upload in the background (nothing is written)."""
    record = storage.load(token) or {}
    attempt = record.get("attempt", 0) + 1
    storage.update(token, state="checking", done=0, cancel=False, attempt=attempt, error="")
    _start(app, token, _check, attempt)


def start_import(app: Flask, token: str, skip_bad_rows: bool = False) -> None:
    """Import the upload in the background, all or nothing (or skipping bad rows)."""
    record = storage.load(token) or {}
    attempt = record.get("attempt", 0) + 1
    storage.update(
        token,
        state="running",
        done=0,
        cancel=False,
        attempt=attempt,
        error="",
        mode="skip" if skip_bad_rows else "all",
    )
    _start(app, token, _import, attempt)


JOBS: dict[str, Any] = {}  # filled below: kind -> function


def _start(app: Flask, token: str, work: Any, attempt: int) -> None:
    if current_settings(app).imports.run_in == "worker":
        # `rekruttering worker` picks it up (run_queued); the web request is done.
        storage.update(token, queued=work.__name__)
        return
    thread = threading.Thread(
        target=_in_context, args=(app, token, work, attempt), name="import", daemon=True
    )
    _threads[token] = thread
    thread.start()


def run_queued(app: Flask) -> int:
    """In ``rekruttering worker``: run every queued check or import; how many ran.

    Several workers may look at once: a claim file per attempt lets one of them run it.
    """
    ran = 0
    with app.app_context():
        for token, record in storage.queued():
            attempt = record.get("attempt", 0)
            work = JOBS.get(record.get("queued", ""))
            if work is None or not storage.claim_run(token, attempt):
                continue
            storage.update(token, queued=None)
            _in_context(app, token, work, attempt)
            ran += 1
    return ran


def wait(token: str, timeout: float = 60) -> None:
    """Wait for a background job to end (tests, and the CLI)."""
    thread = _threads.get(token)
    if thread is not None:
        thread.join(timeout)


def _in_context(app: Flask, token: str, work: Any, attempt: int) -> None:
    with app.app_context():
        try:
            work(app, token, attempt)
        except Stopped as stop:
            if stop.why == "cancelled":
                storage.update(token, state="cancelled")
        except Exception:  # noqa: BLE001 - say so, keep the log
            log.exception("import %s failed", token[:6])
            _fail(token, attempt, "")
        finally:
            db.session.remove()
            if _threads.get(token) is threading.current_thread():
                _threads.pop(token, None)


def _fail(token: str, attempt: int, error: str | UnreadableFile) -> None:
    """Record the failure (an unreadable file by its code: the page words it in the
    reader's language)."""
    if (storage.load(token) or {}).get("attempt", 0) != attempt:
        return
    if isinstance(error, UnreadableFile):
        storage.update(token, state="failed", error="", file_error=[error.code, error.detail])
    else:
        storage.update(token, state="failed", error=error, file_error=None)


def _check(app: Flask, token: str, attempt: int) -> None:
    record = storage.load(token) or {}
    try:
        result = preview(
            record["centre_id"],
            storage.data_path(token),
            FileFormat.from_dict(record["format"]),
            mapping_of(record),
            oslo_today(),
            limits=_limits(app),
            progress=lambda done: beat(token, attempt, done=done),
        )
    except UnreadableFile as exc:
        _fail(token, attempt, exc)
        return
    beat(
        token,
        attempt,
        state="checked",
        done=result.rows,
        total=result.rows,
        preview=preview_record.to_dict(result),
    )


def lock_key(token: str) -> int:
    """A 63-bit advisory lock key for one upload."""
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "big") >> 1


def _import(app: Flask, token: str, attempt: int) -> None:
    record = storage.load(token) or {}
    skip = record.get("mode") == "skip"
    try:
        with transaction():
            if db.session.get_bind().dialect.name == "postgresql":
                # An earlier attempt may still be rolling back: wait for it.
                db.session.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(token)}
                )
            result = run_import(
                record["centre_id"],
                storage.data_path(token),
                FileFormat.from_dict(record["format"]),
                mapping_of(record),
                record.get("user_id"),
                oslo_today(),
                progress=lambda done: beat(token, attempt, done=done),
                limits=_limits(app),
                skip_bad_rows=skip,
            )
            beat(token, attempt)  # the last look before the commit
    except ServiceError as exc:
        _fail(token, attempt, exc.message)
        return
    except UnreadableFile as exc:
        _fail(token, attempt, exc)
        return
    if result.skipped:
        write_skipped(token, result.skipped)
    storage.update(
        token,
        state="done",
        done=result.rows + len(result.skipped),
        result={
            "rows": result.rows,
            "people_created": result.people_created,
            "people_existing": result.people_existing,
            "contacts": result.contacts,
            "consents": result.consents,
            "skipped": len(result.skipped),
            "people": result.person_ids[:PEOPLE_LINKED],
        },
    )
    storage.delete_data(token)


#: How many of the imported people the last page links to by name.
PEOPLE_LINKED = 50


def write_skipped(token: str, skipped: list[RowReport]) -> None:
    """The rows left out and why, one JSON line each (the download makes the CSV in
    the reader's language)."""
    with storage.skipped_path(token).open("w", encoding="utf-8") as fh:
        for report in skipped:
            fh.write(json.dumps(preview_record.report_dict(report)) + "\n")


def skipped_rows(token: str) -> Iterator[list[Any]]:
    """The rows left out as CSV rows (row, column, problem) after a header, streamed
    through ``csv_export`` in the reader's dialect."""
    yield [_("Row"), _("Column"), _("Problem")]
    with storage.skipped_path(token).open(encoding="utf-8") as fh:
        for line in fh:
            report = preview_record.report_from_dict(json.loads(line))
            for problem in report.problems:
                yield [report.row, str(FIELD_LABELS[problem.field]), problem_message(problem)]


def skipped_csv(token: str, dialect: CsvDialect | None = None) -> Iterator[str]:
    """The rows left out as CSV lines, BOM first (Excel then reads UTF-8)."""
    return csv_lines(skipped_rows(token), dialect)


JOBS.update({"_check": _check, "_import": _import})


def stalled(record: dict[str, Any], minutes: int, now: datetime | None = None) -> bool:
    """A working job whose heartbeat is older than ``minutes``: its process died."""
    if record.get("state") not in WORKING:
        return False
    updated = datetime.fromisoformat(record.get("updated_at", "1970-01-01T00:00:00+00:00"))
    return (now or datetime.now(UTC)) - updated > timedelta(minutes=minutes)


def error_message(record: dict[str, Any]) -> str:
    """Why the check or import failed, in the current language ("" if unknown)."""
    if record.get("file_error"):
        code, detail = record["file_error"]
        return file_problem_message(UnreadableFile(code, detail))
    return record.get("error") or ""
