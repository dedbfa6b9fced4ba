"""Charts drawn on the server as SVG: no JavaScript, no CDN, fine on paper.

Each function returns inline SVG markup with ``role="img"``, a ``<title>`` and a
``<desc>`` (named by ``aria-labelledby``) so a screen reader announces what the chart
shows; the page puts the same numbers in a table beside it. Colours come from classes
styled in static/app.css (with print rules); every bar and point also carries its own
``<title>`` with its numbers. Text is escaped here, so names cannot inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from rekruttering.analytics import Rate

WIDTH = 720
LABEL_WIDTH = 190
RIGHT_MARGIN = 175
ROW = 30
TOP = 34


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def nice_step(top: float, ticks: int = 4, whole: bool = False) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so ``ticks`` steps cover ``top``.

    With ``whole`` the step is a whole number (axes of people counts)."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    steps = [f * power for f in (1, 2, 2.5, 5, 10)]
    if whole:
        steps = [s for s in steps if s >= 1 and float(s).is_integer()] or [1.0]
    step = next((s for s in steps if s >= raw), steps[-1] * 2)
    return max(1.0, float(math.ceil(step))) if whole else step


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(chart_id: str, height: int, title: str, desc: str, body: list[str]) -> Markup:
    cid = escape(chart_id)
    # Every piece of text in ``body`` was escaped where it was made (see _text).
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id="{cid}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, cls: str = "chart-label", anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{escape(text)}</text>'
    )


@dataclass(frozen=True)
class FunnelBar:
    label: str
    counts: Sequence[int]  # heard, asked, showed up, regular


def funnel_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[FunnelBar],
    stage_names: Sequence[str],
) -> Markup:
    """One bar per channel: nested bars for each stage, longest (heard) lightest."""
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    top = max((max(b.counts) if b.counts else 0) for b in bars) if bars else 0
    scale = plot / top if top else 0.0
    height = TOP + ROW * max(1, len(bars)) + 10
    body: list[str] = []
    # Legend
    x = LABEL_WIDTH
    for i, name in enumerate(stage_names):
        body.append(f'<rect x="{x}" y="8" width="12" height="12" class="bar-stage-{i}"/>')
        body.append(_text(x + 16, 18, name, "chart-legend"))
        x += 30 + 8 * len(name)
    for row, bar in enumerate(bars):
        y = TOP + row * ROW
        body.append(
            f"<g><title>{escape(bar.label)}: {escape(' → '.join(map(str, bar.counts)))}</title>"
        )
        body.append(_text(LABEL_WIDTH - 8, y + 16, _short(bar.label), anchor="end"))
        for i, count in enumerate(bar.counts):
            inset = i * 3
            width = count * scale
            if width > 0:
                body.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y + inset}" width="{width:.1f}" '
                    f'height="{22 - 2 * inset}" class="bar-stage-{i}"/>'
                )
        body.append(
            _text(LABEL_WIDTH + plot + 8, y + 16, " → ".join(map(str, bar.counts)), "chart-value")
        )
        body.append("</g>")
    if not bars:
        body.append(_text(LABEL_WIDTH, TOP + 16, "–", "chart-value"))
    return _svg(chart_id, height, title, desc, body)


def interval_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Rate]],
    too_few_text: str,
    no_data_text: str,
    percent: Callable[[float], str] = _pct,
) -> Markup:
    """Each rate as a dot with its interval as whiskers on a 0–100 % axis."""
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    height = TOP + ROW * max(1, len(rows)) + 10
    body: list[str] = []
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = LABEL_WIDTH + tick * plot
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 8}" class="chart-grid"/>'
        )
        body.append(_text(x, TOP - 12, percent(tick), "chart-axis", "middle"))
    for row, (label, r) in enumerate(rows):
        y = TOP + row * ROW + 12
        body.append(_text(LABEL_WIDTH - 8, y + 4, _short(label), anchor="end"))
        if r.empty:
            body.append(_text(LABEL_WIDTH + 4, y + 4, no_data_text, "chart-note"))
            continue
        cls = "interval too-few" if r.too_few else "interval"
        x1, x2 = LABEL_WIDTH + r.low * plot, LABEL_WIDTH + r.high * plot
        xp = LABEL_WIDTH + (r.proportion or 0.0) * plot
        tip = f"{label}: {r.successes}/{r.trials} = {percent(r.proportion or 0.0)} ({percent(r.low)}–{percent(r.high)})"
        body.append(f'<g class="{cls}"><title>{escape(tip)}</title>')
        body.append(f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" class="whisker"/>')
        for xe in (x1, x2):
            body.append(
                f'<line x1="{xe:.1f}" y1="{y - 6}" x2="{xe:.1f}" y2="{y + 6}" class="whisker"/>'
            )
        body.append(f'<circle cx="{xp:.1f}" cy="{y}" r="5" class="point"/>')
        body.append("</g>")
        note = f"{percent(r.proportion or 0.0)}"
        if r.too_few:
            note += f" ({too_few_text})"
        body.append(_text(LABEL_WIDTH + plot + 8, y + 4, note, "chart-value"))
    return _svg(chart_id, height, title, desc, body)


def trend_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Markup:
    """Grouped vertical bars per month: e.g. heard and showed up by month of first hearing."""
    left, bottom, plot_h = 48, 56, 200
    height = TOP + plot_h + bottom
    plot_w = WIDTH - left - 16
    n = max(1, len(labels))
    highest = max((max(values) if values else 0) for _, values in series) if series else 0
    step = nice_step(max(highest, 1), whole=True)
    top = step * 4
    group = plot_w / n
    bar_w = max(2.0, min(24.0, (group - 4) / max(1, len(series))))
    body: list[str] = []
    x = left
    for i, (name, _) in enumerate(series):
        body.append(f'<rect x="{x}" y="8" width="12" height="12" class="bar-series-{i}"/>')
        body.append(_text(x + 16, 18, name, "chart-legend"))
        x += 30 + 8 * len(name)
    base = TOP + plot_h
    for tick in range(0, 5):
        value = top * tick / 4
        y = base - plot_h * tick / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 16}" y2="{y:.1f}" class="chart-grid"/>'
        )
        body.append(_text(left - 6, y + 4, _num(round(value, 1)), "chart-axis", "end"))
    every = max(1, round(n / 12))
    for i, label in enumerate(labels):
        gx = left + i * group + 2
        for s, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / top
            body.append(
                f'<rect x="{gx + s * bar_w:.1f}" y="{base - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" class="bar-series-{s}"><title>{escape(label)}, '
                f"{escape(name)}: {value}</title></rect>"
            )
        if i % every == 0:
            lx = gx + group / 2
            body.append(
                f'<text x="{lx:.1f}" y="{base + 14}" class="chart-axis" text-anchor="end" '
                f'transform="rotate(-40 {lx:.1f} {base + 14})">{escape(label)}</text>'
            )
    return _svg(chart_id, height, title, desc, body)


def ratio_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    ratios: Sequence[float | None],
    wished: float | None,
    wished_text: str,
    number: Callable[[float], str] = lambda v: f"{v:.2f}",
) -> Markup:
    """The volunteer ratio per month as a line, the wished ratio as a dashed line."""
    left, bottom, plot_h = 48, 56, 160
    height = TOP + plot_h + bottom
    plot_w = WIDTH - left - 16
    n = max(1, len(labels))
    step = nice_step(max([r for r in ratios if r is not None] + [wished or 0.0, 0.1]) * 1.05)
    top = step * 4
    step = plot_w / n
    base = TOP + plot_h
    body: list[str] = []
    for tick in range(0, 5):
        value = top * tick / 4
        y = base - plot_h * tick / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 16}" y2="{y:.1f}" class="chart-grid"/>'
        )
        body.append(_text(left - 6, y + 4, number(value), "chart-axis", "end"))
    if wished:
        y = base - plot_h * wished / top
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 16}" y2="{y:.1f}" class="wished-line"/>'
        )
        body.append(
            _text(WIDTH - 18, y - 4, f"{wished_text} {number(wished)}", "chart-note", "end")
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    every = max(1, round(n / 12))
    for i, (label, ratio) in enumerate(zip(labels, ratios, strict=False)):
        x = left + step * (i + 0.5)
        if ratio is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            y = base - plot_h * ratio / top
            segment.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="ratio-point">'
                f"<title>{escape(label)}: {escape(number(value))}</title></circle>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{base + 14}" class="chart-axis" text-anchor="end" '
                f'transform="rotate(-40 {x:.1f} {base + 14})">{escape(label)}</text>'
            )
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) > 1:
            body.insert(0, f'<polyline points="{" ".join(points)}" class="ratio-line"/>')
    return _svg(chart_id, height, title, desc, body)
