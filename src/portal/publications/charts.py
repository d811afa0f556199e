"""Server-rendered SVG bar charts with a text alternative (<title> and <desc>).

No script and no inline style: bars and labels take their look from classes in
portal.css, and positions are SVG attributes. The same SVG is inlined in the release
page (beside its table) and served on its own for download.
"""

from dataclasses import dataclass

from django.utils.html import escape

WIDTH = 720
LABEL_WIDTH = 300
BAR_AREA = 320
ROW = 30
BAR = 20
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: withheld by disclosure control


def _format(value: int | None) -> str:
    return "withheld" if value is None else f"{value:,}"


def bar_chart(chart_id: str, title: str, bars: list[Bar], unit: str = "tests") -> str:
    largest = max((bar.value or 0 for bar in bars), default=0) or 1
    height = TOP * 2 + ROW * max(len(bars), 1)
    summary = "; ".join(f"{bar.label}: {_format(bar.value)}" for bar in bars) or "no data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(f"Bar chart of {unit}. {summary}.")}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        length = round(BAR_AREA * (bar.value or 0) / largest)
        parts += [
            f'<text class="portal-chart__label" x="{LABEL_WIDTH - 8}" y="{y + 15}" '
            f'text-anchor="end">{escape(bar.label)}</text>',
            f'<rect class="portal-chart__bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" '
            f'height="{BAR}" fill="#005eb8"></rect>',
            f'<text class="portal-chart__label" x="{LABEL_WIDTH + length + 6}" y="{y + 15}">'
            f"{escape(_format(bar.value))}</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)
