"""Rate limits and lockouts hold across workers; refusals tell nothing about accounts.

Issue 12, item 6: with gunicorn each worker is a process of its own, so a limit
counted in memory is counted per worker (four workers, four times the limit).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from flask import Flask

from rekruttering.app import create_app
from rekruttering.extensions import db
from tests.conftest import make_settings

WORKER = textwrap.dedent(
    """
    import json, sys
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings

    url, storage, email, posts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    settings = parse_settings(
        {
            "app": {"database_url": url, "secret_key": "test-secret-key"},
            "security": {"login_rate_limit": "5 per minute", "login_attempts": 100},
            "limits": {"storage_uri": storage},
        },
        environ={},
    )
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [
        client.post("/login", data={"email": email, "password": f"guess-{n}"}).status_code
        for n in range(posts)
    ]
    print(json.dumps(codes))
    """
)


def _worker(database_url: str, storage: str, email: str, posts: int) -> list[int]:
    """One gunicorn worker: a process of its own with its own app."""
    done = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, storage, email, str(posts)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_attack_two_workers_allow_twice_the_login_limit(
    app: Flask, make: Any, database_url: str
) -> None:
    """An attacker whose requests land on two workers gets the limit once, not twice."""
    user = make.user(make.centre())
    first = _worker(database_url, "database://", user.email, 4)
    second = _worker(database_url, "database://", user.email, 4)
    assert first == [200] * 4
    assert second == [200, 429, 429, 429]  # 5 per minute in all, whichever worker answers


def test_two_storages_on_one_database_share_counts(app: Flask) -> None:
    """Two workers' storages count into the same row; clearing one clears both."""
    from rekruttering.rate_limits import DatabaseStorage

    one, other = DatabaseStorage("database://"), DatabaseStorage("database://")
    assert [one.incr("login/203.0.113.9", 60), other.incr("login/203.0.113.9", 60)] == [1, 2]
    assert one.get("login/203.0.113.9") == other.get("login/203.0.113.9") == 2
    assert other.get_expiry("login/203.0.113.9") > 0 and one.check()
    one.clear("login/203.0.113.9")
    assert other.get("login/203.0.113.9") == 0
    assert other.incr("x", 60, amount=3) == 3 and one.reset() == 1


@pytest.mark.settings(**{"security.login_attempts": 4})
def test_lockout_counts_failures_through_every_app_instance(
    app: Flask, make: Any, database_url: str
) -> None:
    """Failures alternate between two app instances (two workers): four in all lock it."""
    user = make.user(make.centre())
    other_worker = create_app(
        make_settings(database_url, **{"security.login_attempts": 4}),
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
    )
    clients = [app.test_client(), other_worker.test_client()]
    for n in range(4):
        clients[n % 2].post("/login", data={"email": user.email, "password": f"wrong-{n}"})
    db.session.expire_all()
    assert user.locked_until is not None
    answer = clients[1].post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert answer.status_code == 200  # refused: locked


def _flash(response: Any) -> list[str]:
    """The texts of the page's alerts."""
    html = response.get_data(as_text=True)
    alerts = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", alert).split()) for alert in alerts]


@pytest.mark.settings(**{"security.login_attempts": 3})
def test_attack_lockout_message_tells_which_emails_have_accounts(client: Any, make: Any) -> None:
    """Three wrong passwords for a known and an unknown email: the answers are the same."""
    user = make.user(make.centre())
    answers = {}
    for email in (user.email, "ingen.konto@example.test"):
        for n in range(3):
            client.post("/login", data={"email": email, "password": f"wrong-{n}"})
        answers[email] = _flash(client.post("/login", data={"email": email, "password": "x" * 12}))
    known, unknown = answers.values()
    assert known and known == unknown
