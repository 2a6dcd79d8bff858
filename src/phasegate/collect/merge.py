"""One cohort facts document from several operators' documents.

Phase 1 deploys to a few operators; the gate has to judge the cohort, not whichever machine
ran `collect`, and it is never weaker than its weakest member: one failing operator is
enough to stop the rollout. Each metric is the worst any operator showed (its measured
value, or what its own counts give when they say worse), never an average or a rate of
summed counts, which would dilute one operator's failure in the others' health; each
cohort-level fact (checks and the commit they ran at, incidents, state, contract, versions,
the phase window) is the strictest any operator reported. A cohort too small or too old to
judge leaves its metrics absent (the rules then pause) instead of deciding from too few.
Counts are summed, within a bound, for the statistics functions, which test the cohort's
evidence as a whole.

Pure: plain documents in, one plain document out, no clock, and the same inputs in any
order give byte-identical output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from phasegate.collect.collector import _drop_invalid_collected
from phasegate.core.facts import (
    COUNTED_METRICS,
    COUNTED_RATES,
    WORSENS,
    Facts,
    counted_rate,
    facts_from_data,
)
from phasegate.errors import InputError, Location, UsageProblem
from phasegate.files.digest import canonical_json
from phasegate.files.schemas import rfc3339_instant as instant
from phasegate.state.rollout import TRACKED

#: The rates an operator's counts also give: (numerator counts, denominator counts, scale).
RATES = COUNTED_RATES
#: Which way each rate gets worse: the cohort's is the worst any operator showed.
WORSE: dict[str, Callable[[Any, Any], Any]] = {
    metric: max if WORSENS[metric] > 0 else min for metric in RATES
}
#: Metrics that are counts: the cohort's is the sum of what each operator showed, the worse
#: of its measured value and its count (more failed agents, fewer agents in all).
SUMMED_METRICS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    metric: (key, max if WORSENS[metric] > 0 else min) for metric, key in COUNTED_METRICS.items()
}
#: Metrics that add up across operators as they are.
ADDITIVE_METRICS = ("new_failures",)
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_SEVERITY = {"P0": 0, "P1": 1, "P2": 2, "P3": 3, "P4": 4}
_STATUS = {"open": 0, "mitigated": 1, "resolved": 2}
#: The largest count one operator's sample may report. Counts are summed for the statistics
#: functions, so one absurd count (10^9 commands) would dilute every other operator's
#: failures to nothing.
MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class SampleGuard:
    """How much evidence a cohort needs before its metrics mean anything."""

    min_operators: int = 1
    #: Seconds an operator's sample may lag the newest one; None: any age.
    max_age_seconds: float | None = None


def parse_duration(text: str) -> float:
    """`15m`, `90s`, `1h`, `2d` or plain seconds, as seconds."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UsageProblem(f"{text!r}: expected a positive duration such as 90s, 15m or 1h")
    return float(match.group(1)) * _UNITS[match.group(2)]


def merge_facts(documents: Sequence[Facts], guard: SampleGuard = SampleGuard()) -> Facts:
    """Merge operators' facts documents into one valid cohort facts document."""
    if not documents:
        raise UsageProblem("merge needs at least one facts document")
    by_operator = _by_operator(documents)
    ordered = [by_operator[name] for name in sorted(by_operator)]
    first = ordered[0]
    for field in ("phase", "change"):
        for other in ordered[1:]:
            if canonical_json(other.data[field]) != canonical_json(first.data[field]):
                raise InputError(
                    f"{field} {canonical_json(other.data[field])} differs from "
                    f"{canonical_json(first.data[field])} in {first.source}: "
                    "a cohort is one change in one phase",
                    Location(other.source),
                )
    datas = {name: dict(facts.data) for name, facts in by_operator.items()}
    names = sorted(datas)
    latest = max((datas[n]["collected_at"] for n in names), key=instant)
    stale = _stale(datas, latest, guard)
    # The phase window is the shortest any operator saw, on its own clock: the earliest
    # sample and the latest start, so one fast (or slow) clock cannot pass it early.
    earliest = min((datas[n]["collected_at"] for n in names), key=instant)
    unknown: dict[str, str] = {}
    merged: dict[str, Any] = {
        "apiVersion": "phasegate/v1",
        "kind": "Facts",
        "phase": first.data["phase"],
        "change": first.data["change"],
        "collected_at": earliest,
    }
    started = [datas[n]["phase_started_at"] for n in names if "phase_started_at" in datas[n]]
    if started and len(started) == len(names):
        merged["phase_started_at"] = max(started, key=instant)
    elif started:
        lacking = _missing(names, lambda n: "phase_started_at" in datas[n])
        unknown["phase_started_at"] = f"not given by {_listed(lacking)}"
    too_few = _guard_reason(names, stale, guard)
    counts, counted = _counts(datas, names, unknown)
    if too_few is None:
        if counts:
            merged["counts"] = counts
        metrics = _metrics(datas, names, unknown)
        if metrics:
            merged["metrics"] = metrics
    else:
        wanted = {f"counts.{n}" for n in counts} | {f"counts.{n}" for n in counted}
        wanted |= {f"metrics.{n}" for d in datas.values() for n in d.get("metrics", {})}
        wanted |= {f"metrics.{n}" for n in (*RATES, *SUMMED_METRICS)}
        unknown.update(dict.fromkeys(wanted, too_few))
    _agreed(merged, datas, names, "baseline", unknown)
    _rollout(merged, datas, names, unknown)
    _agreed_fields(merged, datas, names, "owners", unknown)
    _agreed_fields(merged, datas, names, "labels", None)
    _deployed_version(merged, datas, names, unknown)
    _checks(merged, datas, names, unknown)
    _state(merged, datas, names, unknown)
    _contract(merged, datas, names, unknown)
    _incidents(merged, datas, names, unknown)
    categories = _failure_categories(datas, names, unknown)
    frozen = [datas[n]["freeze"] for n in names if datas[n].get("freeze", {}).get("active")]
    if frozen:
        merged["freeze"] = frozen[0]
    # Without a cohort baseline (the operators disagree, or one gave none) each operator's
    # own stays with its summary, so one whose metrics roll back against it still does.
    own_baseline = "baseline" not in merged
    merged["operators"] = {
        name: _summary(by_operator[name], name in stale, own_baseline) for name in names
    }
    collected = {f"metrics.{n}" for n in merged.get("metrics", {})}
    collected |= {f"counts.{n}" for n in merged.get("counts", {})}
    _drop_invalid_collected(merged, unknown, collected)
    extra: dict[str, Any] = {}
    if categories is not None:
        extra["new_failure_categories"] = categories
    if unknown:
        extra["phasegate_unknown"] = dict(sorted(unknown.items()))
    if extra:
        merged["extra"] = extra
    return facts_from_data(merged, "merged facts")


def render(facts: Facts) -> str:
    """The cohort document as JSON: sorted keys, so equal cohorts are equal bytes."""
    return json.dumps(dict(facts.data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _by_operator(documents: Sequence[Facts]) -> dict[str, Facts]:
    found: dict[str, Facts] = {}
    # Ids that differ only in case or surrounding spaces (`op-1`, `OP-1 `: host names are
    # case-blind) name one operator twice, which would count it twice towards
    # --min-operators.
    spelled: dict[str, str] = {}
    for facts in documents:
        name = facts.data.get("operator")
        if not name:
            raise InputError(
                "no operator id: collect with --set operator=NAME (or PHASEGATE_OPERATOR)",
                Location(facts.source),
            )
        twin = spelled.setdefault(name.strip().casefold(), name)
        if twin in found:
            also = "" if twin == name else f" (as {twin!r})"
            raise InputError(
                f"operator {name!r} also reported in {found[twin].source}{also}: "
                "one document per operator",
                Location(facts.source),
            )
        found[name] = facts
    return found


def _stale(datas: Mapping[str, Any], latest: str, guard: SampleGuard) -> set[str]:
    if guard.max_age_seconds is None:
        return set()
    newest = instant(latest)
    return {
        name
        for name, data in datas.items()
        if (newest - instant(data["collected_at"])).total_seconds() > guard.max_age_seconds
    }


def _guard_reason(names: list[str], stale: set[str], guard: SampleGuard) -> str | None:
    if stale:
        return (
            f"stale samples from {_listed(sorted(stale))} (older than "
            f"{guard.max_age_seconds:g}s before the newest): not computed from old data"
        )
    if len(names) < guard.min_operators:
        return (
            f"only {len(names)} of at least {guard.min_operators} operators reported: "
            "not computed from too few"
        )
    return None


#: How many operators a reason names before "and N more": a reason is one line, and a
#: fact's value is capped at 64 KiB, which a thousand names would pass.
_NAMED = 10


def _listed(items: Sequence[str], separator: str = ", ") -> str:
    shown = separator.join(items[:_NAMED])
    return shown if len(items) <= _NAMED else f"{shown} and {len(items) - _NAMED} more"


def _missing(names: list[str], has: Callable[[str], bool]) -> list[str]:
    return [name for name in names if not has(name)]


def _counts(
    datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> tuple[dict[str, Any], set[str]]:
    """Summed counts (every operator must give one, within MAX_COUNT), and every count
    name seen."""
    seen = {key for name in names for key in datas[name].get("counts", {})}
    summed: dict[str, Any] = {}
    for key in sorted(seen):
        lacking = _missing(names, lambda n, key=key: key in datas[n].get("counts", {}))
        absurd = [n for n in names if datas[n].get("counts", {}).get(key, 0) > MAX_COUNT]
        if lacking:
            unknown[f"counts.{key}"] = f"not reported by {_listed(lacking)}"
        elif absurd:
            unknown[f"counts.{key}"] = (
                f"{_listed(absurd)} reported more than {MAX_COUNT} {key} in one sample: "
                "not summed, it would dilute the other operators"
            )
        else:
            summed[key] = sum(datas[name]["counts"][key] for name in names)
    return summed, seen


def _metrics(datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]) -> dict[str, Any]:
    """The cohort's metrics, each the worst any operator showed: never an average, and never
    rebuilt from summed counts, where 50 errors in 100 commands beside 0 in 10,000 would
    read as 0.5% and one operator's rollback as the cohort's continue. An operator that did
    not measure a metric leaves it absent (the rules pause): merge knows no thresholds, so
    it cannot tell whether another operator's value alone would roll back."""
    metrics: dict[str, Any] = {}
    for metric in RATES:
        lacking = _missing(names, lambda n, m=metric: m in datas[n].get("metrics", {}))
        if lacking:
            unknown[f"metrics.{metric}"] = f"not measured by {_listed(lacking)}"
            continue
        shown = [datas[n]["metrics"][metric] for n in names]
        for name in names:  # an operator's counts may say worse than it measured
            counted = counted_rate(datas[name].get("counts", {}), metric)
            if counted is not None:
                shown.append(counted[0])
        metrics[metric] = WORSE[metric](shown)
    for metric, (key, worse) in SUMMED_METRICS.items():
        lacking = _missing(names, lambda n, m=metric: m in datas[n].get("metrics", {}))
        if lacking:
            unknown[f"metrics.{metric}"] = f"not measured by {_listed(lacking)}"
            continue
        metrics[metric] = sum(
            _worse_of(worse, datas[n]["metrics"][metric], datas[n].get("counts", {}).get(key))
            for n in names
        )
    for metric in ADDITIVE_METRICS:
        lacking = _missing(names, lambda n, m=metric: m in datas[n].get("metrics", {}))
        if len(lacking) < len(names):
            if lacking:
                unknown[f"metrics.{metric}"] = f"not reported by {_listed(lacking)}"
            else:
                metrics[metric] = sum(_events(datas[n], metric) for n in names)
    handled = {*RATES, *SUMMED_METRICS, *ADDITIVE_METRICS}
    for name in names:
        for metric in datas[name].get("metrics", {}):
            if metric not in handled:
                unknown[f"metrics.{metric}"] = (
                    "no counts to combine it across operators: averaging ratios would mislead"
                )
    return metrics


def _events(data: Mapping[str, Any], metric: str) -> Any:
    """An operator's new failures: at least the events it categorised (one entry each in
    `extra.new_failure_categories`), which the cohort keeps only as a set of categories, so
    a count written below its list must not hide a burst the operator's own rule sees."""
    extra = data.get("extra")
    listed = extra.get("new_failure_categories") if isinstance(extra, dict) else None
    shown = data["metrics"][metric]
    return max(shown, len(listed)) if isinstance(listed, list) else shown


def _worse_of(worse: Callable[[Any, Any], Any], measured: Any, counted: Any) -> Any:
    """What an operator showed: the worse of what it measured and what its count says."""
    return measured if counted is None else worse(measured, counted)


def _agreed(
    merged: dict[str, Any],
    datas: Mapping[str, Any],
    names: list[str],
    field: str,
    unknown: dict[str, str],
) -> None:
    """A field every operator must give alike; otherwise it is unknown for the cohort."""
    values = {canonical_json(datas[n][field]) for n in names if field in datas[n]}
    if not values:
        return
    lacking = _missing(names, lambda n: field in datas[n])
    if len(values) == 1 and not lacking:
        merged[field] = datas[names[0]][field]
    else:
        unknown[field] = f"not given by {_listed(lacking)}" if lacking else "operators disagree"


def _agreed_fields(
    merged: dict[str, Any],
    datas: Mapping[str, Any],
    names: list[str],
    field: str,
    unknown: dict[str, str] | None,
) -> None:
    """Keep each sub-field every operator gives with the same value."""
    keys = {key for n in names for key in datas[n].get(field, {})}
    kept = {}
    for key in sorted(keys):
        values = [datas[n].get(field, {}).get(key) for n in names]
        if all(value is not None and value == values[0] for value in values):
            kept[key] = values[0]
        elif unknown is not None:
            unknown[f"{field}.{key}"] = "operators disagree or do not all give it"
    if kept:
        merged[field] = kept


def _rollout(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """Where the change stands is one state for the whole cohort: each field every operator
    gives alike is kept, any other is unknown (the progression rule pauses), and a change
    any operator saw rolled back is rolled back for the cohort. The fields the rules read
    only when present (`has()`: absent means "does not apply") take the strictest value any
    operator gave instead: the environments every one of them passed Phase 0 in, and
    (`_tracked`) the longest gap between samples and the latest restart of a stable window."""
    _agreed_fields(merged, datas, names, "rollout", unknown)
    given = [datas[n]["rollout"] for n in names if isinstance(datas[n].get("rollout"), dict)]
    environments = [
        r["previous_phase_environments"] for r in given if "previous_phase_environments" in r
    ]
    if environments:
        merged.setdefault("rollout", {})["previous_phase_environments"] = _environments_all_passed(
            environments
        )
        unknown.pop("rollout.previous_phase_environments", None)
    _tracked(merged, datas, names, unknown)
    # A rollback any operator's log still owes is owed by the cohort: the earliest decided.
    owed = [rollout["rollback_decided_at"] for rollout in given if "rollback_decided_at" in rollout]
    if owed:
        merged.setdefault("rollout", {})["rollback_decided_at"] = min(owed, key=instant)
        unknown.pop("rollout.rollback_decided_at", None)
    rolled_back = [
        datas[n]["rollout"]
        for n in names
        if isinstance(datas[n].get("rollout"), dict)
        and datas[n]["rollout"].get("state") == "rolled_back"
    ]
    if rolled_back:
        rollout = merged.setdefault("rollout", {})
        rollout["state"] = "rolled_back"
        unknown.pop("rollout.state", None)
        if "rolled_back_at" in rolled_back[0]:
            rollout["rolled_back_at"] = rolled_back[0]["rolled_back_at"]
            unknown.pop("rollout.rolled_back_at", None)


#: The strictest of what operators give for each fact `collect` vouches for in `tracked`:
#: the latest restart of a stable window, the longest gap between samples.
_STRICTEST: dict[str, Callable[[list[Any]], Any]] = {
    "phase_stable_since": lambda times: max(times, key=instant),
    "previous_phase_stable_since": lambda times: max(times, key=instant),
    "sample_gap_seconds": max,
}
_UNTRACKED = (
    "a phasegate older than rollout.tracked, or a hand-written document; upgrade it, or "
    "give rollout.{fact} (or list it in rollout.tracked if there is none)"
)


def _tracked(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """The facts the rules read only when present, whose absence `collect` says means
    none (`tracked`): a window restarted, or a gap seen, on any operator is the cohort's.
    An operator that neither gives one nor lists it may hold the strictest value of all,
    so beside one that gives or lists it the cohort's is unknown (its rule holds) rather
    than passed early; with none that can say, the cohort is measured as each alone."""
    rollouts = {
        n: datas[n]["rollout"] if isinstance(datas[n].get("rollout"), dict) else {} for n in names
    }
    tracked = {n: set(rollouts[n].get(TRACKED, ())) for n in names}
    # What every operator vouches for (`_agreed_fields` kept the lists only when alike).
    unknown.pop(f"rollout.{TRACKED}", None)
    vouched = set.intersection(*tracked.values())
    if vouched:
        merged.setdefault("rollout", {})[TRACKED] = sorted(vouched)
    for fact, strictest in _STRICTEST.items():
        lacking = _missing(names, lambda n, f=fact: f in rollouts[n] or f in tracked[n])
        values = [rollouts[n][fact] for n in names if fact in rollouts[n]]
        unknown.pop(f"rollout.{fact}", None)
        if len(lacking) == len(names):
            continue
        if lacking:
            reason = _UNTRACKED.format(fact=fact)
            unknown[f"rollout.{fact}"] = f"not given by {_listed(lacking)}: {reason}"
        elif values:
            merged.setdefault("rollout", {})[fact] = strictest(values)


def _environments_all_passed(lists: list[list[str]]) -> list[str]:
    """The environments every operator recorded a Phase 0 continue in."""
    return sorted(set(lists[0]).intersection(*lists[1:]))


def _deployed_version(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """A cohort on two versions is itself a fact: the joined set never matches the tag.
    With an operator that could not tell, a version other than the release's is still
    known (and kept); the release's own is not known for the cohort."""
    # `v0.4.3` and `0.4.3` are one version, as the version rule reads them (one trimPrefix);
    # each is written as an operator spelled it, so the rule trims it once, as alone.
    spelled: dict[str, str] = {}
    for version in sorted(
        str(datas[n]["deployed_version"]) for n in names if "deployed_version" in datas[n]
    ):
        spelled.setdefault(version.removeprefix("v"), version)
    versions = [spelled[key] for key in sorted(spelled)]
    lacking = _missing(names, lambda n: "deployed_version" in datas[n])
    tag = str(merged["change"].get("tag", "")).removeprefix("v")
    if len(versions) > 1:  # a thousand versions named would pass the 64 KiB cap on a value
        merged["deployed_version"] = _listed(versions)
    elif versions and (not lacking or str(versions[0]).removeprefix("v") != tag):
        merged["deployed_version"] = versions[0]
    elif versions:
        unknown["deployed_version"] = f"not reported by {_listed(lacking)}"


def _checks(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """Per check: any failure wins, then any operator that could not run it (unknown).

    Its commit is only the cohort's where every operator ran it at the same commit: one that
    ran it elsewhere, or cannot tell where, leaves the commit unknown (the commit rule
    pauses, as it would for that operator alone).
    """
    checks: dict[str, Any] = {}
    for check in sorted({c for n in names for c in datas[n].get("checks", {})}):
        results = [(n, datas[n].get("checks", {}).get(check)) for n in names]
        failed = [result for _, result in results if result is not None and not result["ok"]]
        lacking = [n for n, result in results if result is None]
        if lacking and not failed:
            unknown[f"checks.{check}"] = f"not reported by {_listed(lacking)}"
            continue
        checks[check] = dict(failed[0] if failed else results[0][1])
        commits = {n: result.get("commit") for n, result in results if result is not None}
        spelled = {None if c is None else str(c).strip().lower() for c in commits.values()}
        if len(spelled) > 1 or lacking:
            checks[check].pop("commit", None)
            where = _listed(
                [f"{n} at {c}" if c is not None else f"{n} cannot tell" for n, c in commits.items()]
                + [f"{n} did not run it" for n in lacking]
            )
            unknown[f"checks.{check}.commit"] = f"ran at different commits: {where}"
        elif None in spelled:
            checks[check].pop("commit", None)
    if checks:
        merged["checks"] = checks


def _state(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    state: dict[str, Any] = {}
    found = [datas[n].get("state", {}) for n in names]
    indicators = [s["corruption_indicators"] for s in found if "corruption_indicators" in s]
    integrity = [s["db_integrity_ok"] for s in found if "db_integrity_ok" in s]
    if indicators and (max(indicators) > 0 or len(indicators) == len(names)):
        state["corruption_indicators"] = max(indicators)
    elif indicators or integrity:
        unknown["state.corruption_indicators"] = "not reported by every operator"
    if False in integrity or (integrity and len(integrity) == len(names)):
        state["db_integrity_ok"] = all(integrity)
    elif indicators or integrity:
        unknown["state.db_integrity_ok"] = "not reported by every operator"
    if state:
        merged["state"] = state


def _contract(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """Any drift anywhere is drift; no drift is only known when every operator checked."""
    contract: dict[str, Any] = {}
    for key in ("drift", "nondeterministic_exits"):
        lists = [datas[n]["contract"][key] for n in names if key in datas[n].get("contract", {})]
        union = sorted({item for found in lists for item in found})
        if union or (lists and len(lists) == len(names)):
            contract[key] = union
        elif lists:
            lacking = _missing(names, lambda n, k=key: k in datas[n].get("contract", {}))
            unknown[f"contract.{key}"] = f"not checked by {_listed(lacking)}"
    if contract:
        merged["contract"] = contract


def _incidents(
    merged: dict[str, Any], datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> None:
    """Every view of every incident: one operator's "INC-7 P1 open" is not hidden by
    another's "INC-7 P0 resolved", since no one view is graver in both severity and status.
    Identical views are kept once; the graver view of an id comes first. With an operator
    that gave none, an incident not resolved is still known (the list is kept); "nothing
    unresolved" is not, and the list is unknown."""
    lacking = _missing(names, lambda n: "incidents" in datas[n])
    if len(lacking) == len(names):
        return
    views = {canonical_json(i): i for n in names for i in datas[n].get("incidents", ())}
    if lacking and all(view["status"] == "resolved" for view in views.values()):
        unknown["incidents"] = f"not given by {_listed(lacking)}"
        return
    merged["incidents"] = sorted(views.values(), key=lambda i: (i["id"], *_gravity(i)))


def _failure_categories(
    datas: Mapping[str, Any], names: list[str], unknown: dict[str, str]
) -> list[str] | None:
    """The union of the operators' new failure categories; unknown unless every operator
    says, since a category seen only where nobody looked must not read as none."""

    def listed(name: str) -> bool:
        extra = datas[name].get("extra")
        return isinstance(extra, dict) and isinstance(extra.get("new_failure_categories"), list)

    lacking = _missing(names, listed)
    if len(lacking) == len(names):
        return None
    if lacking:
        unknown["extra.new_failure_categories"] = f"not given by {_listed(lacking)}"
        return None
    return sorted({c for n in names for c in datas[n]["extra"]["new_failure_categories"]})


def _gravity(incident: Mapping[str, Any]) -> tuple[int, int, str]:
    return (
        _SEVERITY[incident["severity"]],
        _STATUS[incident["status"]],
        canonical_json(incident),
    )


def _summary(facts: Facts, stale: bool, own_baseline: bool) -> dict[str, Any]:
    data = facts.data
    summary: dict[str, Any] = {"source": facts.source, "collected_at": data["collected_at"]}
    for key in ("deployed_version", "counts", "metrics", *(("baseline",) if own_baseline else ())):
        if key in data:
            summary[key] = data[key]
    unknown = (
        data.get("extra", {}).get("phasegate_unknown")
        if isinstance(data.get("extra"), dict)
        else None
    )
    if isinstance(unknown, dict) and all(isinstance(v, str) for v in unknown.values()):
        summary["unknown"] = unknown
    if stale:
        summary["stale"] = True
    return summary
