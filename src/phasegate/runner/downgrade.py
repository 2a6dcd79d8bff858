"""Health after a downgrade: `zjj doctor --json` and the automation's command paths.

The guide's Phase 1 rollback ends with "validate state health after downgrade" and its
procedure with "confirm critical command paths used by automation". A version check and
`swarm status` say the old build answers, not that its state database survived the new
one or that the `--json` paths automation parses still work; these steps do, each reported
as its own line so an operator sees which one failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from phasegate.collect import contract as contract_shapes
from phasegate.collect.config import Config
from phasegate.collect.output import OutputError, parse_output
from phasegate.collect.process import CommandResult, run_command
from phasegate.errors import InputError

DOCTOR = ("zjj", "doctor", "--json")
DOCTOR_SOURCE = "zjj-doctor"
DOCTOR_TIMEOUT = 120.0

Outcome = tuple[str, bool, str]


def doctor_command(config: Config) -> tuple[tuple[str, ...], float, str]:
    """The shipped `zjj-doctor` source's command, timeout and parse mode when configured,
    so the check after a downgrade asks zjj exactly what collection asks."""
    for source in config.sources:
        if source.name == DOCTOR_SOURCE and source.command is not None:
            return source.command, source.timeout, source.parse
    return DOCTOR, DOCTOR_TIMEOUT, "auto"


def planned(config: Config) -> list[str]:
    """The names of the steps `after_downgrade` runs, for `run --dry-run`."""
    argv, _, _ = doctor_command(config)
    names = [f"{' '.join(argv)} (state health after the downgrade)"]
    if config.contract is not None:
        names += [
            f"command path {contract_shapes.command_name(argv)}"
            for argv in config.contract.commands
        ]
    return names


def after_downgrade(config: Config, on: tuple[str, ...] = ()) -> list[Outcome]:
    """Every check, each command behind the prefix `on` (a runner's `rollback.on_runner`,
    filled): a rollback per runner checks each runner, not the machine phasegate runs on."""
    return [doctor(config, on), *command_paths(config, on)]


def doctor(config: Config, on: tuple[str, ...] = ()) -> Outcome:
    argv, timeout, parse = doctor_command(config)
    name = f"verify: {' '.join(argv)}"
    result = run_command((*on, *argv), timeout=timeout, max_output_bytes=config.max_output_bytes)
    if result.failure or result.timed_out:
        return name, False, result.failure or "timed out"
    try:
        parsed = parse_output(result.stdout, parse, name)
    except OutputError as exc:
        return name, False, f"unreadable output (exit {result.exit_code}): {exc}"
    errors = error_findings(parsed.format, parsed.lines, parsed.value)
    if errors is None:
        return name, False, f"no findings in the output (exit {result.exit_code})"
    if result.exit_code != 0 or errors:
        found = ", ".join(errors[:5]) or "none reported"
        return name, False, f"unhealthy (exit {result.exit_code}; error findings: {found})"
    return name, True, "healthy"


def error_findings(format: str, lines: Sequence[Any], value: Any) -> list[str] | None:
    """Error-severity findings of `zjj doctor --json`, read as the shipped `zjj-doctor`
    source reads them (one `{"issue": ...}` per line, an envelope's `issues`, or real zjj's
    `checks` with a failed status); None when the output has none of these shapes."""
    if format == "jsonl":
        issues = [line["issue"] for line in lines if isinstance(line, dict) and "issue" in line]
        return [_id(i) for i in issues if isinstance(i, dict) and i.get("severity") == "error"]
    if isinstance(value, dict) and isinstance(value.get("issues"), list):
        return [
            _id(i) for i in value["issues"] if isinstance(i, dict) and i.get("severity") == "error"
        ]
    if isinstance(value, dict) and isinstance(value.get("checks"), list):
        return [
            str(c.get("name"))
            for c in value["checks"]
            if isinstance(c, dict) and c.get("status") == "fail"
        ]
    return None


def is_swarm_status(argv: Sequence[str]) -> bool:
    """Whether a command asks `swarm status` (by any path, behind any runner prefix)."""
    return len(argv) >= 2 and argv[-1] == "status" and argv[-2].rsplit("/", 1)[-1] == "swarm"


def swarm_status_problem(answer: Any) -> str | None:
    """Why a `swarm status` answer is not healthy, or None.

    The guide's "verify health with `swarm status`" after a rollback: an answer that is ok
    with agents in error is a swarm still failing (the cascade the rollback was for), and an
    answer without a count of them says nothing of its health. `d.errors` must be 0."""
    agents = answer.get("d") if isinstance(answer, dict) else None
    errors = agents.get("errors") if isinstance(agents, dict) else None
    if type(errors) is int and errors >= 0:
        return None if errors == 0 else f"swarm status: {errors} agent(s) in error"
    if errors is None:
        return "swarm status: no d.errors (agents in error unknown, which is not healthy)"
    shown = json.dumps(errors)[:40]
    return f"swarm status: d.errors is {shown}, not a count of agents (unknown, not healthy)"


def _id(issue: dict[str, Any]) -> str:
    return str(issue.get("id", "?"))


def command_paths(config: Config, on: tuple[str, ...] = ()) -> list[Outcome]:
    """Each configured contract smoke command once: it must exit 0, say it succeeded, and
    keep the recorded shape when a baseline is there to compare with."""
    if config.contract is None:
        return []
    from phasegate.collect.collector import load_baseline

    try:
        baseline: dict[str, Any] | None = load_baseline(config.contract.baseline)
    except InputError:
        baseline = None
    outcomes = []
    for argv in config.contract.commands:
        name = contract_shapes.command_name(argv)
        result = run_command(
            (*on, *argv), timeout=config.contract.timeout, max_output_bytes=config.max_output_bytes
        )
        outcomes.append((f"verify: command path {name}", *_path_ok(result, baseline, name)))
    return outcomes


def _path_ok(result: CommandResult, baseline: dict[str, Any] | None, name: str) -> tuple[bool, str]:
    if result.unfinished:
        return False, result.unfinished
    try:
        parsed = parse_output(result.stdout, "auto", name)
    except OutputError as exc:
        return False, f"unreadable output (exit {result.exit_code}): {exc}"
    value = parsed.value
    said_no = isinstance(value, dict) and (
        value.get("ok") is False or value.get("success") is False
    )
    if result.exit_code != 0 or said_no:
        return False, f"failed (exit {result.exit_code}{', ok:false' if said_no else ''})"
    if baseline is None or name not in baseline:
        return True, "answers (no contract baseline to compare its shape with)"
    drift, _ = contract_shapes.assess([result], baseline[name])
    if drift:
        return False, f"contract drift: {'; '.join(drift)[:200]}"
    return True, "answers with the recorded shape"
