"""Hourly: delete uploaded import files (and their records) older than 24 hours."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.imports.storage import purge_expired

log = logging.getLogger(__name__)

JOB_ID = "imports-cleanup"


def purge_uploads(app: Flask) -> int:
    with app.app_context():
        removed = purge_expired()
        if removed:
            log.info("imports: deleted %d expired upload files", removed)
        return removed


def hourly_trigger(settings: Any) -> dict[str, Any]:
    """Every hour at 20 past (harmless if the changeover hour runs it twice or never)."""
    return {"trigger": "cron", "minute": 20}
