"""`replay --format html`: one self-contained page (inline SVG, no script, no network).

For every fact a rule compares with a threshold, the fact is plotted over the snapshots
with each threshold it is compared against, above a band coloured by verdict, so a reviewer
sees at a glance when and why the policies would have acted.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from phasegate import cel
from phasegate.cel import syntax
from phasegate.policy import PolicySet
from phasegate.recording import instant
from phasegate.replay import ReplayedRecording
from phasegate.report.replay.text import summary_line

WIDTH, HEIGHT, BAND = 900, 170, 14
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


def render(replayed: Sequence[ReplayedRecording], policy_set: PolicySet) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>phasegate replay</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>phasegate replay</h1>",
    ]
    for recording in replayed:
        parts.append(f"<h2>{escape(recording.source)}</h2>")
        parts.append(f'<p class="summary">{escape(summary_line(recording))}</p>')
        parts += _charts(recording, policy_set)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _charts(recording: ReplayedRecording, policy_set: PolicySet) -> list[str]:
    plots: dict[tuple[str, ...], list[tuple[Any, syntax.Comparison, Any]]] = {}
    for policy in policy_set.policies:
        for rule in policy.rules:
            for comparison in syntax.comparisons(rule.when):
                plots.setdefault(comparison.path, []).append((rule, comparison, policy))
    verdicts = [decision.verdict.label for decision in recording.decisions]
    charts = []
    for path in sorted(plots):
        values = [_number(cel.lookup(facts.data, path[1:])) for facts in recording.snapshots]
        if not any(value is not None for value in values):
            continue
        series = [(".".join(path), values, False)]
        for rule, comparison, policy in plots[path]:
            # A threshold only where its rule applies: no Phase 2 limit over Phase 1.
            limits = [
                _threshold(comparison, policy, facts) if facts.phase in rule.phases else None
                for facts in recording.snapshots
            ]
            if any(limit is not None for limit in limits):
                series.append(
                    (f"{rule.id} ({comparison.operator} {comparison.other.text})", limits, True)
                )
        charts.append(f"<h3>{escape('.'.join(path))}</h3>")
        charts.append(_svg(series, verdicts, _span(recording)))
    if not charts:
        charts.append(_svg([], verdicts, _span(recording)))
    return charts


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _threshold(comparison: syntax.Comparison, policy: Any, facts: Any) -> float | None:
    bindings = cel.Bindings(
        {
            "facts": facts.data,
            "params": policy.params_plain,
            "phase": facts.phase,
            "now": instant(facts.data["collected_at"]),
            "history": [],
        }
    )
    value = cel.run(comparison.other, bindings)
    return None if isinstance(value, cel.EvalFailure) else _number(value)


def _span(recording: ReplayedRecording) -> tuple[str, str]:
    times = [decision.collected_at for decision in recording.decisions]
    return (times[0], times[-1]) if times else ("", "")


def _svg(
    series: list[tuple[str, list[float | None], bool]],
    verdicts: list[str],
    span: tuple[str, str],
) -> str:
    count = max(len(verdicts), 1)
    plot_height = HEIGHT - BAND - 22
    numbers = [value for _, values, _ in series for value in values if value is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    if high == low:  # a flat line sits mid-chart, its value readable on the axis
        pad = abs(high) * 0.1 or 1.0
        high, low = high + pad, low - pad

    def x(index: int) -> float:
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
    for number, (label, values, dashed) in enumerate(series):
        colour = SERIES[number % len(SERIES)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None)
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash} '
            f'points="{points}"><title>{escape(label)}</title></polyline>'
        )
        legend.append(f'<span><i style="background:{colour}"></i>{escape(label)}</span>')
    band_top = HEIGHT - BAND - 2
    step = (WIDTH - 50) / count
    for index, verdict in enumerate(verdicts):
        out.append(
            f'<rect x="{40 + step * index:.2f}" y="{band_top}" width="{step + 0.05:.2f}" '
            f'height="{BAND}" fill="{COLOURS[verdict]}"><title>#{index} {verdict}'
            "</title></rect>"
        )
    out.append("</svg>")
    times = f'<div class="times"><span>{escape(span[0])}</span><span>{escape(span[1])}</span></div>'
    return f'<div class="legend">{"".join(legend)}</div>' + "".join(out) + times
