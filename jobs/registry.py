"""The list of scheduled jobs. A feature adds its job here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from rekruttering.config import current_settings
from rekruttering_jobs import dispatch, imports, retention, sessions


@dataclass(frozen=True)
class Job:
    """A job with a fixed id; ``trigger`` builds APScheduler trigger kwargs from settings."""

    id: str
    func: Callable[[Flask], Any]
    trigger: Callable[[Any], dict[str, Any]]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def add_to(self, scheduler: BaseScheduler, app: Flask) -> None:
        settings = current_settings(app)
        scheduler.add_job(
            self.func, id=self.id, args=[app], replace_existing=True, **self.trigger(settings)
        )


JOBS: list[Job] = [
    Job(dispatch.JOB_ID, dispatch.dispatch_reminders, dispatch.trigger),
    Job("retention", retention.run_retention, retention.nightly_trigger),
    Job(sessions.JOB_ID, sessions.generate_sessions_job, sessions.nightly_trigger),
    Job(imports.JOB_ID, imports.purge_uploads, imports.hourly_trigger),
    Job(imports.RUN_JOB_ID, imports.run_queued_imports, imports.every_few_seconds),
]
