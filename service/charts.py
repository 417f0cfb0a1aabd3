"""Charts for the auditor's and the console's pages: figures per month or per day, drawn as
plain SVG (no script, no inline style: the pages' Content-Security-Policy allows neither)."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

from service.domain.statistics.monthly import ConsentSeries

COLOURS = ("#1f6feb", "#d9480f", "#2b8a3e", "#862e9c", "#e67700")
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 44, 12, 16, 40


def _tick(period: str) -> str:
    """The x-axis label of a period: `2026-03` -> `26-03`, `2026-03-14` -> `03-14`."""
    return period[5:] if len(period) == 10 else period[2:]


def _frame(title: str, ymax: float, fmt: Any, months: list[str]) -> list[str]:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i in range(5):
        y = TOP + (H - TOP - BOTTOM) * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#57606a">{escape(fmt(ymax * (4 - i) / 4))}</text>')
    step = (W - LEFT - RIGHT) / max(len(months), 1)
    for i, m in enumerate(months):
        if len(months) <= 12 or i % 2 == 0:
            x = LEFT + step * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" '
                         f'font-size="10" fill="#57606a">{escape(_tick(m))}</text>')
    return parts


def _legend(parts: list[str], names: list[str]) -> None:
    x = LEFT
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{H - 14}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{H - 5}" font-size="11" fill="#24292f">'
                     f'{escape(name)}</text>')
        x += 24 + 7 * len(name)


# The marketing series of statistics.monthly, with the words the legend and table show.
MARKETING_SERIES = {"opt_ins": "Opt-ins", "withdrawals": "Withdrawals",
                    "prohibitions": "Prohibitions"}


def _bars(parts: list[str], months: list[str], series: dict[str, str], ymax: float,
          value: Any, label: Any) -> None:
    """One bar per series side by side within each month (never drawn over each other),
    each with a tooltip of its exact value."""
    step = (W - LEFT - RIGHT) / max(len(months), 1)
    bar = step * 0.8 / max(len(series), 1)
    plot_h = H - TOP - BOTTOM
    for j, m in enumerate(months):
        for i, (key, name) in enumerate(series.items()):
            v = value(key, m)
            if v:
                h = plot_h * v / ymax
                x = LEFT + step * j + step * 0.1 + bar * i
                parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                             f'height="{h:.1f}" fill="{COLOURS[i % len(COLOURS)]}">'
                             f'<title>{escape(m)} {escape(name)}: {label(v)}</title></rect>')
    _legend(parts, list(series.values()))


def acceptance_chart(series: ConsentSeries) -> Markup:
    """Share of choices granting each optional category, per month (refusal = the rest), as
    grouped bars: categories with the same rate stay apart."""
    parts = _frame("Acceptance rate by category per month", 1.0, lambda v: f"{v:.0%}",
                   series.months)
    _bars(parts, series.months, {c: c for c in series.categories}, 1.0,
          lambda cat, m: series.rate(cat, m), lambda v: f"{v:.0%}")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, months: list[str], values: dict[str, dict[str, int]],
              series: dict[str, str]) -> Markup:
    """Counts per month; `series` maps each value's key to the name shown for it."""
    top = max([1] + [v.get(k, 0) for v in values.values() for k in series])
    ymax = -(-top // 4) * 4  # whole-number grid lines
    parts = _frame(title, ymax, lambda v: f"{v:.0f}", months)
    _bars(parts, months, series, ymax, lambda k, m: values.get(m, {}).get(k, 0), str)
    parts.append("</svg>")
    return Markup("".join(parts))
