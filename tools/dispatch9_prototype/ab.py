"""In-process A/B: overlap on/off alternating every two ticks (scratch)."""
import inspect, os, sys, time
from types import SimpleNamespace
import bench.measure as bm
from bench.measure import cpu_reference
from rekruttering.app import create_app
from rekruttering.config import parse_settings
import rekruttering.reminders.dispatch as d

url = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
modes = sys.argv[3].split(",") if len(sys.argv) > 3 else ["on", "off"]
settings = parse_settings({"app": {"database_url": url, "secret_key": "b", "log_level": "WARNING"}, "sms": {"hand_over_batch_size": int(os.environ.get("K", "10"))}}, {})
app = create_app(settings, RATELIMIT_ENABLED=False)
if os.environ.get("FLUSH_DELAY"):
    import sqlalchemy as sa
    from rekruttering.extensions import db
    with app.app_context():
        @sa.event.listens_for(db.engine, "connect")
        def _slow(dbapi, rec):
            dbapi.autocommit = True
            dbapi.execute(f"SET commit_delay = {int(os.environ['FLUSH_DELAY'])}")
            dbapi.execute("SET commit_siblings = 0")
            dbapi.autocommit = False
src = inspect.getsource(bm.dispatch_rate).replace('"block_ratios": each,', '"pairs": pairs, "block_ratios": each,')
ns = dict(vars(bm)); exec(src, ns)
seq = []
if os.environ.get("SWITCH"): sys.setswitchinterval(float(os.environ["SWITCH"]))
orig = d.dispatch_due
def wrapped(*a, **k):
    i = len(seq); mode = modes[(i // 2) % len(modes)]; seq.append(mode)
    d.OVERLAP = mode != "off"
    if mode != "off": d.OVERLAP_WAY = mode
    return orig(*a, **k)
d.dispatch_due = wrapped
import timers
print("cpu ref", round(cpu_reference(), 1), "load", os.getloadavg()[0])
r = ns["dispatch_rate"](SimpleNamespace(app=app), n, 120)
pairs = r["pairs"]; m = seq[1:]  # seq[0] is the warm-up tick
for mode in modes:
    ps = [p for p, md in zip(pairs, m) if md == mode]
    an = sum(p["app_n"] for p in ps); a_s = sum(p["app_s"] for p in ps)
    bn = sum(p["bare_n"] for p in ps); b_s = sum(p["bare_s"] for p in ps)
    print(f"{mode}: ratio x{(an/a_s)/(bn/b_s):.3f}  app {1000*a_s/an:.3f} ms  bare {1000*b_s/bn:.3f} ms  ticks {len(ps)} sent {an}")
sentby={md: sum(p["app_n"] for p, x in zip(pairs, m) if x == md) for md in modes}
timers.report(sentby)
print("all", round(r["ratio"], 3), "sent", r["sent"], "not sent", r["not_sent"], "received", r["provider_received"], "cpu ref", round(cpu_reference(), 1), "load", os.getloadavg()[0])
