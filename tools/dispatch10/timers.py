"""Wall-time timers around dispatcher functions (ms a reminder)."""

from __future__ import annotations

import time
from collections import defaultdict

import sqlalchemy as sa

T: dict[str, float] = defaultdict(float)
N: dict[str, int] = defaultdict(int)


def wrap(obj, name, label=None):
    f = getattr(obj, name)
    label = label or name

    def w(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            T[label] += time.perf_counter() - t
            N[label] += 1

    setattr(obj, name, w)


def _tstart(d):
    start = d.Tick.start.__func__

    def tstart(cls, *a, **k):
        t = time.perf_counter()
        try:
            return start(cls, *a, **k)
        finally:
            T["Tick.start"] += time.perf_counter() - t

    d.Tick.start = classmethod(tstart)


def install(engine):
    import modes

    for d in modes.MODULES.values():
        for n in [
            "release_expired_leases",
            "expire_stale_claims",
            "claim_due",
            "_next_batch",
            "_hand_over_many",
            "_record_answers",
            "_send",
            "_unchanged",
            "_data_version",
            "_send_batch",
        ]:
            wrap(d, n)
        _tstart(d)
    ce = sa.engine.Connection.execute

    def cexec(self, stmt, *a, **k):
        t = time.perf_counter()
        try:
            return ce(self, stmt, *a, **k)
        finally:
            lab = "CE " + type(stmt).__name__ + ":" + _label(stmt)
            T[lab] += time.perf_counter() - t
            N[lab] += 1
            T["Connection.execute"] += time.perf_counter() - t
            N["Connection.execute"] += 1

    sa.engine.Connection.execute = cexec
    wrap(sa.engine.Connection, "exec_driver_sql", "Connection.exec_driver_sql")

    @sa.event.listens_for(engine, "before_cursor_execute")
    def b(conn, cursor, statement, params, context, many):
        conn.info["t0"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def a(conn, cursor, statement, params, context, many):
        dt = time.perf_counter() - conn.info.pop("t0")
        T["cursor.execute"] += dt
        N["cursor.execute"] += 1
        lab = "CU " + " ".join(statement.split())[:60]
        T[lab] += dt
        N[lab] += 1


def _label(stmt):
    try:
        return (
            " ".join(str(stmt.compile(compile_kwargs={})).split())[:50]
            if not hasattr(stmt, "_lbl")
            else stmt._lbl
        )
    except Exception:
        return "?"


_cache = {}


def _label(stmt, _orig=_label):
    k = id(stmt)
    if k not in _cache:
        _cache[k] = _orig(stmt)
    return _cache[k]


def report(n):
    for k, v in sorted(T.items(), key=lambda kv: -kv[1]):
        print(f"  {k:28s} {v / n * 1000:7.3f} ms/reminder  ({N[k]} calls)")
    T.clear()
    N.clear()
