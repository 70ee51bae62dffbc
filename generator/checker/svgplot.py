"""A small SVG line-chart writer for the derivation plots.

Why not matplotlib (the first choice when the project was planned): it spent ~0.24 s per page in
``savefig`` — two minutes of a 1,000-page cold build on two cores, more than all of
MkDocs' own work — and its SVG is a picture with fixed colours that cannot follow the
site's dark scheme. This writer draws what the pages need (side-by-side panels, axes with
round ticks, a grid, curves with gaps where a value is undefined, a legend) in a few
milliseconds, deterministically, as inline SVG whose axes and text use ``currentColor``.

Each panel is an SVG of its own, so that a narrow screen wraps the panels under each other
at full size instead of shrinking one wide picture until its text cannot be read; the
legend sits below the axes, where it cannot hide a curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 216, 185
"""A panel without its legend."""
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 22, 30
COLORS = ("#3b82f6", "#ef4444", "#22a35a", "#a855f7")
FONT_SIZE = 11
LEGEND_ROW = 14
CHAR_WIDTH = 6.2
"""A generous estimate of one character's width at FONT_SIZE (for laying out the legend)."""
SWATCH = 14


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
    """One SVG element per panel, all of one height (the tallest legend decides)."""
    rows = max(len(_legend_rows(panel)) for panel in panels)
    height = HEIGHT + (rows * LEGEND_ROW + 6 if rows else 0)
    return "\n".join(_svg(panel, x_label, description, height) for panel in panels)


def _svg(panel: Panel, x_label: str, description: str, height: int) -> str:
    label = escape(f"{panel.title} — {description}")
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="dv-plot" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
            f'aria-label="{label}" font-family="sans-serif" font-size="{FONT_SIZE}">',
            f"<title>{label}</title>",
            *_panel(panel, x_label),
            *_legend(panel),
            "</svg>",
        ]
    )


def _legend_rows(panel: Panel) -> list[list[tuple[int, Curve]]]:
    """The labelled curves, wrapped into rows that fit the panel's width."""
    rows: list[list[tuple[int, Curve]]] = []
    used = float(WIDTH)  # start a new row at the first entry
    for k, curve in enumerate(panel.curves):
        if not curve.label:
            continue
        width = _entry_width(curve)
        if used + width > WIDTH - RIGHT:
            rows.append([])
            used = float(LEFT)
        rows[-1].append((k, curve))
        used += width
    return rows


def _entry_width(curve: Curve) -> float:
    return SWATCH + 4 + CHAR_WIDTH * len(curve.label) + 12


def _legend(panel: Panel) -> list[str]:
    """Below the x-axis label, outside the plotting area."""
    out = []
    for row, entries in enumerate(_legend_rows(panel)):
        y = HEIGHT + 4 + LEGEND_ROW * row + FONT_SIZE
        x = float(LEFT)
        for k, curve in entries:
            color = COLORS[k % len(COLORS)]
            out.append(_line(x, y - 4, x + SWATCH, y - 4, color=color, width=2))
            out.append(
                f'<text x="{x + SWATCH + 4:.1f}" y="{y}" fill="currentColor">{escape(curve.label)}</text>'
            )
            x += _entry_width(curve)
    return ['<g class="dv-legend">', *out, "</g>"] if out else []


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
        f'<rect class="dv-plot-area" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5"/>'
    )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle" fill="currentColor">{escape(x_label)}</text>'
    )
    for k, curve in enumerate(panel.curves):
        color = COLORS[k % len(COLORS)]
        path = _path(curve, sx, sy, y_low, y_high)
        if path:
            out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.6"/>')
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
