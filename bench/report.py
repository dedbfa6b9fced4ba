"""The tables ``make bench`` prints: ratios measured in one run, and the goals.

Absolute milliseconds on a shared machine do not compare from run to run; ratios
measured in one run do. So every figure that has a goal is a ratio: growth from one
size to the next, a page against the minimal reference page of the same run, a report
against its own bare SQL, the dispatcher against the bare twilio client. The
milliseconds are printed too, beside the CPU reference and the load average of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.scenarios import GROWTH_GOAL, REFERENCE, REFERENCE_GOAL

#: Goals that are not per scenario (docs/performance.md).
FLOOR_GOAL = {10_000: 3.0, 100_000: 1.3}  # report page / its bare SQL, by size
DISPATCH_GOAL = 0.7  # the dispatcher's rate / the bare twilio client's rate
MEMORY_GOAL_MB = 200.0  # the web process's peak at the largest size


@dataclass
class Run:
    backend: str
    size: int
    generate_seconds: float | None
    data: dict[str, Any] = field(default_factory=dict)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def size_label(size: int) -> str:
    return f"{size // 1000}k"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[c])) for row in rows) for c in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        out[-1] += " |"
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return out


def _reference_p95(run: Run) -> float | None:
    ref = next((r for r in run.data["results"] if r["kind"] == REFERENCE), None)
    return ref["p95_ms"] if ref else None


def backend_report(mine: list[Run]) -> list[str]:
    """One backend's table (scenarios × sizes) and its lines of further figures."""
    mine = sorted(mine, key=lambda r: r.size)
    largest = mine[-1]
    labels = [size_label(r.size) for r in mine]
    header = ["scenario", "as"]
    header += [f"{lab} p50 / p95 ms" for lab in labels]
    header += [f"{lab} p95 × ref" for lab in labels]
    header += ["growth p95", "queries", "goals (growth, × ref)"]
    rows = [header]
    refs = [_reference_p95(r) for r in mine]
    goals: list[tuple[str, bool | None]] = []
    for i, sc in enumerate(largest.data["results"]):
        cells = [sc["label"], sc["role"]]
        p95s: list[float | None] = []
        for run in mine:
            r = run.data["results"][i]
            if r["p50_ms"] is None:
                cells.append(r["note"] or "n/a")
                p95s.append(None)
            else:
                cells.append(f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}")
                p95s.append(r["p95_ms"])
        # Against the reference requests made beside this scenario's (the same
        # seconds), else against the run's reference row.
        paired = [
            run.data["results"][i].get("reference_p95_ms") or ref
            for run, ref in zip(mine, refs, strict=True)
        ]
        times_ref = [p / ref if p and ref else None for p, ref in zip(p95s, paired, strict=True)]
        cells += [f"×{v:.1f}" if v else "—" for v in times_ref]
        growth = [b / a if a and b else None for a, b in zip(p95s, p95s[1:], strict=False)]
        cells.append(" ".join(f"×{g:.2f}" if g else "—" for g in growth) or "—")
        cells.append(_fmt(sc["queries"]))
        kind = sc["kind"]
        if kind == REFERENCE:
            cells.append("(the reference)")
        else:
            g_ok = None if not growth or growth[-1] is None else growth[-1] <= GROWTH_GOAL[kind]
            r_ok = None if times_ref[-1] is None else times_ref[-1] <= REFERENCE_GOAL[kind]
            cells.append(
                f"≤ ×{GROWTH_GOAL[kind]}: {_verdict(g_ok)}; "
                f"≤ ×{REFERENCE_GOAL[kind]:.0f}: {_verdict(r_ok)}"
            )
            goals += [(f"{sc['label']} growth", g_ok), (f"{sc['label']} × reference", r_ok)]
        rows.append(cells)
    lines = _table(rows)
    lines.append("")

    # Reports against their bare SQL: computing the figures (the goal), and reading
    # the figures they stored (for information: that SQL is a fraction of a millisecond).
    for floor_key, what, judged in (
        ("computed_floors", "computing its figures", True),
        ("floors", "reading stored figures", False),
    ):
        for key in largest.data.get(floor_key, {}):
            parts = []
            for run in mine:
                f = run.data.get(floor_key, {}).get(key, {})
                if "page_ms" not in f:
                    parts.append(f"{size_label(run.size)} {f.get('note', 'n/a')}")
                    continue
                goal = FLOOR_GOAL.get(run.size) if judged else None
                ok = None if goal is None or f["ratio"] is None else f["ratio"] <= goal
                parts.append(
                    f"{size_label(run.size)} ×{_fmt(f['ratio'], 2)} "
                    f"({f['page_ms']:.1f} / {f['sql_ms']:.1f} ms, {f['statements']} statements)"
                    + (f" goal ≤ ×{goal}: {_verdict(ok)}" if goal else "")
                )
                if goal:
                    goals.append((f"{key} report / SQL floor at {size_label(run.size)}", ok))
            lines.append(f"- {key} report page, {what} / its bare SQL: " + "; ".join(parts))
    for run in mine:
        d = run.data["dispatch"]
        if d.get("per_second") is not None:
            ok = d["ratio"] is not None and d["ratio"] >= DISPATCH_GOAL
            each = d.get("block_ratios") or []
            spread = (
                f"; {d['blocks']} alternating blocks, each block's ratio "
                f"min ×{_fmt(each[0], 2)} / median ×{_fmt(d['block_ratio_median'], 2)} / "
                f"max ×{_fmt(each[-1], 2)}"
                if each
                else ""
            )
            lines.append(
                f"- {size_label(run.size)} dispatch: {d['per_second']:.0f}/s against the bare "
                f"twilio client's {d['bare_per_second']:.0f}/s = ×{_fmt(d['ratio'], 2)} "
                f"(goal ≥ ×{DISPATCH_GOAL}: {_verdict(ok)}; {d['sent']} sent of "
                f"{d['reminders']}, {d['not_sent']} not sent{spread})"
            )
            if run is largest:
                goals.append(("dispatch / bare twilio", ok))
        else:
            lines.append(f"- {size_label(run.size)} dispatch: {d.get('note', 'n/a')}")
    for run in mine:
        gen = f"{run.generate_seconds:.0f} s" if run.generate_seconds else "reused"
        cpu = run.data["cpu_ms"]
        lines.append(
            f"- {size_label(run.size)}: peak memory {run.data['peak_mb']:.0f} MB; "
            f"CPU reference {cpu[0]:.0f} → {cpu[1]:.0f} ms; "
            f"load average {run.data['load'][0]:.1f} → {run.data['load'][1]:.1f} "
            f"on {run.data['cpus']} CPUs; generation {gen}"
        )
    mem_ok = largest.data["peak_mb"] < MEMORY_GOAL_MB
    goals.append((f"peak memory < {MEMORY_GOAL_MB:.0f} MB", mem_ok))
    missed = [name for name, ok in goals if ok is False]
    met = sum(1 for _, ok in goals if ok)
    lines.append(
        f"- goals: {met} met, {len(missed)} missed" + (": " + "; ".join(missed) if missed else "")
    )
    return lines


def report(runs: list[Run]) -> str:
    lines: list[str] = []
    for backend in dict.fromkeys(r.backend for r in runs):
        lines.append(f"\n## {backend}\n")
        lines += backend_report([r for r in runs if r.backend == backend])
    return "\n".join(lines)
