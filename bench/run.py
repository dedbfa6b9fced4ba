"""``make bench``: how fast the app is at 1,000, 10,000 and 100,000 people.

For each backend (SQLite file, PostgreSQL database ``rekruttering_bench``) and size,
a synthetic installation is generated (bench.generate, in its own process), then a
fresh process — the "web process" — serves repeated requests through the Flask test
client, logged in as staff of the largest centre and as the municipality, and reports
p50/p95 per scenario, the SQL floor of the conversion report, reminder dispatch
throughput through a local fake of Twilio, and its own peak memory.

Scenarios live in a registry; a feature that is not built yet is reported as
"n/a (not built)" instead of stopping the run. Every loop is bounded in count and time.

    python -m bench.run                       # all sizes, both backends
    python -m bench.run --sizes 1000 --backends sqlite
    python -m bench.run --reuse               # keep databases generated earlier
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "instance" / "bench"
PG_URL = os.environ.get(
    "REKRUTTERING_BENCH_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/rekruttering_bench",
)
SIZES = (1_000, 10_000, 100_000)
STAFF, MUNICIPALITY = "staff", "municipality"

#: Goals at the largest size (ms, p95), from issue 8.
PAGE_GOAL_MS = 100.0
REPORT_GOAL_MS = 250.0
WRITE_GOAL_MS = 50.0
DISPATCH_GOAL_PER_S = 100.0
MEMORY_GOAL_MB = 300.0


# --- the registry ---------------------------------------------------------------------


class NotApplicable(Exception):
    """The scenario cannot run here; the message says why (shown as n/a (...))."""


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    role: str
    endpoints: tuple[str, ...]  # the first one installed is used
    goal_ms: float
    #: Given the context and endpoint, returns one iteration: a callable that does
    #: one request and returns the seconds to count (preparation excluded).
    prepare: Callable[[Context, str], Callable[[], float]]
    write: bool = False


SCENARIOS: list[Scenario] = []


def scenario(
    key: str,
    label: str,
    role: str,
    endpoints: tuple[str, ...],
    goal_ms: float,
    write: bool = False,
) -> Callable[[Callable[[Context, str], Callable[[], float]]], Any]:
    def register(prepare: Callable[[Context, str], Callable[[], float]]) -> Any:
        SCENARIOS.append(Scenario(key, label, role, endpoints, goal_ms, prepare, write))
        return prepare

    return register


# --- the context: the app, logged-in clients, sample ids ----------------------------------


@dataclass
class Context:
    app: Any
    clients: dict[str, Any]
    centre_id: int
    person_ids: list[int]
    activity_ids: list[int]
    today_session_id: int | None
    rng: random.Random
    sql: SqlMeter

    def url(self, endpoint: str, **values: Any) -> str:
        from flask import url_for

        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def person(self) -> int:
        return self.rng.choice(self.person_ids)


class SqlMeter:
    """Counts statements and their time; can record them to re-run bare."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        self.seconds = 0.0
        self.recording: list[tuple[str, Any]] | None = None
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()
        if self.recording is not None:
            self.recording.append((statement, params))

    def _after(self, conn: Any, *args: Any) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())


def timed(client: Any, method: str, url: str, ok: tuple[int, ...] = (200,), **kw: Any) -> float:
    started = time.perf_counter()
    response = client.open(url, method=method, **kw)
    body = response.get_data()  # streamed responses are read to the end
    elapsed = time.perf_counter() - started
    if response.status_code == 403:
        raise NotApplicable("not for this role")
    if response.status_code not in ok:
        raise NotApplicable(f"HTTP {response.status_code} from {method} {url}")
    del body
    return elapsed


def _get_page(client: Any, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise NotApplicable(f"HTTP {response.status_code} from GET {url}")
    return response.get_data(as_text=True)


def _forms(html: str) -> list[Any]:
    from bench.forms import parse_forms

    return parse_forms(html)


# --- the scenarios -------------------------------------------------------------------


@scenario("search", "people search", STAFF, ("people.index", "people.search"), PAGE_GOAL_MS)
def _search(ctx: Context, endpoint: str) -> Callable[[], float]:
    from rekruttering.extensions import db
    from rekruttering.models import Person

    with ctx.app.app_context():
        names = db.session.scalars(
            sa.select(Person.last_name).where(Person.id.in_(ctx.person_ids[:50]))
        ).all()
    queries = [n[:4] for n in names if n] or ["a"]
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint, q=ctx.rng.choice(queries)))


@scenario("person", "person page", STAFF, ("people.detail", "people.show"), PAGE_GOAL_MS)
def _person(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint, person_id=ctx.person()))


@scenario("follow_up", "follow-up queue", STAFF, ("outreach.follow_up",), PAGE_GOAL_MS)
def _follow_up(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    return lambda: timed(client, "GET", ctx.url(endpoint))


def _checkin_url(ctx: Context, endpoint: str) -> str:
    if ctx.today_session_id is None:
        raise NotApplicable("no session today")
    return ctx.url(endpoint, session_id=ctx.today_session_id)


@scenario("checkin_page", "check-in page", STAFF, ("checkin.session",), PAGE_GOAL_MS)
def _checkin_page(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    url = _checkin_url(ctx, endpoint)
    return lambda: timed(client, "GET", url)


@scenario(
    "log_contact",
    "log a contact (POST)",
    STAFF,
    ("outreach.log_contact",),
    WRITE_GOAL_MS,
    write=True,
)
def _log_contact(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]

    def once() -> float:
        person_id, activity_id = ctx.person(), ctx.rng.choice(ctx.activity_ids)
        url = ctx.url(endpoint, person_id=person_id, activity_id=activity_id)
        html = _get_page(client, url)
        forms = [f for f in _forms(html) if f.method == "post" and "outcome" in f.names]
        if not forms:
            raise NotApplicable("no log-contact form on the page")
        form = forms[0]
        data = form.data(person_id=str(person_id), activity_id=str(activity_id), outcome="asked")
        return timed(client, "POST", form.action or url, ok=(302, 303), data=data)

    return once


@scenario(
    "checkin_post",
    "check in (POST)",
    STAFF,
    ("checkin.tap", "checkin.check_in"),
    WRITE_GOAL_MS,
    write=True,
)
def _checkin_post(ctx: Context, endpoint: str) -> Callable[[], float]:
    client = ctx.clients[STAFF]
    page_url = _checkin_url(ctx, "checkin.session")
    action_url = _checkin_url(ctx, endpoint)
    pending: list[dict[str, Any]] = []

    def refill() -> None:
        html = _get_page(client, page_url)
        for form in _forms(html):
            if form.method == "post" and form.action == action_url and "person_id" in form.names:
                pending.append(form.data())
        if not pending:
            raise NotApplicable("no one left to check in on the session page")

    def once() -> float:
        if not pending:
            refill()
        data = pending.pop(ctx.rng.randrange(len(pending)))
        return timed(client, "POST", action_url, ok=(302, 303), data=data)

    return once


def _report(role: str) -> Callable[[Context, str], Callable[[], float]]:
    def prepare(ctx: Context, endpoint: str) -> Callable[[], float]:
        client = ctx.clients[role]
        url = ctx.url(endpoint)
        return lambda: timed(client, "GET", url)

    return prepare


for _role in (STAFF, MUNICIPALITY):
    scenario(
        f"conversion_{_role}",
        "conversion report",
        _role,
        ("reports.conversion",),
        REPORT_GOAL_MS,
    )(_report(_role))
    scenario(
        f"funder_{_role}",
        "funder report",
        _role,
        ("reports.funder",),
        PAGE_GOAL_MS,
    )(_report(_role))
    scenario(
        f"funder_xlsx_{_role}",
        "funder export (xlsx)",
        _role,
        ("reports.funder_xlsx", "reports.funder_export"),
        PAGE_GOAL_MS,
    )(_report(_role))
scenario(
    "municipality", "municipality report", MUNICIPALITY, ("reports.municipality",), PAGE_GOAL_MS
)(_report(MUNICIPALITY))


# --- measuring ----------------------------------------------------------------------


@dataclass
class Result:
    key: str
    label: str
    role: str
    endpoint: str | None
    goal_ms: float
    p50_ms: float | None = None
    p95_ms: float | None = None
    samples: int = 0
    queries: float | None = None
    note: str = ""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def measure(ctx: Context, sc: Scenario, repeat: int, max_seconds: float) -> Result:
    endpoint = next((e for e in sc.endpoints if e in ctx.app.view_functions), None)
    result = Result(sc.key, sc.label, sc.role, endpoint, sc.goal_ms)
    if endpoint is None:
        result.note = "n/a (not built)"
        return result
    try:
        once = sc.prepare(ctx, endpoint)
        for _ in range(2):  # warm-up: templates compiled, caches filled
            once()
        times: list[float] = []
        queries_before = ctx.sql.count
        deadline = time.perf_counter() + max_seconds
        while len(times) < repeat and (len(times) < 5 or time.perf_counter() < deadline):
            times.append(once())
    except NotApplicable as exc:
        result.note = f"n/a ({exc})"
        return result
    result.samples = len(times)
    result.p50_ms = percentile(times, 50) * 1000
    result.p95_ms = percentile(times, 95) * 1000
    result.queries = (ctx.sql.count - queries_before) / len(times)
    return result


def sql_floor(ctx: Context, endpoint: str | None, role: str, repeat: int) -> dict[str, Any]:
    """The conversion report's page time against re-running its SQL bare (the floor)."""
    if endpoint is None:
        return {"note": "n/a (not built)"}
    from rekruttering.extensions import db

    client = ctx.clients[role]
    url = ctx.url(endpoint)
    ctx.sql.recording = []
    try:
        timed(client, "GET", url)
    except NotApplicable as exc:
        return {"note": f"n/a ({exc})"}
    finally:
        recorded, ctx.sql.recording = ctx.sql.recording or [], None
    statements = [(s, p) for s, p in recorded if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    page, bare = [], []
    with ctx.app.app_context():
        raw = db.engine.raw_connection()
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                cursor = raw.cursor()
                for statement, params in statements:
                    cursor.execute(statement, params)
                    cursor.fetchall()
                cursor.close()
                bare.append(time.perf_counter() - started)
            raw.rollback()
        finally:
            raw.close()
    for _ in range(repeat):
        page.append(timed(client, "GET", url))
    page_ms, bare_ms = statistics.median(page) * 1000, statistics.median(bare) * 1000
    return {
        "statements": len(statements),
        "page_ms": page_ms,
        "sql_ms": bare_ms,
        "ratio": page_ms / bare_ms if bare_ms else None,
    }


def dispatch_rate(ctx: Context, count: int, max_seconds: float) -> dict[str, Any]:
    """Reminders a second through the real twilio library and a local fake of Twilio."""
    try:
        from twilio.rest import Client

        from rekruttering.reminders.dispatch import dispatch_due
        from rekruttering.sms.twilio_gateway import TwilioGateway
    except ImportError as exc:
        return {"note": f"n/a (not built: {exc.name})"}
    from bench.fake_twilio import FakeTwilio, LocalTwilioHttpClient
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Consent, Person, Reminder, Session

    now = oslo_to_utc(oslo_today() + timedelta(days=1), dt_time(12, 0))
    with ctx.app.app_context():
        rows = db.session.execute(
            sa.select(Person.id, Person.centre_id)
            .join(Consent, Consent.person_id == Person.id)
            .where(Person.phone.is_not(None), Consent.purpose == "sms")
            .order_by(Person.id)
            .limit(count)
        ).all()
        if not rows:
            return {"note": "n/a (no one with SMS consent)"}
        later = dict(
            db.session.execute(
                sa.select(Session.centre_id, sa.func.max(Session.id))
                .where(Session.starts_at > now + timedelta(days=7))
                .group_by(Session.centre_id)
            ).all()
        )
        db.session.execute(
            sa.insert(Reminder),
            [
                {
                    "centre_id": centre_id,
                    "person_id": person_id,
                    "session_id": later.get(centre_id),
                    "body": "Hei! Velkommen til Språkkafe i morgen kl. 11. Hilsen Senteret",
                    "language": "nb",
                    "due_at": now - timedelta(minutes=1),
                }
                for person_id, centre_id in rows
            ],
        )
        db.session.commit()
        with FakeTwilio() as fake:
            client = Client(
                "AC" + "0" * 32, "bench-token", http_client=LocalTwilioHttpClient(fake.url)
            )
            gateway = TwilioGateway(
                "AC" + "0" * 32,
                "bench-token",
                from_number="+4759000000",
                public_base_url="https://bench.example.org",
                client=client,
            )
            sent = failed = 0
            started = time.perf_counter()
            while time.perf_counter() - started < max_seconds:
                report = dispatch_due(now=now, gateway=gateway, limit=100)
                sent += report.sent
                failed += report.failed + report.skipped
                if report.claimed == 0:
                    break
            elapsed = time.perf_counter() - started
            received = fake.received
        db.session.remove()
    return {
        "reminders": len(rows),
        "sent": sent,
        "not_sent": failed,
        "provider_received": received,
        "seconds": elapsed,
        "per_second": sent / elapsed if elapsed else None,
    }


# --- the child: one size on one backend --------------------------------------------------


def _login(app: Any, email: str, password: str) -> Any:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = next((v for n, v in _forms(html)[-1].fields if n == "csrf_token"), "")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"bench: could not log in as {email} (HTTP {response.status_code})")
    return client


def child(url: str, repeat: int, max_seconds: float, dispatch_count: int) -> dict[str, Any]:
    from bench.generate import MUNICIPALITY_EMAIL, PASSWORD
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings
    from rekruttering.domain.clock import oslo_day_bounds, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Activity, Centre, Person, Session

    settings = parse_settings(
        {"app": {"database_url": url, "secret_key": "bench", "log_level": "WARNING"}}, {}
    )
    app = create_app(
        settings,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
    )
    rng = random.Random(8)
    load_before = os.getloadavg()[0]
    with app.app_context():
        centre_id = db.session.scalar(
            sa.select(Person.centre_id)
            .group_by(Person.centre_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        centre_slug = db.session.get(Centre, centre_id).slug
        person_ids = db.session.scalars(
            sa.select(Person.id).where(Person.centre_id == centre_id).order_by(Person.id)
        ).all()
        person_ids = rng.sample(list(person_ids), k=min(500, len(person_ids)))
        activity_ids = list(
            db.session.scalars(sa.select(Activity.id).where(Activity.centre_id == centre_id))
        )
        start, end = oslo_day_bounds(oslo_today())
        today_session_id = db.session.scalar(
            sa.select(Session.id)
            .where(
                Session.centre_id == centre_id, Session.starts_at >= start, Session.starts_at < end
            )
            .order_by(Session.id)
            .limit(1)
        )
        sql = SqlMeter(db.engine)
    staff_email = f"staff{int(centre_slug.rsplit('-', 1)[-1])}@bench.test"
    clients = {
        STAFF: _login(app, staff_email, PASSWORD),
        MUNICIPALITY: _login(app, MUNICIPALITY_EMAIL, PASSWORD),
    }
    if os.environ.get("BENCH_GC_FREEZE"):
        # What a gunicorn post_worker_init hook would do: the long-lived objects made at
        # start are left out of the full garbage collections (see docs/performance.md).
        gc.collect()
        gc.freeze()
    ctx = Context(app, clients, centre_id, person_ids, activity_ids, today_session_id, rng, sql)
    only = os.environ.get("BENCH_ONLY", "")
    chosen = [sc for sc in SCENARIOS if not only or sc.key in only.split(",")]
    results = [asdict(measure(ctx, sc, repeat, max_seconds)) for sc in chosen]
    conversion = next((s for s in SCENARIOS if s.key == f"conversion_{STAFF}"), None)
    endpoint = (
        next((e for e in conversion.endpoints if e in app.view_functions), None)
        if conversion
        else None
    )
    floor = sql_floor(ctx, endpoint, STAFF, repeat=min(repeat, 10))
    dispatch = dispatch_rate(ctx, dispatch_count, max_seconds=max(30.0, max_seconds))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "results": results,
        "conversion_floor": floor,
        "dispatch": dispatch,
        "peak_mb": peak_kb / 1024,
        "load": [load_before, os.getloadavg()[0]],
        "gc_freeze": bool(os.environ.get("BENCH_GC_FREEZE")),
        "cpus": os.cpu_count(),
    }


# --- the parent: generate, measure, print ------------------------------------------------


@dataclass
class Run:
    backend: str
    size: int
    generate_seconds: float | None
    data: dict[str, Any] = field(default_factory=dict)


def database_url(backend: str, size: int) -> str:
    if backend == "postgresql":
        return PG_URL
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{BENCH_DIR / f'bench-{size}.db'}"


def _has_installation(url: str, size: int) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM person")) == size
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _ensure_pg_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ):
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def run_one(backend: str, size: int, args: argparse.Namespace) -> Run:
    url = database_url(backend, size)
    if backend == "postgresql":
        _ensure_pg_database(url)
    generated = None
    if not (args.reuse and _has_installation(url, size)):
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "bench.generate", "--people", str(size), "--url", url],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL if args.quiet else None,
        )
        generated = time.perf_counter() - started
    out = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "bench.run",
            "--child",
            url,
            "--repeat",
            str(args.repeat),
            "--max-seconds",
            str(args.max_seconds),
            "--dispatch",
            str(args.dispatch),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"bench: the measuring process failed ({backend}, {size} people)")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Run(backend, size, generated, data)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _size_label(size: int) -> str:
    return f"{size // 1000}k"


def report(runs: list[Run]) -> str:
    lines: list[str] = []
    for backend in dict.fromkeys(r.backend for r in runs):
        mine = sorted((r for r in runs if r.backend == backend), key=lambda r: r.size)
        sizes = [r.size for r in mine]
        largest = mine[-1]
        lines.append(f"\n## {backend}\n")
        header = ["scenario", "as"] + [f"{_size_label(s)} p50 / p95 ms" for s in sizes]
        header += ["growth p95", "queries", f"goal p95 ({_size_label(sizes[-1])})"]
        rows = [header]
        for i, sc in enumerate(largest.data["results"]):
            cells = [sc["label"], sc["role"]]
            p95s = []
            for run in mine:
                r = run.data["results"][i]
                if r["p50_ms"] is None:
                    cells.append(r["note"] or "n/a")
                    p95s.append(None)
                else:
                    cells.append(f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}")
                    p95s.append(r["p95_ms"])
            growth = [
                f"×{b / a:.1f}" if a and b else "—" for a, b in zip(p95s, p95s[1:], strict=False)
            ]
            cells.append(" ".join(growth) or "—")
            cells.append(_fmt(sc["queries"]))
            if sc["p95_ms"] is None:
                cells.append(f"< {sc['goal_ms']:.0f}: n/a")
            else:
                ok = "met" if sc["p95_ms"] < sc["goal_ms"] else "MISSED"
                cells.append(f"< {sc['goal_ms']:.0f}: {ok}")
            rows.append(cells)
        widths = [max(len(str(row[c])) for row in rows) for c in range(len(header))]
        for n, row in enumerate(rows):
            lines.append(
                "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
            )
            if n == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        lines.append("")
        for run in mine:
            f = run.data["conversion_floor"]
            d = run.data["dispatch"]
            floor = (
                f"page {f['page_ms']:.1f} ms / bare SQL {f['sql_ms']:.1f} ms "
                f"({f['statements']} statements) = ×{_fmt(f['ratio'])}"
                if "page_ms" in f
                else f.get("note", "n/a")
            )
            rate = (
                f"{d['per_second']:.0f}/s ({d['sent']} sent of {d['reminders']}, "
                f"{d['not_sent']} not sent, {d['seconds']:.1f} s)"
                if d.get("per_second") is not None
                else d.get("note", "n/a")
            )
            gen = f"{run.generate_seconds:.0f} s" if run.generate_seconds else "reused"
            lines.append(
                f"- {_size_label(run.size)}: conversion report {floor}; dispatch {rate}; "
                f"peak memory {run.data['peak_mb']:.0f} MB; generation {gen}; "
                f"load average {run.data['load'][0]:.1f} → {run.data['load'][1]:.1f} "
                f"on {run.data['cpus']} CPUs"
            )
        d = largest.data["dispatch"]
        rate = d.get("per_second")
        lines.append(
            f"- goals at {_size_label(largest.size)}: dispatch ≥ {DISPATCH_GOAL_PER_S:.0f}/s: "
            f"{'met' if rate and rate >= DISPATCH_GOAL_PER_S else 'MISSED' if rate else 'n/a'}; "
            f"peak memory < {MEMORY_GOAL_MB:.0f} MB: "
            f"{'met' if largest.data['peak_mb'] < MEMORY_GOAL_MB else 'MISSED'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=30, help="requests per scenario")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="per scenario")
    parser.add_argument("--dispatch", type=int, default=1000, help="reminders to send")
    parser.add_argument("--reuse", action="store_true", help="keep generated databases")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data = child(args.child, args.repeat, args.max_seconds, args.dispatch)
        print(json.dumps(data))
        return
    runs = []
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"bench: {backend}, {size} people …", file=sys.stderr, flush=True)
            runs.append(run_one(backend, size, args))
    text = report(runs)
    print(text)
    if args.json:
        Path(args.json).write_text(
            json.dumps([asdict(r) for r in runs], indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
