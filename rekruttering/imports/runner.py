"""Running a confirmed import in the background, with its progress on disk.

The confirm request starts a thread and answers at once with the status page, which
reloads itself (a ``Refresh`` header: no script needed) and reads the progress from
the import's record in instance/imports/, so any web worker can show it. The whole
import is one transaction: if the process dies half-way the database rolls it back,
and the status page says so once the record has not moved for a while.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from rekruttering.domain.clock import oslo_today
from rekruttering.domain.import_rows import Field
from rekruttering.errors import ServiceError
from rekruttering.extensions import db
from rekruttering.imports import storage
from rekruttering.imports.reading import FileFormat, UnreadableFile
from rekruttering.imports.service import file_problem_message, run_import
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)

#: A running import whose record has not changed for this long has died.
STALLED_AFTER = timedelta(minutes=15)

_threads: dict[str, threading.Thread] = {}


def mapping_of(record: dict[str, Any]) -> list[Field | None]:
    return [Field(f) if f else None for f in record.get("mapping", [])]


def start(app: Flask, token: str) -> None:
    """Run the import of ``token`` in a thread of its own (with its own app context)."""
    thread = threading.Thread(target=_run, args=(app, token), name="import", daemon=True)
    _threads[token] = thread
    thread.start()


def wait(token: str, timeout: float = 60) -> None:
    """Wait for a background import to end (tests, and the CLI)."""
    thread = _threads.get(token)
    if thread is not None:
        thread.join(timeout)


def _run(app: Flask, token: str) -> None:
    with app.app_context():
        record = storage.load(token) or {}
        try:
            with transaction():
                result = run_import(
                    record["centre_id"],
                    storage.data_path(token),
                    FileFormat.from_dict(record["format"]),
                    mapping_of(record),
                    record.get("user_id"),
                    oslo_today(),
                    progress=lambda done: storage.update(token, done=done),
                )
        except ServiceError as exc:
            storage.update(token, state="failed", error=exc.message)
        except UnreadableFile as exc:
            storage.update(token, state="failed", error=file_problem_message(exc))
        except Exception:  # noqa: BLE001 - anything else: say so, keep the log
            log.exception("import %s failed", token[:6])
            storage.update(token, state="failed", error="")
        else:
            storage.update(
                token,
                state="done",
                done=result.rows,
                result={
                    "rows": result.rows,
                    "people_created": result.people_created,
                    "people_existing": result.people_existing,
                    "contacts": result.contacts,
                    "consents": result.consents,
                },
            )
        finally:
            storage.delete_data(token)
            db.session.remove()
            _threads.pop(token, None)


def stalled(record: dict[str, Any], now: datetime | None = None) -> bool:
    if record.get("state") != "running":
        return False
    updated = datetime.fromisoformat(record.get("updated_at", "1970-01-01T00:00:00+00:00"))
    return (now or datetime.now(UTC)) - updated > STALLED_AFTER
