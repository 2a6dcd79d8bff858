"""`backtest --format markdown`: a table for a pull request comment."""

from __future__ import annotations

from typing import Any

from phasegate.report.backtest.text import COLUMNS, acted, heading, plural, row, shadow_lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def render(result: dict[str, Any]) -> str:
    lines = [
        "# Backtest",
        "",
        _cell(heading(result)),
        "",
        "| rule | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    listed = [score for score in result["rules"] if acted(score)]
    scores = [result["set"], *listed]
    for score in scores:
        name, *cells = row(score)
        name = f"**{_cell(name)}**" if score is result["set"] else f"`{_cell(name)}`"
        lines.append(f"| {name} | " + " | ".join(_cell(c) for c in cells) + " |")
    quiet = len(result["rules"]) - len(listed)
    if quiet:
        lines += ["", f"{plural(quiet, 'other rule')} never paused or rolled back."]
    shadows = shadow_lines(result)
    if shadows:
        lines += ["", *(f"- {_cell(line)}" for line in shadows)]
    return "\n".join(lines) + "\n"
