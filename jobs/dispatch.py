"""The reminder dispatcher job: every few seconds, send what is due.

Safe to run in several workers at once: the database claim decides who sends what
(see rekruttering.reminders.dispatch). ``max_instances=1`` (scheduler default) keeps
one tick at a time per process.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.config import Settings

log = logging.getLogger(__name__)

JOB_ID = "reminders.dispatch"


def dispatch_reminders(app: Flask) -> None:
    from rekruttering.reminders.dispatch import dispatch_due

    with app.app_context():
        try:
            dispatch_due()
        except Exception:  # noqa: BLE001 - keep ticking; the next tick retries
            log.exception("reminder dispatch tick failed")


def trigger(settings: Settings) -> dict[str, Any]:
    return {"trigger": "interval", "seconds": settings.sms.dispatch_interval_seconds}
