"""The reminder dispatcher job: every few seconds, send what is due.

Safe to run in several workers at once: the database claim decides who sends what
(see rekruttering.reminders.dispatch). ``max_instances=1`` (scheduler default) keeps
one tick at a time per process. The gateway (for Twilio: the client and its HTTP
connection) is built once per app and kept for every tick, not once a tick.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rekruttering.config import Settings, current_settings
from rekruttering.sms.gateway import build_gateway

log = logging.getLogger(__name__)

JOB_ID = "reminders.dispatch"
#: Where the app keeps its gateway between ticks (``app.extensions``).
GATEWAY_KEY = "rekruttering.sms_gateway"


def dispatch_reminders(app: Flask) -> None:
    from rekruttering.reminders.dispatch import dispatch_due

    with app.app_context():
        try:
            gateway = app.extensions.get(GATEWAY_KEY)
            if gateway is None:
                gateway = app.extensions[GATEWAY_KEY] = build_gateway(current_settings(app))
            dispatch_due(gateway=gateway)
        except Exception:  # noqa: BLE001 - keep ticking; the next tick retries
            log.exception("reminder dispatch tick failed")


def trigger(settings: Settings) -> dict[str, Any]:
    return {"trigger": "interval", "seconds": settings.sms.dispatch_interval_seconds}
