"""What replay's charts show, computed while a recording is replayed: for every fact a rule
compares with a threshold, the fact and each threshold over the snapshots, and the verdicts.

The page must stay small however long the recording, so each series keeps at most one
lowest and one highest value per pixel column of the plot (`COLUMNS`), and the verdicts
are kept as runs of equal verdict: every pause and rollback snapshot stays visible, in the
run that holds it. Only plain numbers leave this module; renderers never evaluate.

What a reader needs at a glance is decided here too, so every renderer tells the same
story: which verdict each threshold stands for, each chart's axis (round ticks), which
charts matter first (their rules acted earliest), the exact values at the first pause and
the first rollback (the downsampled points may have merged them away), and the snapshots
where the verdict changed (the first `CHANGES` of them: the earliest tell the story).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from phasegate import cel
from phasegate.core.evaluate import Decision, RuleStatus, Snapshot
from phasegate.core.facts import Facts
from phasegate.core.policy import PolicySet
from phasegate.core.verdict import Verdict
from phasegate.replay.rollouts import LastDecisions, rollout_name

#: Pixel columns of the plot area of a chart (the page's width less the axis labels).
COLUMNS = 850
#: Verdict changes kept for the page's table; a recording that flaps more says so.
CHANGES = 200
#: About how many ticks an axis gets (round values, so between 3 and 8 or so).
TICKS = 5


@dataclass(frozen=True)
class Series:
    #: The fact's path, or the id of the rule whose threshold this is.
    label: str
    #: A threshold (drawn dashed) rather than the fact itself.
    threshold: bool
    #: (snapshot index, value) in index order; a snapshot without a number has no point.
    points: tuple[tuple[int, float], ...]
    #: For a threshold: the verdict its rule gives, and how the fact is compared with it
    #: ("fact > threshold" is ">"), so it reads "rollback if > 0.0265".
    verdict: str = ""
    operator: str = ""
    #: The first snapshot at which this threshold's rule fired (None: it never did).
    fired_at: int | None = None
    #: (verdict label, exact value) at the first pause and the first rollback snapshot.
    marks: tuple[tuple[str, float], ...] = ()

    @property
    def low(self) -> float:
        return min(value for _, value in self.points)

    @property
    def high(self) -> float:
        return max(value for _, value in self.points)


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[Series, ...]
    #: The y axis: its range and round tick values inside it, covering every series.
    axis: tuple[float, float] = (0.0, 1.0)
    ticks: tuple[float, ...] = ()
    #: The first snapshot at which one of this chart's rules fired (None: none did).
    fired_at: int | None = None


@dataclass(frozen=True)
class Mark:
    """The first pause or the first rollback: where it was, and the rules that made it."""

    verdict: str
    index: int
    collected_at: str
    rules: tuple[str, ...]
    #: The change and phase it belongs to ("9f2c4e1 phase 1").
    rollout: str = ""


@dataclass(frozen=True)
class Change:
    """A snapshot whose verdict differs from the previous one's of the same change and
    phase (or the first snapshot of one): two changes in one log are kept apart."""

    index: int
    collected_at: str
    #: The previous snapshot's verdict; "" for the first snapshot.
    before: str
    verdict: str
    #: (rule id, status) of every rule that made the verdict what it is: fired, pending or
    #: errored, sorted; empty when the verdict is continue.
    rules: tuple[tuple[str, str], ...]
    #: The change and phase ("9f2c4e1 phase 1").
    rollout: str = ""


@dataclass(frozen=True)
class Charts:
    #: Ordered by relevance: the charts whose rules fired, earliest first, then the rest.
    charts: tuple[Chart, ...]
    #: (first index, last index, verdict label) of each run of equal verdicts.
    runs: tuple[tuple[int, int, str], ...]
    count: int
    #: collected_at of the first and last snapshot ("" when there is none).
    span: tuple[str, str]
    #: The first pause and the first rollback, in that order, when there are any.
    marks: tuple[Mark, ...] = ()
    #: The first `CHANGES` verdict changes, and how many there were in all.
    changes: tuple[Change, ...] = ()
    change_count: int = 0


class ChartRecorder:
    def __init__(self, policy_set: PolicySet, columns: int = COLUMNS) -> None:
        from phasegate.cel import syntax  # the tree parser: only when a chart is asked for

        plots: dict[tuple[str, ...], list[tuple[Any, Any, Any]]] = {}
        for policy in policy_set.policies:
            for rule in policy.rules:
                for comparison in syntax.comparisons(rule.when):
                    plots.setdefault(comparison.path, []).append((rule, comparison, policy))
        #: Per plotted path: its label, then (label, rule, comparison, policy) per threshold.
        self.plan = [
            (
                ".".join(path),
                [(rule.id, rule, c, policy) for rule, c, policy in plots[path]],
            )
            for path in sorted(plots)
        ]
        self.paths = [tuple(path.split(".")[1:]) for path, _ in self.plan]
        self.width = sum(1 + len(limits) for _, limits in self.plan)
        self.columns = columns
        self.size = 1  # snapshots per bucket, doubled whenever the buckets fill the columns
        #: Per bucket, per series: [lowest, its index, highest, its index] or None.
        self.buckets: list[list[list[Any] | None]] = []
        self.runs: list[list[Any]] = []
        self.count = 0
        self.span = ("", "")
        #: Rule id -> the first snapshot at which it fired.
        self.fired: dict[str, int] = {}
        #: Verdict label -> (its Mark, every series' exact value at that snapshot).
        self.firsts: dict[str, tuple[Mark, list[float | None]]] = {}
        self.changes: list[Change] = []
        self.change_count = 0
        self.last = LastDecisions()

    def add(self, index: int, facts: Facts, decision: Decision) -> None:
        label = decision.verdict.label
        before = self.last.swap(decision)
        if before is None or before.verdict is not decision.verdict:
            self._change(index, decision, before.verdict.label if before is not None else "")
        if self.runs and self.runs[-1][2] == label:
            self.runs[-1][1] = index
        else:
            self.runs.append([index, index, label])
        self.count = index + 1
        self.span = (self.span[0] or decision.collected_at, decision.collected_at)
        values: list[float | None] = []
        if self.width:
            values = self._values(facts)
            cells = self._bucket(index)
            cells[:] = self._merge(cells, values, index)
        if decision.verdict is not Verdict.CONTINUE:  # a continue snapshot has no rule that acted
            for result in decision.results:
                if result.status is RuleStatus.FIRED:
                    self.fired.setdefault(result.id, index)
            if label not in self.firsts:
                rules = tuple(
                    sorted(r.id for r in decision.results if r.contribution is decision.verdict)
                )
                mark = Mark(label, index, decision.collected_at, rules, rollout_name(decision))
                self.firsts[label] = (mark, values or [None] * self.width)

    def _change(self, index: int, decision: Decision, before: str) -> None:
        self.change_count += 1
        if len(self.changes) >= CHANGES:
            return
        acting = sorted(
            (result.id, result.status.value)
            for result in decision.results
            if result.contribution is not Verdict.CONTINUE
        )
        self.changes.append(
            Change(
                index,
                decision.collected_at,
                before,
                decision.verdict.label,
                tuple(acting),
                rollout_name(decision),
            )
        )

    def _values(self, facts: Facts) -> list[float | None]:
        snapshot = Snapshot(facts, [])
        bindings: dict[int, cel.Bindings] = {}
        values: list[float | None] = []
        for path, (_, limits) in zip(self.paths, self.plan, strict=True):
            values.append(_number(cel.lookup(facts.data, path)))
            for _, rule, comparison, policy in limits:
                # A threshold only where its rule applies: no Phase 2 limit over Phase 1.
                if facts.phase not in rule.phases:
                    values.append(None)
                    continue
                if id(policy) not in bindings:
                    bindings[id(policy)] = snapshot.bindings(policy)
                value = cel.run(comparison.other, bindings[id(policy)])
                values.append(None if isinstance(value, cel.EvalFailure) else _number(value))
        return values

    def _bucket(self, index: int) -> list[list[Any] | None]:
        while index // self.size >= self.columns:
            self.buckets = [
                [_combine(a, b) for a, b in zip(*self.buckets[i : i + 2], strict=True)]
                if i + 1 < len(self.buckets)
                else self.buckets[i]
                for i in range(0, len(self.buckets), 2)
            ]
            self.size *= 2
        while len(self.buckets) <= index // self.size:
            self.buckets.append([None] * self.width)
        return self.buckets[index // self.size]

    @staticmethod
    def _merge(
        cells: list[list[Any] | None], values: list[float | None], index: int
    ) -> list[list[Any] | None]:
        return [
            cell if value is None else _combine(cell, [value, index, value, index])
            for cell, value in zip(cells, values, strict=True)
        ]

    def result(self) -> Charts:
        firsts = [self.firsts[v] for v in ("pause", "rollback") if v in self.firsts]
        charts = []
        column = 0
        for path, limits in self.plan:
            labels: list[tuple[str, Any]] = [(path, None)] + [
                (label, (rule, comparison)) for label, rule, comparison, _ in limits
            ]
            series = []
            for number, (label, limit) in enumerate(labels):
                points: list[tuple[int, float]] = []
                for bucket in self.buckets:
                    cell = bucket[column + number]
                    if cell is not None:
                        low, high = (cell[1], cell[0]), (cell[3], cell[2])
                        points += sorted({low, high})
                if not points:
                    continue
                marks = tuple(
                    (mark.verdict, value)
                    for mark, values in firsts
                    if (value := values[column + number]) is not None
                )
                if limit is None:
                    series.append(Series(label, False, tuple(points), marks=marks))
                    continue
                rule, comparison = limit
                series.append(
                    Series(
                        label,
                        True,
                        tuple(points),
                        rule.verdict.label,
                        comparison.operator,
                        self.fired.get(rule.id),
                        marks,
                    )
                )
            column += len(labels)
            if series and not series[0].threshold:
                charts.append(self._chart(path, series))
        # The charts whose rules acted, earliest first, then the rest as the paths sort.
        charts.sort(key=lambda c: (c.fired_at is None, c.fired_at or 0, c.title))
        return Charts(
            tuple(charts),
            tuple((a, b, c) for a, b, c in self.runs),
            self.count,
            self.span,
            tuple(mark for mark, _ in firsts),
            tuple(self.changes),
            self.change_count,
        )

    @staticmethod
    def _chart(title: str, series: list[Series]) -> Chart:
        low = min(one.low for one in series)
        high = max(one.high for one in series)
        axis, ticks = nice_axis(low, high)
        fired = [one.fired_at for one in series if one.fired_at is not None]
        return Chart(title, tuple(series), axis, ticks, min(fired, default=None))


def nice_axis(
    low: float, high: float, count: int = TICKS
) -> tuple[tuple[float, float], tuple[float, ...]]:
    """An axis a person reads without arithmetic: ticks at 1, 2, 2.5 or 5 times a power of
    ten, the range widened to the ticks around the data. A flat series gets zero on its
    axis, so its line sits at a readable height rather than on a made-up padding."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return (0.0, 1.0), (0.0, 1.0)
    if high == low:
        low, high = (min(low, 0.0), max(high, 0.0)) if low else (0.0, 1.0)
    raw = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    # Rounded to the step's precision, so 0.1 * 3 is 0.3 and not 0.30000000000000004.
    digits = max(0, 2 - math.floor(math.log10(step)))
    ticks = tuple(round(n * step, digits) for n in range(first, last + 1))
    return (ticks[0], ticks[-1]), ticks


def _combine(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    """The lowest and highest of two cells, each with the index it was seen at."""
    if a is None or b is None:
        return a if b is None else b
    low = a[:2] if a[0] <= b[0] else b[:2]
    high = a[2:] if a[2] >= b[2] else b[2:]
    return [*low, *high]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
