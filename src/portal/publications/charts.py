"""Server-rendered SVG charts with a text alternative (<title> and <desc>).

No script and no inline style: positions, sizes and colours are SVG attributes. The same
SVG is inlined in the release page (beside its table) and served on its own for
download.

Sizes are chosen so the text stays legible where the chart is shown: the SVG is drawn at
its natural width (it shrinks only on screens narrower than that), text is 16 user units,
and labels sit on their own line above each bar, wrapped, so a long modality or source
setting name is never cut off.
"""

import textwrap
from dataclasses import dataclass

from django.utils.html import escape

from did.publish.disclosure import WITHHELD

WIDTH = 360
FONT = 16
LINE = 20  # one line of label text
BAR = 18
GAP = 12  # below each bar
VALUE_ROOM = 92  # right of the longest bar, for its value
WRAP = 34  # characters per label line at FONT
TEXT = "#212b32"
BLUE = "#005eb8"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: withheld by disclosure control


def _format(value: int | None) -> str:
    return WITHHELD if value is None else f"{value:,}"


def _spoken(value: int | None) -> str:
    return "withheld" if value is None else f"{value:,}"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="Frutiger W01, Arial, sans-serif" font-size="{FONT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = FONT) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" fill="{TEXT}" font-size="{size}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def bar_chart(chart_id: str, title: str, bars: list[Bar], unit: str = "tests") -> str:
    largest = max((bar.value or 0 for bar in bars), default=0) or 1
    area = WIDTH - VALUE_ROOM
    labels = [textwrap.wrap(bar.label, WRAP) or [""] for bar in bars]
    height = sum(len(lines) * LINE + BAR + GAP for lines in labels) + 4 or LINE
    summary = "; ".join(f"{bar.label}: {_spoken(bar.value)}" for bar in bars) or "no data"
    parts = _open(chart_id, title, f"Bar chart of {unit}. {summary}.", WIDTH, height)
    y = 0
    for bar, lines in zip(bars, labels, strict=True):
        for line in lines:
            y += LINE
            parts.append(_text(0, y - 5, line))
        length = round(area * (bar.value or 0) / largest)
        parts += [
            f'<rect x="0" y="{y}" width="{length}" height="{BAR}" fill="{BLUE}"></rect>',
            _text(length + 6, y + BAR - 4, _format(bar.value)),
        ]
        y += BAR + GAP
    parts.append("</svg>")
    return "\n".join(parts)


PANEL = 64  # height of one small multiple's plot
PANEL_GAP = 14


def _line_points(values: list[int | None], width: int, top: float, height: int) -> list[str]:
    """One polyline's points per run of known values (a withheld month breaks the line)."""
    largest = max((v or 0 for v in values), default=0) or 1
    step = width / max(len(values) - 1, 1)
    runs, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
            continue
        x = index * step
        y = top + height - height * value / largest
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs]


def small_multiples(
    chart_id: str, title: str, months: list[str], series: list[tuple[str, list[int | None]]]
) -> str:
    """One small line chart per series (modality), each on its own scale from zero, with
    its name and latest value above it: no legend to match by colour, no lines to tell
    apart. `months` name the points in the text alternative."""
    plot = WIDTH - VALUE_ROOM
    height = sum(LINE + PANEL + PANEL_GAP for _ in series) + 4 or LINE
    span = f"{months[0]} to {months[-1]}" if months else ""
    spoken = "; ".join(
        f"{name}: " + ", ".join(f"{m} {_spoken(v)}" for m, v in zip(months, values, strict=True))
        for name, values in series
    )
    desc = f"Line charts of tests by month, {span}, one per modality. {spoken or 'No data'}."
    parts = _open(chart_id, title, desc, WIDTH, height)
    y = 0
    for name, values in series:
        y += LINE
        parts.append(_text(0, y - 5, name))
        top = y + 4
        parts.append(
            f'<line x1="0" y1="{top + PANEL}" x2="{plot}" y2="{top + PANEL}" '
            f'stroke="#768692" stroke-width="1"></line>'
        )
        for points in _line_points(values, plot, top, PANEL):
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{BLUE}" '
                f'stroke-width="2.5"></polyline>'
            )
        latest = values[-1] if values else None
        parts.append(_text(plot + 8, top + PANEL / 2 + 5, _format(latest), size=FONT - 2))
        y = top + PANEL + PANEL_GAP
    parts.append("</svg>")
    return "\n".join(parts)
