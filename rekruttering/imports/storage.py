"""Uploaded files between the steps of an import, on disk in instance/imports/.

An upload is stored under a random name (never in the session cookie) with a small
JSON record beside it: which centre and user it belongs to, the file's format, the
column mapping, and, once started, the import's progress and result. The data file is
deleted when the import ends; both are deleted after 24 hours in any case.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

MAX_AGE = timedelta(hours=24)
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def directory() -> Path:
    """instance/imports (or the app's IMPORT_DIR), created if missing, private to us."""
    configured = current_app.config.get("IMPORT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str) -> bool:
    return bool(TOKEN.fullmatch(token or ""))


def data_path(token: str) -> Path:
    if not valid_token(token):
        raise ValueError("bad import token")
    return directory() / f"{token}.upload"


def skipped_path(token: str) -> Path:
    """The rows an import left out (``skip bad rows``) and why, a JSON line each."""
    if not valid_token(token):
        raise ValueError("bad import token")
    return directory() / f"{token}.skipped.jsonl"


def unclaim(token: str) -> None:
    """Allow the import to be started again (after it stopped or failed)."""
    (directory() / f"{token}.lock").unlink(missing_ok=True)


def _meta_path(token: str) -> Path:
    if not valid_token(token):
        raise ValueError("bad import token")
    return directory() / f"{token}.json"


def load(token: str) -> dict[str, Any] | None:
    """The record of an upload, or None (unknown, expired or a malformed token)."""
    if not valid_token(token):
        return None
    try:
        return json.loads(_meta_path(token).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save(token: str, record: dict[str, Any]) -> None:
    """Write the record atomically: a reader never sees half a file."""
    record = {**record, "updated_at": datetime.now(UTC).isoformat()}
    target = _meta_path(token)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def update(token: str, **changes: Any) -> dict[str, Any]:
    record = load(token) or {}
    record.update(changes)
    save(token, record)
    return record


def claim(token: str) -> bool:
    """Start an import at most once: the first caller creates the lock file and wins."""
    try:
        fd = os.open(directory() / f"{token}.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def claim_run(token: str, attempt: int) -> bool:
    """One worker runs an attempt of a queued job: the first to create its file."""
    name = directory() / f"{token}.{int(attempt)}.runlock"
    try:
        fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def queued() -> list[tuple[str, dict[str, Any]]]:
    """(token, record) of every check or import waiting for a worker, oldest first."""
    found = []
    for path in sorted(directory().glob("*.json"), key=lambda p: p.stat().st_mtime):
        record = load(path.stem)
        if record is not None and record.get("queued"):
            found.append((path.stem, record))
    return found


def delete_data(token: str) -> None:
    data_path(token).unlink(missing_ok=True)


def delete(token: str) -> None:
    for suffix in (".upload", ".json", ".lock", ".skipped.jsonl"):
        (directory() / f"{token}{suffix}").unlink(missing_ok=True)
    for path in directory().glob(f"{token}.*.runlock"):
        path.unlink(missing_ok=True)


def _filesystem_now() -> float:
    """The time as the upload folder's file system stamps files now.

    Ages are measured against it rather than the process clock, so a clock that differs
    from the file system's (a network share, a frozen clock in tests) never makes a fresh
    upload look a day old, or an old one new.
    """
    marker = directory() / ".now"
    marker.touch()
    return marker.stat().st_mtime


def purge_expired(now: float | None = None, max_age: timedelta = MAX_AGE) -> int:
    """Delete uploads and records older than ``max_age``; returns how many files went."""
    limit = (now if now is not None else _filesystem_now()) - max_age.total_seconds()
    removed = 0
    for path in directory().iterdir():
        if path.suffix not in (".upload", ".json", ".lock", ".jsonl", ".runlock"):
            continue
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
