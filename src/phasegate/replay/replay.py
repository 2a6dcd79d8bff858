"""Offline replay: decide every snapshot of recorded rollouts as the gate would have.

Replay answers "when would this policy have acted?": each snapshot is decided in order,
with the `for:` streaks and `history` a live run would have had, and each recording gets a
summary of its first pause, first rollback and how long after the first breach it came.

Recordings are streamed: memory holds the rollouts' history windows and what an output must
keep (skipped lines, chart buckets, verdict runs), never the recording itself. Everything a
report shows is computed here, as plain data; renderers only format it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from phasegate.core.evaluate import DEFAULT_HISTORY_WINDOW, Decision, RuleResult, RuleStatus
from phasegate.core.facts import Facts
from phasegate.core.policy import PolicySet
from phasegate.core.recording import Recording, RecordingReader, Refused, Unordered, instant
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location
from phasegate.files.loading import load_document
from phasegate.files.schemas import validate
from phasegate.replay.charts import ChartRecorder, Charts
from phasegate.replay.memo import MemoRollout
from phasegate.replay.rollouts import rollout_name, rollout_of

#: Skipped lines a report lists per recording; the rest are counted only, so a recording of
#: junk lines costs no memory per line.
MAX_SKIPPED_SHOWN = 100


@dataclass(frozen=True)
class Step:
    """One replayed snapshot: its place in the recording and its decision."""

    #: Counts the usable snapshots in time order, as `--expect` does.
    index: int
    decision: Decision
    #: `file:LINE` (a folder's: the file), as `diff` and the skipped lines name it: the
    #: index alone cannot be found in a file with bad lines or written out of order.
    where: str = ""


@dataclass(frozen=True)
class SkippedStep:
    """A snapshot refused at load (`Refused`), in its place: it has an index, so the
    snapshots after it keep theirs, but no decision; an expectation naming it is not met."""

    index: int
    where: str
    reason: str
    #: Its collected_at when readable, for an expectation over a time range.
    moment: datetime | None = None


#: Changes a summary follows one by one; a log with more is summarised as a whole past them.
MAX_CHANGES = 1024


class _Firsts:
    """Counts, first pause and rollback and the first breach of one change (or of all)."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(Verdict, 0)
        self.first: dict[Verdict, Step] = {}
        self.breach: Decision | None = None
        self.phases: set[int] = set()
        #: Shadow rule -> snapshots whose verdict it would have changed, were it live.
        self.shadow: dict[str, int] = {}

    def add(self, step: Step, shadows: Sequence[RuleResult]) -> None:
        """`shadows`: the step's shadow rules' results (found once for both summaries)."""
        verdict = step.decision.verdict
        self.counts[verdict] += 1
        self.phases.add(step.decision.phase)
        for result in shadows:
            changed = max(verdict, result.effect) is not verdict
            self.shadow[result.id] = self.shadow.get(result.id, 0) + changed
        if verdict is not Verdict.CONTINUE:
            self.first.setdefault(verdict, step)
            if self.breach is None:
                self.breach = step.decision

    def result(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            f"first_{verdict.label}": self.first[verdict].index if verdict in self.first else None
            for verdict in (Verdict.PAUSE, Verdict.ROLLBACK)
        }
        summary["counts"] = {verdict.label: count for verdict, count in self.counts.items()}
        if self.shadow:
            summary["shadow_disagreements"] = dict(sorted(self.shadow.items()))
        for verdict, first in self.first.items():
            decision = first.decision
            summary[f"first_{verdict.label}_where"] = first.where
            summary[f"first_{verdict.label}_at"] = decision.collected_at
            summary[f"first_{verdict.label}_phase"] = decision.phase
            summary[f"first_{verdict.label}_rules"] = sorted(
                r.id for r in decision.results if r.contribution is verdict
            )
        return summary


class Summary:
    """First pause and rollback (index, time, rules), counts and breach-to-rollback time,
    gathered as the steps go by so nothing but the firsts is kept.

    A decision log may hold several changes: each change is summarised apart, and the time
    from breach to rollback is always one change's (its first breach, in any phase, to its
    first rollback), never the breach of one change and the rollback of another.
    """

    def __init__(self) -> None:
        self.whole = _Firsts()
        self.changes: dict[str, _Firsts] = {}
        self.tags: dict[str, str] = {}
        self.unfollowed = 0

    def add(self, step: Step) -> None:
        shadows = [result for result in step.decision.results if result.shadow]
        self.whole.add(step, shadows)
        commit, _ = rollout_of(step.decision)
        found = self.changes.get(commit)
        if found is None:
            if len(self.changes) >= MAX_CHANGES:
                self.unfollowed += 1
                return
            found = self.changes[commit] = _Firsts()
            self.tags[commit] = str(step.decision.change.get("tag") or "")
        found.add(step, shadows)

    def result(self, skipped: int) -> dict[str, Any]:
        summary = self.whole.result()
        summary["skipped_lines"] = skipped
        for verdict, first in self.whole.first.items():
            summary[f"first_{verdict.label}_change"] = rollout_of(first.decision)[0]
        rollback = self.whole.first.get(Verdict.ROLLBACK)
        if rollback is not None:
            seconds = _breach_to_rollback(self.changes.get(rollout_of(rollback.decision)[0]))
            if seconds is not None:
                summary["breach_to_rollback_seconds"] = seconds
        changes = []
        for commit, firsts in self.changes.items():
            one = firsts.result()
            one["commit"], one["tag"], one["phases"] = (
                commit,
                self.tags[commit],
                sorted(firsts.phases),
            )
            seconds = _breach_to_rollback(firsts)
            if seconds is not None:
                one["breach_to_rollback_seconds"] = seconds
            changes.append(one)
        summary["changes"] = changes
        if self.unfollowed:
            summary["snapshots_of_unlisted_changes"] = self.unfollowed
        return summary


def _breach_to_rollback(firsts: _Firsts | None) -> int | None:
    """Seconds from one change's first breach (first non-continue) to its first rollback."""
    if firsts is None or firsts.breach is None or Verdict.ROLLBACK not in firsts.first:
        return None
    rollback = firsts.first[Verdict.ROLLBACK].decision
    elapsed = instant(rollback.collected_at) - instant(firsts.breach.collected_at)
    return int(elapsed.total_seconds())


class Replay:
    """One recording being replayed: `steps()` decides its snapshots one at a time; once
    they are exhausted, `skipped`, `summary()`, `count` and `charts` describe the whole."""

    def __init__(
        self,
        reader: RecordingReader,
        policy_set: PolicySet,
        window: int = DEFAULT_HISTORY_WINDOW,
        *,
        charts: bool = False,
        sort: bool = False,
    ) -> None:
        self.reader, self.policy_set, self.window, self.sort = reader, policy_set, window, sort
        self.source = reader.source
        #: Snapshots decided (a skipped one has an index but is not counted).
        self.count = 0
        #: The index of each of the first `MAX_SKIPPED_SHOWN` snapshots refused at load, by
        #: where it is: the reports list it with its index among the skipped lines.
        self.skipped_indexes: dict[str, int] = {}
        self._summary = Summary()
        self._charts = ChartRecorder(policy_set) if charts else None

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """The first `MAX_SKIPPED_SHOWN` skipped lines; `skipped_count` counts them all."""
        return self.reader.skipped

    @property
    def skipped_count(self) -> int:
        return self.reader.skipped.total

    def steps(self) -> Iterator[Step]:
        """Raises `Unordered` (before anything is decided out of order) unless `sort`."""
        return (step for step in self.all_steps() if isinstance(step, Step))

    def all_steps(self) -> Iterator[Step | SkippedStep]:
        """`steps`, and each snapshot refused at load as a `SkippedStep` with its index."""
        rollout = MemoRollout(self.policy_set, self.window)
        snapshots = self.reader.snapshots(sort=self.sort, refused=True)
        for index, facts in enumerate(snapshots):
            if isinstance(facts, Refused):
                if len(self.skipped_indexes) < MAX_SKIPPED_SHOWN:
                    self.skipped_indexes.setdefault(facts.where, index)
                yield SkippedStep(index, facts.where, facts.reason, facts.moment)
                continue
            try:
                decision = rollout.decide(facts)
            except InputError as error:  # a phase no live rule judges: which snapshot, too
                where = f"{error.location}: " if error.location is not None else ""
                raise InputError(f"{where}{error.message}", Location(facts.source)) from None
            step = Step(index, decision, facts.source)
            self._summary.add(step)
            if self._charts is not None:
                self._charts.add(step.index, facts, step.decision)
            self.count += 1
            yield step

    def summary(self) -> dict[str, Any]:
        return self._summary.result(self.skipped_count)

    @property
    def charts(self) -> Charts:
        if self._charts is None:
            raise ValueError("replayed without charts")
        return self._charts.result()


class RecordingOutput(Protocol):
    """What a report format does with one recording while it is replayed."""

    def add(self, step: Step) -> None: ...

    def finish(self) -> None:
        """The recording is complete: write it (its steps may have been spooled)."""

    def discard(self) -> None:
        """The recording is read again in order: forget what `add` was given."""


def replay_recordings(
    paths: Iterable[Path],
    policy_set: PolicySet,
    window: int,
    output: Callable[[Replay], RecordingOutput],
    *,
    charts: bool = False,
    checker: ExpectationCheck | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Replay]:
    """Replay each recording into `output`, each once however often it is named (a backtest
    would count it twice); one written out of order is read again sorted."""
    unique: dict[str, Path] = {}
    for path in paths:
        unique.setdefault(os.path.realpath(path), path)  # a link or an absolute path too
    # No report shows a snapshot's facts digest: the reader computes none.
    readers = [
        RecordingReader(path, keep_skipped=MAX_SKIPPED_SHOWN, digests=False)
        for path in unique.values()
    ]
    for reader in readers:
        reader.check()  # an unreadable recording stops the replay before any output
    done = []
    for reader in readers:
        for sort in (False, True):
            replayed = Replay(reader, policy_set, window, charts=charts, sort=sort)
            sink = output(replayed)
            check = checker.recording(replayed.source) if checker is not None else None
            try:
                for step in replayed.all_steps():
                    if check is not None:
                        check.add(step)
                    if isinstance(step, SkippedStep):
                        continue
                    sink.add(step)
                    if progress is not None:
                        progress(1)
            except Unordered:
                sink.discard()
                continue
            sink.finish()
            if check is not None:
                check.commit()
            done.append(replayed)
            break
    return done


@dataclass(frozen=True)
class ReplayedRecording:
    """A replayed recording held whole, for callers that compare decisions (diff, tests)."""

    source: str
    decisions: tuple[Decision, ...]
    skipped: tuple[tuple[str, str], ...]
    #: The facts each decision was made from, same order.
    snapshots: tuple[Facts, ...] = ()

    def summary(self) -> dict[str, Any]:
        summary = Summary()
        wheres = [facts.source for facts in self.snapshots] or [""] * len(self.decisions)
        for index, (decision, where) in enumerate(zip(self.decisions, wheres, strict=True)):
            summary.add(Step(index, decision, where))
        return summary.result(len(self.skipped))


def replay(
    recording: Recording, policy_set: PolicySet, window: int = DEFAULT_HISTORY_WINDOW
) -> ReplayedRecording:
    rollout = MemoRollout(policy_set, window)
    decisions = tuple(rollout.decide(facts) for facts in recording.snapshots)
    return ReplayedRecording(recording.source, decisions, recording.skipped, recording.snapshots)


def ids(decision: Decision, status: RuleStatus) -> list[str]:
    return sorted(result.id for result in decision.with_status(status))


def changes(previous: Decision | None, current: Decision) -> list[str]:
    """What changed since the previous snapshot, in words: verdict and rules."""
    if previous is None:
        return []
    if previous.verdict is current.verdict and previous.results == current.results:
        return []  # the memo shares results: mostly a comparison of identical objects
    notes = []
    if previous.verdict is not current.verdict:
        notes.append(f"{previous.verdict.label} -> {current.verdict.label}")
    for status in (RuleStatus.FIRED, RuleStatus.PENDING, RuleStatus.ERROR):
        before, now = set(ids(previous, status)), set(ids(current, status))
        notes += [f"+{status.value} {rule}" for rule in sorted(now - before)]
        notes += [f"-{status.value} {rule}" for rule in sorted(before - now)]
    return notes


@dataclass(frozen=True)
class Expectation:
    """An expected verdict for a snapshot index range or a time range of recordings."""

    verdict: Verdict
    first: int | str
    last: int | str
    recording: str | None = None
    #: The range's times read once, when it is a time range.
    times: tuple[datetime, datetime] | None = None

    def covers(self, index: int, moment: datetime | None) -> bool:
        """Whether the snapshot at `index`, collected at `moment`, is one this expects (a
        time range covers no snapshot whose time is unknown)."""
        if self.times is None:
            return self.first <= index <= self.last  # type: ignore[operator]
        return moment is not None and self.times[0] <= moment <= self.times[1]


@dataclass
class ExpectationCheck:
    """Every snapshot whose verdict differs from what an expectation says, in words,
    checked as the snapshots are decided; problems are listed expectation by expectation."""

    expectations: Sequence[Expectation]
    found: list[list[str]] = field(default_factory=list)
    matched: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.found = [[] for _ in self.expectations]
        self.matched = [False for _ in self.expectations]

    def recording(self, source: str) -> _RecordingCheck:
        return _RecordingCheck(self, source)

    def problems(self) -> list[str]:
        problems = []
        for expectation, found, matched in zip(
            self.expectations, self.found, self.matched, strict=True
        ):
            problems += found
            if not matched:
                problems.append(
                    f"no snapshot in {expectation.first}..{expectation.last}"
                    + (f" of {expectation.recording}" if expectation.recording else "")
                )
        return problems


class _RecordingCheck:
    """One recording's part of a check, kept apart until the recording is complete."""

    def __init__(self, check: ExpectationCheck, source: str) -> None:
        self.check, self.source = check, source
        self.applies = [
            number
            for number, expectation in enumerate(check.expectations)
            if not expectation.recording or expectation.recording in source
        ]
        self.found: list[tuple[int, str]] = []
        self.matched: set[int] = set()
        #: Whether an expectation here is a time range (each snapshot's time is read then).
        self.times = any(check.expectations[number].times for number in self.applies)

    def add(self, step: Step | SkippedStep) -> None:
        if isinstance(step, SkippedStep):
            self._skipped(step)
            return
        decision = step.decision
        moment = instant(decision.collected_at) if self.times else None
        for number in self.applies:
            expectation = self.check.expectations[number]
            if not expectation.covers(step.index, moment):
                continue
            self.matched.add(number)
            if decision.verdict is not expectation.verdict:
                fired = _why(decision)
                self.found.append(
                    (
                        number,
                        f"{step.where or self.source} #{step.index} ({decision.collected_at}, "
                        f"change {rollout_name(decision)}): expected "
                        f"{expectation.verdict.label}, got {decision.verdict.label} ({fired})",
                    )
                )

    def _skipped(self, step: SkippedStep) -> None:
        """A skipped snapshot has no verdict, so never the expected one: a mismatch, which
        says why it was skipped (passing it over would pass an expectation on nothing)."""
        for number in self.applies:
            expectation = self.check.expectations[number]
            if not expectation.covers(step.index, step.moment):
                continue
            self.matched.add(number)
            self.found.append(
                (
                    number,
                    f"{step.where or self.source} #{step.index}: expected "
                    f"{expectation.verdict.label}, but the snapshot was skipped: {step.reason}",
                )
            )

    def commit(self) -> None:
        for number, problem in self.found:
            self.check.found[number].append(problem)
        for number in self.matched:
            self.check.matched[number] = True


#: What explains a verdict: a continue "because of" every passed rule would list them all.
_TELLING = {"fired", "error", "pending"}


def _why(decision: Decision) -> str:
    """The rules behind an unexpected verdict: fired, errored or pending ones only."""
    telling = [
        r.id if r.status == "fired" else f"{r.id} {r.status}"
        for r in decision.results
        if r.status in _TELLING
    ]
    return ", ".join(telling) or "no rule fired, errored or is pending"


def load_expectations(path: str | Path) -> list[Expectation]:
    document = load_document(path)
    validate(document, "expectation")
    expectations = []
    for index, raw in enumerate(document.data["expect"]):
        first, last = (raw["at"], raw["at"]) if "at" in raw else (raw["from"], raw["to"])
        # Times are kept as written but in upper case, as facts keep theirs (`t` is `T`).
        first, last = (
            bound.upper() if isinstance(bound, str) else bound for bound in (first, last)
        )
        where = document.location(("expect", index))
        if type(first) is not type(last):
            raise InputError("from and to must both be indexes or both be times", where)
        times = None
        if isinstance(first, str):
            try:
                times = (instant(first), instant(last))
            except ValueError:
                raise InputError(f"cannot read {first!r}..{last!r} as times", where) from None
        expectations.append(
            Expectation(Verdict.parse(raw["verdict"]), first, last, raw.get("recording"), times)
        )
    return expectations
