"""The nightly session job: generate sessions ahead from every activity's weekly times.

Runs at 04:15 Europe/Oslo, outside the 02:00-03:00 hour that happens twice or not at
all when summer time starts or ends. Idempotent (a session is unique per activity and
start), so several workers running it at once add each session once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.activities.commands import generate_for_centres
from rekruttering.config import Settings, current_settings

log = logging.getLogger(__name__)

JOB_ID = "generate-sessions"


def generate_sessions_job(app: Flask) -> int:
    """Generate ``funnel.sessions_ahead_weeks`` weeks ahead for every centre; returns how
    many sessions were created."""
    with app.app_context():
        weeks = current_settings(app).funnel.sessions_ahead_weeks
        results = generate_for_centres(weeks)
        created = sum(r.created for r in results.values())
        log.info(
            "sessions: %d created for %d centres, %d weeks ahead", created, len(results), weeks
        )
        return created


def nightly_trigger(settings: Settings) -> dict[str, Any]:
    """APScheduler cron trigger arguments: every day at 04:15 Oslo time."""
    return {"trigger": "cron", "hour": 4, "minute": 15}
