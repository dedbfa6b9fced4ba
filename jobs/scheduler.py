"""Build the scheduler with every job of ``rekruttering_jobs.registry``."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from rekruttering.config import current_settings
from rekruttering.domain.clock import OSLO
from rekruttering_jobs.registry import JOBS


def build_scheduler(app: Flask, blocking: bool = False) -> BaseScheduler:
    """A scheduler in Europe/Oslo with the app's jobs, not yet started."""
    if current_settings(app).app.log_level != "DEBUG":
        # The dispatcher ticks every few seconds: one INFO line per run drowns the log.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=OSLO,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    for job in JOBS:
        job.add_to(scheduler, app)
    return scheduler
