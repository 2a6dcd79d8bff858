"""Gathering one facts document: checks, sources, contract drift, then the user's facts.

The rule for every failure is the same: a fact that could not be measured is left absent
and the reason is kept under `extra.phasegate_unknown`, so the rules that need it error and
the verdict fails closed. Nothing that failed ever becomes a zero.
"""

from __future__ import annotations

import contextlib
import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phasegate import cel
from phasegate.collect import contract as contract_shapes
from phasegate.collect.config import Config, Source
from phasegate.collect.output import OutputError, ParsedOutput, parse_output
from phasegate.collect.process import CommandResult, printable, run_command
from phasegate.core.facts import Facts, counted_worse, facts_from_data, load_facts
from phasegate.core.recording import instant
from phasegate.errors import InputError, Location, UsageProblem, single_line, undecodable
from phasegate.files.loading import (
    INT64_MAX,
    INT64_MIN,
    checked_data,
    load_document,
    loads_strict,
    opened,
)
from phasegate.files.schemas import is_rfc3339, load_schema, problems, resolve
from phasegate.state import rollout
from phasegate.state.statedir import StateDir

#: Environment variables CI systems set, and the facts they fill when --set does not.
ENVIRONMENT_FACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("change.commit", ("PHASEGATE_COMMIT", "CI_COMMIT_SHA", "GITHUB_SHA")),
    ("change.tag", ("PHASEGATE_TAG", "CI_COMMIT_TAG")),
    ("change.last_known_good", ("PHASEGATE_LAST_KNOWN_GOOD",)),
    ("owners.release", ("PHASEGATE_RELEASE_OWNER",)),
    ("owners.rollback", ("PHASEGATE_ROLLBACK_OWNER",)),
    ("phase", ("PHASEGATE_PHASE",)),
    ("operator", ("PHASEGATE_OPERATOR",)),
)


#: Why `incidents` is absent when nothing gives it: Phases 1 and 2 need it, and no shipped
#: source knows your tracker.
NO_INCIDENTS = (
    "no source gives incidents: uncomment the incidents source in phasegate.yaml (a JSON file "
    "you keep up to date) or pass --set 'incidents=[...]' ([] for none)"
)


@dataclass(frozen=True)
class CollectOptions:
    phase: int | None = None
    sets: tuple[tuple[str, str], ...] = ()
    baseline: Path | None = None
    collected_at: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    #: Run every check of this phase again instead of reusing a kept passing result.
    rerun_checks: bool = False


@dataclass
class Collection:
    """A validated facts document, what could not be measured, and source state to keep."""

    facts: Facts
    unknown: dict[str, str]
    samples: dict[str, dict[str, Any]]


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def collect(
    config: Config,
    state: StateDir,
    options: CollectOptions,
    clock: Callable[[], str] = utc_now,
    *,
    record: bool = True,
) -> Collection:
    """Run everything the configuration declares and assemble a valid facts document.

    With `record` false (a dry run) nothing is written to the state dir.
    """
    overrides, origins = _overrides(options)
    phase, _ = required_facts(options, overrides)
    _refuse_rollout_overrides(overrides)
    overrides.pop("phase", None)
    collected_at = options.collected_at or str(overrides.pop("collected_at", None) or clock())
    if not is_rfc3339(collected_at):
        raise UsageProblem(f"collected_at: not an RFC 3339 timestamp: {collected_at!r}")
    collected_at = collected_at.upper()
    now = instant(collected_at)
    facts: dict[str, Any] = {
        "apiVersion": "phasegate/v1",
        "kind": "Facts",
        "phase": phase,
        "collected_at": collected_at,
    }
    unknown: dict[str, str] = {}
    collected: set[str] = set()
    previous = state.samples()
    samples: dict[str, dict[str, Any]] = {}
    passed = _run_checks(config, state, options, phase, collected_at, facts, unknown, collected)
    for source in config.sources:
        kept = _run_source(source, config, previous.get(source.name, {}), now, facts, unknown)
        collected.update(".".join(path) for path, _ in source.facts)
        if kept is not None:
            samples[source.name] = {**kept, "at": collected_at}
    if config.contract is not None:
        _contract(config, facts, unknown)
        collected.add("contract")
    if options.baseline is not None:
        facts["baseline"] = dict(load_facts(options.baseline).data.get("metrics", {}))
    failing = _failing_checks(facts)
    measured = _measured(config, facts, unknown)
    measured_commits = {
        name: check["commit"]
        for name, check in facts.get("checks", {}).items()
        if "commit" in check
    }
    for path, value in overrides.items():
        _put(facts, path.split("."), value)
        unknown.pop(path, None)
        collected.discard(path)
    if phase >= 1 and "incidents" not in facts and "incidents" not in unknown:
        unknown["incidents"] = NO_INCIDENTS
    _refuse_overridden_failures(failing, facts)
    _refuse_overridden_measurements(measured, facts, origins)
    _refuse_overridden_commits(measured_commits, facts)
    freeze = state.freeze()
    if freeze is not None:
        facts["freeze"] = freeze  # the state dir's freeze wins: --set cannot lift it
    start_unknown = "phase_started_at" not in facts
    commit = str(facts.get("change", {}).get("commit", ""))
    if start_unknown:
        facts["phase_started_at"] = state.phase_started_at(
            commit, phase, collected_at, record=False
        )
    _rollout_facts(state, facts, phase, unknown, rollout.environment(options.environ))
    if start_unknown:
        facts["phase_started_at"] = rollout.not_before_opening(
            facts["phase_started_at"], facts.get("rollout"), collected_at
        )
    facts = _printable_values(facts)
    _take_counted_worse(facts, collected, state)
    _drop_invalid_collected(facts, unknown, collected)
    if unknown and isinstance(facts.setdefault("extra", {}), dict):
        facts["extra"]["phasegate_unknown"] = dict(sorted(unknown.items()))
    validated = facts_from_data(facts, "collected facts")  # what --set made invalid: exit 3
    # Only a valid collection in a phase the change earned starts it: a refused attempt
    # to skip the order must not start the window the real phase is measured by.
    if start_unknown and record and rollout.phase_open(facts.get("rollout"), phase):
        state.phase_started_at(commit, phase, collected_at, record=True)
    if record:
        state.save_check_results(passed)
    return Collection(facts=validated, unknown=unknown, samples=samples)


def _run_checks(
    config: Config,
    state: StateDir,
    options: CollectOptions,
    phase: int,
    collected_at: str,
    facts: dict[str, Any],
    unknown: dict[str, str],
    collected: set[str],
) -> dict[str, dict[str, Any] | None]:
    """Each check's result: reused when it passed before at this commit with this command,
    else run (in the phases it runs in). Returns the results to keep: each new pass, and
    None for a new failure, which drops the kept pass of that check.

    `moon run :ci` takes up to 90 minutes and its result at one commit does not change:
    a Phase 2 sample every few minutes must not run it again. Only a pass is reused (a
    failure may be flaky: run it again), only at a commit `git rev-parse HEAD` measured,
    and never from a collection later than this one. `--rerun-checks` runs this phase's
    checks again; a check of other phases can only be reused.
    """
    kept = state.check_results()
    passed: dict[str, dict[str, Any] | None] = {}
    for check in config.checks:
        commit, why = head_commit()
        in_phase = check.phases is None or phase in check.phases
        reused = _reusable(kept.get(check.name), check.command, commit, collected_at)
        if reused is not None and not (options.rerun_checks and in_phase):
            facts.setdefault("checks", {})[check.name] = reused
            collected.add(f"checks.{check.name}")
            continue
        if not in_phase:
            unknown[f"checks.{check.name}"] = (
                f"not run in phase {phase} (it runs in phases "
                f"{', '.join(map(str, check.phases))}) and no passing result of this commit "
                "and command to reuse"
            )
            continue
        result = run_command(
            check.command, timeout=check.timeout, max_output_bytes=config.max_output_bytes
        )
        if result.failure:
            unknown[f"checks.{check.name}"] = result.failure
            continue
        fact = _check_fact(result, check.parse)
        if commit is not None:
            fact["commit"] = commit
        else:
            unknown[f"checks.{check.name}.commit"] = why
        facts.setdefault("checks", {})[check.name] = fact
        collected.add(f"checks.{check.name}")
        if commit is not None:  # a failure at this commit is not hidden by an older pass
            passed[check.name] = (
                {"commit": commit, "command": list(check.command), "at": collected_at, "fact": fact}
                if fact["ok"]
                else None
            )
    return passed


def _reusable(
    kept: Mapping[str, Any] | None, command: tuple[str, ...], commit: str | None, at: str
) -> dict[str, Any] | None:
    """The kept result as this collection's fact (`reused`, `age_s`), if it may stand in."""
    if kept is None or commit is None or kept.get("commit") != commit:
        return None
    fact = kept.get("fact")
    if (
        kept.get("command") != list(command)
        or not isinstance(fact, dict)
        or fact.get("ok") is not True
    ):
        return None
    try:
        age = (instant(at) - instant(str(kept.get("at")))).total_seconds()
    except ValueError:
        return None
    passed = fact.get("ok") is True and fact.get("exit_code") == 0 and not fact.get("timed_out")
    if age < 0 or fact.get("commit") != commit or not passed:
        return None
    return {**fact, "reused": True, "age_s": int(age)}


def _refuse_rollout_overrides(overrides: Mapping[str, Any]) -> None:
    """The rollout's state comes from the decision log, like a freeze: `--set` may only give
    an override, and only with a reason, so the log says why a phase was skipped."""
    for path, value in overrides.items():
        if path == f"rollout.{rollout.OVERRIDE}":
            if not str(value).strip():
                raise UsageProblem(f"--set {path}: give the reason for skipping the phase order")
        elif path == "rollout" or path.startswith("rollout."):
            raise UsageProblem(
                f"--set {path}: the rollout state is read from the decision log; only "
                f"rollout.{rollout.OVERRIDE}=REASON can be set"
            )


def _rollout_facts(
    state: StateDir, facts: dict[str, Any], phase: int, unknown: dict[str, str], where: str
) -> None:
    """`rollout.*` from the state dir's decision log. A log that cannot be read leaves
    `rollout` empty, its state unknown (the rollout rules error and pause, in every
    phase); no log is a first run."""
    given = facts.pop("rollout", None)
    override = given.get(rollout.OVERRIDE) if isinstance(given, dict) else None
    commit = str(facts.get("change", {}).get("commit", ""))
    started = facts.get("phase_started_at")
    try:
        current = rollout.state_of(state, commit)
        derived = rollout.facts_of(current, phase, facts["collected_at"], started)
        derived[rollout.TRACKED] = list(rollout.TRACKED_FACTS)
    except InputError as exc:
        unknown["rollout"] = f"decision log unreadable: {exc.message}"
        derived = {}
    derived["environment"] = where
    if override is not None:
        derived[rollout.OVERRIDE] = override
    facts["rollout"] = derived


#: `git rev-parse HEAD` answers in milliseconds; a hung git (a lock, a network mount) must
#: not hold the checklist.
GIT_TIMEOUT = 10.0
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")


def head_commit() -> tuple[str | None, str]:
    """The commit checked out in the working folder, where the checks run: (sha, "") or
    (None, why). Asked before each check, so a check records the commit it ran at."""
    result = run_command(("git", "rev-parse", "HEAD"), timeout=GIT_TIMEOUT, max_output_bytes=4096)
    text = result.stdout.strip()
    if result.failure or result.timed_out or result.exit_code != 0:
        detail = result.failure or ("timed out" if result.timed_out else f"exit {result.exit_code}")
        return None, f"not a git checkout (git rev-parse HEAD: {detail}): commit unknown"
    if not _COMMIT.fullmatch(text):
        return None, f"git rev-parse HEAD printed no commit id: {text[:40]!r}"
    return text.lower(), ""


def _failing_checks(facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The measured checks that failed, as measured (copies: --set may replace them)."""
    checks = facts.get("checks", {})
    return {name: dict(check) for name, check in checks.items() if check.get("ok") is False}


def _refuse_overridden_failures(
    failing: Mapping[str, Mapping[str, Any]], facts: Mapping[str, Any]
) -> None:
    """`--set` fills facts no command can know; it must not overrule a command that ran.

    A measured failure that `--set checks.ci.ok=true` (or a new exit code, or a whole new
    `checks`) turned into a pass would let a typo or a hurried operator ship a release its
    own checklist rejected, so any change to a failing check's result is refused.
    """
    checks = facts.get("checks")
    for name, measured in sorted(failing.items()):
        now = checks.get(name) if isinstance(checks, dict) else None
        kept = isinstance(now, dict) and all(
            now.get(key) == measured.get(key) for key in ("ok", "exit_code", "timed_out")
        )
        if not kept:
            raise InputError(
                f"checks.{name} failed when it ran (exit {measured.get('exit_code')}); "
                "--set cannot change a measured check result",
                Location("--set"),
            )


def _measured(
    config: Config, facts: Mapping[str, Any], unknown: Mapping[str, str]
) -> dict[str, tuple[str, Any]]:
    """Each fact a source or the contract check measured: path -> (who, a copy of its
    value), taken before `--set` is applied (a copy: `--set contract.drift=[]` changes the
    measured map in place)."""
    found: dict[str, tuple[str, Any]] = {}
    for source in config.sources:
        for path, _ in source.facts:
            dotted = ".".join(path)
            value = cel.lookup(facts, path)
            if dotted not in unknown and value is not cel.MISSING:
                found[dotted] = (f"source {source.name}", copy.deepcopy(value))
    if config.contract is not None and "contract" not in unknown and "contract" in facts:
        found["contract"] = ("the contract check", copy.deepcopy(facts["contract"]))
    return found


def _refuse_overridden_measurements(
    measured: Mapping[str, tuple[str, Any]], facts: Mapping[str, Any], origins: Mapping[str, str]
) -> None:
    """`--set` fills facts no command can know; a measured one is not among them.

    `--set metrics.lock_contention_rate=0` over a spike that a source measured would turn an
    immediate-rollback trigger into a continue, and the decision log would show the hand-set
    value as if measured. A fact whose source failed (unknown) may still be given by hand.
    """
    for path, (who, value) in sorted(measured.items()):
        now = cel.lookup(facts, tuple(path.split(".")))
        if now is cel.MISSING or not _same(now, value):
            given = _given_by(origins, path)
            raise InputError(
                f"{path} was measured by {who}; {given} cannot change a measured fact "
                "(fix the source, or run again)",
                Location(given),
            )


def _given_by(origins: Mapping[str, str], path: str) -> str:
    """What changed a measured fact: `--set`, or the CI variable read when no `--set` gave
    it (`$GITHUB_REF_NAME` over a measured `change.tag`): the one to name, not `--set`."""

    def over(other: str) -> bool:
        return path == other or path.startswith(other + ".") or other.startswith(path + ".")

    given = [origin for fact, origin in origins.items() if over(fact)]
    return "--set" if "--set" in given or not given else given[0]


def _same(given: Any, measured: Any) -> bool:
    """Whether `--set` gave the measured value again. A number is a number however it is
    written (a source's JSON `0`, `--set`'s schema-typed `0.0`: CEL sees one double); a
    boolean is never a number."""
    if isinstance(given, bool) or isinstance(measured, bool):
        return given is measured
    if isinstance(given, int | float) and isinstance(measured, int | float):
        return given == measured
    if isinstance(given, list) and isinstance(measured, list):
        return len(given) == len(measured) and all(map(_same, given, measured))
    if isinstance(given, dict) and isinstance(measured, dict):
        return given.keys() == measured.keys() and all(_same(given[k], measured[k]) for k in given)
    return type(given) is type(measured) and given == measured


def _refuse_overridden_commits(measured: Mapping[str, str], facts: Mapping[str, Any]) -> None:
    """The commit a check ran at is measured like its result: `--set` cannot move a green
    check onto the release commit."""
    checks = facts.get("checks")
    for name, commit in sorted(measured.items()):
        now = checks.get(name) if isinstance(checks, dict) else None
        if not isinstance(now, dict) or now.get("commit") != commit:
            raise InputError(
                f"checks.{name} ran at {commit}; --set cannot change the commit a check ran at",
                Location("--set"),
            )


def required_facts(
    options: CollectOptions, overrides: Mapping[str, Any] | None = None
) -> tuple[int, str]:
    """The phase and `change.commit`, or a usage error naming every way to give them.

    Checked before anything runs: a collection that cannot name its change or phase would
    be refused after a 30-minute `moon run :ci`, having written state for nothing.
    """
    values = _overrides(options)[0] if overrides is None else overrides
    phase = options.phase if options.phase is not None else values.get("phase")
    commit = values.get("change.commit")
    missing = []
    if phase is None:
        missing.append(
            "the phase is unknown: pass --phase N (or --set phase=N, or set $PHASEGATE_PHASE)"
        )
    if not isinstance(commit, str) or not commit.strip():
        names = ", ".join(f"${name}" for name in dict(ENVIRONMENT_FACTS)["change.commit"])
        missing.append(
            f"change.commit is unknown: pass --set change.commit=<sha> (or set one of {names})"
        )
    if missing:
        raise UsageProblem("; ".join(missing))
    return int(phase), str(commit)  # type: ignore[arg-type]


def _check_fact(result: CommandResult, parse: str | None) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "command": contract_shapes.command_name(result.argv),
        "exit_code": result.exit_code,
        "ok": result.exit_code == 0 and not result.timed_out,
        "duration_ms": result.duration_ms,
        "timed_out": result.timed_out,
        "stdout_tail": result.tail(result.stdout),
        "stderr_tail": result.tail(result.stderr),
    }
    if parse is not None:
        with contextlib.suppress(OutputError):  # unparsable output: the check still counts
            fact["output"] = parse_output(result.stdout, parse, fact["command"]).value
    return fact


def source_variables(
    parsed: ParsedOutput,
    result: CommandResult,
    previous: Mapping[str, Any],
    now: Any,
    params: Mapping[str, Any],
) -> cel.Bindings:
    """The variables of expressions over one command's output."""
    plain = {
        "output": parsed.value,
        "lines": list(parsed.lines),
        "format": parsed.format,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "exit_code": result.exit_code,
        "previous": dict(previous),
        "params": dict(params),
        "now": now,
    }
    return cel.Bindings(plain)


def _run_source(
    source: Source,
    config: Config,
    previous: Mapping[str, Any],
    now: Any,
    facts: dict[str, Any],
    unknown: dict[str, str],
) -> dict[str, Any] | None:
    """Evaluate one source; on any failure its facts stay absent. Returns state to keep."""

    def give_up(reason: str) -> None:
        for path, _ in source.facts:
            unknown[".".join(path)] = f"source {source.name}: {reason}"

    result = _read_source(source, config, now)
    if result.unfinished:
        if result.timed_out:
            give_up(f"timed out after {source.timeout:g}s")
        elif result.truncated and not result.failure:
            give_up(f"output larger than {config.max_output_bytes} bytes")
        else:
            give_up(result.unfinished)
        return None
    try:
        parsed = parse_output(result.stdout, source.parse, source.name)
    except OutputError as exc:
        give_up(f"unreadable output (exit {result.exit_code}): {exc}")
        return None
    bindings = source_variables(parsed, result, previous, now, config.params)
    success = cel.run(source.success, bindings)
    if success is not True:
        why = success.message if isinstance(success, cel.EvalFailure) else "false"
        first_error = result.stderr.strip().splitlines()[:1]
        detail = f"; stderr: {first_error[0][:120]}" if first_error else ""
        give_up(f"not successful (exit {result.exit_code}, success check: {why}){detail}")
        return None
    for path, expression in source.facts:
        value = cel.run(expression, bindings)
        dotted = ".".join(path)
        if isinstance(value, cel.EvalFailure):
            unknown[dotted] = f"source {source.name}: {value.message}"
        elif value is None:
            unknown[dotted] = f"source {source.name}: unknown (no value)"
        elif not _finite(value):
            unknown[dotted] = f"source {source.name}: not a finite number"
        else:
            _put(facts, list(path), value)
    kept: dict[str, Any] = {}
    for name, expression in source.state:
        value = cel.run(expression, bindings)
        if not isinstance(value, cel.EvalFailure) and value is not None:
            kept[name] = value
    return kept


def _read_source(source: Source, config: Config, now: Any) -> CommandResult:
    if source.prometheus is not None:
        # Imported here: the HTTP client is a fifth of the start-up of a run that asks no
        # Prometheus (see `promquery`).
        from phasegate.collect.prometheus import query_prometheus

        return query_prometheus(source.prometheus, now, config.params, config.max_output_bytes)
    if source.command is not None:
        return run_command(
            source.command, timeout=source.timeout, max_output_bytes=config.max_output_bytes
        )
    assert source.file is not None
    name = str(source.file)
    try:  # a FIFO is refused, not waited on: the source's timeout bounds no open()
        with opened(source.file) as handle:
            raw = handle.read(config.max_output_bytes + 1)
    except InputError as exc:
        return CommandResult((name,), 1, "", "", 0, failure=f"cannot read {name}: {exc.message}")
    except OSError as exc:
        return CommandResult(
            (name,), 1, "", "", 0, failure=f"cannot read {name}: {exc.strerror or exc}"
        )
    return CommandResult(
        (name,),
        0,
        printable(raw[: config.max_output_bytes].decode("utf-8", "replace")),
        "",
        0,
        truncated=len(raw) > config.max_output_bytes,
    )


def _contract(config: Config, facts: dict[str, Any], unknown: dict[str, str]) -> None:
    contract = config.contract
    assert contract is not None
    try:
        baseline = load_baseline(contract.baseline)
    except InputError as exc:
        unknown["contract"] = (
            f"no usable contract baseline at {contract.baseline}: {exc.message} "
            "(record one with `phasegate contract record`)"
        )
        return
    drift: list[str] = []
    varied: list[str] = []
    reasons: dict[str, list[str]] = {}
    unsure: list[str] = []
    for argv in contract.commands:
        name = contract_shapes.command_name(argv)
        if name not in baseline:
            unknown["contract"] = f"no baseline recorded for {name!r}: re-run contract record"
            return
        runs = [
            run_command(argv, timeout=contract.timeout, max_output_bytes=config.max_output_bytes)
            for _ in range(contract.runs)
        ]
        broken = next((r for r in runs if r.unfinished), None)
        if broken is not None:
            unsure.append(f"{name}: {broken.unfinished}")
            continue
        drifted, nondeterministic = contract_shapes.assess(runs, baseline[name])
        if drifted:
            drift.append(name)
            reasons[name] = drifted
        if nondeterministic:
            varied.append(name)
        elif not drifted and contract_shapes.outcome(runs[0])[1] is False:
            # swarm's failure keeps its top-level keys (`d` and `err` null match any type):
            # an answer that is only an error shows nothing of the contract's shape.
            unsure.append(f"{name}: reported failure on every run (ok:false)")
    if unsure and not (drift or varied):
        # A drift or flaky exit seen elsewhere is a break whatever the others would show.
        unknown["contract"] = f"{'; '.join(unsure)}: cannot tell whether its contract holds"
        return
    facts["contract"] = {"drift": drift, "nondeterministic_exits": varied}
    if reasons:
        facts.setdefault("extra", {})["phasegate_contract"] = reasons


def load_baseline(path: Path) -> dict[str, Any]:
    """Command name -> recorded shape, from a file written by `phasegate contract record`."""
    data = load_document(path).data
    if not isinstance(data, dict) or data.get("kind") != "ContractBaseline":
        raise InputError("not a contract baseline (kind: ContractBaseline)", Location(str(path)))
    commands = data.get("commands")
    if not isinstance(commands, list):
        raise InputError("commands: expected a list", Location(str(path)))
    shapes = {}
    for entry in commands:
        if not isinstance(entry, dict) or not isinstance(entry.get("shape"), dict):
            raise InputError(
                "commands: every entry needs a command and a shape", Location(str(path))
            )
        shapes[str(entry.get("command"))] = entry["shape"]
    return shapes


def _put(target: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[path[-1]] = value


def _overrides(options: CollectOptions) -> tuple[dict[str, Any], dict[str, str]]:
    """Facts from CI environment variables, then --set (which wins), typed by the schema;
    and where each came from (`$NAME` or `--set`), in the same order, for the messages
    that name what changed a fact."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for path, names in ENVIRONMENT_FACTS:
        for name in names:
            if options.environ.get(name):
                values[path] = typed_value(path, options.environ[name], f"${name}")
                origins[path] = f"${name}"
                break
    if options.environ.get("GITHUB_REF_TYPE") == "tag" and options.environ.get("GITHUB_REF_NAME"):
        tag = typed_value("change.tag", options.environ["GITHUB_REF_NAME"], "$GITHUB_REF_NAME")
        values.setdefault("change.tag", tag)
        origins.setdefault("change.tag", "$GITHUB_REF_NAME")
    for path, text in options.sets:
        values[path] = typed_value(path, text, f"--set {path}")
        origins[path] = "--set"
    return values, origins


def typed_value(path: str, text: str, origin: str) -> Any:
    """`text` as the type the facts schema declares at `path`."""
    node = _schema_at(path.split("."))
    if node is None:
        raise UsageProblem(f"{origin}: {path!r} is not a fact (see `phasegate schema facts`)")
    if undecodable(text):  # an environment variable's bytes: no fact, report or log takes it
        raise UsageProblem(f"{origin}: not UTF-8 text: '{single_line(text)}'")
    declared = node.get("type")
    try:
        if declared == "integer" or node.get("enum") == [0, 1, 2]:
            number = int(text)
            if not INT64_MIN <= number <= INT64_MAX:
                raise ValueError(text)
            return number
        if declared == "number":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if declared == "array":
            items = checked_data(loads_strict(text), origin)
            if not isinstance(items, list):
                raise ValueError(text)
            return items
        if declared == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if declared in ("string", None) and "properties" not in node:
            if declared is None:
                try:
                    return checked_data(loads_strict(text), origin)
                except (ValueError, InputError):
                    return text
            return text
    except (ValueError, InputError):
        expected = "a JSON list" if declared == "array" else declared
        raise UsageProblem(f"{origin}={text}: expected {expected}") from None
    raise UsageProblem(f"{origin}: {path!r} is an object; set one of its fields")


def _schema_at(path: list[str]) -> dict[str, Any] | None:
    schema = load_schema("facts")
    node: Any = schema
    for part in path:
        node = resolve(node, schema)
        if "properties" in node and part in node["properties"]:
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif "type" not in node and "properties" not in node:
            return {}  # free JSON (extra): any value
        else:
            return None
    return resolve(node, schema)


def _take_counted_worse(facts: dict[str, Any], collected: set[str], state: StateDir) -> None:
    """A collected metric healthier than the counts beside it (two sources that disagree)
    takes the counts' value, as `merge` takes the worse of the two: refusing the document
    would stop a gate that the rate alone rolls back. One the user gave is refused."""
    for metric, (value, why) in counted_worse(facts).items():
        if f"metrics.{metric}" in collected:
            facts["metrics"][metric] = value
            state.report.warn("collected facts", f"{why}: the counts' value taken, the worse")


def _drop_invalid_collected(
    facts: dict[str, Any], unknown: dict[str, str], collected: set[str]
) -> None:
    """A collected fact with an invalid value becomes unknown, not an invalid document.

    The schema names the innermost place it dislikes (an item of a list, a missing field);
    what is dropped is the whole fact the collector set there, or every collected fact
    below a place it dislikes as a whole. Problems in facts the user gave (--set,
    --baseline) are left for validation to report.
    """
    for path, message, _ in problems(facts, "facts"):
        dotted = ".".join(str(part) for part in path)
        if not dotted:
            continue
        inside = [fact for fact in collected if dotted == fact or dotted.startswith(fact + ".")]
        below = [fact for fact in collected if fact.startswith(dotted + ".")]
        for owner in [max(inside, key=len)] if inside else below:
            parts = owner.split(".")
            parent: Any = facts
            for part in parts[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and parts[-1] in parent:
                del parent[parts[-1]]
                unknown[owner] = f"invalid collected value: {message}"


def _printable_values(value: Any) -> Any:
    """Control characters decoded away from output can come back through JSON escapes
    (`"\\u0000"`), baselines or the environment: none of them reaches the facts."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable_values(item) for item in value]
    if isinstance(value, dict):
        return {printable(key): _printable_values(item) for key, item in value.items()}
    return value


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True
