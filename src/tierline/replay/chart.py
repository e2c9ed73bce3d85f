"""The what-if chart: daily workload per tier under both policies, as a standalone SVG.

Written by hand (a few dozen elements), so the product needs no plotting library: one colour
per tier, the baseline solid and the candidate dashed, dates along the bottom, open cases up the
side. The file opens in any browser and embeds in the web UI as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 960, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 50
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def workload_svg(baseline: dict[str, Any], candidate: dict[str, Any], title: str = "") -> str:
    """SVG text for the ``workload`` sections of two replay reports of the same log."""
    days: list[str] = baseline["workload"]["days"]
    a = baseline["workload"]["policy"]["by_tier"]
    b = candidate["workload"]["policy"]["by_tier"]
    tiers = sorted((set(a) | set(b)) - {"(none)"})
    peak = max([max(s, default=0) for s in (*a.values(), *b.values())], default=0)
    top = _nice_max(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return LEFT + plot_w * i / n

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15">'
        f"{escape(title or 'Open cases per tier at the end of each day')}</text>",
    ]
    for k in range(6):  # horizontal grid and labels
        v = top * k / 5
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(f'<text x="{LEFT - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{int(v):,}</text>')
    for i in _date_ticks(days):
        out.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{days[i]}</text>'
        )
    out.append(
        f'<text x="16" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 16 {TOP + plot_h / 2:.0f})"'
        ' text-anchor="middle">open cases</text>'
    )
    legend_y = TOP + 10
    for t_i, tier in enumerate(tiers):
        colour = COLOURS[t_i % len(COLOURS)]
        for series, dash, label in ((a, "", "baseline"), (b, "6 4", "candidate")):
            values = series.get(tier)
            if not values:
                continue
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
            style = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{style} '
                f'points="{points}"/>'
            )
            lx = LEFT + plot_w + 15
            out.append(
                f'<line x1="{lx}" x2="{lx + 30}" y1="{legend_y}" y2="{legend_y}" '
                f'stroke="{colour}" stroke-width="2"{style}/>'
            )
            out.append(f'<text x="{lx + 36}" y="{legend_y + 4}">{escape(tier)} {label}</text>')
            legend_y += 18
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _date_ticks(days: list[str], count: int = 6) -> list[int]:
    """Indexes of about ``count`` dates to label, preferring the first day of a month."""
    if not days:
        return []
    if len(days) <= count:
        return list(range(len(days)))
    firsts = [i for i, d in enumerate(days) if date.fromisoformat(d).day == 1]
    pool = firsts if len(firsts) >= 2 else list(range(len(days)))
    step = max(1, round(len(pool) / count))
    return pool[::step]
