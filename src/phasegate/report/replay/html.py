"""`replay --format html`: one self-contained page (inline SVG, no script, no network).

For every fact a rule compares with a threshold, the fact is plotted over the snapshots
with each threshold it is compared against, above a band coloured by verdict, so a reviewer
sees at a glance when and why the policies would have acted. The numbers come computed and
downsampled from `phasegate.charts`, so the page stays small however long the recording.
"""

from __future__ import annotations

from html import escape
from typing import TextIO

from phasegate.charts import COLUMNS, Charts, Series
from phasegate.replay import Replay, Step
from phasegate.report.replay.text import summary_line

WIDTH, HEIGHT, BAND = 50 + COLUMNS, 170, 14
COLOURS = {"continue": "#2e9d4e", "pause": "#e0a800", "rollback": "#d33a2c"}
SERIES = ("#1f5fbf", "#8e44ad", "#c0392b", "#16a085", "#d35400", "#7f8c8d")
STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:32px}h3{font-size:14px;margin:18px 0 4px}
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:18px;
height:3px;vertical-align:middle;margin-right:4px}svg{border:1px solid #ddd;background:#fff}
.summary{color:#444}.times{width:900px;display:flex;justify-content:space-between;
font-size:11px;color:#666}
"""


class HtmlReport:
    #: The replay computes chart data for this format only.
    charts = True

    def __init__(self, out: TextIO) -> None:
        self.out = out
        for part in (
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>phasegate replay</title>",
            f"<style>{STYLE}</style></head><body>",
            "<h1>phasegate replay</h1>",
        ):
            out.write(part + "\n")

    def recording(self, replay: Replay) -> _HtmlRecording:
        return _HtmlRecording(self.out, replay)

    def close(self) -> None:
        self.out.write("</body></html>\n")


class _HtmlRecording:
    def __init__(self, out: TextIO, replay: Replay) -> None:
        self.out, self.replay = out, replay

    def add(self, step: Step) -> None:
        pass  # the replay gathers the chart data

    def discard(self) -> None:
        pass

    def finish(self) -> None:
        data = self.replay.charts
        parts = [
            f"<h2>{escape(self.replay.source)}</h2>",
            f'<p class="summary">{escape(summary_line(self.replay.summary()))}</p>',
        ]
        for chart in data.charts:
            parts.append(f"<h3>{escape(chart.title)}</h3>")
            parts.append(_svg(chart.series, data))
        if not data.charts:
            parts.append(_svg((), data))
        self.out.write("".join(part + "\n" for part in parts))


def _svg(series: tuple[Series, ...], data: Charts) -> str:
    count = max(data.count, 1)
    plot_height = HEIGHT - BAND - 22
    numbers = [value for one in series for _, value in one.points]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    if high == low:  # a flat line sits mid-chart, its value readable on the axis
        pad = abs(high) * 0.1 or 1.0
        high, low = high + pad, low - pad

    def x(index: float) -> float:
        return 40 + (WIDTH - 50) * (index + 0.5) / count

    def y(value: float) -> float:
        return 6 + plot_height * (1 - (value - low) / (high - low))

    out = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'xmlns="http://www.w3.org/2000/svg" role="img">',
        f'<text x="2" y="14" font-size="10">{high:.4g}</text>',
        f'<text x="2" y="{6 + plot_height:.1f}" font-size="10">{low:.4g}</text>',
    ]
    legend = []
    for number, one in enumerate(series):
        colour = SERIES[number % len(SERIES)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in one.points)
        dash = ' stroke-dasharray="6 4"' if one.threshold else ""
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash} '
            f'points="{points}"><title>{escape(one.label)}</title></polyline>'
        )
        legend.append(f'<span><i style="background:{colour}"></i>{escape(one.label)}</span>')
    band_top = HEIGHT - BAND - 2
    step = (WIDTH - 50) / count
    for first, last, verdict in data.runs:
        where = f"#{first}" if first == last else f"#{first}-#{last}"
        out.append(
            f'<rect x="{40 + step * first:.2f}" y="{band_top}" '
            f'width="{step * (last - first + 1) + 0.05:.2f}" height="{BAND}" '
            f'fill="{COLOURS[verdict]}"><title>{where} {verdict}</title></rect>'
        )
    out.append("</svg>")
    span = data.span
    times = f'<div class="times"><span>{escape(span[0])}</span><span>{escape(span[1])}</span></div>'
    return f'<div class="legend">{"".join(legend)}</div>' + "".join(out) + times
