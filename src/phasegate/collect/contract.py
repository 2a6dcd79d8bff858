"""Command contract drift: the shape of a command's `--json` output against a baseline.

Automation parses zjj and swarm output, so a changed shape breaks it even when every value
looks fine. A shape keeps what automation depends on (top-level keys and their types, the
envelope's `$schema` and `_schema_version`, the wrapper keys of line-per-object output, the
exit code) and drops values, which change from run to run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.collect.output import OutputError, parse_output
from phasegate.collect.process import CommandResult, run_command
from phasegate.errors import InputError, Location
from phasegate.files import schemas
from phasegate.files.durable import write_atomic

if TYPE_CHECKING:
    from phasegate.collect.config import Config

ENVELOPE_FIELDS = ("$schema", "_schema_version")


def json_type(value: Any) -> str:
    """The JSON type of a value, integers and decimals alike "number": a count that becomes
    a ratio is a value change, not a shape change."""
    kind = schemas.json_type(value)
    return "number" if kind == "integer" else kind


def output_shape(result: CommandResult) -> dict[str, Any]:
    """The shape of one run; equal shapes mean automation sees the same contract."""
    shape: dict[str, Any] = {"exit_code": result.exit_code}
    try:
        parsed = parse_output(result.stdout, "auto", " ".join(result.argv))
    except OutputError:
        shape["format"] = "unparsable"
        return shape
    shape["format"] = parsed.format
    if parsed.format == "jsonl":
        shape["wrappers"] = sorted(
            {key for line in parsed.lines if isinstance(line, dict) for key in line}
        )
        return shape
    value = parsed.value
    if not isinstance(value, dict):
        shape["type"] = json_type(value)
        return shape
    shape["keys"] = {key: json_type(value[key]) for key in sorted(value)}
    for field in ENVELOPE_FIELDS:
        if field in value:
            shape[field] = value[field]
    return shape


def inconsistencies(result: CommandResult) -> list[str]:
    """zjj envelope contract breaks visible in a single run."""
    try:
        value = parse_output(result.stdout, "json", " ".join(result.argv)).value
    except OutputError:
        return []
    if not isinstance(value, dict) or "success" not in value:
        return []
    problems = []
    if value["success"] is False and result.exit_code == 0:
        problems.append("success:false with exit 0")
    error = value.get("error")
    if isinstance(error, dict) and "exit_code" in error and error["exit_code"] != result.exit_code:
        problems.append(f"exit {result.exit_code} but error.exit_code {error['exit_code']}")
    return problems


def shape_differences(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """How `current` departs from `baseline`; a null-typed key matches any type."""
    differences = []
    for field in ("exit_code", "format", "type", "wrappers", *ENVELOPE_FIELDS):
        if baseline.get(field) != current.get(field):
            differences.append(f"{field}: {baseline.get(field)!r} -> {current.get(field)!r}")
    old_keys: Mapping[str, str] = baseline.get("keys", {})
    new_keys: Mapping[str, str] = current.get("keys", {})
    for key in sorted(set(old_keys) - set(new_keys)):
        differences.append(f"key {key!r} removed")
    for key in sorted(set(new_keys) - set(old_keys)):
        differences.append(f"key {key!r} added")
    for key in sorted(set(old_keys) & set(new_keys)):
        old, new = old_keys[key], new_keys[key]
        if old != new and "null" not in (old, new):
            differences.append(f"key {key!r}: {old} -> {new}")
    return differences


def command_name(argv: Sequence[str]) -> str:
    """How a smoke command is named in facts and baselines."""
    return " ".join(argv)


def assess(
    runs: Sequence[CommandResult], baseline_shape: Mapping[str, Any]
) -> tuple[list[str], bool]:
    """(drift reasons, exit codes varied) for the runs of one smoke command."""
    reasons: list[str] = []
    for index, result in enumerate(runs, 1):
        reasons.extend(f"run {index}: {problem}" for problem in inconsistencies(result))
        differences = shape_differences(baseline_shape, output_shape(result))
        reasons.extend(f"run {index}: {difference}" for difference in differences)
    varied = len({outcome(result) for result in runs}) > 1
    return reasons, varied


def outcome(result: CommandResult) -> tuple[int, bool | None]:
    """How a run ended for automation: its exit code, and the success the output reports.
    swarm exits 0 even when a command fails (`ok:false`), so its exit code alone cannot
    show a command that fails on one run of two."""
    try:
        value = parse_output(result.stdout, "json", command_name(result.argv)).value
    except OutputError:
        return result.exit_code, None
    reported = value.get("ok", value.get("success")) if isinstance(value, dict) else None
    return result.exit_code, reported if isinstance(reported, bool) else None


def record(
    commands: Sequence[Sequence[str]], runs: Sequence[Sequence[CommandResult]]
) -> dict[str, Any]:
    """The baseline document for `commands`, given each command's runs.

    Refuses to record a contract that is already unstable: a baseline of a flaky shape would
    make every later collection report drift.
    """
    entries = []
    for argv, results in zip(commands, runs, strict=True):
        shapes = [output_shape(result) for result in results]
        name = command_name(argv)
        if any(shape != shapes[0] for shape in shapes[1:]):
            raise ValueError(f"{name}: the output shape differs between runs; not recorded")
        problems = [problem for result in results for problem in inconsistencies(result)]
        problems += [_unhealthy(result) for result in results if _unhealthy(result)]
        if problems:
            raise ValueError(f"{name}: {problems[0]}; not recorded")
        entries.append({"command": name, "argv": list(argv), "shape": shapes[0]})
    return {"apiVersion": "phasegate/v1", "kind": "ContractBaseline", "commands": entries}


def _unhealthy(result: CommandResult) -> str:
    """Why a run cannot serve as the contract, or "": a baseline is a healthy answer, and a
    run that timed out or was cut short (as `collect` judges it) is no answer at all: the
    part read may parse, as whole lines of a JSONL answer do, and its shape is not the
    command's."""
    if result.unfinished:
        return result.unfinished
    if result.exit_code != 0:
        return f"exit {result.exit_code} (record the baseline from a healthy system)"
    try:
        value = parse_output(result.stdout, "auto", command_name(result.argv)).value
    except OutputError as exc:
        return f"unreadable output ({exc})"
    if isinstance(value, dict) and (value.get("success") is False or value.get("ok") is False):
        return "the command reported failure"
    return ""


def record_baseline(config: Config, output: Path | None) -> Path:
    """Run every smoke command `runs` times and write the baseline atomically."""
    if config.contract is None:
        raise InputError("no `contract` section: nothing to record", Location(config.source))
    contract = config.contract
    runs = [
        [
            run_command(argv, timeout=contract.timeout, max_output_bytes=config.max_output_bytes)
            for _ in range(contract.runs)
        ]
        for argv in contract.commands
    ]
    for argv, results in zip(contract.commands, runs, strict=True):
        failed = [result.failure for result in results if result.failure]
        if failed:
            raise InputError(f"{command_name(argv)}: {failed[0]}", Location(config.source))
    try:
        baseline = record(contract.commands, runs)
    except ValueError as exc:
        raise InputError(str(exc), Location(config.source)) from None
    target = output or contract.baseline
    write_atomic(target, json.dumps(baseline, indent=2, sort_keys=True) + "\n")
    return target
