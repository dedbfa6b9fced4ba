"""dispatch10: the dispatcher's own cost, with a gateway that sends nothing; the modes
(modes.py: old, new) alternate by tick of 100 in one process: wall and thread CPU a
reminder, and with ``--profile`` Python function calls a reminder (cProfile).

    .venv/bin/python tools/dispatch10/nullgw.py /tmp/d10.db --count 4000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import os
import pstats
import sys
import time
from datetime import time as dt_time
from datetime import timedelta

import sqlalchemy as sa

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(__file__))


class NullGateway:
    name = "twilio"
    gates_requests = False

    def __init__(self):
        self.n = itertools.count()

    def send(self, sms, gate=None):
        from rekruttering.sms.gateway import SendResult

        return SendResult(f"SM{next(self.n):032x}", "queued", "+4759000000")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--modes", default="old,new")
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    import modes as modes_mod

    from rekruttering.app import create_app
    from rekruttering.config import parse_settings
    from rekruttering.domain.clock import oslo_to_utc, oslo_today
    from rekruttering.extensions import db
    from rekruttering.models import Consent, Person, Reminder, Session

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
    app = create_app(settings)
    body = "Hei! Velkommen til Språkkafe i morgen kl. 11. Hilsen Senteret"
    now = oslo_to_utc(oslo_today() + timedelta(days=1), dt_time(12, 0))
    modes = a.modes.split(",")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Person.id, Person.centre_id)
            .join(Consent, Consent.person_id == Person.id)
            .where(Person.phone.is_not(None), Consent.purpose == "sms")
            .order_by(Person.id)
            .limit(a.count + 10)
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
                for p, c in rows
            ],
        )
        db.session.commit()
        gc.collect()
        gc.freeze()
        gw = NullGateway()
        for m in modes:
            modes_mod.dispatch_due(m, now=now, gateway=gw, limit=5)
        wall = dict.fromkeys(modes, 0.0)
        cpu = dict.fromkeys(modes, 0.0)
        sent = dict.fromkeys(modes, 0)
        profs = {m: cProfile.Profile() for m in modes} if a.profile else {}
        for i in range(a.count // 100):
            m = modes[(i // 2 + i % 2) % len(modes)]
            p = profs.get(m)
            c0 = time.thread_time()
            t0 = time.perf_counter()
            if p:
                p.enable()
            r = modes_mod.dispatch_due(m, now=now, gateway=gw, limit=100)
            if p:
                p.disable()
            wall[m] += time.perf_counter() - t0
            cpu[m] += time.thread_time() - c0
            sent[m] += r.sent
        for m in modes:
            line = f"{m}: {sent[m]} sent, wall {wall[m] / sent[m] * 1000:.3f} ms/reminder, thread CPU {cpu[m] / sent[m] * 1000:.3f}"
            if m in profs:
                st = pstats.Stats(profs[m])
                line += f", function calls {sum(v[1] for v in st.stats.values()) / sent[m]:.1f}/reminder"
            print(line)
            if m in profs:
                profs[m].dump_stats(f"{a.db.rsplit('/', 1)[-1]}.{m}.prof")
    print("load", os.getloadavg())


main()
