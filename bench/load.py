"""``make load``: gunicorn (2 workers) on PostgreSQL, 50 concurrent clients for a minute.

A synthetic installation (10,000 people in 20 centres) is generated into the
PostgreSQL database ``rekruttering_load``; gunicorn serves the app on 127.0.0.1; 50
client threads log in as staff of the centres (real forms, CSRF on) and for 60 s mix
reads (person pages, search, the follow-up queue, check-in pages) with writes
(logging contacts, checking people in). Afterwards the rows written are counted
against the successful write responses: every acknowledged write must be in the
database exactly once (no lost writes), and no request may fail.

    python -m bench.load                  # 50 clients, 60 s
    python -m bench.load --clients 10 --seconds 10 --reuse
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bench.forms import parse_forms

REPO = Path(__file__).resolve().parents[1]
LOAD_URL = os.environ.get(
    "REKRUTTERING_LOAD_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/rekruttering_load",
)
REQUEST_TIMEOUT = 30.0
#: What a client does, and how often (weights).
MIX = (
    ("person page", 30),
    ("people search", 15),
    ("follow-up queue", 10),
    ("check-in page", 10),
    ("log contact", 20),
    ("check in", 15),
)
WRITES = ("log contact", "check in")


def wsgi_app() -> Any:
    """The app gunicorn serves: settings from the environment, plain http on loopback."""
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings

    settings = parse_settings(
        {
            "app": {
                "database_url": os.environ.get("REKRUTTERING_LOAD_DATABASE_URL", LOAD_URL),
                "secret_key": "load-test-secret",
                "log_level": "WARNING",
            }
        },
        {},
    )
    # Session cookies over plain http; the login rate limit would stop 50 logins a
    # minute from one address (it is per address, and all clients are 127.0.0.1).
    return create_app(
        settings, SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, RATELIMIT_ENABLED=False
    )


# --- the installation and what the clients need to know ------------------------------


@dataclass
class Centre:
    id: int
    staff_email: str
    session_id: int | None
    activity_ids: list[int]
    person_ids: list[int]


def prepare(url: str, people: int, reuse: bool) -> list[Centre]:
    from bench.generate import SIZES
    from bench.run import ensure_pg_database, has_installation

    ensure_pg_database(url)
    if not (reuse and has_installation(url, people)):
        centres, _share = SIZES.get(people, (max(1, people // 500), 0.2))
        subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "bench.generate",
                "--people",
                str(people),
                "--centres",
                str(centres),
                "--url",
                url,
            ],
            check=True,
            cwd=REPO,
        )
    from rekruttering.domain.clock import oslo_day_bounds, oslo_today

    start, end = oslo_day_bounds(oslo_today())
    engine = sa.create_engine(url)
    result = []
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, slug FROM centre ORDER BY id")).all()
        for centre_id, slug in rows:
            session_id = conn.scalar(
                sa.text(
                    "SELECT min(id) FROM session WHERE centre_id = :c "
                    "AND starts_at >= :s AND starts_at < :e"
                ),
                {"c": centre_id, "s": start, "e": end},
            )
            activities = list(
                conn.scalars(
                    sa.text("SELECT id FROM activity WHERE centre_id = :c"), {"c": centre_id}
                )
            )
            people_ids = list(
                conn.scalars(
                    sa.text("SELECT id FROM person WHERE centre_id = :c ORDER BY id"),
                    {"c": centre_id},
                )
            )
            number = int(slug.rsplit("-", 1)[-1])
            result.append(
                Centre(centre_id, f"staff{number}@bench.test", session_id, activities, people_ids)
            )
        # A reused database may hold check-ins from an earlier run: today's lists start
        # empty, so every acknowledged check-in must be a new row.
        today = [c.session_id for c in result if c.session_id is not None]
        if today:
            conn.execute(
                sa.text("DELETE FROM attendance WHERE session_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": today},
            )
            conn.commit()
    engine.dispose()
    return result


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "contact": conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM contact")),
                "attendance": conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM attendance")),
            }
    finally:
        engine.dispose()


def written_since(url: str, before: dict[str, int]) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "log contact": conn.scalar(
                    sa.text("SELECT count(*) FROM contact WHERE id > :n"), {"n": before["contact"]}
                ),
                "check in": conn.scalar(
                    sa.text("SELECT count(*) FROM attendance WHERE id > :n"),
                    {"n": before["attendance"]},
                ),
            }
    finally:
        engine.dispose()


# --- the clients ------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    ok: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    first_errors: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if problem is None:
                self.ok[kind] += 1
            else:
                self.errors[kind] += 1
                if len(self.first_errors) < 10:
                    self.first_errors.append(f"{kind}: {problem}")


class Client(threading.Thread):
    def __init__(
        self,
        base: str,
        centre: Centre,
        people: list[int],
        tally: Tally,
        stop_at: float,
        seed: int,
    ) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.centre = centre
        self.to_check_in = list(people)  # this client's own share: no one twice
        self.tally = tally
        self.stop_at = stop_at
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.csrf = ""

    def run(self) -> None:
        try:
            self.login()
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            self.tally.record("login", 0.0, repr(exc)[:200])
            return
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        while time.monotonic() < self.stop_at:
            kind = self.rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                problem = getattr(self, "do_" + kind.replace(" ", "_").replace("-", "_"))()
            except requests.RequestException as exc:
                problem = repr(exc)[:200]
            if problem != "skip":
                self.tally.record(kind, time.perf_counter() - started, problem)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=REQUEST_TIMEOUT)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.http.post(
            self.base + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
        )

    def login(self) -> None:
        page = self.get("/login")
        form = next(f for f in parse_forms(page.text) if "password" in f.names)
        data = form.data(email=self.centre.staff_email, password=_password())
        answer = self.post("/login", data)
        if answer.status_code != 302:
            raise RuntimeError(f"login HTTP {answer.status_code}")
        home = self.get("/people/")
        self.csrf = next(
            (v for f in parse_forms(home.text) for n, v in f.fields if n == "csrf_token"), ""
        )

    @staticmethod
    def _status(response: requests.Response, expected: tuple[int, ...] = (200,)) -> str | None:
        if response.status_code in expected:
            return None
        return f"HTTP {response.status_code} {response.request.method} {response.url}"

    def do_person_page(self) -> str | None:
        person = self.rng.choice(self.centre.person_ids)
        return self._status(self.get(f"/people/{person}"))

    def do_people_search(self) -> str | None:
        return self._status(self.get("/people/", q=self.rng.choice(["an", "sen", "Li", "+479"])))

    def do_follow_up_queue(self) -> str | None:
        return self._status(self.get("/follow-up"))

    def do_check_in_page(self) -> str | None:
        if self.centre.session_id is None:
            return "skip"
        return self._status(self.get(f"/checkin/sessions/{self.centre.session_id}"))

    def do_log_contact(self) -> str | None:
        person = self.rng.choice(self.centre.person_ids)
        activity = self.rng.choice(self.centre.activity_ids)
        page = self.get("/contacts/new", person_id=person, activity_id=activity)
        if page.status_code != 200:
            return self._status(page)
        forms = [f for f in parse_forms(page.text) if "outcome" in f.names]
        if not forms:
            return "no log-contact form"
        data = forms[0].data(person_id=str(person), activity_id=str(activity), outcome="asked")
        answer = self.post("/contacts/new", data)
        return self._status(answer, (302, 303))

    def do_check_in(self) -> str | None:
        if self.centre.session_id is None or not self.to_check_in:
            return "skip"
        person = self.to_check_in.pop()
        answer = self.post(
            f"/checkin/sessions/{self.centre.session_id}/check-in",
            {"csrf_token": self.csrf, "person_id": str(person), "role": "participant", "q": ""},
        )
        return self._status(answer, (302, 303))


def _password() -> str:
    from bench.generate import PASSWORD

    return PASSWORD


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, REKRUTTERING_LOAD_DATABASE_URL=url)
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "bench.load:wsgi_app()",
        ],
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("load: gunicorn exited at start")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("load: gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep a generated database")
    args = parser.parse_args(argv)
    url = LOAD_URL
    if not url.startswith("postgresql"):
        raise SystemExit("load: needs PostgreSQL (REKRUTTERING_LOAD_DATABASE_URL)")
    centres = prepare(url, args.people, args.reuse)
    before = counts(url)
    port = free_port()
    server = start_gunicorn(url, port, args.workers)
    tally = Tally()
    try:
        stop_at = time.monotonic() + args.seconds
        clients = []
        for n in range(args.clients):
            centre = centres[n % len(centres)]
            sharing = range(n % len(centres), args.clients, len(centres))
            share = centre.person_ids[sharing.index(n) :: len(sharing)]
            clients.append(
                Client(f"http://127.0.0.1:{port}", centre, share, tally, stop_at, seed=n)
            )
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=args.seconds + REQUEST_TIMEOUT + 30)
        elapsed = time.perf_counter() - started
        hung = sum(c.is_alive() for c in clients)
    finally:
        stop(server)
    written = written_since(url, before)

    total_ok = sum(tally.ok.values())
    total_errors = sum(tally.errors.values())
    print(
        f"\nload: {args.clients} clients, gunicorn {args.workers} workers, PostgreSQL, "
        f"{elapsed:.0f} s, {total_ok + total_errors} requests "
        f"({(total_ok + total_errors) / elapsed:.0f}/s)\n"
    )
    print("| action | ok | errors | p50 ms | p95 ms | rows written |")
    print("|---|---|---|---|---|---|")
    for kind, _weight in (*MIX, ("login", 0)):
        samples = tally.samples.get(kind, [])
        if not samples and kind == "login":
            continue
        rows = str(written[kind]) if kind in WRITES else ""
        print(
            f"| {kind} | {tally.ok[kind]} | {tally.errors[kind]} | "
            f"{_pct(samples, 50) * 1000:.0f} | {_pct(samples, 95) * 1000:.0f} | {rows} |"
        )
    lost = {k: tally.ok[k] - written[k] for k in WRITES if tally.ok[k] != written[k]}
    print()
    for line in tally.first_errors:
        print(f"  error: {line}")
    verdict = total_errors == 0 and not lost and hung == 0
    print(
        "writes acknowledged vs rows: "
        + ", ".join(f"{k} {tally.ok[k]} / {written[k]}" for k in WRITES)
        + ("" if not lost else f" — MISMATCH {lost}")
    )
    print(f"errors: {total_errors}; clients still running at the end: {hung}")
    print("RESULT: " + ("passed" if verdict else "FAILED"))
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
