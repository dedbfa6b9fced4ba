"""``make load``: a municipality's busiest hour, open loop, on gunicorn and PostgreSQL.

Requests arrive at a set rate (Poisson arrivals: exponential gaps), whether or not the
earlier ones have finished, as they do at a real peak; the time of a request is from
the moment it was due to arrive until its answer, so waiting for a free connection
counts (no coordinated omission). The mix: staff on phones and desktops (person pages,
search, the follow-up queue, logging a contact), door tablets (the check-in page and
taps) and a manager (the conversion report, the funder export).

1. **Unloaded**: the same mix one request at a time: its p95 is the reference.
2. **Capacity**: the arrival rate is raised step by step (×1.5) until p95 passes one
   second (or requests fail); the capacity is the highest rate that stayed under.
3. **Half capacity**: two minutes at half that rate: p95 within 3× of the unloaded
   p95, no errors, and every acknowledged write in the database exactly once.

The installation is the bench's 10,000 people in 20 centres (PostgreSQL database
``bench_10k``, generated if missing); gunicorn runs 2 sync workers with the production
settings module (``rekruttering.gunicorn_conf``) on 127.0.0.1. The load generator runs
on the same machine: its CPU is part of what is measured, and the load average and
the CPU reference are printed beside the capacity.

    python -m bench.load                          # the whole run
    python -m bench.load --step-seconds 10 --half-seconds 30
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bench.forms import parse_forms

REPO = Path(__file__).resolve().parents[1]
LOAD_URL = os.environ.get(
    "REKRUTTERING_LOAD_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k",
)
REQUEST_TIMEOUT = 30.0
#: What arrives at the busiest hour, and how often (weights).
MIX = (
    ("person page", 22),  # staff
    ("people search", 14),
    ("follow-up queue", 6),
    ("log contact", 12),  # the form, then the post
    ("check-in page", 10),  # door tablets
    ("check in", 30),
    ("conversion report", 1),  # the manager
    ("funder export", 1),
)
WRITES = ("log contact", "check in")
P95_LIMIT = 1.0  # seconds: past this the installation is over capacity
HALF_GOAL = 3.0  # p95 at half capacity / unloaded p95
SESSIONS_PER_CENTRE = 4
CENTRES_USED = 8  # the largest ones
#: Sessions today for each centre's taps: when everyone has been checked in to one, the
#: taps go on with the next. One session ran out on a fast machine (the half-capacity
#: phase then sent a fifth fewer requests than it should: taps with nobody left skip).
TAP_SESSIONS = 8


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
    # Session cookies over plain http; the login rate limit would stop the logins from
    # one address (it is per address, and all clients are 127.0.0.1).
    return create_app(
        settings, SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, RATELIMIT_ENABLED=False
    )


# --- the installation and what the clients need to know ------------------------------


@dataclass
class Centre:
    id: int
    staff_email: str
    session_id: int | None  # the session whose check-in page the tablets show
    activity_ids: list[int]
    person_ids: list[int]
    #: (session, person) not checked in yet: each is popped once, so no tap repeats;
    #: the first session's people first, then the next session's
    to_check_in: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_to_check_in(self) -> tuple[int, int] | None:
        with self.lock:
            return self.to_check_in.pop() if self.to_check_in else None


def _tap_sessions(conn: sa.Connection, centre_id: int, start: Any, end: Any) -> list[int]:
    """The centre's sessions today that are not cancelled, TAP_SESSIONS of them: the
    first one's copies a few minutes later are added where there are fewer."""
    from rekruttering.models import Session

    table = Session.__table__
    ids = list(
        conn.scalars(
            sa.select(table.c.id)
            .where(
                table.c.centre_id == centre_id,
                table.c.starts_at >= start,
                table.c.starts_at < end,
                table.c.cancelled.is_(False),
            )
            .order_by(table.c.id)
        )
    )
    if not ids:
        return []
    first = conn.execute(sa.select(table).where(table.c.id == ids[0])).mappings().one()
    taken = set(
        conn.scalars(
            sa.select(table.c.starts_at).where(table.c.activity_id == first["activity_id"])
        )
    )
    # Later the same day if there is room (the generated sessions are in the daytime),
    # otherwise earlier; never past the day's bounds or onto one of its activity's times.
    later = first["starts_at"] < end - timedelta(hours=1)
    for minutes in range(1, 240):
        if len(ids) >= TAP_SESSIONS:
            break
        shift = timedelta(minutes=minutes if later else -minutes)
        starts = first["starts_at"] + shift
        if starts in taken or not start <= starts < end:
            continue
        values = {k: v for k, v in first.items() if k != "id"}
        values.update(starts_at=starts, ends_at=first["ends_at"] + shift)
        ids.append(conn.execute(sa.insert(table).values(values).returning(table.c.id)).scalar_one())
    return ids


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
        rows = conn.execute(
            sa.text(
                "SELECT c.id, c.slug FROM centre c JOIN person p ON p.centre_id = c.id "
                "GROUP BY c.id, c.slug ORDER BY count(*) DESC, c.id LIMIT :n"
            ),
            {"n": CENTRES_USED},
        ).all()
        for centre_id, slug in rows:
            sessions = _tap_sessions(conn, centre_id, start, end)
            activities = list(
                conn.scalars(
                    sa.text("SELECT id FROM activity WHERE centre_id = :c"), {"c": centre_id}
                )
            )
            people_ids = list(
                conn.scalars(
                    sa.text(
                        "SELECT id FROM person WHERE centre_id = :c "
                        "AND merged_into_id IS NULL AND anonymised_at IS NULL ORDER BY id"
                    ),
                    {"c": centre_id},
                )
            )
            number = int(slug.rsplit("-", 1)[-1])
            taps = []
            for n, session_id in enumerate(sessions):
                shuffled = list(people_ids)
                random.Random(centre_id * 100 + n).shuffle(shuffled)
                taps += [(session_id, person_id) for person_id in shuffled]
            taps.reverse()  # popped from the end: the first session first
            result.append(
                Centre(
                    centre_id,
                    f"staff{number}@bench.test",
                    sessions[0] if sessions else None,
                    activities,
                    people_ids,
                    taps,
                )
            )
        # A reused database may hold check-ins from an earlier run: today's lists start
        # empty, so every acknowledged check-in must be a new row.
        today = sorted({session_id for c in result for session_id, _ in c.to_check_in})
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


def high_water(url: str) -> dict[str, int]:
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
                # A write acknowledged twice or stored twice shows up here.
                "check in duplicates": conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM (SELECT session_id, person_id FROM attendance "
                        "WHERE id > :n GROUP BY session_id, person_id HAVING count(*) > 1) d"
                    ),
                    {"n": before["attendance"]},
                ),
            }
    finally:
        engine.dispose()


# --- logged-in browsers ------------------------------------------------------------------


class Browser:
    """One logged-in staff member's cookie jar (used by one request at a time)."""

    def __init__(self, base: str, centre: Centre) -> None:
        self.base = base
        self.centre = centre
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params, timeout=REQUEST_TIMEOUT)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.http.post(
            self.base + path, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
        )

    def login(self, password: str) -> None:
        page = self.get("/login")
        form = next(f for f in parse_forms(page.text) if "password" in f.names)
        answer = self.post("/login", form.data(email=self.centre.staff_email, password=password))
        if answer.status_code != 302:
            raise RuntimeError(f"login HTTP {answer.status_code}")
        home = self.get("/people/")
        self.csrf = next(
            (v for f in parse_forms(home.text) for n, v in f.fields if n == "csrf_token"), ""
        )


def _status(response: requests.Response, expected: tuple[int, ...] = (200,)) -> str | None:
    if response.status_code in expected:
        return None
    return f"HTTP {response.status_code} {response.request.method} {response.url}"


def do(kind: str, b: Browser, rng: random.Random) -> tuple[str | None, int]:
    """One action: (problem or None, HTTP requests sent). ``skip`` when not possible."""
    c = b.centre
    if kind == "person page":
        return _status(b.get(f"/people/{rng.choice(c.person_ids)}")), 1
    if kind == "people search":
        return _status(b.get("/people/", q=rng.choice(["an", "sen", "Li", "+479", "Ole"]))), 1
    if kind == "follow-up queue":
        return _status(b.get("/follow-up")), 1
    if kind == "check-in page":
        if c.session_id is None:
            return "skip", 0
        return _status(b.get(f"/checkin/sessions/{c.session_id}")), 1
    if kind == "check in":
        tap = c.next_to_check_in()
        if tap is None:
            return "skip", 0
        session_id, person = tap
        answer = b.post(
            f"/checkin/sessions/{session_id}/check-in",
            {"csrf_token": b.csrf, "person_id": str(person), "role": "participant", "q": ""},
        )
        return _status(answer, (302, 303)), 1
    if kind == "log contact":
        person, activity = rng.choice(c.person_ids), rng.choice(c.activity_ids)
        page = b.get("/contacts/new", person_id=person, activity_id=activity)
        if page.status_code != 200:
            return _status(page), 1
        forms = [f for f in parse_forms(page.text) if "outcome" in f.names]
        if not forms:
            return "no log-contact form", 1
        data = forms[0].data(person_id=str(person), activity_id=str(activity), outcome="asked")
        return _status(b.post("/contacts/new", data), (302, 303)), 2
    if kind == "conversion report":
        return _status(b.get("/reports/")), 1
    if kind == "funder export":
        answer = b.get("/reports/funder.xlsx")
        answer.content  # noqa: B018 - read to the end
        return _status(answer), 1
    raise ValueError(kind)


# --- one phase: arrivals at a rate ----------------------------------------------------------


@dataclass
class Phase:
    name: str
    rate: float | None  # arrivals a second; None: one at a time (unloaded)
    seconds: float
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ok: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)
    http_requests: int = 0
    elapsed: float = 0.0
    load: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str | None, sent: int) -> None:
        with self.lock:
            self.http_requests += sent
            self.samples[kind].append(seconds)
            if problem is None:
                self.ok[kind] += 1
            else:
                self.errors[kind] += 1
                if len(self.first_errors) < 10:
                    self.first_errors.append(f"{kind}: {problem}")

    @property
    def all_samples(self) -> list[float]:
        return [s for values in self.samples.values() for s in values]

    @property
    def p95(self) -> float:
        return _pct(self.all_samples, 95)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def arrived_per_s(self) -> float:
        return len(self.all_samples) / self.elapsed if self.elapsed else 0.0


class Generator:
    """Sends the mix; browsers are lent to one request at a time."""

    def __init__(self, base: str, centres: list[Centre], password: str) -> None:
        self.browsers: queue.Queue[Browser] = queue.Queue()
        for centre in centres:
            for _ in range(SESSIONS_PER_CENTRE):
                browser = Browser(base, centre)
                browser.login(password)
                self.browsers.put(browser)
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]
        self.rng = random.Random(17)
        self.rng_lock = threading.Lock()

    def _one(self, phase: Phase, kind: str, due: float) -> None:
        browser = self.browsers.get()  # waiting for a free browser counts as waiting
        try:
            with self.rng_lock:
                rng = random.Random(self.rng.random())
            try:
                problem, sent = do(kind, browser, rng)
            except requests.RequestException as exc:
                problem, sent = repr(exc)[:200], 1
        finally:
            self.browsers.put(browser)
        if problem != "skip":
            phase.record(kind, time.perf_counter() - due, problem, sent)

    def run(self, phase: Phase) -> Phase:
        started = time.perf_counter()
        load_before = os.getloadavg()[0]
        if phase.rate is None:
            while time.perf_counter() - started < phase.seconds:
                self._one(phase, self.rng.choices(self.kinds, self.weights)[0], time.perf_counter())
        else:
            with ThreadPoolExecutor(max_workers=self.browsers.qsize()) as pool:
                due = started
                while True:
                    due += self.rng.expovariate(phase.rate)
                    if due - started >= phase.seconds:
                        break
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    kind = self.rng.choices(self.kinds, self.weights)[0]
                    pool.submit(self._one, phase, kind, due)
        phase.elapsed = time.perf_counter() - started
        phase.load = (load_before + os.getloadavg()[0]) / 2
        return phase


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
            "--config",
            "python:rekruttering.gunicorn_conf",
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


# --- the run --------------------------------------------------------------------------------


def find_capacity(
    gen: Generator, start_rate: float, step_seconds: float, max_rate: float, log: Any
) -> tuple[float, list[Phase]]:
    """The highest arrival rate tried whose p95 stayed under a second, without errors."""
    phases: list[Phase] = []
    rate, good = start_rate, 0.0
    bad: float | None = None
    # Down first while even the starting rate is too much (a busy machine) ...
    while rate >= 0.25:
        phase = gen.run(Phase(f"{rate:.2f}/s", rate, step_seconds))
        phases.append(phase)
        log(phase)
        if phase.p95 <= P95_LIMIT and not phase.error_count:
            good, rate = rate, rate * 1.5
            break
        bad, rate = rate, rate / 2
    # ... then up until it is too much.
    while good and bad is None and rate <= max_rate:
        phase = gen.run(Phase(f"{rate:.2f}/s", rate, step_seconds))
        phases.append(phase)
        log(phase)
        if phase.p95 > P95_LIMIT or phase.error_count:
            bad = rate
            break
        good, rate = rate, rate * 1.5
    if bad is not None and good:
        middle = (good + bad) / 2  # one more step between the last good and the first bad
        phase = gen.run(Phase(f"{middle:.2f}/s", middle, step_seconds))
        phases.append(phase)
        log(phase)
        if phase.p95 <= P95_LIMIT and not phase.error_count:
            good = middle
    return good, phases


def _phase_line(phase: Phase) -> str:
    return (
        f"| {phase.name} | {phase.arrived_per_s:.1f} | "
        f"{phase.http_requests / phase.elapsed if phase.elapsed else 0:.1f} | "
        f"{_pct(phase.all_samples, 50) * 1000:.0f} | {phase.p95 * 1000:.0f} | "
        f"{phase.error_count} | {phase.load:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep a generated database")
    parser.add_argument("--unloaded-seconds", type=float, default=40.0)
    parser.add_argument("--start-rate", type=float, default=4.0)
    parser.add_argument("--max-rate", type=float, default=400.0)
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--half-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    url = LOAD_URL
    if not url.startswith("postgresql"):
        raise SystemExit("load: needs PostgreSQL (REKRUTTERING_LOAD_DATABASE_URL)")
    from bench.generate import PASSWORD
    from bench.measure import cpu_reference

    cpu_before = cpu_reference()
    centres = prepare(url, args.people, args.reuse)
    before = high_water(url)
    port = free_port()
    server = start_gunicorn(url, port, args.workers)
    phases: list[Phase] = []

    def log(phase: Phase) -> None:
        print(
            f"load: {phase.name}: p95 {phase.p95 * 1000:.0f} ms, {phase.error_count} errors, "
            f"load average {phase.load:.1f}",
            file=sys.stderr,
            flush=True,
        )

    try:
        gen = Generator(f"http://127.0.0.1:{port}", centres, PASSWORD)
        unloaded = gen.run(Phase("unloaded (one at a time)", None, args.unloaded_seconds))
        log(unloaded)
        capacity, steps = find_capacity(gen, args.start_rate, args.step_seconds, args.max_rate, log)
        half = None
        if capacity:
            name = f"half capacity {capacity / 2:.1f}/s"
            half = gen.run(Phase(name, capacity / 2, args.half_seconds))
            log(half)
        phases = [unloaded, *steps, *([half] if half else [])]
    finally:
        stop(server)
    written = written_since(url, before)
    cpu_after = cpu_reference()

    print(
        f"\nload: gunicorn {args.workers} workers, PostgreSQL, {args.people:,} people; "
        f"{CENTRES_USED} centres × {SESSIONS_PER_CENTRE} logged-in browsers; "
        f"CPU reference {cpu_before:.0f} → {cpu_after:.0f} ms; {os.cpu_count()} CPUs\n"
    )
    print("| phase | arrivals/s | HTTP requests/s | p50 ms | p95 ms | errors | load average |")
    print("|---|---|---|---|---|---|---|")
    for phase in phases:
        print(_phase_line(phase))
    print()
    if half is not None:
        print(f"half capacity, per action ({half.name}, {half.elapsed:.0f} s):\n")
        print("| action | ok | errors | p50 ms | p95 ms |")
        print("|---|---|---|---|---|")
        for kind, _w in MIX:
            samples = half.samples.get(kind, [])
            print(
                f"| {kind} | {half.ok[kind]} | {half.errors[kind]} | "
                f"{_pct(samples, 50) * 1000:.0f} | {_pct(samples, 95) * 1000:.0f} |"
            )
        print()
    for phase in phases:
        for line in phase.first_errors:
            print(f"  error ({phase.name}): {line}")
    acknowledged = {k: sum(p.ok[k] for p in phases) for k in WRITES}
    lost = {k: acknowledged[k] - written[k] for k in WRITES if acknowledged[k] != written[k]}
    errors = sum(p.error_count for p in phases if p is unloaded or p is half)
    ratio = half.p95 / unloaded.p95 if half and unloaded.p95 else None
    mean_load = statistics.mean(p.load for p in phases) if phases else 0.0
    print(
        f"capacity: {capacity:.2f} arrivals a second "
        f"({_capacity_http(steps, capacity):.1f} HTTP requests a second) with p95 ≤ "
        f"{P95_LIMIT:.0f} s, at load average {mean_load:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"half capacity: p95 {half.p95 * 1000 if half else 0:.0f} ms = ×"
        f"{ratio or 0:.2f} the unloaded p95 ({unloaded.p95 * 1000:.0f} ms); goal ≤ ×{HALF_GOAL}: "
        f"{'met' if ratio is not None and ratio <= HALF_GOAL else 'MISSED'}"
    )
    print(
        "writes acknowledged vs rows (all phases): "
        + ", ".join(f"{k} {acknowledged[k]} / {written[k]}" for k in WRITES)
        + f"; check-ins stored twice: {written['check in duplicates']}"
        + ("" if not lost else f" — MISMATCH {lost}")
    )
    print(f"errors (unloaded and half capacity): {errors}")
    verdict = (
        half is not None
        and errors == 0
        and not lost
        and written["check in duplicates"] == 0
        and ratio is not None
        and ratio <= HALF_GOAL
    )
    print("RESULT: " + ("passed" if verdict else "FAILED"))
    return 0 if verdict else 1


def _capacity_http(steps: list[Phase], capacity: float) -> float:
    """HTTP requests a second at the capacity step (an action may send two)."""
    at = [p for p in steps if p.rate and abs(p.rate - capacity) < 1e-6]
    if not at:
        return 0.0
    phase = at[-1]
    return phase.http_requests / phase.elapsed if phase.elapsed else 0.0


if __name__ == "__main__":
    sys.exit(main())
