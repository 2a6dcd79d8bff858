"""`phasegate status` as text (a CI log, a terminal) or JSON: where a change stands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phasegate.errors import json_text, single_line
from phasegate.files.digest import canonical_json


def render_text(record: Mapping[str, Any]) -> str:
    change = record["change"]
    name = change.get("tag") or change["commit"]
    phase = "-" if record["phase"] is None else record["phase"]
    lines = [
        f"Change:     {name} ({change['commit']})",
        f"Phase:      {phase}",
        f"Status:     {record['state']}",
    ]
    last = record["last_decision"]
    if last is None:
        lines.append("Last:       no decision recorded")
    else:
        kind = f" ({last['pause_kind']})" if last.get("pause_kind") else ""
        lines.append(
            f"Last:       {last['verdict']}{kind} at {last['at']} in phase {last['phase']}"
        )
        lines += [
            f"  {rule['status']:<8} {rule['id']}: {rule['message']}" for rule in last["rules"]
        ]
    nxt = record["next"]
    lines.append(
        f"Next:       {nxt['what']}" + (f" (the window ends {nxt['when']})" if nxt["when"] else "")
    )
    if "freeze" in record:
        lines.append(f"Freeze:     {record['freeze'].get('reason', 'active')}")
    lines += [f"By hand:    {step}" for step in record["by_hand"]] or ["By hand:    nothing"]
    return "\n".join(single_line(line) for line in lines) + "\n"


def render_json(record: Mapping[str, Any]) -> str:
    return json_text(canonical_json(record)) + "\n"
