"""A small SVG line-chart writer for the derivation plots.

Why not matplotlib (the first choice when the project was planned): it spent ~0.24 s per page in
``savefig`` — two minutes of a 1,000-page cold build on two cores, more than all of
MkDocs' own work — and its SVG is a picture with fixed colours that cannot follow the
site's dark scheme. This writer draws what the pages need (side-by-side panels, axes with
round ticks, a grid, curves with gaps where a value is undefined, a legend) in a few
milliseconds, deterministically, as inline SVG whose axes and text use ``currentColor``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 250, 185
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 22, 30
COLORS = ("#3b82f6", "#ef4444", "#22a35a", "#a855f7")


@dataclass(frozen=True, slots=True)
class Curve:
    label: str
    xs: Sequence[float]
    ys: Sequence[float]


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    curves: Sequence[Curve]


def render(panels: Sequence[Panel], x_label: str, description: str) -> str:
    """One SVG element with the panels side by side."""
    total = WIDTH * len(panels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dv-plot" viewBox="0 0 {total} {HEIGHT}" '
        f'width="{total}" height="{HEIGHT}" role="img" aria-label="{escape(description)}" '
        'font-family="sans-serif" font-size="10">',
        f"<title>{escape(description)}</title>",
    ]
    for index, panel in enumerate(panels):
        parts.append(f'<g transform="translate({index * WIDTH},0)">')
        parts.extend(_panel(panel, x_label))
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def _panel(panel: Panel, x_label: str) -> list[str]:
    xs = [x for curve in panel.curves for x in curve.xs]
    ys = [y for curve in panel.curves for y in curve.ys if math.isfinite(y)]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = _range(ys)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return TOP + (y_high - y) / (y_high - y_low) * plot_h

    out = [
        f'<text x="{LEFT + plot_w / 2:.1f}" y="14" text-anchor="middle" fill="currentColor">{escape(panel.title)}</text>'
    ]
    for tick in _ticks(x_low, x_high):
        x = sx(tick)
        out.append(_line(x, TOP, x, TOP + plot_h, opacity=0.15))
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 12}" text-anchor="middle" fill="currentColor">{_label(tick)}</text>'
        )
    for tick in _ticks(y_low, y_high):
        y = sy(tick)
        out.append(_line(LEFT, y, LEFT + plot_w, y, opacity=0.15))
        out.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" fill="currentColor">{_label(tick)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5"/>'
    )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 3}" text-anchor="middle" fill="currentColor">{escape(x_label)}</text>'
    )
    for k, curve in enumerate(panel.curves):
        color = COLORS[k % len(COLORS)]
        path = _path(curve, sx, sy, y_low, y_high)
        if path:
            out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        if curve.label:
            y = TOP + 10 + 11 * k
            out.append(
                _line(LEFT + plot_w - 58, y - 3, LEFT + plot_w - 46, y - 3, color=color, width=1.6)
            )
            out.append(
                f'<text x="{LEFT + plot_w - 43}" y="{y}" fill="currentColor">{escape(curve.label)}</text>'
            )
    return out


def _path(curve: Curve, sx: object, sy: object, low: float, high: float) -> str:
    """Sub-paths between undefined (or far out of range) values, so gaps stay gaps."""
    pieces: list[str] = []
    pen_down = False
    span = high - low
    for x, y in zip(curve.xs, curve.ys, strict=True):
        if not math.isfinite(y) or y < low - 10 * span or y > high + 10 * span:
            pen_down = False
            continue
        command = "L" if pen_down else "M"
        pieces.append(f"{command}{sx(x):.1f},{sy(min(max(y, low - span), high + span)):.1f}")  # type: ignore[operator]
        pen_down = True
    return "".join(pieces)


def _range(values: Sequence[float]) -> tuple[float, float]:
    """A y-range that shows the data (ignoring the top and bottom 1% of wild values)."""
    if not values:
        return -1.0, 1.0
    ordered = sorted(values)
    trim = len(ordered) // 100
    low, high = ordered[trim], ordered[-1 - trim]
    if math.isclose(low, high, rel_tol=1e-9, abs_tol=1e-12):
        low, high = low - 1.0, high + 1.0
    pad = 0.06 * (high - low)
    return low - pad, high + pad


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + 1e-9 * step:
        ticks.append(0.0 if abs(value) < 1e-12 * step else value)
        value += step
    return ticks


def _label(value: float) -> str:
    text = f"{value:.6g}"
    return text.replace("-", "−")


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    opacity: float = 1.0,
    color: str = "currentColor",
    width: float = 1.0,
) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        f'stroke-width="{width}" stroke-opacity="{opacity}"/>'
    )
