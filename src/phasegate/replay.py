"""Offline replay: decide every snapshot of recorded rollouts as the gate would have.

Replay answers "when would this policy have acted?": each snapshot is decided in order,
with the `for:` streaks and `history` a live run would have had, and each recording gets a
summary of its first pause, first rollback and how long after the first breach it came.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.errors import InputError
from phasegate.evaluate import DEFAULT_HISTORY_WINDOW, Decision, Rollout, RuleStatus
from phasegate.facts import Facts
from phasegate.loading import load_document
from phasegate.policy import PolicySet
from phasegate.recording import Recording, batch, instant
from phasegate.schemas import validate
from phasegate.verdict import Verdict


@dataclass(frozen=True)
class ReplayedRecording:
    source: str
    decisions: tuple[Decision, ...]
    skipped: tuple[tuple[str, str], ...]
    #: The facts each decision was made from, same order.
    snapshots: tuple[Facts, ...] = ()

    def summary(self) -> dict[str, Any]:
        return summarise(self.decisions, len(self.skipped))


def replay(
    recording: Recording,
    policy_set: PolicySet,
    window: int = DEFAULT_HISTORY_WINDOW,
    progress: Callable[[int], None] | None = None,
) -> ReplayedRecording:
    rollout = Rollout(policy_set, window, messages=False)
    decisions = []
    with batch():
        for facts in recording.snapshots:
            decisions.append(rollout.decide(facts))
            if progress is not None:
                progress(1)
    return ReplayedRecording(
        recording.source, tuple(decisions), recording.skipped, recording.snapshots
    )


def ids(decision: Decision, status: RuleStatus) -> list[str]:
    return sorted(result.id for result in decision.with_status(status))


def summarise(decisions: Sequence[Decision], skipped: int) -> dict[str, Any]:
    """First pause, first rollback (index, time, rules), counts, breach-to-rollback time."""
    first = {
        verdict: next((i for i, d in enumerate(decisions) if d.verdict is verdict), None)
        for verdict in (Verdict.PAUSE, Verdict.ROLLBACK)
    }
    breach = next((i for i, d in enumerate(decisions) if d.verdict is not Verdict.CONTINUE), None)
    summary: dict[str, Any] = {
        "first_pause": first[Verdict.PAUSE],
        "first_rollback": first[Verdict.ROLLBACK],
        "counts": {
            verdict.label: sum(d.verdict is verdict for d in decisions) for verdict in Verdict
        },
        "skipped_lines": skipped,
    }
    for verdict, index in first.items():
        if index is not None:
            decision = decisions[index]
            summary[f"first_{verdict.label}_at"] = decision.collected_at
            summary[f"first_{verdict.label}_rules"] = sorted(
                r.id for r in decision.results if r.contribution is verdict
            )
    rollback = first[Verdict.ROLLBACK]
    if breach is not None and rollback is not None:
        elapsed = instant(decisions[rollback].collected_at) - instant(
            decisions[breach].collected_at
        )
        summary["breach_to_rollback_seconds"] = int(elapsed.total_seconds())
    return summary


def changes(previous: Decision | None, current: Decision) -> list[str]:
    """What changed since the previous snapshot, in words: verdict and rules."""
    if previous is None:
        return []
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

    def covers(self, index: int, decision: Decision) -> bool:
        if isinstance(self.first, int) and isinstance(self.last, int):
            return self.first <= index <= self.last
        moment = instant(decision.collected_at)
        return instant(str(self.first)) <= moment <= instant(str(self.last))


def check_expectations(
    replayed: Sequence[ReplayedRecording], expectations: Sequence[Expectation]
) -> list[str]:
    """Every snapshot whose verdict differs from what an expectation says, in words."""
    problems = []
    for expectation in expectations:
        matched = False
        for recording in replayed:
            if expectation.recording and expectation.recording not in recording.source:
                continue
            for index, decision in enumerate(recording.decisions):
                if not expectation.covers(index, decision):
                    continue
                matched = True
                if decision.verdict is not expectation.verdict:
                    fired = (
                        ", ".join(
                            r.id for r in decision.results if r.contribution is decision.verdict
                        )
                        or "nothing"
                    )
                    problems.append(
                        f"{recording.source} #{index} ({decision.collected_at}): expected "
                        f"{expectation.verdict.label}, got {decision.verdict.label} ({fired})"
                    )
        if not matched:
            problems.append(
                f"no snapshot in {expectation.first}..{expectation.last}"
                + (f" of {expectation.recording}" if expectation.recording else "")
            )
    return problems


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
        if type(first) is not type(last):
            raise InputError(
                "from and to must both be indexes or both be times",
                document.location(("expect", index)),
            )
        expectations.append(
            Expectation(Verdict.parse(raw["verdict"]), first, last, raw.get("recording"))
        )
    return expectations
