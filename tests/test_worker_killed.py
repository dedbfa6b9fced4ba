"""A real ``rekruttering worker`` killed with SIGKILL in the middle of a batch: a second
worker sends every remaining reminder exactly once (PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.extensions import db
from rekruttering.models import Reminder, ReminderState
from tests.test_dispatch_safeguards import due_reminders

ROOT = Path(__file__).resolve().parent.parent
LONG_AGO = datetime(2000, 1, 3, 12, 0, tzinfo=UTC)  # due whatever the worker's clock says


def _config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[app]
database_url = "{database_url}"
secret_key = "test-secret-key-for-the-worker"
log_level = "WARNING"

[sms]
gateway = "outbox"
quiet_hours_start = "12:00"   # the same time twice: no quiet hours
quiet_hours_end = "12:00"
dispatch_interval_seconds = 1
dispatch_batch_size = 10
hand_over_batch_size = 3
claim_lease_seconds = 3
claim_timeout_minutes = 1
""",
        encoding="utf-8",
    )
    return path


def _start_worker(config: Path, log: Path, delay: float) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REKRUTTERING_CONFIG": str(config),
        "SLOW_WORKER_LOG": str(log),
        "SLOW_WORKER_DELAY": str(delay),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.slow_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _wait_for(condition: Any, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode()[-3000:] if proc.stderr else "")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.1)


def _states() -> Counter[str]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Reminder.state, Reminder.message_id.is_not(None), sa.func.count()).group_by(
            Reminder.state, Reminder.message_id.is_not(None)
        )
    ).all()
    db.session.rollback()
    return Counter({f"{state}{'+message' if handed else ''}": n for state, handed, n in rows})


@pytest.mark.postgres_only
def test_a_killed_worker_strands_nothing_and_nothing_is_sent_twice(
    app: Flask, make: Any, tmp_path: Path
) -> None:
    """Worker 1 (slow provider) is SIGKILLed mid-batch; worker 2 then sends the rest:
    no reminder reaches the gateway twice; only those of the hand-over batch at the
    kill (``hand_over_batch_size``, 3 here: handed over, sent or not, no answer
    recorded) may stay "sending" (then uncertain), none is lost or doubled; every
    other reminder reaches the gateway exactly once."""
    ids = due_reminders(make, 30, due_at=LONG_AGO)
    url = db.engine.url.render_as_string(hide_password=False)
    config = _config(tmp_path, url)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    first = _start_worker(config, first_log, delay=0.4)
    try:
        _wait_for(lambda: len(_lines(first_log)) >= 3, first, 90)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    at_kill = _states()
    assert at_kill["sending"] > 0, at_kill  # killed with claimed, unsent reminders
    assert at_kill["sending+message"] <= 3, at_kill  # at most a hand-over batch

    second = _start_worker(config, second_log, delay=0)
    try:

        def settled() -> bool:
            # Everything sent but what worker 1 had in the provider's hands at the kill.
            return _states()["sent+message"] == len(ids) - at_kill["sending+message"]

        _wait_for(settled, second, 90)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(10)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(10)

    handed = Counter(line.split()[1] for line in _lines(first_log) + _lines(second_log))
    assert set(handed.values()) == {1}  # no reminder reached the gateway twice
    final = _states()
    in_flight = final["sending+message"]
    assert in_flight == at_kill["sending+message"] <= 3  # left to staff, never resent
    # Every reminder but those left handed over reached the gateway (of those, the
    # ones sent before the kill did too).
    assert len(ids) - in_flight <= len(handed) <= len(ids)
    assert final["sent+message"] == len(ids) - in_flight, final
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Reminder.state == ReminderState.SENT))
        == len(ids) - in_flight
    )
