"""Small inline SVG charts for the self-contained validation report (no script, no network).

Drawn by our own code so the HTML opens offline anywhere and needs nothing beyond the pinned
dependencies; every label is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import numpy as np

PALETTE = ("#1f4e79", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#7f8c8d", "#2e86c1")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 620, 320, 60, 150, 30, 45


def _step(low: float, high: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 x a power of ten) giving about four intervals."""
    raw = max(high - low, 1e-12) / 4
    magnitude = 10 ** np.floor(np.log10(raw))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))


def _ticks(low: float, high: float) -> np.ndarray:
    step = _step(low, high)
    return np.arange(np.ceil(low / step) * step, high + step * 1e-6, step)


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.3g}%" if percent else f"{value:.3g}"


def line_chart(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str,
    x_label: str,
    y_label: str,
    y_percent: bool = False,
    diagonal: bool = False,
) -> str:
    """One SVG with a line per series (name -> (x, y)), axes, ticks and a legend on the right."""
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()] or [np.zeros(1)])
    ys = np.concatenate([np.asarray(y, float) for _, y in series.values()] or [np.zeros(1)])
    x0, x1 = float(np.nanmin(xs)), float(np.nanmax(xs))
    y0, y1 = 0.0, float(np.nanmax(ys))
    if diagonal:
        x0, x1 = 0.0, max(x1, y1)
        y1 = x1
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1
    y1 = float(np.ceil(y1 / _step(y0, y1)) * _step(y0, y1))  # the top on a round tick
    if diagonal:
        x1 = y1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + (np.asarray(x, float) - x0) / (x1 - x0) * plot_w

    def py(y):
        return TOP + plot_h - (np.asarray(y, float) - y0) / (y1 - y0) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
    ]
    for t in _ticks(x0, x1):
        parts.append(
            f'<text x="{px(t):.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">'
            f"{_fmt(t, diagonal and y_percent)}</text>"
        )
    for t in _ticks(y0, y1):
        parts.append(
            f'<line x1="{LEFT}" y1="{py(t):.1f}" x2="{LEFT + plot_w}" y2="{py(t):.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 5}" y="{py(t) + 4:.1f}" text-anchor="end">'
            f"{_fmt(t, y_percent)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(14,{TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    if diagonal:
        parts.append(
            f'<line x1="{px(x0):.1f}" y1="{py(y0):.1f}" x2="{px(x1):.1f}" y2="{py(y1):.1f}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for i, (name, (x, y)) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(x), py(y), strict=True))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{points}"/>'
        )
        ly = TOP + 14 * i + 6
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 12}" y1="{ly}" x2="{WIDTH - RIGHT + 28}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="3"/><text x="{WIDTH - RIGHT + 32}" y="{ly + 4}">'
            f"{escape(str(name))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
