"""`backtest --format text`: one line for the set, one per rule, readable in a CI log."""

from __future__ import annotations

from typing import Any

from phasegate.errors import single_line


def lead(seconds: int | None) -> str:
    """A lead time in minutes, `+` before the incident started, `-` after; `-` when none."""
    if seconds is None:
        return "-"
    minutes = seconds / 60
    shown = f"{minutes:+.1f}".rstrip("0").rstrip(".")
    return f"{shown} min"


def held(count: int, minutes: float) -> str:
    return f"{count} ({minutes:g} min)"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def heading(result: dict[str, Any]) -> str:
    line = (
        f"{plural(result['snapshots'], 'snapshot')} of {plural(result['rollouts'], 'rollout')}, "
        f"{plural(result['incidents'], 'labelled incident')}"
    )
    if result["unrecorded"]:
        shown = ", ".join(single_line(i) for i in result["unrecorded"])
        line += f" (not in the recordings: {shown})"
    return line


COLUMNS = ("caught", "missed", "lead", "false pauses", "false rollbacks")


def row(score: dict[str, Any]) -> tuple[str, ...]:
    name = single_line(score["id"])
    if score.get("mode") == "shadow":
        name += " (shadow)"
    return (
        name,
        str(score["caught"]),
        str(score["missed"]),
        lead(score["lead_time_s"]),
        held(score["false_pauses"], score["false_pause_minutes"]),
        held(score["false_rollbacks"], score["false_rollback_minutes"]),
    )


def acted(score: dict[str, Any]) -> bool:
    """Whether a rule ever paused or rolled back; the others are counted, not listed."""
    return bool(score["caught"] or score["false_pauses"] or score["false_rollbacks"])


def when(seconds: int) -> str:
    if seconds == 0:
        return "as it started"
    return f"{_minutes(seconds)} {'before' if seconds > 0 else 'after'} it started"


def shadow_lines(result: dict[str, Any]) -> list[str]:
    """How often each shadow rule disagreed with the live set."""
    return [
        f"shadow {single_line(score['id'])}: would have changed "
        f"{plural(score['disagreements'], 'verdict')}"
        for score in result["rules"]
        if score.get("mode") == "shadow"
    ]


def render(result: dict[str, Any]) -> str:
    listed = [score for score in result["rules"] if acted(score)]
    rows = [("", *COLUMNS), row(result["set"]), *(row(score) for score in listed)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [heading(result)]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    quiet = len(result["rules"]) - len(listed)
    if quiet:
        lines.append(f"{plural(quiet, 'other rule')} never paused or rolled back")
    lines += shadow_lines(result)
    for incident in result["set"]["incidents"]:
        name = single_line(incident["id"])
        if incident["caught"]:
            lines.append(f"{name}: first pause or rollback {when(incident['lead_time_s'])}")
        else:
            lines.append(f"{name}: missed")
    return "\n".join(lines) + "\n"


def _minutes(seconds: int) -> str:
    return f"{abs(seconds) / 60:.1f}".rstrip("0").rstrip(".") + " min"


def _incident_line(row: dict[str, Any]) -> str | None:
    name, before, after = single_line(row["id"]), row["base_lead_time_s"], row["head_lead_time_s"]
    if before is None and after is None:
        return f"still misses {name}"
    if before is None:
        return f"now catches {name} ({lead(after)} lead)"
    if after is None:
        return f"no longer catches {name} (caught with {lead(before)} lead before)"
    if after == before:
        return None
    return f"catches {name} {_minutes(after - before)} {'earlier' if after > before else 'later'}"


def _false_line(base: dict[str, Any], head: dict[str, Any], word: str, key: str) -> str | None:
    count = head[f"false_{key}s"] - base[f"false_{key}s"]
    minutes = round(head[f"false_{key}_minutes"] - base[f"false_{key}_minutes"], 1)
    if not count and not minutes:
        return None
    if count:
        text = (
            f"{abs(count)} {'more' if count > 0 else 'fewer'} false {word}{'s' * (abs(count) != 1)}"
        )
    else:
        text = f"as many false {word}s"
    if minutes:
        text += f" ({minutes:+g} min held)"
    return text


def comparison_lines(comparison: dict[str, Any]) -> list[str]:
    """What a policy change does to the backtest, in words: "catches INC-12 14 min
    earlier; 2 more false pauses over 37 rollouts", then each rule whose figures moved."""
    base, head = comparison["base"], comparison["head"]
    parts = [_incident_line(row) for row in comparison["incidents"]]
    parts += [
        _false_line(base, head, "pause", "pause"),
        _false_line(base, head, "rollback", "rollback"),
    ]
    said = [part for part in parts if part is not None]
    over = f"over {plural(comparison['rollouts'], 'rollout')}"
    lines = ["labels: " + ("; ".join(said) + f" {over}" if said else f"no change {over}")]
    for rule in comparison["rules"]:
        before, after = rule["base"], rule["head"]
        if before is None or after is None:
            shown = "added" if before is None else "removed"
            lines.append(f"  {single_line(rule['id'])}: {shown}")
            continue
        moved = [
            f"{name} {_figure(before[name])} -> {_figure(after[name])}"
            for name in before
            if before[name] != after[name]
        ]
        lines.append(f"  {single_line(rule['id'])}: {', '.join(moved)}")
    return lines


def _figure(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
