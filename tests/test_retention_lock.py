"""The nightly retention job with two workers at once (PostgreSQL): the advisory lock
lets exactly one of them do the work."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from rekruttering.extensions import db
from rekruttering.models import AuditEvent, Person
from rekruttering.privacy import retention
from rekruttering_jobs.retention import run_retention

LONG_AGO = datetime(2001, 5, 1, tzinfo=UTC)  # due under any clock and any retention.months
WAIT = 20


def two_workers(app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Worker A takes the lock and pauses before anonymising; worker B runs meanwhile."""
    centre = make.centre()
    for n in range(5):
        make.person(centre, first_name=f"Gammel{n}", last_activity_at=LONG_AGO)
    a_locked, release_a = threading.Event(), threading.Event()
    real_due_people = retention.due_people

    def due_people_then_pause(*args: Any, **kwargs: Any) -> Any:
        found = real_due_people(*args, **kwargs)
        if threading.current_thread().name == "A":
            a_locked.set()
            release_a.wait(WAIT)
        return found

    monkeypatch.setattr(retention, "due_people", due_people_then_pause)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            results[name] = run_retention(app)
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[name] = exc

    a = threading.Thread(target=run, args=("A",), name="A", daemon=True)
    b = threading.Thread(target=run, args=("B",), name="B", daemon=True)
    a.start()
    assert a_locked.wait(WAIT), results
    b.start()
    b.join(WAIT / 2)
    results["B finished while A held the lock"] = not b.is_alive()
    release_a.set()
    a.join(WAIT)
    b.join(WAIT)
    db.session.expire_all()
    results["audited"] = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "retention_anonymised")
    )
    results["left"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(Person).where(Person.anonymised_at.is_(None))
    )
    return results


@pytest.mark.postgres_only
def test_two_workers_run_retention_and_only_one_does_the_work(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holds the advisory lock: B returns at once having done nothing; A anonymises
    all five, each audited once."""
    results = two_workers(app, make, monkeypatch)
    assert results["A"] == 5
    assert results["B"] == 0
    assert results["B finished while A held the lock"]
    assert (results["audited"], results["left"]) == (5, 0)


@pytest.mark.postgres_only
def test_without_the_lock_both_workers_anonymise_the_same_people(
    app: Flask, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proof that the test above guards the lock: without it, B waits on A's rows and
    then anonymises (and audits) the same five people again."""
    monkeypatch.setattr(retention, "try_lock", lambda: True)
    results = two_workers(app, make, monkeypatch)
    assert results["B"] == 5 and results["audited"] == 10
