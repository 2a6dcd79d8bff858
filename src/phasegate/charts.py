"""What replay's charts show, computed while a recording is replayed: for every fact a rule
compares with a threshold, the fact and each threshold over the snapshots, and the verdicts.

The page must stay small however long the recording, so each series keeps at most one
lowest and one highest value per pixel column of the plot (`COLUMNS`), and the verdicts
are kept as runs of equal verdict: every pause and rollback snapshot stays visible, in the
run that holds it. Only plain numbers leave this module; renderers never evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate import cel
from phasegate.evaluate import Decision, Snapshot
from phasegate.facts import Facts
from phasegate.policy import PolicySet

#: Pixel columns of the plot area of a chart (the page's width less the axis labels).
COLUMNS = 850


@dataclass(frozen=True)
class Series:
    label: str
    #: A threshold (drawn dashed) rather than the fact itself.
    threshold: bool
    #: (snapshot index, value) in index order; a snapshot without a number has no point.
    points: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Charts:
    charts: tuple[Chart, ...]
    #: (first index, last index, verdict label) of each run of equal verdicts.
    runs: tuple[tuple[int, int, str], ...]
    count: int
    #: collected_at of the first and last snapshot ("" when there is none).
    span: tuple[str, str]


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
                [
                    (f"{rule.id} ({c.operator} {c.other.text})", rule, c, policy)
                    for rule, c, policy in plots[path]
                ],
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

    def add(self, index: int, facts: Facts, decision: Decision) -> None:
        label = decision.verdict.label
        if self.runs and self.runs[-1][2] == label:
            self.runs[-1][1] = index
        else:
            self.runs.append([index, index, label])
        self.count = index + 1
        self.span = (self.span[0] or decision.collected_at, decision.collected_at)
        if self.width:
            cells = self._bucket(index)
            cells[:] = self._merge(cells, self._values(facts), index)

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
        charts = []
        column = 0
        for path, limits in self.plan:
            labels = [(path, False)] + [(label, True) for label, *_ in limits]
            series = []
            for number, (label, threshold) in enumerate(labels):
                points: list[tuple[int, float]] = []
                for bucket in self.buckets:
                    cell = bucket[column + number]
                    if cell is not None:
                        low, high = (cell[1], cell[0]), (cell[3], cell[2])
                        points += sorted({low, high})
                if points:
                    series.append(Series(label, threshold, tuple(points)))
            column += len(labels)
            if series and not series[0].threshold:
                charts.append(Chart(path, tuple(series)))
        return Charts(
            tuple(charts), tuple((a, b, c) for a, b, c in self.runs), self.count, self.span
        )


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
