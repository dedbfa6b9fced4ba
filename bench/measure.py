"""How ``make bench`` measures, in the "web process" (one backend, one size).

The web process creates the app, logs in through the real login form (CSRF on) as
staff of the largest centre and as the municipality, and sends repeated requests
through the Flask test client (in-process: the app's and the database's time, not a
network's). Besides the scenarios it measures, in the same process and minute:

* the **CPU reference**: a fixed pure-Python workload, so two runs can be compared;
* the **SQL floor** of each report marked ``floor``: its statements re-run bare on
  the DB-API connection;
* **dispatch** through the real dispatcher, our Twilio gateway and the real
  ``twilio`` library, against the bare ``twilio`` client sending the same messages to
  the same local fake of Twilio;
* the process's **peak memory**.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import time as dt_time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bench.scenarios import (
    MUNICIPALITY,
    REFERENCE,
    SCENARIOS,
    STAFF,
    Context,
    NotApplicable,
    Scenario,
    _forms,
    add_reference_page,
    timed,
)


class SqlMeter:
    """Counts statements and their time; can record them to re-run bare."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.count = 0
        self.seconds = 0.0
        self.recording: list[tuple[str, Any]] | None = None
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def close(self) -> None:
        """Stop counting (the dispatch measurement runs the app as deployed)."""
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()
        if self.recording is not None:
            self.recording.append((statement, params))

    def _after(self, conn: Any, *args: Any) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())


def cpu_reference(rounds: int = 5) -> float:
    """Milliseconds (best of ``rounds``) for a fixed pure-Python workload.

    Dicts, strings, integer arithmetic and a sort: what a request spends its Python
    time on. The same figure from two runs says how much faster one machine (or hour)
    was than the other; divide a run's milliseconds by it to compare them.
    """
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(200_000):
            key = f"person-{i % 5000}"
            table[key] = table.get(key, 0) + (i * 7919) % 104_729
        ordered = sorted(table.items(), key=lambda kv: (kv[1], kv[0]))
        "".join(k for k, _ in ordered[:1000]).upper()
        best = min(best, time.perf_counter() - started)
    return best * 1000


@dataclass
class Result:
    key: str
    label: str
    role: str
    kind: str
    endpoint: str | None
    p50_ms: float | None = None
    p95_ms: float | None = None
    samples: int = 0
    queries: float | None = None
    note: str = ""
    #: The reference page's p95 over the requests made just before this scenario's
    #: (``Measured.once``): its "× reference" is taken against the same seconds.
    reference_p95_ms: float | None = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def endpoint_of(ctx: Context, sc: Scenario) -> str | None:
    return next((e for e in sc.endpoints if e in ctx.app.view_functions), None)


class Measured:
    """One scenario's requests in the web process, one at a time (``once``), each
    paired with a request of the reference page made just before it; ``result`` gives
    their percentiles. The parent (bench.run) asks the web processes of every size in
    turn, so that each scenario is measured at every size in the same seconds."""

    def __init__(self, ctx: Context, sc: Scenario, reference: Callable[[], float] | None):
        self.ctx, self.sc, self.reference = ctx, sc, reference
        self.endpoint = endpoint_of(ctx, sc)
        self.times: list[float] = []
        self.reference_times: list[float] = []
        self.queries = 0
        self.note = "" if self.endpoint is not None else "n/a (not built)"
        self._once: Callable[[], float] | None = None

    def prepare(self) -> bool:
        """Ready the scenario (warm-up: templates compiled, caches filled); False (and
        ``note`` says why) when it cannot run here."""
        if self.endpoint is None:
            return False
        try:
            once = self.sc.prepare(self.ctx, self.endpoint)
            for _ in range(2):
                once()
        except NotApplicable as exc:
            self.note = f"n/a ({exc})"
            return False
        self._once = once
        return True

    def warm_up(self) -> None:
        """One untimed request of the reference page (``once``)."""
        (self.reference or self.untimed_once)()

    def untimed_once(self) -> float:
        """One request of the scenario, its seconds not kept here (the reference page
        before another scenario's request)."""
        assert self._once is not None
        return self._once()

    def once(self) -> bool:
        """One request of the reference page (unless this is the reference), then one of
        the scenario, both timed; False when the scenario stopped being applicable.

        Before them an untimed request of the reference page: the other size's web
        process has just run, and this one's first request after it pays for the caches
        that process took (the reviewer measured the reference page against itself at
        ×0.84-×0.92 without it, ×0.94-×1.04 with it): the timed pair then starts alike."""
        if self._once is None:
            return False
        try:
            self.warm_up()
            reference = self.reference() if self.reference is not None else None
            before = self.ctx.sql.count
            elapsed = self._once()
            self.queries += self.ctx.sql.count - before
        except NotApplicable as exc:
            self.note, self._once = f"n/a ({exc})", None
            return False
        self.times.append(elapsed)
        if reference is not None:
            self.reference_times.append(reference)
        return True

    def result(self) -> Result:
        sc = self.sc
        result = Result(sc.key, sc.label, sc.role, sc.kind, self.endpoint)
        if not self.times:
            result.note = self.note or "n/a (not measured)"
            return result
        result.samples = len(self.times)
        result.p50_ms = percentile(self.times, 50) * 1000
        result.p95_ms = percentile(self.times, 95) * 1000
        result.queries = self.queries / len(self.times)
        if self.reference_times:
            result.reference_p95_ms = percentile(self.reference_times, 95) * 1000
        return result


def _forget_stored_figures(ctx: Context) -> None:
    """Delete every stored report figure (untimed): the next read computes them live."""
    from rekruttering.extensions import db
    from rekruttering.models import ReportSnapshot

    with ctx.app.app_context():
        db.session.execute(sa.delete(ReportSnapshot))
        db.session.commit()


def sql_floor(ctx: Context, sc: Scenario, repeat: int, computed: bool = False) -> dict[str, Any]:
    """A report's page time (median) against re-running its SQL bare (median).

    ``computed``: every request computes the figures live (stored ones are deleted,
    untimed, before each), so the floor is the SQL of the computation itself; otherwise
    the page reads the figures it stored, as most requests do.
    """
    endpoint = endpoint_of(ctx, sc)
    if endpoint is None:
        return {"note": "n/a (not built)"}
    from rekruttering.extensions import db

    client = ctx.clients[sc.role]
    url = ctx.url(endpoint)
    forget = (lambda: _forget_stored_figures(ctx)) if computed else (lambda: None)
    try:
        # A warm-up, as before the timed requests: figures a report stores
        # (reports.snapshots) and a later scenario made out of date are computed here,
        # so the statements recorded are those of the requests timed below.
        forget()
        timed(client, "GET", url)
    except NotApplicable as exc:
        return {"note": f"n/a ({exc})"}
    forget()
    ctx.sql.recording = []
    try:
        timed(client, "GET", url)
    except NotApplicable as exc:
        return {"note": f"n/a ({exc})"}
    finally:
        recorded, ctx.sql.recording = ctx.sql.recording or [], None
    statements = [(s, p) for s, p in recorded if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    page: list[float] = []
    bare: list[float] = []
    with ctx.app.app_context():
        raw = db.engine.raw_connection()

    def run_bare() -> None:
        started = time.perf_counter()
        cursor = raw.cursor()
        for statement, params in statements:
            cursor.execute(statement, params)
            cursor.fetchall()
        cursor.close()
        bare.append(time.perf_counter() - started)
        raw.rollback()  # no read left open while the page writes its figures

    def run_page() -> None:
        forget()
        page.append(timed(client, "GET", url))

    # The page and its bare SQL in turn (the order reversed every round), so that both
    # medians come from the same seconds (until the eleventh round: all the bare runs,
    # then all the pages; a machine whose speed moved in between moved the ratio).
    try:
        for i in range(repeat):
            for run in (run_page, run_bare) if i % 2 == 0 else (run_bare, run_page):
                run()
    finally:
        raw.close()
    page_ms, bare_ms = statistics.median(page) * 1000, statistics.median(bare) * 1000
    return {
        "statements": len(statements),
        "page_ms": page_ms,
        "sql_ms": bare_ms,
        "ratio": page_ms / bare_ms if bare_ms else None,
    }


#: Reminders a block: the dispatcher's tick (``limit``) and the bare client's run alike.
DISPATCH_BLOCK = 100
#: Reminders sent untimed first, by each of the two: the HTTP connection, the library's
#: lazy imports, the dispatcher's compiled statements (a job runs for hours).
DISPATCH_WARM_UP = 5
#: Public base URL the bench gateway names in each status callback (the bare client too).
_BENCH_BASE_URL = "https://bench.example.org"


def dispatch_rate(ctx: Context, count: int, max_seconds: float) -> dict[str, Any]:
    """Reminders a second through the app, and the bare twilio client's rate.

    Both send the same messages (same people, numbers, sender, body and status
    callback URL) through one twilio ``Client`` to the same local fake of Twilio's
    Messages API. They take turns in blocks of ``DISPATCH_BLOCK``: the bare client
    sends a block's messages, the dispatcher sends the same block's reminders (one
    tick), the next pair the other way round (bare, app, app, bare, ...), so both see
    the same machine: its speed moves ×2-×3 within minutes on a shared host. The
    ratio is of the sums (the dispatcher's rate over all its blocks / the bare
    client's over all its blocks); the ratio of each pair shows its spread. The ratio
    app / bare is what the dispatcher costs on top of the provider's client library.
    """
    try:
        from twilio.rest import Client

        from rekruttering.reminders.dispatch import dispatch_due
        from rekruttering.sms.twilio_gateway import TwilioGateway, status_callback_url
    except ImportError as exc:
        return {"note": f"n/a (not built: {exc.name})"}
    from bench.fake_twilio import FakeTwilio, LocalTwilioHttpClient
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Consent, Person, Reminder, Session

    body = "Hei! Velkommen til Språkkafe i morgen kl. 11. Hilsen Senteret"
    sender = "+4759000000"
    now = oslo_to_utc(oslo_today() + timedelta(days=1), dt_time(12, 0))
    with ctx.app.app_context():
        rows = db.session.execute(
            sa.select(Person.id, Person.centre_id, Person.phone)
            .join(Consent, Consent.person_id == Person.id)
            .where(Person.phone.is_not(None), Consent.purpose == "sms")
            .order_by(Person.id)
            .limit(count + DISPATCH_WARM_UP)
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
                    "body": body,
                    "language": "nb",
                    "due_at": now - timedelta(minutes=1),
                }
                for person_id, centre_id, _phone in rows
            ],
        )
        db.session.commit()
        # The reminders in the order a tick claims them (due_at, then id): block i of
        # the bare client's messages is the dispatcher's tick i.
        phones = [phone for _pid, _cid, phone in rows]
        warm_up, phones = phones[:DISPATCH_WARM_UP], phones[DISPATCH_WARM_UP:]
        blocks = [phones[i : i + DISPATCH_BLOCK] for i in range(0, len(phones), DISPATCH_BLOCK)]
        with FakeTwilio() as fake:
            client = Client(
                "AC" + "0" * 32, "bench-token", http_client=LocalTwilioHttpClient(fake.url)
            )
            gateway = TwilioGateway(
                "AC" + "0" * 32,
                "bench-token",
                from_number=sender,
                public_base_url=_BENCH_BASE_URL,
                client=client,
            )
            callback_id = 0

            def bare(block: list[str]) -> float:
                # The floor: the same requests the gateway makes, nothing else.
                nonlocal callback_id
                started = time.perf_counter()
                for phone in block:
                    callback_id += 1
                    client.messages.create(
                        to=phone,
                        from_=sender,
                        body=body,
                        status_callback=status_callback_url(_BENCH_BASE_URL, callback_id),
                    )
                return time.perf_counter() - started

            def app(size: int) -> tuple[float, int, int, int]:
                started = time.perf_counter()
                report = dispatch_due(now=now, gateway=gateway, limit=size)
                return (
                    time.perf_counter() - started,
                    report.sent,
                    report.failed + report.skipped,
                    report.claimed,
                )

            bare(warm_up)  # not timed (DISPATCH_WARM_UP)
            app(len(warm_up))
            warm = fake.received
            pairs: list[dict[str, float]] = []
            sent = failed = 0
            started = time.perf_counter()
            for i, block in enumerate(blocks):
                if time.perf_counter() - started >= max_seconds:
                    break
                if i % 2 == 0:
                    bare_s = bare(block)
                    app_s, app_sent, app_failed, claimed = app(len(block))
                else:
                    app_s, app_sent, app_failed, claimed = app(len(block))
                    bare_s = bare(block)
                sent += app_sent
                failed += app_failed
                pairs.append(
                    {"bare_n": len(block), "bare_s": bare_s, "app_n": app_sent, "app_s": app_s}
                )
                if claimed == 0:
                    break
            received = fake.received - warm - sum(int(p["bare_n"]) for p in pairs)
        db.session.remove()
    bare_n = sum(p["bare_n"] for p in pairs)
    bare_s = sum(p["bare_s"] for p in pairs)
    app_s = sum(p["app_s"] for p in pairs)
    per_second = sent / app_s if app_s else None
    bare_per_second = bare_n / bare_s if bare_s else None
    each = sorted(
        (p["app_n"] / p["app_s"]) / (p["bare_n"] / p["bare_s"])
        for p in pairs
        if p["app_s"] and p["bare_s"]
    )
    return {
        "reminders": len(phones),
        "sent": sent,
        "not_sent": failed,
        "provider_received": received,
        "seconds": app_s,
        "bare_seconds": bare_s,
        "per_second": per_second,
        "bare_per_second": bare_per_second,
        "ratio": per_second / bare_per_second if per_second and bare_per_second else None,
        "blocks": len(pairs),
        "block_ratios": each,
        "block_ratio_median": statistics.median(each) if each else None,
    }


# --- the web process: one size on one backend --------------------------------------------


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


def _setup(url: str) -> tuple[Context, float, float]:
    """The web process's app, logged-in clients and sample ids; (the context, the CPU
    reference and the load average before any request)."""
    from bench.generate import MUNICIPALITY_EMAIL, PASSWORD
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings
    from rekruttering.domain.clock import oslo_day_bounds, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Activity, Centre, Person, Session

    cpu_before = cpu_reference()
    settings = parse_settings(
        {"app": {"database_url": url, "secret_key": "bench", "log_level": "WARNING"}}, {}
    )
    app = create_app(
        settings,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        RATELIMIT_ENABLED=False,
    )
    add_reference_page(app)
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
    # As rekruttering serve and the gunicorn hook do once the app has started.
    gc.collect()
    gc.freeze()
    ctx = Context(app, clients, centre_id, person_ids, activity_ids, today_session_id, rng, sql)
    return ctx, cpu_before, load_before


#: A line the web process writes to its parent starts with this (anything else on its
#: standard output, a library's print say, is not an answer).
ANSWER = "@bench "


class WebProcess:
    """The web process of one size on one backend, driven by its parent (bench.run)
    one command at a time: ``prepare`` a scenario, run it ``once``, ``finish`` (the
    SQL floors, dispatch, memory). The parent takes the web processes of every size
    in turn, a request each, so that a scenario's figures at 10,000 and at 100,000
    people come from the same seconds of a machine whose speed moves ×2-×3 within
    minutes (its growth is a ratio taken in one moment, as dispatch's is)."""

    def __init__(self, url: str, repeat: int, dispatch_count: int, max_seconds: float):
        self.ctx, self.cpu_before, self.load_before = _setup(url)
        self.repeat, self.dispatch_count, self.max_seconds = repeat, dispatch_count, max_seconds
        only = os.environ.get("BENCH_ONLY", "")
        self.chosen = [sc for sc in SCENARIOS if not only or sc.key in only.split(",")]
        reference = next(sc for sc in SCENARIOS if sc.kind == REFERENCE)
        self.reference = Measured(self.ctx, reference, None)
        self.reference.prepare()
        self.measured = {
            sc.key: self.reference if sc is reference else Measured(self.ctx, sc, self._reference)
            for sc in self.chosen
        }

    def _reference(self) -> float:
        return self.reference.untimed_once()

    def answer(self, command: dict[str, Any]) -> dict[str, Any]:
        what = command["do"]
        if what == "prepare":
            return {"ok": self.measured[command["key"]].prepare()}
        if what == "once":
            return {"ok": self.measured[command["key"]].once()}
        if what == "finish":
            return self.finish()
        raise ValueError(f"unknown command {what!r}")

    def finish(self) -> dict[str, Any]:
        ctx, repeat = self.ctx, self.repeat
        results = []
        for sc in self.chosen:
            measured = self.measured[sc.key]
            result = measured.result()
            if measured is self.reference and result.p95_ms is not None:
                # The reference row: every reference request of the run, its own
                # rounds and those made beside each scenario.
                pooled = measured.times + [
                    t for m in self.measured.values() for t in m.reference_times
                ]
                result.samples = len(pooled)
                result.p50_ms = percentile(pooled, 50) * 1000
                result.p95_ms = percentile(pooled, 95) * 1000
            results.append(asdict(result))
        floored = [sc for sc in self.chosen if sc.floor]
        floors = {sc.key: sql_floor(ctx, sc, repeat=min(repeat, 10)) for sc in floored}
        # Computing live takes seconds at 100k: fewer repeats.
        computed_floors = {
            sc.key: sql_floor(ctx, sc, repeat=min(repeat, 5), computed=True) for sc in floored
        }
        ctx.sql.close()  # its two callbacks a statement are the bench's, not the dispatcher's
        dispatch = (
            dispatch_rate(ctx, self.dispatch_count, max_seconds=max(30.0, self.max_seconds))
            if self.dispatch_count
            else {"note": "n/a (not run)"}
        )
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "results": results,
            "floors": floors,
            "computed_floors": computed_floors,
            "dispatch": dispatch,
            "peak_mb": peak_kb / 1024,
            "load": [self.load_before, os.getloadavg()[0]],
            "cpu_ms": [self.cpu_before, cpu_reference()],
            "cpus": os.cpu_count(),
        }


def serve(url: str, repeat: int, max_seconds: float, dispatch_count: int) -> None:
    """The web process's loop: a JSON command a line on standard input, a JSON answer
    a line (``ANSWER`` first) on standard output; the first answer says it is ready
    and which scenarios it measures."""
    process = WebProcess(url, repeat, dispatch_count, max_seconds)
    print(ANSWER + json.dumps({"scenarios": [sc.key for sc in process.chosen]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        print(ANSWER + json.dumps(process.answer(command)), flush=True)
        if command["do"] == "finish":
            return
