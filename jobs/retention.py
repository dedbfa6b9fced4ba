"""The nightly retention job: anonymise people with no activity for their centre's
retention period (the centre settings page; retention.months is a new centre's default).

Runs at ``retention.run_at`` Europe/Oslo (default 01:30, outside the 02:00-03:00 hour
that happens twice or not at all when summer time starts or ends). Several workers
may run it: on PostgreSQL an advisory lock lets one of them do the work.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.config import Settings
from rekruttering.domain.clock import utcnow
from rekruttering.privacy.retention import anonymise_due_everywhere
from rekruttering.transaction import transaction

log = logging.getLogger(__name__)


def run_retention(app: Flask) -> int:
    """Anonymise everyone due now; returns how many (ids go to the audit log, not here)."""
    with app.app_context():
        with transaction():
            done = anonymise_due_everywhere(utcnow())
        log.info("retention: anonymised %d people", len(done))
        return len(done)


def nightly_trigger(settings: Settings) -> dict[str, Any]:
    """APScheduler cron trigger arguments: every night at retention.run_at, Oslo time."""
    run_at = settings.retention.run_at
    return {"trigger": "cron", "hour": run_at.hour, "minute": run_at.minute}
