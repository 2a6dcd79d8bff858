"""`replay --format html`: one self-contained page (inline SVG, no script, no network).

The page answers "when would the policies have acted, and why?" for a person who looks at
it once: a legend, the first pause and first rollback in words, one chart per compared
fact (the facts whose rules acted earliest on top), then the snapshots where the verdict
changed (last, as a recording that flaps fills a long table). A verdict has one colour
everywhere (band, threshold lines, markers, table), so a red dashed line is a rollback
threshold without reading its label, and the labels carry the thresholds' numbers, not
their CEL. Everything drawn comes computed from `phasegate.replay.charts` (axes, order, the
values at the firsts); this module only lays it out, and writes the same bytes for the
same inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TextIO

from phasegate.replay.charts import COLUMNS, Chart, Charts, Series
from phasegate.replay.replay import Replay, Step
from phasegate.report.replay.text import summary_line

#: Left margin (tick labels), right margin, top margin (marker labels), plot height.
LEFT, RIGHT, TOP, PLOT = 60, 236, 30, 130
#: Threshold labels in the right margin: their row height and most characters shown.
ROW, LABEL = 26, 40
#: The verdict band under the plot.
GAP, BAND, BOTTOM = 8, 14, 4
WIDTH = LEFT + COLUMNS + RIGHT
HEIGHT = TOP + PLOT + GAP + BAND + BOTTOM
#: One colour per verdict for everything drawn; each has at least 3:1 contrast on white.
COLOURS = {"continue": "#2e8540", "pause": "#c98000", "rollback": "#cf222e"}
#: The same verdicts as text on white (at least 4.5:1): amber has to darken for that.
INK = {"continue": "#2e8540", "pause": "#8a5300", "rollback": "#cf222e"}
#: The fact's own line: a colour no verdict uses.
FACT = "#1f5fbf"
#: Snapshots up to which each point of a fact gets a dot (beyond, the line says enough).
DOTS = 60
WORDS = {">": "above", ">=": "at or above", "<": "below", "<=": "at or below"}
STYLE = f"""
body{{font:14px system-ui,sans-serif;margin:20px;color:#222;max-width:{WIDTH + 40}px}}
h1{{font-size:22px;margin:0 0 8px}}h2{{font-size:18px;margin:28px 0 6px;word-break:break-all}}
h3{{font-size:16px;margin:24px 0 6px}}h4{{font-size:14px;margin:0 0 4px;font-family:monospace}}
.legend{{display:flex;flex-wrap:wrap;gap:6px 18px;margin:6px 0;color:#333}}
.legend span{{white-space:nowrap}}
.sw{{display:inline-block;width:14px;height:14px;vertical-align:-2px;margin-right:5px}}
.ln{{display:inline-block;width:22px;height:0;border-top:2px solid;vertical-align:4px;
margin-right:5px}}.dash{{border-top-style:dashed}}
.mk{{display:inline-block;width:2px;height:14px;vertical-align:-2px;margin:0 8px 0 6px}}
.summary{{color:#444}}.firsts{{margin:8px 0;padding:0;list-style:none}}
.firsts li{{margin:4px 0;padding-left:8px;border-left:4px solid}}
figure{{margin:18px 0 26px}}figcaption{{font-size:13px;color:#444;margin-top:4px}}
svg{{display:block;background:#fff}}
.times{{width:{WIDTH}px;display:flex;justify-content:space-between;font-size:12px;color:#555;
padding:0 {RIGHT}px 0 {LEFT}px;box-sizing:border-box}}
table{{border-collapse:collapse;font-size:13px;margin:6px 0}}
th,td{{text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid #ddd;
vertical-align:top}}th{{color:#333}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}
.note{{color:#555;font-size:13px}}code{{font-size:13px;white-space:nowrap}}
"""


class HtmlReport:
    #: The replay computes chart data for this format only.
    charts = True

    def __init__(self, out: TextIO) -> None:
        self.out = out
        for part in (
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>phasegate replay: when the policies would have acted</title>",
            f"<style>{STYLE}</style></head><body>",
            "<header><h1>phasegate replay</h1>",
            _legend(),
            "</header><main>",
        ):
            out.write(part + "\n")

    def recording(self, replay: Replay) -> _HtmlRecording:
        return _HtmlRecording(self.out, replay)

    def close(self) -> None:
        self.out.write("</main></body></html>\n")


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
            "<section>",
            f"<h2>{escape(self.replay.source)}</h2>",
            f'<p class="summary">{escape(summary_line(self.replay.summary()))}</p>',
            _firsts(data),
            "<h3>Charts</h3>",
        ]
        if data.charts:
            parts.append(
                '<p class="note">Facts whose rules acted come first, earliest first; '
                "the band under each chart is the verdict.</p>"
            )
        for chart in data.charts:
            parts.append(_figure(chart, data))
        if not data.charts:
            empty = "No snapshots." if not data.count else "No rule compares a fact with a number."
            parts.append(f'<p class="note">{empty}</p>')
            parts.append(_figure(None, data))
        # After the charts: a recording that flaps has up to `CHANGES` rows of them.
        parts.append(_changes(data))
        parts.append("</section>")
        self.out.write("".join(part + "\n" for part in parts))


def _legend() -> str:
    verdicts = "".join(
        f'<span><i class="sw" style="background:{COLOURS[v]}"></i>{v}</span>' for v in COLOURS
    )
    return (
        '<div class="legend" role="list" aria-label="Legend">'
        f'<span role="listitem"><b>Verdict:</b></span>{verdicts}'
        f'<span><i class="ln" style="border-color:{FACT}"></i>fact value</span>'
        f'<span><i class="ln dash" style="border-color:{COLOURS["pause"]}"></i>'
        f'<i class="ln dash" style="border-color:{COLOURS["rollback"]}"></i>'
        "threshold, in its rule's verdict</span>"
        f'<span><i class="mk" style="background:{COLOURS["pause"]}"></i>first pause</span>'
        f'<span><i class="mk" style="background:{COLOURS["rollback"]}"></i>first rollback'
        "</span></div>"
    ).replace("<span>", '<span role="listitem">')


def _firsts(data: Charts) -> str:
    if not data.marks:
        return '<p class="note">The policies would never have paused or rolled back.</p>'
    items = []
    for mark in data.marks:
        rules = ", ".join(f"<code>{escape(rule)}</code>" for rule in mark.rules)
        items.append(
            f'<li class="first-{mark.verdict}" style="border-color:{COLOURS[mark.verdict]}">'
            f'<b style="color:{INK[mark.verdict]}">First {mark.verdict}</b> at snapshot '
            f"#{mark.index}, {escape(mark.collected_at)}, change {escape(mark.rollout)}: "
            f"{rules or 'no rule'}</li>"
        )
    return f'<ul class="firsts">{"".join(items)}</ul>'


def _verdict(label: str) -> str:
    if not label:
        return "start"
    return f'<i class="sw" style="background:{COLOURS[label]}"></i>{label}'


def _changes(data: Charts) -> str:
    rows = []
    for change in data.changes:
        rules = ", ".join(
            f"<code>{escape(rule)}</code>" + ("" if status == "fired" else f" ({status})")
            for rule, status in change.rules
        )
        rows.append(
            f'<tr><td class="n">#{change.index}</td><td>{escape(change.rollout)}</td>'
            f"<td>{escape(change.collected_at)}</td>"
            f"<td>{_verdict(change.before)}</td><td>{_verdict(change.verdict)}</td>"
            f"<td>{rules or '&#8212;'}</td></tr>"
        )
    note = ""
    if data.change_count > len(data.changes):
        note = (
            f'<p class="note">Only the first {len(data.changes)} of {data.change_count} '
            "verdict changes are listed.</p>"
        )
    return (
        "<h3>Where the verdict changed</h3>"
        '<p class="note">Each change and phase against its own previous snapshot.</p>'
        '<table class="changes"><thead><tr><th scope="col">Snapshot</th>'
        '<th scope="col">Change</th>'
        '<th scope="col">Collected at</th><th scope="col">From</th><th scope="col">To</th>'
        '<th scope="col">Rules that acted</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
    )


def _number(value: float) -> str:
    return f"{value:.4g}"


def _limit(one: Series) -> str:
    """A threshold as its number(s): one value, or the range it moved over."""
    low, high = one.low, one.high
    numbers = _number(low) if _number(low) == _number(high) else f"{_number(low)}..{_number(high)}"
    return f"{one.operator} {numbers}"


def _figure(chart: Chart | None, data: Charts) -> str:
    if chart is None:
        title, legend, caption = "verdict", "", ""
    else:
        title = chart.title
        legend = _series_legend(chart)
        caption = _caption(chart, data)
    svg = _svg(chart, data)
    span = data.span
    times = f'<div class="times"><span>{escape(span[0])}</span><span>{escape(span[1])}</span></div>'
    return (
        f"<figure><h4>{escape(title)}</h4>{legend}{svg}{times}"
        + (f"<figcaption>{caption}</figcaption>" if caption else "")
        + "</figure>"
    )


def _series_legend(chart: Chart) -> str:
    limits = chart.series[1:]
    entries = [f'<span><i class="ln" style="border-color:{FACT}"></i>value</span>']
    if not limits:  # a rule compares this fact, but not in these snapshots' phase
        entries.append('<span class="note">no threshold applies in this phase</span>')
    for one in limits:
        fired = f", fired at #{one.fired_at}" if one.fired_at is not None else ""
        entries.append(
            f'<span><i class="ln dash" style="border-color:{COLOURS[one.verdict]}"></i>'
            f'<b style="color:{INK[one.verdict]}">{one.verdict}</b> if '
            f"{escape(_limit(one))} <code>{escape(one.label)}</code>{fired}</span>"
        )
    return f'<div class="legend">{"".join(entries)}</div>'


def _caption(chart: Chart, data: Charts) -> str:
    """What the chart shows at the first pause and first rollback, in numbers."""
    fact, *limits = chart.series
    sentences = []
    for mark in data.marks:
        value = dict(fact.marks).get(mark.verdict)
        if value is None or not {one.label for one in limits} & set(mark.rules):
            continue
        compared = [
            f"{WORDS.get(one.operator, one.operator)} "
            f"<code>{escape(one.label)}</code>'s {_number(at)}"
            for one in limits
            if (at := dict(one.marks).get(mark.verdict)) is not None and one.label in mark.rules
        ]
        why = f", {' and '.join(compared)}" if compared else ""
        sentences.append(
            f'<span class="caption-{mark.verdict}"><b style="color:{INK[mark.verdict]}">'
            f"First {mark.verdict}</b> (#{mark.index}, {escape(mark.collected_at)}): "
            f"{_number(value)}{why}.</span>"
        )
    return " ".join(sentences)


def _svg(chart: Chart | None, data: Charts) -> str:
    count = max(data.count, 1)
    low, high = chart.axis if chart is not None else (0.0, 1.0)
    span = (high - low) or 1.0

    def x(index: float) -> float:
        return LEFT + COLUMNS * (index + 0.5) / count

    def y(value: float) -> float:
        return TOP + PLOT * (1 - (value - low) / span)

    band_top = TOP + PLOT + GAP
    if chart is None:
        label = f"Verdict over {data.count} snapshots"
    else:
        fact, *limits = chart.series
        label = (
            f"{chart.title} over {data.count} snapshots, from {_number(fact.low)} to "
            f"{_number(fact.high)}"
            + "".join(f"; {one.verdict} if {_limit(one)} ({one.label})" for one in limits)
        )
    out = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{COLUMNS}" height="{PLOT}" fill="none" stroke="#ccc"/>',
    ]
    if chart is not None:
        for tick in chart.ticks:
            at = y(tick)
            out.append(
                f'<line x1="{LEFT}" x2="{LEFT + COLUMNS}" y1="{at:.1f}" y2="{at:.1f}" '
                f'stroke="#e6e6e6"/><text x="{LEFT - 6}" y="{at + 4:.1f}" font-size="11" '
                f'text-anchor="end" fill="#555">{tick:.6g}</text>'
            )
    out.append(
        f'<text x="{LEFT - 6}" y="{band_top + BAND - 3}" font-size="11" text-anchor="end" '
        'fill="#555">verdict</text>'
    )
    for first, last, verdict in data.runs:
        where = f"#{first}" if first == last else f"#{first}-#{last}"
        out.append(
            f'<rect x="{LEFT + COLUMNS * first / count:.2f}" y="{band_top}" '
            f'width="{COLUMNS * (last - first + 1) / count + 0.05:.2f}" height="{BAND}" '
            f'fill="{COLOURS[verdict]}"><title>{where} {verdict}</title></rect>'
        )
    for row, mark in enumerate(data.marks):
        at, baseline = x(mark.index), 12 + 12 * row  # one row each: the labels never collide
        anchor, shift = ("start", 4) if at < LEFT + COLUMNS / 2 else ("end", -4)
        out.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{baseline - 10}" '
            f'y2="{band_top + BAND}" stroke="{COLOURS[mark.verdict]}" stroke-width="1.5"/>'
            f'<text x="{at + shift:.1f}" y="{baseline}" font-size="11" '
            f'text-anchor="{anchor}" fill="{INK[mark.verdict]}">first {mark.verdict} '
            f"#{mark.index}</text>"
        )
    if chart is not None:
        out += _lines(chart, data, x, y)
    out.append("</svg>")
    return "".join(out)


def _lines(
    chart: Chart, data: Charts, x: Callable[[float], float], y: Callable[[float], float]
) -> list[str]:
    fact, *limits = chart.series
    out = []
    labels = []
    for one in limits:
        colour = COLOURS[one.verdict]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in one.points)
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" '
            f'stroke-dasharray="7 4" points="{points}"><title>{one.verdict} if '
            f"{escape(_limit(one))} ({escape(one.label)})</title></polyline>"
        )
        labels.append((y(one.points[-1][1]), one))
    # In the right margin, level with where each line ends, so no data ever runs through a
    # label; lines closer than a text row get their labels spread, each with a leader.
    labels.sort(key=lambda label: (label[0], label[1].label))
    rows = [at + 4 for at, _ in labels]
    for n in range(1, len(rows)):
        rows[n] = max(rows[n], rows[n - 1] + ROW)
    for n in reversed(range(len(rows))):
        rows[n] = min(rows[n], TOP + PLOT - 8 if n == len(rows) - 1 else rows[n + 1] - ROW)
    edge = LEFT + COLUMNS
    for (at, one), row in zip(labels, rows, strict=True):
        # Two lines: the number (what a reader compares with), then the rule it belongs to.
        rule = one.label if len(one.label) <= LABEL else one.label[: LABEL - 1] + "\u2026"
        out.append(
            f'<polyline fill="none" stroke="{COLOURS[one.verdict]}" stroke-width="1" '
            f'points="{edge},{at:.1f} {edge + 6},{row - 4:.1f} {edge + 9},{row - 4:.1f}"/>'
            f'<text x="{edge + 12}" y="{row:.1f}" font-size="11" fill="{INK[one.verdict]}">'
            f'<tspan font-weight="bold">{escape(_limit(one))}</tspan>'
            f'<tspan x="{edge + 12}" dy="12" font-size="10">{escape(rule)}</tspan>'
            f"<title>{escape(one.verdict)} if {escape(_limit(one))} ({escape(one.label)})"
            "</title></text>"
        )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in fact.points)
    out.append(
        f'<polyline fill="none" stroke="{FACT}" stroke-width="2" points="{points}">'
        f"<title>{escape(fact.label)}</title></polyline>"
    )
    if data.count <= DOTS:
        out += [
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{FACT}"/>'
            for i, v in fact.points
        ]
    values = dict(fact.marks)
    rules = {one.label for one in limits}
    for mark in data.marks:
        # A dot only where this chart's rules made the verdict: elsewhere it is noise.
        if mark.verdict in values and rules & set(mark.rules):
            out.append(
                f'<circle cx="{x(mark.index):.1f}" cy="{y(values[mark.verdict]):.1f}" r="5" '
                f'fill="{COLOURS[mark.verdict]}" stroke="#fff" stroke-width="1.5">'
                f"<title>first {mark.verdict} #{mark.index}: "
                f"{_number(values[mark.verdict])}</title></circle>"
            )
    return out
