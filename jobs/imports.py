"""Imports: run queued checks and imports (``imports.run_in = "worker"``) every few
seconds; hourly, delete uploaded files (and their records) older than 24 hours."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.config import Settings
from rekruttering.imports.storage import purge_expired

log = logging.getLogger(__name__)

JOB_ID = "imports-cleanup"
RUN_JOB_ID = "imports.run"


def run_queued_imports(app: Flask) -> int:
    from rekruttering.imports.runner import run_queued

    try:
        return run_queued(app)
    except Exception:  # noqa: BLE001 - keep ticking; the page shows a stalled job
        log.exception("imports: running queued jobs failed")
        return 0


def every_few_seconds(settings: Settings) -> dict[str, Any]:
    return {"trigger": "interval", "seconds": 3}


def purge_uploads(app: Flask) -> int:
    with app.app_context():
        removed = purge_expired()
        if removed:
            log.info("imports: deleted %d expired upload files", removed)
        return removed


def hourly_trigger(settings: Settings) -> dict[str, Any]:
    """Every hour at 20 past (harmless if the changeover hour runs it twice or never)."""
    return {"trigger": "cron", "minute": 20}
