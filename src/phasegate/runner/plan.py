"""The plan of a decision: the commands it runs, in order, every argument filled. Pure.

Planning is apart from running so that the decision line can list each command (each
runner's deploy included) before the first one starts, and so that a dry run prints
exactly what a real run would do. Every argument is filled from facts through CEL and
passed as one argv element: a fact such as `v1; rm -rf /` stays one literal argument, and
an argument that cannot be filled stops its command instead of running it wrong.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from phasegate import cel
from phasegate.collect.config import Action, Config
from phasegate.collect.process import first_control_character
from phasegate.core.evaluate import Decision
from phasegate.core.expressions import Template, fill
from phasegate.core.record import decision_object
from phasegate.core.verdict import Verdict
from phasegate.state.rollout import same_change

#: One step's outcome: what ran, whether it succeeded, and what it said.
Outcome = tuple[str, bool, str]


@dataclass(frozen=True)
class Step:
    """One planned command: its filled argv, or why it cannot be filled."""

    name: str
    argv: tuple[str, ...] | None
    problem: str | None
    timeout: float
    #: The rollback deploy, after which health is verified.
    deploy: bool = False
    #: The runner this step is for, when the rollback is given per runner.
    runner: str | None = None


def variables(config: Config, decision: Decision, facts: Mapping[str, Any]) -> dict[str, Any]:
    """What action arguments see: the facts, the decision and the config's params."""
    return {
        "facts": dict(facts),
        "decision": decision_object(decision),
        "params": dict(config.params),
    }


def fill_argv(
    templates: Sequence[Template], bindings: cel.Bindings
) -> tuple[tuple[str, ...] | None, str | None]:
    """The argv, or why it cannot be run: the same rules for every command the gate runs."""
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


def on_runner(variables: Mapping[str, Any], name: str) -> cel.Bindings:
    """The bindings of a per-runner command: `runner` is the runner's name."""
    return cel.Bindings({**variables, "runner": name})


#: ASCII letters only, as CEL's `lowerAscii()` lowers them in `checklist.rollback-target`.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _version(name: str) -> str:
    return name.strip().translate(_ASCII_LOWER).removeprefix("v")


def release_as_target(change: Mapping[str, Any]) -> str | None:
    """Why `change.last_known_good` cannot be deployed as the rollback target, or None.

    A last known-good that names the release itself (its tag, any case, a leading "v"
    ignored; or its commit, a prefix either way of at least 7 characters) would deploy the
    bad build again, and the version check after it would pass: the change would stand
    rolled back while still running it. `checklist.rollback-target` holds such a change
    before it rolls out, but a set without that rule, or a rollback decided by another rule
    beside it, reaches the runner all the same, so the runner never deploys it."""
    target = change.get("last_known_good")
    if not isinstance(target, str) or not target.strip():
        return None
    tag, commit = change.get("tag"), change.get("commit")
    if isinstance(tag, str) and tag.strip() and _version(target) == _version(tag):
        named = f"its tag {tag}"
    elif (
        isinstance(commit, str)
        and min(len(target.strip()), len(commit.strip())) >= 7
        and same_change(target, commit)
    ):
        named = f"its commit {commit}"
    else:
        return None
    return (
        f"refused: the last known-good {target} is the release being rolled back ({named}); "
        "set change.last_known_good to the build before it"
    )


def undeployable_target(change: Mapping[str, Any]) -> str | None:
    """Why a rollback of `change` must deploy nothing, or None: its last known-good is
    blank (no target, as `checklist.rollback-target-known` holds it: a deploy tool handed
    `--tag "  "` may take its default, the release itself) or is the release itself
    (`release_as_target`). Absent, a deploy command that names it cannot be filled."""
    target = change.get("last_known_good")
    if isinstance(target, str) and not target.strip():
        return (
            "refused: no last known-good build named (change.last_known_good is blank): a "
            "rollback has no target; set change.last_known_good to the build before the release"
        )
    return release_as_target(change)


def refuse_undeployable(steps: list[Step], change: Mapping[str, Any]) -> list[Step]:
    """`steps` with each deploy refused (listed, not run, so the log says what was not run)
    when the target cannot be deployed: `run`'s plan and `retry-rollback` alike."""
    refused = undeployable_target(change)
    if refused is None:
        return steps
    return [replace(step, argv=None, problem=refused) if step.deploy else step for step in steps]


def rollback_target(change: Mapping[str, Any]) -> str:
    """The build a rollback deploys, as the manual procedure names it."""
    if release_as_target(change) is not None:
        return f"<last known-good tag: unknown ({change['last_known_good']} is the release)>"
    target = change.get("last_known_good")
    if isinstance(target, str) and not target.strip():
        target = None
    return str(target or "<last known-good tag: unknown>")


def deploys(decision: Decision) -> bool:
    """Only Phases 1 and 2 put the release on runners; a Phase 0 rollback deploys nothing."""
    return decision.verdict is Verdict.ROLLBACK and decision.phase in (1, 2)


def plan(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    restored: Collection[str] = (),
) -> list[Step]:
    """The commands this decision runs, in order, with every argument filled.

    `restored`: runners an earlier attempt of this rollback already deployed and verified;
    they are not deployed again (nor restarted).
    """
    data = variables(config, decision, facts)
    bindings = cel.Bindings(data)
    actions: list[tuple[Action, bool]] = []
    if deploys(decision) and config.deploy is not None:
        actions.append((config.deploy, True))
    actions.extend((action, False) for action in config.actions[decision.verdict])
    steps = []
    for action, is_deploy in actions:
        argv, problem = fill_argv(action.argv, bindings)
        steps.append(Step(action.name, argv, problem, action.timeout, is_deploy))
    if deploys(decision):  # per runner: first, as the single deploy is
        left = None if config.runners is None else set(config.runners.names) - set(restored)
        steps[:0] = deploy_steps(config, data, left, restart=decision.phase == 1)
        steps = refuse_undeployable(steps, decision.change)
    return steps


def deploy_steps(
    config: Config,
    variables: Mapping[str, Any],
    only: Collection[str] | None = None,
    *,
    restart: bool = False,
) -> list[Step]:
    """One deploy step per configured runner (or per runner in `only`), in config order,
    each followed by its `rollback.restart` when `restart` (a Phase 1 rollback: the guide
    restarts the affected operator sessions) and one is configured.

    Filled up front, like every planned action, so the decision line lists each runner's
    exact commands before the first one runs.
    """
    if config.runners is None:
        return []
    steps = []
    for deploy in config.runners.deploys:
        if only is not None and deploy.runner not in only:
            continue
        bindings = on_runner(variables, deploy.runner)
        argv, problem = fill_argv(deploy.action.argv, bindings)
        action = deploy.action
        steps.append(Step(action.name, argv, problem, action.timeout, True, deploy.runner))
        if restart and config.runners.restart is not None:
            action = config.runners.restart
            argv, problem = fill_argv(action.argv, bindings)
            name = f"{action.name} on {deploy.runner}"
            steps.append(Step(name, argv, problem, action.timeout, runner=deploy.runner))
    return steps


def runners_of(steps: Sequence[Step]) -> list[str]:
    """The runners these steps deploy, in order."""
    return [step.runner for step in steps if step.deploy and step.runner is not None]
