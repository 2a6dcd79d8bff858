"""Applying a decision: the thin runner behind `phasegate run`.

Only here do verdicts turn into commands. Every argument is filled from facts through CEL
and passed as one argv element, so a fact such as `v1; rm -rf /` stays one literal
argument; an argument that cannot be filled stops its command instead of running it wrong.

The log is written ahead: the decision, with what it is about to run, is on disk before the
first command starts, and each command's outcome is appended after it ran. Whatever kills
phasegate in between, the log says what may have been done.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate import cel
from phasegate.collect.collector import CollectOptions, collect, source_variables
from phasegate.collect.config import Action, Config
from phasegate.collect.output import OutputError, parse_output
from phasegate.collect.process import run_command
from phasegate.core.evaluate import Decision, evaluate
from phasegate.core.policy import PolicySet
from phasegate.core.record import decision_object
from phasegate.core.recording import instant
from phasegate.core.verdict import Verdict, exit_code
from phasegate.errors import ExitCode, InputError
from phasegate.files.digest import canonical_json
from phasegate.runner import downgrade, runners
from phasegate.runner.remediation import note_name, render_note
from phasegate.state import rollout
from phasegate.state.statedir import StateDir


@dataclass(frozen=True)
class Step:
    """One planned command: its filled argv, or why it cannot be filled."""

    name: str
    argv: tuple[str, ...] | None
    problem: str | None
    timeout: float
    #: The rollback deploy, after which health is verified.
    deploy: bool = False
    #: The runner this deploy is for, when the rollback is given per runner.
    runner: str | None = None


@dataclass
class Application:
    """What applying a decision did, and what is left to a person."""

    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    #: Per-runner rollback: the runners deployed and verified, and those left behind.
    restored: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    #: The rollback deploy ran and succeeded.
    deployed: bool = False

    @property
    def complete(self) -> bool:
        return all(ok for _, ok, _ in self.steps)


def _variables(config: Config, decision: Decision, facts: Mapping[str, Any]) -> cel.Bindings:
    return cel.Bindings(
        {
            "facts": dict(facts),
            "decision": decision_object(decision),
            "params": dict(config.params),
        }
    )


def plan(config: Config, decision: Decision, facts: Mapping[str, Any]) -> list[Step]:
    """The commands this decision runs, in order, with every argument filled. Pure."""
    bindings = _variables(config, decision, facts)
    actions: list[tuple[Action, bool]] = []
    if deploys(decision) and config.deploy is not None:
        actions.append((config.deploy, True))
    actions.extend((action, False) for action in config.actions[decision.verdict])
    steps = []
    for action, is_deploy in actions:
        argv, problem = runners.fill_argv(action.argv, bindings)
        steps.append(Step(action.name, argv, problem, action.timeout, is_deploy))
    if deploys(decision):  # per runner: first, as the single deploy is
        steps[:0] = runners.deploy_steps(config, bindings.data)
    return steps


def deploys(decision: Decision) -> bool:
    """Only Phases 1 and 2 put the release on runners; a Phase 0 rollback deploys nothing."""
    return decision.verdict is Verdict.ROLLBACK and decision.phase in (1, 2)


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
    target = decision.change.get("last_known_good") or "<last known-good tag: unknown>"
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
        steps.append("Restart affected operator sessions")
    if not verified:
        steps += [
            f"Verify health: `zjj --version` reports {str(target).removeprefix('v')}, "
            "`swarm status` answers ok, `zjj doctor` is healthy",
            "Confirm the critical command paths used by automation",
        ]
    steps.append("Open a remediation bead from the remediation note")
    if decision.phase == 2:
        steps.append(
            "New deployments stay frozen until the root cause is documented: "
            '`phasegate unfreeze --rca PATH|URL --reason "..."`'
        )
    return steps


#: Told each step's outcome as soon as it is known, so it is logged before the next starts.
StepReport = Callable[[tuple[str, bool, str]], None]


def apply(
    config: Config,
    decision: Decision,
    facts: Mapping[str, Any],
    steps: list[Step] | None = None,
    report: StepReport | None = None,
) -> Application:
    """Run the planned commands, then verify health after a deploy."""
    application = Application()

    def done(outcome: tuple[str, bool, str]) -> None:
        application.steps.append(outcome)
        if report is not None:
            report(outcome)

    deployed = False
    steps = plan(config, decision, facts) if steps is None else steps
    for step in steps:
        if step.argv is None:
            done((step.name, False, step.problem or "not run"))
            continue
        result = run_command(
            step.argv, timeout=step.timeout, max_output_bytes=config.max_output_bytes
        )
        ok = result.exit_code == 0 and not result.timed_out and result.failure is None
        detail = _outcome(result.exit_code, result.timed_out, result.failure, result.stderr)
        done((f"{step.name}: {' '.join(step.argv)}", ok, detail))
        deployed = deployed or (step.deploy and ok)
        if ok and step.runner is not None:
            runners.after_deploy(config, decision, facts, step, application, done)
    verified = False
    if deployed and config.runners is None:
        # Per runner, the configured checks ran on each runner right after its deploy; the
        # state health and command paths here are this machine's, so they check a single
        # deploy only.
        first = len(application.steps)
        for outcome in (*verify(config, facts), *downgrade.after_downgrade(config)):
            done(outcome)
        verified = all(ok for _, ok, _ in application.steps[first:])
    elif deployed:
        verified = not runners.left_behind(steps, application.restored)
    application.deployed = deployed
    application.left = runners.left_behind(steps, application.restored)
    application.manual = manual_procedure(
        config, decision, deployed, application.left, verified=verified
    )
    return application


def verify(config: Config, facts: Mapping[str, Any]) -> list[tuple[str, bool, str]]:
    """The guide's "validate state health after downgrade", as configured."""
    outcomes = []
    for check in config.verify:
        result = run_command(
            check.command, timeout=check.timeout, max_output_bytes=config.max_output_bytes
        )
        try:
            parsed = parse_output(result.stdout, check.parse, check.name)
        except OutputError as exc:
            outcomes.append((f"verify: {check.name}", False, f"unreadable output: {exc}"))
            continue
        bindings = source_variables(parsed, result, {}, _now(facts), config.params)
        bindings.data["facts"] = dict(facts)
        value = cel.run(check.expect, bindings)
        ok = value is True
        why = (
            value.message
            if isinstance(value, cel.EvalFailure)
            else ("healthy" if ok else f"not as expected (exit {result.exit_code})")
        )
        outcomes.append((f"verify: {check.name}", ok, why))
    return outcomes


def _now(facts: Mapping[str, Any]) -> Any:
    return instant(facts["collected_at"])


def _outcome(exit_code: int, timed_out: bool, failure: str | None, stderr: str) -> str:
    if failure:
        return failure
    if timed_out:
        return "timed out"
    last = stderr.strip().splitlines()[-1:] if exit_code else []
    return f"exit {exit_code}" + (f": {last[0][:160]}" if last else "")


def dry_run_lines(config: Config, decision: Decision, facts: Mapping[str, Any]) -> list[str]:
    """What `run --dry-run` prints: the commands that would run, then the manual steps."""
    if rollout.rolled_back(facts):  # the state machine's word, whatever the verdict
        return [ended_line(decision, facts)]
    lines = []
    steps = plan(config, decision, facts)
    target = decision.change.get("last_known_good") or "<last known-good tag: unknown>"
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
            lines += [
                f"would verify on {runner}: {check.name}"
                for runner in config.runners.names
                for check in config.verify
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


class Journal:
    """The write-ahead log of one run: the decision, then each step's outcome.

    A record that cannot be written (disk full, permissions) does not stop the run: it is
    noted, and `unrecorded` becomes the one line that tells the operator what is missing.
    """

    def __init__(self, state: StateDir) -> None:
        self.state = state
        self.id = uuid.uuid4().hex
        self.decision_recorded = False
        self.missing: list[str] = []
        self.first_problem: str | None = None

    def attempt(self, what: str, write: Callable[[], object]) -> bool:
        try:
            write()
        except InputError as exc:
            self.missing.append(what)
            if self.first_problem is None:
                where = f"{exc.location}: " if exc.location else ""
                self.first_problem = where + exc.message
            return False
        return True

    def decision(self, decision: Decision, facts: Mapping[str, Any], steps: list[Step]) -> None:
        planned = planned_actions(steps)
        record = {
            "event": "decision",
            "id": self.id,
            "decision": decision_object(decision),
            "facts": dict(facts),
            "actions": planned,
        }
        override = facts.get("rollout", {}).get(rollout.OVERRIDE)
        if override is not None:  # said once, where an auditor reads the decision
            record["override"] = {"progression": override}
        self.decision_recorded = self.attempt(
            "the decision", lambda: self.state.append_decision(record)
        )

    def action(self, outcome: tuple[str, bool, str]) -> None:
        """Log one step's outcome, under the decision's id; without the decision line there
        is nothing for it to refer to, and the missing decision is already reported."""
        if not self.decision_recorded:
            return
        name, ok, detail = outcome
        record = {
            "event": "action",
            "decision_id": self.id,
            "name": name,
            "ok": ok,
            "detail": detail,
        }
        self.attempt(f"the outcome of {name}", lambda: self.state.append_decision(record))

    def unrecorded(self) -> tuple[str, bool, str] | None:
        if not self.missing:
            return None
        return (
            f"record in {self.state.path}",
            False,
            f"not recorded: {', '.join(self.missing)} ({self.first_problem})",
        )


def planned_actions(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """What the log says is about to run: each step's argv, or why it cannot."""
    planned = []
    for step in steps:
        item: dict[str, Any] = {"name": step.name}
        if step.runner is not None:
            item["runner"] = step.runner
        if step.argv is not None:
            item["argv"] = list(step.argv)
        else:
            item["problem"] = step.problem
        planned.append(item)
    return planned


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
    if not dry_run:
        state.check_writable()
    collection = collect(config, state, options, record=not dry_run)
    facts = collection.facts
    decision = evaluate(facts, policy_set, state.history(facts) if policy_set.uses_history else ())
    if dry_run:
        return RunOutcome(decision, facts.data, planned=dry_run_lines(config, decision, facts.data))
    journal = Journal(state)
    journal.attempt("the source samples", lambda: state.save_samples(collection.samples))
    ended = rollout.rolled_back(facts.data)  # held by the state machine: nothing runs
    steps = [] if ended else plan(config, decision, facts.data)
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
    journal.decision(decision, facts.data, steps)
    if ended:  # no action, no manual procedure: the rollback already ended
        application = Application()
    elif journal.decision_recorded or decision.verdict is Verdict.ROLLBACK:
        application = apply(config, decision, facts.data, steps, journal.action)
    else:
        application = Application(
            [(step.name, False, "not run: the decision could not be recorded") for step in steps]
        )
    runners.account(
        config, decision, application, journal.id if journal.decision_recorded else None
    )
    outcome = RunOutcome(decision, facts.data, application)
    if ended:
        outcome.planned = [ended_line(decision, facts.data)]
    elif decision.verdict is Verdict.ROLLBACK:
        if application.deployed and application.complete and journal.decision_recorded:
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
