"""A rollout as a state machine the gate knows, read from the decision log alone.

The guide orders the phases (Phase 2 only "after stable Phase 1 window") and makes a
rollback final for the release it removed. Both used to live in an operator's head, then
in three readers of the log (collect, closeout, the runner) that could disagree. Here is
the one reading: `fold` takes the log's records in order and gives a `ChangeState`; the
`rollout` facts (`derive`), `status`, `closeout` and the runner all start from it. The fold
is pure over records, so tests need no state dir; `state_of` streams a state dir's log
into it, so memory does not grow with the log.

Events read, in log order: `decision` lines (a `continue` in Phase N-1 opens Phase N, a
later rollback in Phase N-1 closes it again),
`rolled_back` (written by `run` or `retry-rollback` once a rollback's deploy and every
verify check passed), `resume` (written by `phasegate resume --reason`), `unfreeze` (by
`phasegate unfreeze --rca`) and `closed` (by `phasegate closeout`). A rollback or resume
restarts the change: continues recorded before it no longer open a phase.

A window is stable, not just long: every decision of a phase that was not `clean` (see
there) restarts that phase's window (`unstable`, the `*stable_since` facts).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, Location
from phasegate.files.schemas import is_rfc3339, rfc3339_instant
from phasegate.state.statedir import DECISIONS

if TYPE_CHECKING:
    from phasegate.state.statedir import StateDir

ROLLED_BACK = "rolled_back"
ROLLING_OUT = "rolling_out"
#: Log events this module writes (beside `decision` and `action`).
ROLLED_BACK_EVENT = "rolled_back"
RESUME_EVENT = "resume"
CLOSED_EVENT = "closed"
#: The one rollout fact `--set` may give: everything else is derived from the log.
OVERRIDE = "progression_override"
#: `rollout.tracked`, written with the facts derived from a readable log: the optional
#: facts below are given whenever there is one, so here their absence means none. `merge`
#: tells that apart from a document that cannot say (an older phasegate, one written by
#: hand), which may hide an operator's restart of a window or gap between samples. A fact
#: added later is appended, so an older document's list does not vouch for it.
TRACKED = "tracked"
TRACKED_FACTS = ("phase_stable_since", "previous_phase_stable_since", "sample_gap_seconds")
#: Where a snapshot was collected: the guide runs Phase 0 "in CI and one local operator
#: environment", so a continue records which.
ENVIRONMENTS = ("ci", "operator")
#: Variables CI systems set (beside `PHASEGATE_ENVIRONMENT=ci|operator`, which wins).
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD")
#: Sample times kept per phase: an hour at one sample a second, far more than anyone takes.
MAX_SAMPLES = 3600
#: The earliest time a fact can name: an owed rollback's, when neither its time nor the
#: snapshot's is known.
EARLIEST = "0001-01-01T00:00:00Z"
#: Phase 2's monitored stretch: "monitoring at fixed intervals during the first hour".
FIRST_HOUR = 3600.0
#: The rule ids whose firing only waits (see `clean`): `window.*`, a phase's window not
#: over yet, and the rules that refuse a phase the change has not earned (the phase order,
#: and Phase 1 before Phase 0 passed in every required environment): not entered, the
#: phase ran nothing that could be unstable.
WINDOW_NAMESPACE = "window."
NOT_EARNED = ("rollout.phase-progression", "rollout.phase0-environments")
#: What `status` calls where a change stands (`ChangeState.state`).
STATES = (
    "rolling_out",  # no decision recorded since the start (or the last restart)
    "phase_earned",  # the last decision was a continue: the next phase (or closeout) is open
    "paused",  # the last decision was a wait: a window not over, a metric elevated
    "held",  # the last decision was a hold: freeze, phase not earned, owners, an error
    "rolling_back",  # a rollback was decided but not yet applied and verified
    "rolled_back",  # a rollback was applied and verified: nothing runs until resumed
    "resumed",  # resumed after a rollback, no decision since
    "frozen",  # a deployment freeze is active (state dir's freeze.json)
    "closed",  # `phasegate closeout` closed it
)


@dataclass(frozen=True)
class Opened:
    """The latest continue of the change in one phase: it opens the next phase."""

    at: str
    phase_started_at: str | None


@dataclass(frozen=True)
class ChangeState:
    """Where one change stands, as the log tells it."""

    commit: str
    #: One of STATES.
    state: str = "rolling_out"
    #: The phase of the last decision, if any.
    phase: int | None = None
    #: The last decision line of the change (its `decision` object and facts), as logged.
    last: Mapping[str, Any] | None = None
    #: Per phase, the latest continue since the last restart.
    opened: Mapping[int, Opened] = field(default_factory=dict)
    #: Per phase, the environments (`ci`, `operator`) that recorded a continue in it.
    environments: Mapping[int, frozenset[str]] = field(default_factory=dict)
    #: Per phase, the collected_at of its decisions since the last restart (the first
    #: MAX_SAMPLES): the gaps between samples during Phase 2's first hour.
    samples: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    #: Per phase, the collected_at of its latest decision that was not `clean` since the
    #: last restart: the phase's stable window starts over there.
    unstable: Mapping[int, str] = field(default_factory=dict)
    rolled_back_at: str | None = None
    #: When a Phase 1 or 2 rollback of the change was first decided ("": its time could not
    #: be read), while no `rolled_back` line has ended it: the rollback is owed until a
    #: deploy of the last known-good build was verified, whatever later snapshots say.
    rollback_decided_at: str | None = None
    resumed_at: str | None = None
    resume_reason: str | None = None
    closed_at: str | None = None
    freeze: Mapping[str, Any] | None = None
    #: (name, detail, runner or None) of each step of the last decision that failed (its
    #: `action` lines), until a later action restored that runner.
    failed: tuple[tuple[str, str, str | None], ...] = ()
    #: The root-cause documents `unfreeze --rca` recorded, in log order.
    rca: tuple[Mapping[str, Any], ...] = ()

    @property
    def ended(self) -> bool:
        """A verified rollback ended the rollout: no deploy, no note, no action."""
        return self.rolled_back_at is not None

    @property
    def resumable(self) -> bool:
        """`phasegate resume` may restart it: a rollback ended it, or one is still owed
        (done by hand, never verified by `run`, it would hold the change for good)."""
        return self.ended or self.rollback_decided_at is not None


def same_change(recorded: Any, commit: Any) -> bool:
    """Commits are often abbreviated (`9f2c4e1` against a full sha): a prefix either way."""
    if not isinstance(recorded, str) or not isinstance(commit, str):
        return False
    a, b = recorded.strip().lower(), commit.strip().lower()
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def fold(
    records: Iterable[Any], commit: str, freeze: Mapping[str, Any] | None = None
) -> ChangeState:
    """The state of `commit` after the log's records, in order (anything not a JSON object
    is passed over). `freeze` is the state dir's active freeze, if any."""
    current = ChangeState(commit)
    for record in records:
        if isinstance(record, Mapping):
            current = step(current, record)
    if freeze is not None:
        current = replace(current, freeze=dict(freeze))
        if current.state not in (ROLLED_BACK, "closed"):
            current = replace(current, state="frozen")
    return current


def step(current: ChangeState, record: Mapping[str, Any]) -> ChangeState:
    """One transition: `current` after `record`."""
    event = record.get("event", "decision")
    if event == "decision":
        return _decided(current, record)
    if event == "action":
        mine = current.last is not None and record.get("decision_id") == current.last.get("id")
        runner = record.get("runner") if isinstance(record.get("runner"), str) else None
        if mine and record.get("ok") is False:
            failed = (str(record.get("name")), str(record.get("detail", "")), runner)
            return replace(current, failed=(*current.failed, failed))
        if mine and record.get("ok") is True and record.get("restored") is True and runner:
            # a runner `retry-rollback` restored and verified: what failed on it is redone
            kept = tuple(step for step in current.failed if step[2] != runner)
            return replace(current, failed=kept)
        return current
    if event == "unfreeze":
        found = {key: record[key] for key in ("at", "rca", "reason") if key in record}
        return replace(current, rca=(*current.rca, found))
    if not same_change(record.get("commit"), current.commit):
        return current
    # An event whose time cannot be read still counts (a rollback that ended the change
    # must not be forgotten for a typo); its time is unknown ("").
    at = record["at"] if is_rfc3339(record.get("at")) and isinstance(record.get("at"), str) else ""
    if event == ROLLED_BACK_EVENT:
        return replace(
            current,
            state=ROLLED_BACK,
            rolled_back_at=at,
            rollback_decided_at=None,
            opened={},
            samples={},
            unstable={},
        )
    if event == RESUME_EVENT and current.resumable:
        reason = record.get("reason")
        return replace(
            current,
            state="resumed",
            rolled_back_at=None,
            rollback_decided_at=None,
            resumed_at=at,
            resume_reason=reason if isinstance(reason, str) else None,
            opened={},
            environments={},
            samples={},
            unstable={},
            closed_at=None,
        )
    if event == CLOSED_EVENT:
        return replace(current, state="closed", closed_at=at)
    return current


def _decided(current: ChangeState, record: Mapping[str, Any]) -> ChangeState:
    decision, facts = record.get("decision"), record.get("facts")
    if not isinstance(decision, Mapping) or not isinstance(facts, Mapping):
        return current
    change = facts.get("change")
    phase = facts.get("phase")
    if (
        not isinstance(change, Mapping)
        or not same_change(change.get("commit"), current.commit)
        or phase not in (0, 1, 2)
    ):
        return current
    verdict = decision.get("verdict")
    after_close = current.state == "closed" and not (verdict == "rollback" and phase > 0)
    if current.ended or after_close:
        # Holds recorded after the end change nothing: the change stays where it is. A
        # trigger still rolls a closed change back (`rollout.closed` is not final), and
        # that rollback is owed like any other until verified.
        return replace(current, last=record, phase=phase, failed=())
    opened = dict(current.opened)
    environments = dict(current.environments)
    samples = dict(current.samples)
    unstable = dict(current.unstable)
    when = facts.get("collected_at")
    if isinstance(when, str) and is_rfc3339(when) and len(samples.get(phase, ())) < MAX_SAMPLES:
        samples[phase] = (*samples.get(phase, ()), when)
    since = restarted(unstable.get(phase), decision, facts)
    if since is not None and since != unstable.get(phase):
        unstable[phase] = since
        # The monitored hour starts over here (`facts_of`): the samples before it are no
        # longer read, and dropping them keeps a long phase's restart under MAX_SAMPLES.
        start = rfc3339_instant(since)
        kept = (t for t in samples.get(phase, ()) if rfc3339_instant(t) >= start)
        samples[phase] = tuple(kept)
    if verdict == "continue" and isinstance(when, str) and is_rfc3339(when):
        started = facts.get("phase_started_at")
        opened[phase] = Opened(when, started if isinstance(started, str) else None)
        given = facts.get("rollout")
        where = given.get("environment") if isinstance(given, Mapping) else None
        if where in ENVIRONMENTS:
            environments[phase] = environments.get(phase, frozenset()) | {where}
        state = "phase_earned"
    elif verdict == "rollback":
        state = "rolling_back"
        # A rollback stops promotion: the continues that opened the next phase no longer do.
        opened.pop(phase, None)
        environments.pop(phase, None)
        if phase > 0 and current.rollback_decided_at is None:
            # Phase 0's rollback deploys nothing ("stop promotion"): nothing is owed there.
            # A time that cannot be read owes it all the same, its time unknown ("").
            readable = isinstance(when, str) and is_rfc3339(when)
            current = replace(current, rollback_decided_at=when if readable else "")
    elif verdict == "pause":
        state = "paused" if decision.get("pause_kind") == "wait" else "held"
    else:
        return current
    return replace(
        current,
        state=state,
        phase=phase,
        last=record,
        opened=opened,
        environments=environments,
        samples=samples,
        unstable=unstable,
        failed=(),
    )


def clean(decision: Mapping[str, Any]) -> bool:
    """Whether a logged decision leaves its phase's window running: nothing held it back
    but the waiting for time. Its rules that held it (fired, errored or pending, not in
    shadow mode, with a verdict other than continue) must all be waits that fired:

    - a `window.*` rule: the phase's own window not over yet (the rule that measures the
      window cannot restart it);
    - a `NOT_EARNED` rule (`rollout.phase-progression`, `rollout.phase0-environments`):
      the phase was not entered yet; nothing of it ran to be unstable.

    Anything else is unclean, and so is a rollback: an elevated metric (a wait that
    `--allow-pause` may have passed: the metric was still elevated), a hold (freeze,
    owners, a check), and an error, even of a window rule (a window that could not be
    measured is not known to be stable: fail closed). The rule id decides, not the
    policy's `pause:` kind: an elevated metric is a wait too. The ids are the contract a
    custom policy set keeps to: a time window of its own named `window.*` waits cleanly;
    one named otherwise restarts the window it waits in (stricter, never looser).
    """
    verdict = decision.get("verdict")
    if verdict == "continue":  # no live rule held it: nothing to read (most of a log)
        return True
    rules = decision.get("rules")
    if verdict != "pause" or not isinstance(rules, list):
        return False  # a rollback; a pause whose rules were not recorded: not known clean
    waited = False  # a pause nothing recorded held (`rules: []`, a damaged line): not known
    for rule in rules:  # one pass, no calls: `collect` folds the whole log each run
        if not isinstance(rule, dict):  # JSON's objects; `Mapping` costs 4x here, per rule
            return False  # a rule result that cannot be read may be what held it
        status = rule.get("status")
        if status in ("passed", "skipped") or rule.get("mode") == "shadow":
            continue
        if status == "fired":
            if rule.get("verdict") == "continue":
                continue
            ident = rule.get("id")
            if isinstance(ident, str) and (
                ident.startswith(WINDOW_NAMESPACE) or ident in NOT_EARNED
            ):
                waited = True
                continue
        elif status == "error" and rule.get("on_error") == "continue":
            continue
        return False  # held it: fired, errored or pending (or a status not known)
    return waited


def later(known: str | None, when: str) -> str:
    """The later of two RFC 3339 instants (`known` may be absent): logs and cohorts are
    not always in order, and a window restarts at the latest unclean decision."""
    if known is None or rfc3339_instant(when) > rfc3339_instant(known):
        return when
    return known


def restarted(
    since: str | None, decision: Mapping[str, Any], facts: Mapping[str, Any]
) -> str | None:
    """Where a phase's stable window starts over (`since`, None: its start) once a logged
    decision of it, made from `facts`, is taken in: at that decision when it was unclean
    and later. A decision whose time cannot be read restarts nothing it could name."""
    when = facts.get("collected_at")
    if isinstance(when, str) and is_rfc3339(when) and not clean(decision):
        return later(since, when)
    return since


def stable_since(
    decisions: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> str | None:
    """Where the stable window of one phase starts over after its (decision, facts), as
    logged: the collected_at of the latest unclean one (None: none was unclean)."""
    since = None
    for decision, facts in decisions:
        since = restarted(since, decision, facts)
    return since


def state_of(state: StateDir, commit: str) -> ChangeState:
    """Where `commit` stands in the state dir: its log streamed through `fold`, and its
    freeze. An unreadable log raises InputError (the caller fails closed); a bad line is
    skipped with a located warning (`state.warnings`)."""
    return fold(state.records(), commit, state.freeze())


def stops(record: Mapping[str, Any], commit: str) -> bool:
    """Whether a log line may stop `commit` from going on: a rollback decision of it, or its
    rolled_back, resume or closed line. A continue or pause decided before such a line was
    appended may open a phase it has just shut, so it is not recorded after it."""
    event = record.get("event", "decision")
    if event != "decision":
        return event in (ROLLED_BACK_EVENT, RESUME_EVENT, CLOSED_EVENT) and same_change(
            record.get("commit"), commit
        )
    decision, facts = record.get("decision"), record.get("facts")
    change = facts.get("change") if isinstance(facts, Mapping) else None
    return (
        isinstance(decision, Mapping)
        and decision.get("verdict") == "rollback"
        and isinstance(change, Mapping)
        and same_change(change.get("commit"), commit)
    )


def refuse_if_stopped(state: StateDir, mark: Any, commit: str, doing: str, undone: str) -> None:
    """Call under `state.lock()`, just before recording what was decided from the log as
    it stood at `mark`: a line that stops `commit`, or a freeze set or lifted, appended
    since may make it false (a continue opening a phase a rollback shut, a closeout of a
    rollout that rolled back), so nothing is recorded. No mark (a dry run): nothing to do."""
    if mark is not None and state.changed_since(mark, lambda record: stops(record, commit)):
        raise InputError(
            f"change {commit}: another command set or lifted the freeze, or recorded a "
            f"rollback, resume or closeout of it, while {doing}: {undone}; run again",
            Location(str(state.path / DECISIONS)),
        )


def derive(records: Iterable[Any], commit: str, phase: int) -> dict[str, Any]:
    """The `rollout` facts of `commit` collected in `phase`, from the log's records."""
    return facts_of(fold(records, commit), phase)


def facts_of(
    current: ChangeState,
    phase: int,
    collected_at: str | None = None,
    started_at: str | None = None,
) -> dict[str, Any]:
    """The `rollout` facts a change's state gives a snapshot of `phase` (collected at
    `collected_at`, in a phase started at `started_at`: for Phase 2's sample gaps)."""
    facts: dict[str, Any] = {"state": ROLLED_BACK if current.ended else ROLLING_OUT}
    if current.state == CLOSED_EVENT:
        facts["state"] = CLOSED_EVENT
        if current.closed_at:
            facts["closed_at"] = current.closed_at
    if current.rolled_back_at:
        facts["rolled_back_at"] = current.rolled_back_at
    if current.resumed_at:
        facts["resumed_at"] = current.resumed_at
    if current.rollback_decided_at is not None and not current.ended:
        # Its time unknown (""), it was decided before this snapshot at the latest.
        owed = current.rollback_decided_at or collected_at or EARLIEST
        facts["rollback_decided_at"] = owed
    opened = current.opened.get(phase - 1) if phase > 0 else None
    if opened is not None:
        facts["previous_phase_continue_at"] = opened.at
        if opened.phase_started_at is not None:
            facts["previous_phase_started_at"] = opened.phase_started_at
        facts["previous_phase_environments"] = sorted(current.environments.get(phase - 1, ()))
    if phase in current.unstable:
        facts["phase_stable_since"] = current.unstable[phase]
    if phase > 0 and phase - 1 in current.unstable:
        facts["previous_phase_stable_since"] = current.unstable[phase - 1]
    if phase == 2 and collected_at is not None and started_at is not None:
        # The monitored hour is the stable window's: from its last restart, when later, or a
        # restarted window could pass with no sample between the restart and the continue.
        restart = current.unstable.get(2)
        if restart is not None and is_rfc3339(started_at):
            started_at = later(started_at, restart)
        gap = largest_gap((*current.samples.get(2, ()), collected_at), started_at)
        if gap is not None:
            facts["sample_gap_seconds"] = gap
    return facts


def largest_gap(times: Iterable[str], started_at: str) -> float | None:
    """The longest stretch without a sample during the first hour after `started_at`
    (from the start to the first sample, then between two samples; the last one before the
    hour's end counts up to the next, cut at the hour's end), or None before the first
    sample. The start counts as a moment: a phase started by hand (`phase_started_at`
    given) whose first sample came 50 minutes later was not monitored for those 50. Times
    that do not parse are ignored."""
    if not is_rfc3339(started_at):
        return None
    start = rfc3339_instant(started_at)
    moments = sorted((rfc3339_instant(t) - start).total_seconds() for t in times if is_rfc3339(t))
    moments = [m for m in moments if m >= 0]
    if not moments:
        return None
    moments.insert(0, 0.0)
    gaps = [
        min(later, FIRST_HOUR) - earlier
        for earlier, later in itertools.pairwise(moments)
        if earlier < FIRST_HOUR
    ]
    return max(gaps, default=0.0)


def environment(environ: Mapping[str, str]) -> str:
    """Where this snapshot is collected: `PHASEGATE_ENVIRONMENT` (ci or operator) when
    set, else `ci` under a CI system, else `operator`."""
    given = environ.get("PHASEGATE_ENVIRONMENT", "").strip().lower()
    if given in ENVIRONMENTS:
        return given
    ci = any(
        environ.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_VARIABLES
    )
    return "ci" if ci else "operator"


def not_before_opening(started_at: Any, rollout: Any, now: str | None = None) -> Any:
    """A phase's recorded start, moved to the continue that last opened it, or to the
    change's last resume, when that came later. An attempt the previous phase had not yet
    fully earned (Phase 0 passed in CI, not yet on an operator) records a start; the window
    the phase is measured by must run from the continue that opened it, never from a held
    attempt before it. A resume restarts the change: a start recorded before the rollback
    (kept by the state dir) would let a phase re-entered with an override skip its window.
    The resume's time is the wall clock of `phasegate resume`; one after this snapshot's
    `now` (its collected_at: a clock behind, a timeline given with `--set collected_at`)
    moves nothing, or no continue of that timeline could ever come after its start."""
    if not (isinstance(started_at, str) and is_rfc3339(started_at)):
        return started_at
    given = rollout if isinstance(rollout, Mapping) else {}
    for key in ("previous_phase_continue_at", "resumed_at"):
        moved = given.get(key)
        if not (isinstance(moved, str) and is_rfc3339(moved)):
            continue
        if key == "resumed_at" and not (
            isinstance(now, str) and is_rfc3339(now) and later(moved, now) == now
        ):
            continue
        started_at = later(started_at, moved)
    return started_at


def phase_open(rollout: Any, phase: int) -> bool:
    """Whether `rollout` facts let a snapshot of `phase` start it: Phase 0 always; a later
    phase once a continue in the one before opened it, or with an override reason."""
    if phase == 0:
        return True
    return isinstance(rollout, Mapping) and (
        "previous_phase_continue_at" in rollout or OVERRIDE in rollout
    )


def rolled_back(facts: Mapping[str, Any]) -> bool:
    """Whether a facts document's change was rolled back (its `rollout` facts say so)."""
    rollout = facts.get("rollout")
    return isinstance(rollout, Mapping) and rollout.get("state") == ROLLED_BACK


def rolled_back_changes(records: Iterable[Any]) -> list[str]:
    """The changes standing rolled back (a `rolled_back` event not resumed since), as the
    log names them, the latest last. One pass: per commit, the last of its two events."""
    latest: dict[str, str] = {}
    order: dict[str, None] = {}  # move-to-end in O(1): a dict keeps insertion order
    known = _Names()
    for record in records:
        if not isinstance(record, Mapping):
            continue
        commit, event = record.get("commit"), record.get("event")
        if isinstance(commit, str) and event in (ROLLED_BACK_EVENT, RESUME_EVENT):
            key = next(iter(known.matching(commit)), commit)
            if event == RESUME_EVENT and latest.get(key) != ROLLED_BACK_EVENT:
                continue
            if key not in latest:
                known.add(key)
            latest[key] = event
            order.pop(key, None)
            order[key] = None
    return [commit for commit in order if latest[commit] == ROLLED_BACK_EVENT]


def last_rolled_back(records: Iterable[Any]) -> str | None:
    """The commit `phasegate resume` resumes when none is named: the latest rolled back
    change that was not resumed since."""
    standing = rolled_back_changes(records)
    return standing[-1] if standing else None


def last_change(records: Iterable[Any]) -> str | None:
    """The change `status` shows when none is named: that of the log's last decision (or
    rollback, resume or closeout)."""
    found = None
    for record in records:
        commit = _named(record)
        if commit is not None:
            found = commit
    return found


def _named(record: Any) -> str | None:
    """The commit a decision line, or a rollback, resume or closeout line, names."""
    if not isinstance(record, Mapping):
        return None
    if record.get("event", "decision") == "decision":
        facts = record.get("facts")
        change = facts.get("change") if isinstance(facts, Mapping) else None
        commit = change.get("commit") if isinstance(change, Mapping) else None
    elif record.get("event") in (ROLLED_BACK_EVENT, RESUME_EVENT, CLOSED_EVENT):
        commit = record.get("commit")
    else:
        return None
    return commit if isinstance(commit, str) and commit.strip() else None


def resumable_changes(state: StateDir, commit: str) -> list[str]:
    """The changes `resume --change COMMIT` may mean, as the log names them (the longest
    name of each), in log order: rolled back, or owing a rollback. A resume line naming a
    shorter prefix would resume every change it matches, and forget what each one owes.

    Each line steps only the changes it names (found through `_Names`, not compared with
    each): a short prefix over a log of 20,000 changes folded the whole log once per
    change it named, 64 s of CPU. Lines that name no change (actions, unfreeze) cannot make
    one resumable."""
    names: dict[str, None] = {}
    for record in state.records():
        name = _named(record)
        if name is not None and same_change(name, commit):
            names.setdefault(name, None)
    kept = _Names()
    for name in sorted(names, key=lambda name: len(_key(name)), reverse=True):
        if not kept.matching(name):  # no longer name of the same change kept already
            kept.add(name)
    folded = {name: ChangeState(name) for name in kept.names()}
    for record in state.records():
        name = _named(record)
        for mine in kept.matching(name) if name is not None else ():
            folded[mine] = step(folded[mine], record)
    return [name for name in names if name in folded and folded[name].resumable]


def _key(name: str) -> str:
    """A commit as `same_change` compares it."""
    return name.strip().lower()


class _Names:
    """Commit names, found by prefix either way (`same_change`) in a time that grows with
    a name's length and what it matches, not with how many names are known."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}  # the first name known under each key, in order
        self._order: dict[str, int] = {}
        self._sorted: list[str] = []  # the keys, sorted: those a key prefixes follow it

    def add(self, name: str) -> None:
        key = _key(name)
        if key and key not in self._by_key:
            self._by_key[key] = name
            self._order[key] = len(self._order)
            bisect.insort(self._sorted, key)

    def names(self) -> list[str]:
        return list(self._by_key.values())

    def matching(self, name: str) -> list[str]:
        """The known names `same_change` says are `name`'s change, in the order known."""
        key = _key(name)
        if not key:
            return []
        found = {key[:end] for end in range(1, len(key)) if key[:end] in self._by_key}
        at = bisect.bisect_left(self._sorted, key)
        while at < len(self._sorted) and self._sorted[at].startswith(key):
            found.add(self._sorted[at])
            at += 1
        return [self._by_key[known] for known in sorted(found, key=self._order.__getitem__)]


def rolled_back_record(decision_id: str, commit: str, at: str) -> dict[str, Any]:
    return {"event": ROLLED_BACK_EVENT, "decision_id": decision_id, "commit": commit, "at": at}


def resume_record(commit: str, reason: str, at: str) -> dict[str, Any]:
    return {"event": RESUME_EVENT, "commit": commit, "reason": reason, "at": at}


def closed_record(commit: str, at: str) -> dict[str, Any]:
    return {"event": CLOSED_EVENT, "commit": commit, "at": at}
