"""Applying a decision: the thin runner behind `phasegate run`.

Only here do verdicts turn into commands. Every argument is filled from facts through CEL
and passed as one argv element, so a fact such as `v1; rm -rf /` stays one literal
argument; an argument that cannot be filled stops its command instead of running it wrong.

The log is written ahead (see `journal`): the decision, with what it is about to run, is on
disk before the first command starts, and each command's outcome is appended after it ran.
Whatever kills phasegate in between, the log says what may have been done.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from phasegate import cel
from phasegate.collect.collector import (
    CollectOptions,
    collect,
    required_facts,
    source_variables,
)
from phasegate.collect.config import Config
from phasegate.collect.output import OutputError, parse_output
from phasegate.collect.process import run_command
from phasegate.core.evaluate import Decision, evaluate, require_rules_for
from phasegate.core.policy import PolicySet
from phasegate.core.recording import instant
from phasegate.core.verdict import Verdict, exit_code
from phasegate.errors import ExitCode, InputError
from phasegate.files.digest import canonical_json
from phasegate.runner import downgrade, runners
from phasegate.runner.journal import Journal, Restoration, restoration
from phasegate.runner.plan import (
    Outcome,
    Step,
    deploys,
    fill_argv,
    on_runner,
    plan,
    rollback_target,
    runners_of,
    variables,
)
from phasegate.runner.remediation import note_name, render_note
from phasegate.state import rollout
from phasegate.state.statedir import StateDir


@dataclass
class Application:
    """What applying a decision did, and what is left to a person."""

    steps: list[Outcome] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    #: Per-runner rollback: the runners deployed and verified, and those left behind.
    restored: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    #: The rollback deploy ran and succeeded.
    deployed: bool = False
    #: Every deploy that ran was verified: the single deploy's checks, or each runner's.
    verified: bool = False

    @property
    def complete(self) -> bool:
        return all(ok for _, ok, _ in self.steps)


def manual_procedure(
    config: Config,
    decision: Decision,
    deployed: bool = False,
    left: Sequence[str] = (),
    *,
    verified: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """The guide's rollback path for this phase, with the concrete tag, where not automated
    (or where the automated deploy or verification did not succeed). A dry run has not
    tried the deploy, so it must not say it failed."""
    if decision.verdict is not Verdict.ROLLBACK:
        return []
    if decision.phase == 0:
        return [
            "Stop promotion: do not start Phase 1 with this release candidate",
            "Fix on the current branch",
            "Re-run Phase 0",
        ]
    target = rollback_target(decision.change)
    steps = []
    if config.runners is not None:
        if left:
            steps.append(f"Deploy {target} to the runners left behind: {', '.join(left)}")
    elif config.deploy is None:
        steps.append(
            f"Deploy {target} to all affected runners (no rollback.deploy command is "
            f"configured in {config.source})"
        )
    elif not deployed:
        why = "would not run" if dry_run else "failed"
        steps.append(f"Deploy {target} to all affected runners (the configured deploy {why})")
    if decision.phase == 1:
        if config.runners is None or config.runners.restart is None:
            steps.append("Restart affected operator sessions")
        elif left:
            steps.append(f"Restart the operator sessions on {', '.join(left)}")
    if not verified:
        steps += [
            f"Verify health: `zjj --version` reports {str(target).removeprefix('v')}, "
            "`swarm status` answers ok with no agent in error (`errors: 0`), "
            "`zjj doctor` is healthy",
            "Confirm the critical command paths used by automation",
        ]
    steps.append("Open a remediation bead from the remediation note")
    if decision.phase == 2:
        steps.append(
            "New deployments stay frozen until the root cause is documented: "
            '`phasegate unfreeze --rca PATH|URL --reason "..."`'
        )
    return steps


class StepReport(Protocol):
    """Told each step's outcome as soon as it is known, so it is logged before the next
    starts; `runner` and `restored` mark a runner's steps and the line that it is safe."""

    def __call__(self, outcome: Outcome, runner: str | None = None, restored: bool = False) -> None:
        pass


def apply(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    steps: list[Step] | None = None,
    report: StepReport | None = None,
) -> Application:
    """Run the planned commands, then verify health after a deploy.

    Per runner, each runner is verified right after its deploy (and its restart): the
    `rollback.verify` checks, `zjj doctor --json` and each contract command path, run on
    that runner. It counts as restored, and a `restored` line is logged, only if all pass.
    """
    application = Application()

    def done(outcome: Outcome, runner: str | None = None, restored: bool = False) -> None:
        application.steps.append(outcome)
        if report is not None:
            report(outcome, runner, restored)

    steps = plan(config, decision, facts) if steps is None else steps
    last_step = {step.runner: index for index, step in enumerate(steps) if step.runner}
    deployed_on: set[str] = set()
    failed_on: set[str] = set()
    deployed = False
    for index, step in enumerate(steps):
        if step.runner is not None and not step.deploy and step.runner not in deployed_on:
            done((step.name, False, f"not run: {step.runner} was not deployed"), step.runner)
        elif step.argv is None:
            done((step.name, False, step.problem or "not run"), step.runner)
        else:
            try:
                result = run_command(
                    step.argv, timeout=step.timeout, max_output_bytes=config.max_output_bytes
                )
            except SystemExit as stop:  # the stop handler killed it: the log says so first
                done((f"{step.name}: {' '.join(step.argv)}", False, _stopped(stop)), step.runner)
                raise
            ok = result.exit_code == 0 and not result.timed_out and result.failure is None
            detail = _outcome(result.exit_code, result.timed_out, result.failure, result.stderr)
            done((f"{step.name}: {' '.join(step.argv)}", ok, detail), step.runner)
            deployed = deployed or (step.deploy and ok)
            if step.runner is not None and ok and step.deploy:
                deployed_on.add(step.runner)
            elif step.runner is not None and not ok:
                failed_on.add(step.runner)
        if step.runner is not None and last_step[step.runner] == index:
            _check_runner(config, decision, facts, step.runner, deployed_on, failed_on, done)
            if step.runner in deployed_on and step.runner not in failed_on:
                application.restored.append(step.runner)
    if deployed and config.runners is None:
        first = len(application.steps)
        for outcome in (*verify(config, facts), *downgrade.after_downgrade(config)):
            done(outcome)
        application.verified = all(ok for _, ok, _ in application.steps[first:])
    application.deployed = deployed
    application.left = [name for name in runners_of(steps) if name not in application.restored]
    if config.runners is not None:
        application.verified = deployed and not application.left
    automated = config.deploy is not None or config.runners is not None
    if deploys(decision) and automated and not any(step.deploy for step in steps):
        return application  # nothing was left to deploy: an earlier attempt restored it all
    application.manual = manual_procedure(
        config, decision, deployed, application.left, verified=application.verified
    )
    return application


def _check_runner(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    name: str,
    deployed_on: set[str],
    failed_on: set[str],
    done: StepReport,
) -> None:
    """A runner's checks after its last step; a `restored` line once every one passed."""
    if name not in deployed_on or name in failed_on:
        return
    checked = verify_on(config, decision, facts, name)
    for outcome in checked:
        done(outcome, name)
    if all(ok for _, ok, _ in checked):
        target = decision.change.get("last_known_good") or "the last known-good version"
        done((f"restored {name}", True, f"on {target}: deployed, every check passed"), name, True)
    else:
        failed_on.add(name)


def verify_on(
    config: Config, decision: Decision, facts: Mapping[str, Any], name: str
) -> list[Outcome]:
    """The full verification on one runner: the `rollback.verify` checks (`{{ runner }}`
    filled in each command), then `zjj doctor --json` and each contract command path behind
    the runner's `rollback.on_runner` prefix, each its own `verify on NAME:` line."""
    assert config.runners is not None
    given = variables(config, decision, facts)
    bindings = on_runner(given, name)
    # a runner name can hold no space: no runner is named so
    elsewhere = on_runner(given, f"{name} elsewhere")
    prefix, problem = fill_argv(config.runners.on_runner, bindings)
    checks = []
    unfilled: list[Outcome] = []
    for check, templates in zip(config.verify, config.runners.verify, strict=True):
        argv, why = fill_argv(templates, bindings)
        if argv is None:
            unfilled.append((f"verify: {check.name}", False, why or "not run"))
            continue
        if prefix is not None and fill_argv(templates, elsewhere)[0] == argv:
            # the same command for every runner (`zjj --version`) would ask this machine
            # each time: it is asked on the runner, as `zjj doctor --json` is
            argv = (*prefix, *argv)
        checks.append(replace(check, command=argv))
    outcomes = verify(replace(config, verify=tuple(checks)), facts) if checks else []
    outcomes += unfilled
    if prefix is None:
        outcomes.append((f"verify: rollback.on_runner for {name}", False, problem or "not run"))
    else:
        outcomes += downgrade.after_downgrade(config, prefix)
    on = f"verify on {name}:"
    return [(on + what.removeprefix("verify:"), ok, detail) for what, ok, detail in outcomes]


def verify(config: Config, facts: Mapping[str, Any]) -> list[tuple[str, bool, str]]:
    """The guide's "validate state health after downgrade", as configured."""
    outcomes = []
    for check in config.verify:
        result = run_command(
            check.command, timeout=check.timeout, max_output_bytes=config.max_output_bytes
        )
        if result.unfinished:  # a version printed before a hang is no answer
            outcomes.append((f"verify: {check.name}", False, result.unfinished))
            continue
        try:
            parsed = parse_output(result.stdout, check.parse, check.name)
        except OutputError as exc:
            outcomes.append((f"verify: {check.name}", False, f"unreadable output: {exc}"))
            continue
        bindings = source_variables(parsed, result, {}, _now(facts), config.params)
        bindings.data["facts"] = dict(facts)
        value = cel.run(check.expect, bindings)
        # a command that failed is no health, whatever it printed before failing
        ok = value is True and result.exit_code == 0
        if isinstance(value, cel.EvalFailure):
            why = value.message
        elif value is True and not ok:
            why = f"exit {result.exit_code}: failed, though it printed what was expected"
        else:
            why = "healthy" if ok else f"not as expected (exit {result.exit_code})"
        if ok and downgrade.is_swarm_status(check.command):
            # whatever its `expect` says: ok with agents in error is no healthy swarm
            problem = downgrade.swarm_status_problem(_json_answer(result.stdout, check.name))
            ok, why = problem is None, problem or why
        outcomes.append((f"verify: {check.name}", ok, why))
    return outcomes


def _json_answer(stdout: str, name: str) -> Any:
    """The JSON `swarm status` printed, or None when it printed none."""
    try:
        return parse_output(stdout, "json", name).value
    except OutputError:
        return None


def _now(facts: Mapping[str, Any]) -> Any:
    return instant(facts["collected_at"])


def _stopped(stop: SystemExit) -> str:
    """What a command phasegate was stopped during (exit 128+signal) came to."""
    code = stop.code if isinstance(stop.code, int) else 0
    try:
        why = f"stopped by {signal.Signals(code - 128).name}"
    except ValueError:
        why = f"stopped (exit {stop.code})"
    return f"{why}: killed before it finished"


def _outcome(exit_code: int, timed_out: bool, failure: str | None, stderr: str) -> str:
    if failure:
        return failure
    if timed_out:
        return "timed out"
    last = stderr.strip().splitlines()[-1:] if exit_code else []
    return f"exit {exit_code}" + (f": {last[0][:160]}" if last else "")


def dry_run_lines(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    before: Mapping[str, str] | None = None,
) -> list[str]:
    """What `run --dry-run` prints: the commands that would run, then the manual steps.
    `before`: runners an unfinished rollback of this change already restored."""
    if rollout.rolled_back(facts):  # the state machine's word, whatever the verdict
        return [ended_line(decision, facts)]
    lines = []
    steps = plan(config, decision, facts, before or {})
    if before:
        lines.append(already_restored(before, runners_of(steps)))
    target = rollback_target(decision.change)
    for step in steps:
        if step.argv is None:
            lines.append(f"would NOT run {step.name}: {step.problem}")
        elif step.deploy:
            where = f" to {step.runner}" if step.runner is not None else ""
            lines.append(f"would deploy {target}{where}: {json.dumps(list(step.argv))}")
        else:
            lines.append(f"would run {step.name}: {json.dumps(list(step.argv))}")
    deploy_ready = any(step.deploy and step.argv is not None for step in steps)
    if decision.verdict is Verdict.ROLLBACK:
        if deploy_ready and config.runners is not None:
            checks = [check.name for check in config.verify] + downgrade.planned(config)
            lines += [
                f"would verify on {runner}: {name}"
                for runner in runners_of(steps)
                for name in checks
            ]
        elif deploy_ready:
            lines += [f"would verify: {check.name}" for check in config.verify]
            lines += [f"would verify: {name}" for name in downgrade.planned(config)]
        lines.append("would write a remediation note")
        if decision.phase == 2:
            lines.append("would freeze deployments")
    manual = manual_procedure(config, decision, deploy_ready, verified=deploy_ready, dry_run=True)
    lines += [f"by hand: {step}" for step in manual]
    return lines


def ended_line(decision: Decision, facts: Mapping[str, Any]) -> str:
    """What a run says instead of rolling back a change whose rollback already ended."""
    at = facts.get("rollout", {}).get("rolled_back_at", "an unknown time")
    return (
        f"change {decision.change.get('commit')} was rolled back at {at}: nothing is deployed "
        'again and no new remediation note is written (`phasegate resume --reason "..."` '
        "to roll it out again)"
    )


@dataclass
class RunOutcome:
    decision: Decision
    facts: Mapping[str, Any]
    application: Application | None = None
    planned: list[str] = field(default_factory=list)
    note: Path | None = None

    def exit_code(self, *, allow_pause: bool) -> int:
        if self.application is not None and not self.application.complete:
            return int(ExitCode.ACTION_FAILED)
        return exit_code(
            self.decision.verdict, allow_pause=allow_pause, pause_kind=self.decision.pause_kind
        )


def run(
    config: Config,
    policy_set: PolicySet,
    state: StateDir,
    options: CollectOptions,
    *,
    dry_run: bool,
) -> RunOutcome:
    """Collect, evaluate, record, apply: `phasegate run`. A dry run changes nothing.

    A decision that cannot be recorded is still returned (so it is printed) and a rollback
    is still applied, since rolling back is the safe side; other verdicts run nothing then.
    """
    phase, commit = required_facts(options)
    require_rules_for(policy_set, phase)  # before anything runs
    if not dry_run:
        state.check_writable()
    mark = None if dry_run else state.mark()  # before collect reads the freeze and the log
    collection = collect(config, state, options, record=not dry_run)
    facts = collection.facts
    decision = evaluate(facts, policy_set, state.history(facts) if policy_set.uses_history else ())
    if dry_run:
        before = _progress(config, decision, state).restored
        lines = dry_run_lines(config, decision, facts.data, before)
        return RunOutcome(decision, facts.data, planned=lines)
    journal = Journal(state)
    given = [path for path, _ in options.sets]
    ended = rollout.rolled_back(facts.data)  # held by the state machine: nothing runs
    progress = Restoration() if ended else _progress(config, decision, state)
    before = progress.restored
    steps = [] if ended else plan(config, decision, facts.data, before)
    # What protects later runs comes first: the freeze, then the decision, then the actions.
    if decision.verdict is Verdict.ROLLBACK and decision.phase == 2 and not ended:
        change = decision.change.get("tag") or decision.change.get("commit")
        journal.attempt(
            "the freeze",
            lambda: state.set_freeze(
                f"phase 2 rollback of {change}: document the root cause, then "
                "`phasegate unfreeze --rca PATH|URL --reason ...`",
                decision.collected_at,
            ),
        )
    if decision.verdict is Verdict.ROLLBACK:  # rolling back is the safe side: never stale
        journal.decision(decision, facts.data, steps, given)
    else:  # a continue or pause decided from a log another command has since changed is
        # refused, not recorded: it could open a phase a rollback or freeze has just closed
        with state.lock():
            doing, undone = "this run decided", "nothing was recorded or run"
            rollout.refuse_if_stopped(state, mark, commit, doing, undone)
            journal.decision(decision, facts.data, steps, given)
    if journal.decision_recorded:  # else the next run counts from a sample no decision saw
        journal.attempt("the source samples", lambda: state.save_samples(collection.samples))
    if ended:  # no action, no manual procedure: the rollback already ended
        application = Application()
    elif journal.decision_recorded or decision.verdict is Verdict.ROLLBACK:
        application = apply(config, decision, facts.data, steps, journal.action)
        if config.runners is not None and set(progress.planned) - {
            *config.runners.names,
            *before,
        }:
            settle(config, decision, application, before, progress.planned)
    else:
        application = Application(
            [(step.name, False, "not run: the decision could not be recorded") for step in steps]
        )
    left = runners.account(
        config, decision, application.left, journal.id if journal.decision_recorded else None
    )
    if left is not None:
        application.steps.append(left)
    outcome = RunOutcome(decision, facts.data, application)
    if before:
        outcome.planned = [already_restored(before, runners_of(steps))]
    if ended:
        outcome.planned = [ended_line(decision, facts.data)]
    elif decision.verdict is Verdict.ROLLBACK:
        if journal.decision_recorded and rollback_ended(config, application, before):
            commit = str(decision.change.get("commit"))
            journal.attempt(
                "the end of the rollback",
                lambda: state.append_decision(
                    rollout.rolled_back_record(journal.id, commit, decision.collected_at)
                ),
            )

        def note() -> None:
            outcome.note = _write_note(state, policy_set, decision, facts.data, application)

        journal.attempt("the remediation note", note)
    if (missing := journal.unrecorded()) is not None:
        application.steps.append(missing)
    return outcome


def _progress(config: Config, decision: Decision, state: StateDir) -> Restoration:
    """What an earlier, unfinished rollback of this change did: the runners it restored
    are not deployed again, those it planned stay owed. An unreadable log restores nothing
    (deploying again is the safe side of a rollback)."""
    if not deploys(decision) or config.runners is None:
        return Restoration()
    try:
        return restoration(state.records(), str(decision.change.get("commit")))
    except InputError:
        return Restoration()


def settle(
    config: Config,
    decision: Decision,
    application: Application,
    before: Collection[str],
    planned: Collection[str],
) -> None:
    """Every runner still on the bad version, asked for or not, configured or only planned
    by an earlier attempt (a runner since dropped from the config is still owed): the
    change stands rolled back only once none is, and exit 20 must not say otherwise."""
    assert config.runners is not None
    done = {*before, *application.restored}
    owed = dict.fromkeys([*config.runners.names, *planned])
    application.left = [name for name in owed if name not in done]
    application.manual = manual_procedure(
        config, decision, application.deployed, application.left, verified=not application.left
    )


def already_restored(before: Mapping[str, str], deploying: Sequence[str]) -> str:
    """What a run that continues an unfinished rollback says it is not doing again."""
    done = ", ".join(f"{name} (decision {by})" for name, by in before.items())
    rest = f"deploying only {', '.join(deploying)}" if deploying else "deploying none of them"
    return f"already restored by an earlier attempt of this rollback: {done}; {rest}"


def rollback_ended(config: Config, application: Application, before: Collection[str]) -> bool:
    """Whether the change now stands rolled back: every step succeeded, and the single
    deploy was verified, or every configured runner was restored (by this attempt or an
    earlier one), each after its own full verification."""
    if not application.complete:
        return False
    if config.runners is None:
        return application.deployed and application.verified
    return set(config.runners.names) <= {*before, *application.restored}


def _write_note(
    state: StateDir,
    policy_set: PolicySet,
    decision: Decision,
    facts: Mapping[str, Any],
    application: Application,
) -> Path:
    name = note_name(decision)
    saved = state.write_remediation(f"{name}.facts.json", canonical_json(dict(facts)) + "\n")
    reproduce = [
        "phasegate",
        "evaluate",
        str(saved.resolve()),
        "--policies",
        str(policy_set.directory),
    ]
    note = render_note(decision, facts, application.steps, application.manual, reproduce)
    return state.write_remediation(f"{name}.md", note)
