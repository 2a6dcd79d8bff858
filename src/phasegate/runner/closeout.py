"""The guide's post-rollout closeout record, from the state dir's decision log.

"Record metrics and incidents", "update the troubleshooting doc and failure taxonomy if new
failure classes were observed", "close the rollout only after a stable monitoring window":
the decision log already holds every snapshot the gate judged, so the record is built from
it alone (read-only, no clock: the same log gives the same bytes) and refused while the
Phase 2 window has not passed, so a rollout cannot be closed early by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from phasegate.core.policy import PolicySet
from phasegate.core.recording import instant
from phasegate.core.verdict import Verdict
from phasegate.errors import (
    ExitCode,
    InputError,
    Location,
    PhasegateError,
    UsageProblem,
    single_line,
)
from phasegate.files.digest import canonical_json
from phasegate.files.durable import write_atomic_together
from phasegate.files.reading import resolved
from phasegate.files.schemas import is_rfc3339
from phasegate.state import rollout
from phasegate.state.statedir import DECISIONS, LOG_EVENTS, LogReport, StateDir, log_objects

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


class NotStable(PhasegateError):
    """The Phase 2 window has not passed (or did not end in continue): exit 10, as a pause."""

    exit_code = ExitCode.PAUSE


def parse_duration(text: str, where: str) -> timedelta:
    """A CEL-style duration (`60m`, `1h30m`, `90s`), as the windows policy writes it."""
    parts = _DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise InputError(f"not a duration (e.g. 60m, 1h30m): {text!r}", Location(where))
    try:
        return timedelta(seconds=sum(float(n) * _UNITS[unit] for n, unit in parts))
    except OverflowError:
        raise InputError(f"too long a duration: {text!r}", Location(where)) from None


@dataclass(frozen=True)
class Entry:
    """One logged decision and the facts it was made from."""

    decision: Mapping[str, Any]
    facts: Mapping[str, Any]

    @property
    def at(self) -> str:
        return str(self.facts["collected_at"])

    @property
    def phase(self) -> int:
        return int(self.facts["phase"])

    @property
    def verdict(self) -> str:
        return str(self.decision["verdict"])

    @property
    def fired(self) -> list[str]:
        rules = self.decision.get("rules")
        if not isinstance(rules, list):
            return []
        return sorted(
            str(r["id"]) for r in rules if isinstance(r, dict) and r.get("status") == "fired"
        )


def read_decisions(log: Path, rca: list[dict[str, Any]] | None = None) -> tuple[list[Entry], int]:
    """The decisions of a log and how many lines could not be read as one; the root-cause
    documents `unfreeze --rca` recorded go into `rca`. Streamed by the state dir's reader.

    The log's known event lines are passed over uncounted: they are not damage, and a
    warning about them would hide the lines that are.
    """
    if not os.path.lexists(log):  # anything else there is named for what it is when read
        raise InputError(f"decision log not found: {resolved(log)}", Location(str(log)))
    entries: list[Entry] = []
    rca = [] if rca is None else rca
    report = LogReport()
    skipped = 0
    for _, record in log_objects(log, report):
        entry = _entry(record)
        if entry is not None:
            entries.append(entry)
        elif record.get("event") == "unfreeze":
            rca.append({key: record[key] for key in ("at", "rca", "reason") if key in record})
        elif not (isinstance(record.get("event"), str) and record["event"] in LOG_EVENTS):
            skipped += 1
    return entries, skipped + report.count


def _entry(data: dict[str, Any]) -> Entry | None:
    decision, facts = data.get("decision"), data.get("facts")
    if not isinstance(decision, dict) or not isinstance(facts, dict):
        return None
    change = facts.get("change")
    if (
        decision.get("verdict") not in ("continue", "pause", "rollback")
        or facts.get("phase") not in (0, 1, 2)
        or not isinstance(facts.get("collected_at"), str)
        or not is_rfc3339(facts["collected_at"])
        or not isinstance(change, dict)
        or not isinstance(change.get("commit"), str)
    ):
        return None
    return Entry(decision, facts)


def closeout(
    entries: Sequence[Entry],
    window: timedelta,
    *,
    commit: str | None = None,
    known_categories: Sequence[str] = (),
    source: str = "decisions.jsonl",
    rca: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The closeout record of one change (default: the change of the last decision).

    Only decisions that were acted on count: an attempt the phase order refused (a Phase 2
    run before Phase 1 earned it) started nothing, so it is neither a phase's start nor
    its window."""
    if not entries:
        raise InputError("no decisions in the log", Location(source))
    ordered = sorted(entries, key=lambda e: instant(e.at.upper()))
    commit = commit or str(ordered[-1].facts["change"]["commit"])
    # One change however each line spells it (`9f2c4e1` or the whole sha), as the rollout's
    # state reads it: a rollback logged under the other spelling restarts the window too.
    mine = [e for e in ordered if rollout.same_change(e.facts["change"]["commit"], commit)]
    if not mine:
        raise InputError(f"no decisions for change {commit}", Location(source))
    names = sorted({str(e.facts["change"]["commit"]).strip() for e in mine}, key=len)
    if not all(rollout.same_change(name, names[-1]) for name in names):
        raise UsageProblem(
            f"--change {commit}: names more than one change ({', '.join(names[:10])}); "
            "give enough of the commit to name one"
        )
    mine = [e for e in mine if not _refused(e)]
    # A rollback restarts the change: the stable window counts only from after the last
    # one, never from a Phase 2 it interrupted.
    rolled = [e.at for e in mine if e.verdict == "rollback"]
    since = rolled[-1] if rolled else None
    phase2 = [
        e
        for e in mine
        if e.phase == 2 and (since is None or instant(e.at.upper()) > instant(since.upper()))
    ]
    if not phase2:
        after = f" since its rollback at {since}" if since is not None else ""
        raise NotStable(f"change {commit} has no Phase 2 decision{after}: the rollout is not over")
    last = phase2[-1]
    start = _start(phase2, since)
    # A stable window, not just a long one: it starts over at the last Phase 2 decision
    # that was not clean (an elevated metric, a hold, an error), as the rules measure it.
    # The last decision itself, unclean, is no continue: refused as such below.
    unstable = rollout.stable_since((e.decision, e.facts) for e in phase2[:-1])
    restarted = unstable is not None and instant(unstable.upper()) > instant(start.upper())
    if restarted:
        start = str(unstable)
    held = instant(last.at.upper()) - instant(start.upper())
    if held < window:
        began = f"window restarted {start}" if restarted else f"started {start}"
        raise NotStable(
            f"change {commit}: Phase 2 {began}, last decision {last.at}: "
            f"{_human(held)} of the {_human(window)} stable window"
        )
    if last.verdict != "continue":
        raise NotStable(
            f"change {commit}: the last Phase 2 decision ({last.at}) is {last.verdict}, "
            "not a stable window"
        )
    return {
        "apiVersion": "phasegate/v1",
        "kind": "Closeout",
        "change": dict(last.facts["change"]),
        "window": _human(window),
        "phases": [
            _phase(mine, phase) for phase in (0, 1, 2) if any(e.phase == phase for e in mine)
        ],
        "metrics": _metrics(last),
        "incidents": _incidents(mine),
        "new_failure_categories": _categories(mine, known_categories),
        "rollbacks": [
            {"at": e.at, "phase": e.phase, "fired": e.fired}
            for e in mine
            if e.verdict == "rollback"
        ],
        "root_causes": [
            dict(item)
            for item in rca
            if isinstance(item.get("at"), str)
            and is_rfc3339(item["at"])
            and instant(mine[0].at.upper()) <= instant(item["at"].upper())
        ],
    }


def _refused(entry: Entry) -> bool:
    """A decision the phase order refused: the phase was never entered by it."""
    rules = entry.decision.get("rules")
    return isinstance(rules, list) and any(
        isinstance(r, dict)
        and r.get("id") in rollout.NOT_EARNED
        and r.get("status") in ("fired", "error")
        for r in rules
    )


def _start(seen: Sequence[Entry], since: str | None = None) -> str:
    """A phase's start: the earliest recorded start of its acted-on decisions that is not
    before the phase was opened (the continue that opened it) nor before `since` (the
    rollback that restarted the change), else its first decision."""
    opened = seen[0].facts.get("rollout", {})
    floors = [opened.get("previous_phase_continue_at") if isinstance(opened, dict) else None]
    floors = [instant(f.upper()) for f in (*floors, since) if isinstance(f, str) and is_rfc3339(f)]
    starts = sorted(
        str(e.facts["phase_started_at"])
        for e in seen
        if isinstance(e.facts.get("phase_started_at"), str)
        and is_rfc3339(e.facts["phase_started_at"])
        and all(instant(e.facts["phase_started_at"].upper()) >= floor for floor in floors)
    )
    return starts[0] if starts else seen[0].at


def _phase(entries: Sequence[Entry], phase: int) -> dict[str, Any]:
    seen = [e for e in entries if e.phase == phase]
    counts = {v.label: sum(e.verdict == v.label for e in seen) for v in Verdict}
    return {
        "phase": phase,
        "start": _start(seen),
        "end": seen[-1].at,
        "decisions": counts,
        "last": seen[-1].verdict,
    }


def _metrics(last: Entry) -> list[dict[str, Any]]:
    metrics = last.facts.get("metrics") or {}
    baseline = last.facts.get("baseline") or {}
    return [
        {"name": name, "value": metrics[name], "baseline": baseline.get(name)}
        for name in sorted(metrics)
    ]


def _incidents(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for incident in entry.facts.get("incidents") or ():
            if isinstance(incident, dict) and "id" in incident:
                latest[str(incident["id"])] = {**incident, "last_seen": entry.at}
    return [latest[key] for key in sorted(latest)]


def _categories(entries: Sequence[Entry], known: Sequence[str]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for entry in entries:
        extra = entry.facts.get("extra")
        found = extra.get("new_failure_categories") if isinstance(extra, dict) else None
        for category in found if isinstance(found, list) else ():
            counts[str(category)] = counts.get(str(category), 0) + 1
    return [
        {"category": name, "events": counts[name], "in_taxonomy": name in known}
        for name in sorted(counts)
    ]


def _human(delta: timedelta) -> str:
    """A window, exactly to the second: `38s`, `1m`, `1m30s`, `1h05m`, `1h05m10s`."""
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    tail = f"{seconds:02d}s" if seconds else ""
    if hours:
        return f"{hours}h{minutes:02d}m{tail}"
    if minutes:
        return f"{minutes}m{tail}"
    return f"{seconds}s"


def render_json(record: Mapping[str, Any]) -> str:
    return canonical_json(record) + "\n"


def render_markdown(record: Mapping[str, Any]) -> str:
    change = record["change"]
    name = change.get("tag") or change["commit"]
    lines = [
        f"# Rollout closeout: {_md(name)}",
        "",
        f"- Change: {_md(change['commit'])}"
        + (f", tag {_md(change['tag'])}" if "tag" in change else "")
        + (
            f", last known-good {_md(change['last_known_good'])}"
            if "last_known_good" in change
            else ""
        ),
        f"- Stable Phase 2 window: {record['window']}",
        "",
        "## Phases",
        "",
        "| phase | start | end | continue | pause | rollback | last |",
        "|---|---|---|---|---|---|---|",
    ]
    for phase in record["phases"]:
        d = phase["decisions"]
        lines.append(
            f"| {phase['phase']} | {phase['start']} | {phase['end']} | {d['continue']} | "
            f"{d['pause']} | {d['rollback']} | {phase['last']} |"
        )
    lines += [
        "",
        "## Metrics against baseline",
        "",
        "| metric | value | baseline |",
        "|---|---|---|",
    ]
    for metric in record["metrics"]:
        base = "-" if metric["baseline"] is None else metric["baseline"]
        lines.append(f"| {_md(metric['name'])} | {metric['value']} | {base} |")
    lines += ["", "## Incidents", ""]
    lines += [
        f"- {_md(i['id'])} ({_md(i.get('severity', '?'))}, {_md(i.get('status', '?'))}): "
        f"{_md(i.get('title', ''))}"
        for i in record["incidents"]
    ] or ["None recorded."]
    lines += ["", "## New failure categories", ""]
    new = [c for c in record["new_failure_categories"] if not c["in_taxonomy"]]
    lines += [
        f"- {_md(c['category'])}: {c['events']} event(s)" + ("" if c["in_taxonomy"] else _TODO)
        for c in record["new_failure_categories"]
    ] or ["None observed."]
    if new:
        lines += ["", f"{len(new)} new failure class(es) to document."]
    lines += ["", "## Root cause documents (unfreeze)", ""]
    lines += [
        f"- {item.get('at', '?')}: {_md(item.get('rca', 'none recorded'))}"
        + (f" ({_md(item['reason'])})" if item.get("reason") else "")
        for item in record["root_causes"]
    ] or ["None: no freeze was lifted."]
    lines += ["", "## Rollbacks", ""]
    lines += [
        f"- {r['at']} (phase {r['phase']}): {', '.join(r['fired']) or 'no rule fired (errors)'}"
        for r in record["rollbacks"]
    ] or ["None."]
    return "\n".join(lines) + "\n"


_TODO = " (new: add to docs/ERROR_TROUBLESHOOTING.md and the failure taxonomy)"


def _md(value: Any) -> str:
    """Text from facts in Markdown: no table breaks, code spans, HTML or line breaks."""
    text = " ".join(str(value).split())
    for char in "\\`*_|<>[]":
        text = text.replace(char, "\\" + char)
    return text


def write_closeout(
    state_dir: Path,
    policy_set: PolicySet,
    *,
    window: str | None = None,
    commit: str | None = None,
    output: Path | None = None,
) -> tuple[Path, Path, int]:
    """Build the record from the state dir's log and write it as Markdown and JSON.

    The window defaults to the `windows` policy's `phase2_window` (the one the gate held
    Phase 2 for) and the taxonomy to the `health` policy's `known_failure_categories`, so the
    record and the gate never disagree about what "stable" and "new" mean. Returns both
    paths and how many log lines were skipped.
    """
    if output is not None and output.name in ("", ".", ".."):
        # `.`, `/` or `..` is a folder: BASE.md would be `.md` there, or `...md` here
        raise UsageProblem(
            f"-o {single_line(str(output))}: the base names no file; give one, such as "
            "-o records/v0.4.3 (for records/v0.4.3.md and records/v0.4.3.json)"
        )
    params = {policy.name: policy.params for policy in policy_set.policies}
    text = window if window is not None else params.get("windows", {}).get("phase2_window")
    if not isinstance(text, str):
        raise UsageProblem(
            "no stable window: pass --window (e.g. 60m); the policy set has no "
            "windows policy with a phase2_window param"
        )
    known = params.get("health", {}).get("known_failure_categories", ())
    log = state_dir / DECISIONS
    rca: list[dict[str, Any]] = []
    state = StateDir(state_dir)
    state.check_exists()
    mark = state.mark() if os.path.lexists(log) else None  # before the log is read
    entries, skipped = read_decisions(log, rca)
    record = closeout(
        entries,
        parse_duration(text, "--window" if window is not None else "windows.phase2_window"),
        commit=commit,
        known_categories=[str(k) for k in known] if isinstance(known, list) else [],
        source=str(log),
        rca=rca,
    )
    # the suffix is added, never swapped: `-o v0.4.2` and `-o v0.4.3` stay apart
    if output is None:
        output = state_dir / "closeout" / f"closeout-{_file_safe(record['change']['commit'])}"
    markdown, data = output.with_name(f"{output.name}.md"), output.with_name(f"{output.name}.json")
    changed = str(record["change"]["commit"])
    with state.lock():  # a rollback recorded since the log was read makes the record false
        rollout.refuse_if_stopped(
            state, mark, changed, "the closeout was built", "nothing was written"
        )
        current = rollout.state_of(state, changed)
        _refuse_unfinished_rollback(current)
        write_atomic_together({markdown: render_markdown(record), data: render_json(record)})
        if current.state != "closed":
            # End the change's rollout on the record (once): `status` says closed, and
            # later decisions of it hold (`rollout.closed`). At the last judged decision's
            # time, not the clock's, so the same log is closed the same way.
            state.append_decision(rollout.closed_record(changed, record["phases"][-1]["end"]))
    return markdown, data, skipped


def _refuse_unfinished_rollback(current: rollout.ChangeState) -> None:
    """The record orders decisions by their times, the log by when they were written: a
    rollback logged after the continues by a machine whose clock was behind sorts before
    them, and the window after it looks stable. The log's order decides whether the change
    still owes its rollback (or stands rolled back); either way its rollout is not over."""
    if current.rollback_decided_at is not None and not current.ended:
        at = current.rollback_decided_at or "an unknown time"
        raise NotStable(
            f"change {current.commit}: a rollback decided at {at} is owed (not applied and "
            "verified): the rollout is not over"
        )
    if current.ended:
        at = current.rolled_back_at or "an unknown time"
        raise NotStable(
            f"change {current.commit}: rolled back at {at}: the rollout is not over "
            '(`phasegate resume --reason "..."` starts it over)'
        )


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80] or "change"
