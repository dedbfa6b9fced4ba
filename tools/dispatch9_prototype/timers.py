import collections, time
import rekruttering.reminders.dispatch as d
T = collections.defaultdict(lambda: collections.defaultdict(float)); C = collections.defaultdict(lambda: collections.defaultdict(int))
def wrap(obj, name):
    f = getattr(obj, name)
    def w(*a, **k):
        mode = d.OVERLAP_WAY if d.OVERLAP else "off"
        t = time.perf_counter(); c = time.thread_time()
        try:
            r = f(*a, **k)
        finally:
            T[mode][name] += time.perf_counter() - t; C[mode][name] += 1; T[mode][name + ".cpu"] += time.thread_time() - c
        if name in ("_begin_batch", "_begin_ahead"):
            fin = r
            def fw():
                t = time.perf_counter()
                try: return fin()
                finally: T[mode]["finish"] += time.perf_counter() - t; C[mode]["finish"] += 1
            return fw
        return r
    setattr(obj, name, w)
for name in ["_begin_ahead", "_begin_batch", "_next_batch", "_send_batch", "claim_due", "_record_answers", "_hand_over_many", "_send", "_gate", "release_expired_leases", "expire_stale_claims"]:
    wrap(d, name)
def report(sent):
    for mode, t in T.items():
        print(mode, "  ".join(f"{k} {1000*v/sent[mode]:.3f}({C[mode][k]})" for k, v in sorted(t.items(), key=lambda kv: -kv[1])))
