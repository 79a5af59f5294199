"""Bar charts drawn as inline SVG on the server: no script, no chart library, readable by
screen readers (each bar has a title and the chart a summary), and each bar may link to the
list it counts. Pure: no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str  # shown under (vertical) or beside (horizontal) the bar
    value: int
    href: str | None = None
    title: str = ""  # the bar's tooltip and accessible name; label and value if empty


def _scale(bars: list[Bar]) -> int:
    return max([bar.value for bar in bars] + [1])


def _bar(bar: Bar, shape: str) -> str:
    name = escape(bar.title or f"{bar.label}: {bar.value}")
    inner = f"<title>{name}</title>{shape}"
    if bar.href:
        return f'<a href="{escape(bar.href)}" aria-label="{name}">{inner}</a>'
    return f"<g>{inner}</g>"


def column_chart(bars: list[Bar], *, summary: str, height: int = 160) -> Markup:
    """Returns an SVG of vertical bars, one per item (weeks, say), values above them."""
    top, bottom, step = 18, 22, 40
    width = max(step * len(bars), step)
    plot = height - top - bottom
    peak = _scale(bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(summary)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(summary)}</title>",
        f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" class="axis"/>',
    ]
    for index, bar in enumerate(bars):
        h = round(plot * bar.value / peak)
        x = index * step + 6
        y = top + plot - h
        shape = (
            f'<rect x="{x}" y="{y}" width="{step - 12}" height="{max(h, 1)}" class="bar"/>'
            f'<text x="{x + (step - 12) / 2}" y="{y - 4}" class="value">{bar.value}</text>'
            f'<text x="{x + (step - 12) / 2}" y="{height - 6}" class="label">'
            f"{escape(bar.label)}</text>"
        )
        parts.append(_bar(bar, shape))
    parts.append("</svg>")
    return _markup(parts)


def row_chart(bars: list[Bar], *, summary: str, label_width: int = 150) -> Markup:
    """Returns an SVG of horizontal bars with their labels (countries, ages), values at the
    end of each bar."""
    row, width = 26, 420
    height = max(row * len(bars), row)
    room = width - label_width - 40
    peak = _scale(bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(summary)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(summary)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = index * row
        w = round(room * bar.value / peak)
        shape = (
            f'<text x="{label_width - 8}" y="{y + 17}" class="label end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{max(w, 1)}" height="{row - 8}" '
            f'class="bar"/>'
            f'<text x="{label_width + max(w, 1) + 6}" y="{y + 17}" class="value start">'
            f"{bar.value}</text>"
        )
        parts.append(_bar(bar, shape))
    parts.append("</svg>")
    return _markup(parts)


def _markup(parts: list[str]) -> Markup:
    # Every label, title and link in the parts went through escape() above.
    return Markup("".join(parts))  # noqa: S704
