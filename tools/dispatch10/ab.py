"""dispatch10's paired measurement: ``bench.measure.dispatch_rate``'s blocks of 100 (the
bare twilio client and the dispatcher alternating, the same messages to the local fake),
the dispatchers of ``--modes`` (modes.py: old, new) alternating by block, in one process;
each mode's ratio and thread CPU a reminder. ``--timers``: wall time a reminder of the
dispatcher's steps and statements (timers.py); ``--profile PREFIX``: cProfile a mode.

    tools/dispatch10/make_old.sh
    cp bench-10000.db /tmp/d10.db   # a fresh copy each run: it writes reminders
    .venv/bin/python tools/dispatch10/ab.py /tmp/d10.db --count 4000 --modes old,new
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import os
import sys
import time
from datetime import time as dt_time
from datetime import timedelta

import sqlalchemy as sa

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(__file__))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--modes", default="old")
    ap.add_argument("--profile", default="")
    ap.add_argument("--timers", action="store_true")
    a = ap.parse_args()
    from twilio.rest import Client

    from bench.fake_twilio import FakeTwilio, LocalTwilioHttpClient
    from bench.measure import _BENCH_BASE_URL
    from rekruttering.app import create_app
    from rekruttering.config import parse_settings
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Consent, Person, Reminder, Session
    from rekruttering.reminders.dispatch import dispatch_due
    from rekruttering.sms.twilio_gateway import TwilioGateway, status_callback_url

    modes_mod = (
        importlib.import_module("modes")
        if os.path.exists(os.path.join(os.path.dirname(__file__), "modes.py"))
        else None
    )
    settings = parse_settings(
        {
            "app": {
                "database_url": a.db if "://" in a.db else f"sqlite:///{a.db}",
                "secret_key": "bench",
                "log_level": "WARNING",
            }
        },
        {},
    )
    app = create_app(
        settings, SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, RATELIMIT_ENABLED=False
    )
    body = "Hei! Velkommen til Språkkafe i morgen kl. 11. Hilsen Senteret"
    sender = "+4759000000"
    now = oslo_to_utc(oslo_today() + timedelta(days=1), dt_time(12, 0))
    modes = a.modes.split(",")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Person.id, Person.centre_id, Person.phone)
            .join(Consent, Consent.person_id == Person.id)
            .where(Person.phone.is_not(None), Consent.purpose == "sms")
            .order_by(Person.id)
            .limit(a.count + 5)
        ).all()
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
                    "centre_id": c,
                    "person_id": p,
                    "session_id": later.get(c),
                    "body": body,
                    "language": "nb",
                    "due_at": now - timedelta(minutes=1),
                }
                for p, c, _ in rows
            ],
        )
        db.session.commit()
        phones = [ph for _, _, ph in rows]
        warm, phones = phones[:5], phones[5:]
        blocks = [phones[i : i + 100] for i in range(0, len(phones), 100)]
        gc.collect()
        gc.freeze()
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
            cid = 0

            cpu = {"bare": 0.0}

            def bare(block):
                nonlocal cid
                c0 = time.thread_time()
                t = time.perf_counter()
                for ph in block:
                    cid += 1
                    client.messages.create(
                        to=ph,
                        from_=sender,
                        body=body,
                        status_callback=status_callback_url(_BENCH_BASE_URL, cid),
                    )
                cpu["bare"] += time.thread_time() - c0
                return time.perf_counter() - t

            profs = {m: cProfile.Profile() for m in modes} if a.profile else {}
            if a.timers:
                import timers

                timers.install(db.engine)

            def app_(n, mode):
                c0 = time.thread_time()
                t = time.perf_counter()
                prof = profs.get(mode)
                if prof:
                    prof.enable()
                r = (
                    modes_mod.dispatch_due(mode, now=now, gateway=gateway, limit=n)
                    if modes_mod
                    else dispatch_due(now=now, gateway=gateway, limit=n)
                )
                if prof:
                    prof.disable()
                cpu[mode] = cpu.get(mode, 0.0) + time.thread_time() - c0
                return time.perf_counter() - t, r.sent

            for m in modes:
                bare(warm[:2])
                app_(1, m)
            cpu.clear()
            cpu["bare"] = 0.0
            if a.timers:
                timers.T.clear()
                timers.N.clear()
            res = {m: [0, 0.0, 0, 0.0] for m in modes}
            order = []
            for i, block in enumerate(blocks):
                m = (
                    modes[(i // 2 + i % 2) % len(modes)]
                    if len(modes) == 2
                    else modes[i % len(modes)]
                )
                if i % 2 == 0:
                    bs = bare(block)
                    s, sent = app_(len(block), m)
                else:
                    s, sent = app_(len(block), m)
                    bs = bare(block)
                r = res[m]
                r[0] += len(block)
                r[1] += bs
                r[2] += sent
                r[3] += s
                order.append((m, round((sent / s) / (len(block) / bs), 3)))
            if a.timers:
                timers.report(sum(r[2] for r in res.values()))
            for m, (bn, bs, an, as_) in res.items():
                if an:
                    print(f"{m}: app thread CPU {cpu[m] / an * 1000:.3f} ms/reminder")
                    print(
                        f"{m}: ratio x{(an / as_) / (bn / bs):.3f}  bare {bs / bn * 1000:.3f} ms  app {as_ / an * 1000:.3f} ms  ({an} sent)"
                    )
            print(
                f"bare thread CPU {cpu['bare'] / sum(r[0] for r in res.values()) * 1000:.3f} ms/reminder"
            )
            print("blocks:", order)
            for m, p in profs.items():
                p.dump_stats(f"{a.profile}.{m}")
    print("load", os.getloadavg())


main()
