"""Rollback on every runner: one deploy and one verification per runner, and a retry of
only the runners a rollback left on the bad version.

A fleet is rolled back runner by runner so that one unreachable host does not hide which
others are already safe: each runner's deploy and checks are steps of their own, logged
ahead like any action. A partial failure names the runners left behind and the command
that retries only those.

The retry re-applies the recorded decision instead of deciding again: a second
evaluation, over facts the partial rollback has already changed (or during the freeze a
Phase 2 rollback sets), could decide not to roll back and strand those runners on the bad
version. It writes no second remediation note: the first one is the incident's.
"""

from __future__ import annotations

import json
import os
import shlex
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from phasegate import cel
from phasegate.collect.config import Config
from phasegate.collect.process import first_control_character
from phasegate.core.evaluate import Decision
from phasegate.core.expressions import Template, fill
from phasegate.core.record import decision_object
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location
from phasegate.files.durable import open_regular
from phasegate.runner import apply as runner
from phasegate.state.statedir import DECISIONS, StateDir

Outcome = tuple[str, bool, str]


def fill_argv(
    templates: Sequence[Template], bindings: cel.Bindings
) -> tuple[tuple[str, ...] | None, str | None]:
    """The argv, or why it cannot be run: the same rules as every action's arguments."""
    argv: list[str] = []
    for index, template in enumerate(templates):
        value = fill(template, bindings)
        if isinstance(value, cel.EvalFailure):
            return None, f"argument {index + 1} cannot be filled: {value.message}"
        if (control := first_control_character(value)) is not None:
            return None, (
                f"argument {index + 1} refused: it would contain the control character "
                f"U+{ord(control):04X}"
            )
        argv.append(value)
    return tuple(argv), None


def _bindings(variables: Mapping[str, Any], name: str) -> cel.Bindings:
    return cel.Bindings({**variables, "runner": name})


def deploy_steps(
    config: Config, variables: Mapping[str, Any], only: Collection[str] | None = None
) -> list[runner.Step]:
    """One deploy step per configured runner (or per runner in `only`), in config order.

    Filled up front, like every planned action, so the decision line lists each runner's
    exact command before the first one runs.
    """
    if config.runners is None:
        return []
    steps = []
    for deploy in config.runners.deploys:
        if only is not None and deploy.runner not in only:
            continue
        argv, problem = fill_argv(deploy.action.argv, _bindings(variables, deploy.runner))
        steps.append(
            runner.Step(
                deploy.action.name,
                argv,
                problem,
                deploy.action.timeout,
                deploy=True,
                runner=deploy.runner,
            )
        )
    return steps


def verify_on(
    config: Config, decision: Decision, facts: Mapping[str, Any], name: str
) -> list[Outcome]:
    """The `rollback.verify` checks for one runner, `{{ runner }}` filled in each command."""
    assert config.runners is not None
    variables = {
        "facts": dict(facts),
        "decision": decision_object(decision),
        "params": dict(config.params),
    }
    bindings = _bindings(variables, name)
    checks = []
    unfilled: list[Outcome] = []
    for check, templates in zip(config.verify, config.runners.verify, strict=True):
        argv, problem = fill_argv(templates, bindings)
        if argv is None:
            unfilled.append((f"verify on {name}: {check.name}", False, problem or "not run"))
        else:
            checks.append(replace(check, command=argv))
    outcomes = runner.verify(replace(config, verify=tuple(checks)), facts) if checks else []
    return [(_on(what, name), ok, detail) for what, ok, detail in outcomes] + unfilled


def _on(what: str, name: str) -> str:
    if what.startswith("verify:"):
        return f"verify on {name}:" + what.removeprefix("verify:")
    return f"{what} (on {name})"


def after_deploy(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    step: runner.Step,
    application: runner.Application,
    done: Callable[[Outcome], None],
) -> None:
    """Verify a runner right after its deploy; it counts as restored only if all pass."""
    assert step.runner is not None
    checked = verify_on(config, decision, facts, step.runner)
    for outcome in checked:
        done(outcome)
    if all(ok for _, ok, _ in checked):
        application.restored.append(step.runner)


def left_behind(steps: Sequence[runner.Step], restored: Collection[str]) -> list[str]:
    return [
        step.runner for step in steps if step.runner is not None and step.runner not in restored
    ]


RETRY_COMMAND = "retry-rollback"


def retry_command(config: Config, decision_id: str, left: Sequence[str]) -> list[str]:
    """Exact, with the config and state dir spelled out: it must find this decision's log."""
    return [
        "phasegate",
        RETRY_COMMAND,
        "--decision",
        decision_id,
        "--only-runners",
        ",".join(left),
        "--config",
        config.source,
        "--state-dir",
        str(config.state_dir),
    ]


def account(
    config: Config,
    decision: Decision,
    application: runner.Application,
    decision_id: str | None,
) -> None:
    """Name the runners left behind, and how to finish: one failed step, so it is printed,
    makes the run exit 4, and goes into the remediation note."""
    if not application.left:
        return
    bad = decision.change.get("tag") or decision.change.get("commit") or "the bad version"
    if decision_id is None:
        how = "deploy them by hand (the decision was not recorded, so it cannot be retried)"
    else:
        how = "retry only those: " + shlex.join(
            retry_command(config, decision_id, application.left)
        )
    application.steps.append(
        (f"rollback on {', '.join(application.left)}", False, f"left on {bad}; {how}")
    )


def only_runners(config: Config, text: str) -> tuple[str, ...]:
    """`--only-runners a,b`: configured names only, so a typo cannot deploy nothing."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if config.runners is None:
        raise InputError(
            "rollback.runners: the config rolls back no runners one by one", Location(config.source)
        )
    unknown = [name for name in names if name not in config.runners.names]
    if unknown or not names:
        raise ValueError(
            f"unknown runner {', '.join(map(repr, unknown))} (configured: "
            f"{', '.join(config.runners.names)})"
            if unknown
            else "expected runner names, e.g. op-2,op-3"
        )
    return names


def recorded_decision(state: StateDir, decision_id: str) -> dict[str, Any]:
    """The logged decision `decision_id`, which must be a Phase 1 or 2 rollback."""
    log = state.path / DECISIONS
    found = None
    try:
        descriptor = open_regular(log, os.O_RDONLY)
    except FileNotFoundError:
        raise InputError("no decision log: nothing to retry", Location(str(log))) from None
    with os.fdopen(descriptor, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if (
                isinstance(record, dict)
                and record.get("event") == "decision"
                and record.get("id") == decision_id
            ):
                found = record
    if found is None:
        raise InputError(f"no decision {decision_id!r} in the log", Location(str(log)))
    decided = found["decision"]
    if decided["verdict"] != "rollback" or decided["phase"] not in (1, 2):
        raise InputError(
            f"decision {decision_id!r} is a phase {decided['phase']} {decided['verdict']}: "
            "only a Phase 1 or 2 rollback deploys to runners",
            Location(str(log)),
        )
    return found


def _decision(record: Mapping[str, Any]) -> Decision:
    """Enough of the logged decision to apply it again (its rules are not needed)."""
    data = record["decision"]
    return Decision(
        verdict=Verdict.parse(data["verdict"]),
        phase=data["phase"],
        change=data.get("change", {}),
        collected_at=data["collected_at"],
        phase_started_at=data.get("phase_started_at"),
        owners=data.get("owners", {}),
        results=(),
        facts_digest=data.get("facts_digest", ""),
        policy_digest=data.get("policy_digest", ""),
    )


def retry(
    config: Config, state: StateDir, decision_id: str, only: Sequence[str]
) -> runner.RunOutcome:
    """Deploy and verify the recorded rollback on `only`, logged ahead under its decision.

    The `retry` line (with each runner's planned command) is written before any deploy;
    the outcomes are ordinary action lines of the original decision, so the log reads as
    one rollback that took two attempts.
    """
    state.check_writable()
    record = recorded_decision(state, decision_id)
    decision = _decision(record)
    facts = record["facts"]
    variables = {"facts": facts, "decision": record["decision"], "params": dict(config.params)}
    steps = deploy_steps(config, variables, only)
    journal = runner.Journal(state)
    journal.id = decision_id
    line = {
        "event": "retry",
        "id": uuid.uuid4().hex,
        "decision_id": decision_id,
        "runners": list(only),
        "actions": runner.planned_actions(steps),
    }
    journal.decision_recorded = journal.attempt("the retry", lambda: state.append_decision(line))
    application = runner.apply(config, decision, facts, steps, journal.action)
    account(config, decision, application, decision_id)
    if (missing := journal.unrecorded()) is not None:
        application.steps.append(missing)
    return runner.RunOutcome(decision, facts, application)
