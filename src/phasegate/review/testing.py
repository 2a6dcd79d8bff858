"""Policy unit tests: cases of facts with the verdict and rules each must produce.

A policy change is reviewed like code, so it needs tests like code: `opa test` for this
project. Test files are checked as strictly as policies (a case that names a rule the set
does not have would pass vacuously, so it is an error, with the closest id suggested), and
every problem is reported at its file:line:col before any case runs.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from phasegate.core.evaluate import (
    DEFAULT_HISTORY_WINDOW,
    Decision,
    RuleResult,
    RuleStatus,
    UnjudgedPhase,
    decide_after,
    previous_snapshots,
)
from phasegate.core.facts import Facts, facts_from_data
from phasegate.core.policy import PolicySet, load_policy_set
from phasegate.core.recording import Recording, instant, read_recording
from phasegate.core.verdict import Verdict
from phasegate.errors import ExitCode, InputError, InputErrors, Location, raise_all
from phasegate.files.loading import Document, NodePath, entry_problem, load_document
from phasegate.files.reading import resolved
from phasegate.files.schemas import problems, validate
from phasegate.review.coverage import Coverage, Tracer, compute_coverage, meets, percent

#: `phasegate test` exits 1 when a case fails or coverage is below the minimum, as
#: `opa test` and `promtool test rules` do, so CI treats it like any failing test run.
TESTS_FAILED = int(ExitCode.CHECK_FAILED)

#: The `expect` keys that list rule ids, in the order reports show them.
ID_LISTS = ("fired", "not_fired", "errored", "pending")
#: Pairs of lists no rule can be in at once (an errored or pending rule did not fire: those
#: pairs with not_fired are fine).
_CONTRADICTIONS = (
    ("fired", "not_fired"),
    ("fired", "errored"),
    ("fired", "pending"),
    ("pending", "errored"),
)
#: Earlier snapshots given as patches are placed this far apart before the case, so they
#: count as the same rollout's history (which needs an earlier `collected_at`).
HISTORY_STEP = timedelta(minutes=1)
#: A bound on a case's history, so a test file cannot make a run unbounded.
MAX_HISTORY = 1000


@dataclass(frozen=True)
class CaseExpectation:
    """What a case requires; an empty list or a None verdict requires nothing."""

    verdict: Verdict | None = None
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    errored: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyCase:
    name: str
    #: Where the case starts in its test file; failures point here.
    location: Location
    facts: Facts
    expect: CaseExpectation
    #: Earlier snapshots of the rollout, for rules with `for:` or that read `history`.
    history: tuple[Facts, ...] = ()


@dataclass(frozen=True)
class PolicyTestFile:
    source: str
    name: str
    policy_set: PolicySet
    cases: tuple[PolicyCase, ...]


@dataclass(frozen=True)
class CaseResult:
    name: str
    location: Location
    expect: CaseExpectation
    #: What happened: the verdict, the fired rules, and the errored rules with their error.
    verdict: Verdict
    fired: tuple[str, ...]
    errored: tuple[tuple[str, str], ...]
    #: One readable line per unmet expectation; empty when the case passed.
    failures: tuple[str, ...]
    #: Kept for coverage, which needs every rule's status and the facts to trace with.
    facts: Facts
    decision: Decision
    #: Rules with `for:` whose condition held, but not yet long enough.
    pending: tuple[str, ...] = ()
    #: The `history` its rules saw (the data of the earlier snapshots of its rollout, the
    #: last `DEFAULT_HISTORY_WINDOW`): coverage traces each rule over what it decided on.
    history: tuple[Mapping[str, Any], ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class SuiteResult:
    """The results of one test file."""

    source: str
    name: str
    policy_set: PolicySet
    cases: tuple[CaseResult, ...]

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(case for case in self.cases if not case.passed)


# --- finding and loading test files ------------------------------------------------------


def find_test_files(paths: Sequence[Path]) -> list[Path]:
    """The test files named: files as given, folders searched for `*.yaml`/`*.yml` at any
    depth (hidden entries skipped), in a stable order, each once."""
    found: list[Path] = []
    for path in paths:
        where = Location(str(path))
        if path.is_file():
            found.append(path)
            continue
        if not path.exists():
            raise InputError("test file or folder not found", where)
        if not path.is_dir():
            raise InputError("not a file or folder", where)
        inside = sorted(
            (
                candidate
                for candidate in path.rglob("*")
                if candidate.suffix.lower() in (".yaml", ".yml")
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
            ),
            key=lambda candidate: candidate.relative_to(path).parts,
        )
        inside = [candidate for candidate in inside if not candidate.is_dir()]
        if not inside:
            raise InputError("no test files (*.yaml) in this folder", where)
        for candidate in inside:  # a FIFO would block the reader: refused, as in policies/
            why = entry_problem(candidate)
            if why is not None:
                raise InputError(f"named like a test file but {why}", Location(str(candidate)))
        found.extend(inside)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.normpath(path), path)
    return list(unique.values())


class _Loader:
    """Reads every file once per run: many cases share a facts file, many files a set."""

    def __init__(self, default_policies: Callable[[], PolicySet]) -> None:
        self.default_policies = default_policies
        self.sets: dict[str, PolicySet] = {}
        self.broken: dict[str, InputError] = {}
        self.documents: dict[str, Document] = {}
        self.recordings: dict[str, Recording] = {}

    def policies(self, directory: Path | None) -> PolicySet:
        key = "" if directory is None else str(directory.resolve())
        if key in self.broken:
            raise self.broken[key]  # reported once: the run stops with these errors anyway
        if key not in self.sets:
            try:
                if directory is None:
                    self.sets[key] = self.default_policies()
                else:
                    shown = os.path.normpath(directory)
                    self.sets[key] = load_policy_set(directory, display=shown)
            except InputError as error:
                self.broken[key] = error
                raise
        return self.sets[key]

    def recording(self, path: Path) -> Recording:
        """A history recording, read once however many cases name it."""
        key = str(path.resolve())
        if key not in self.recordings:
            self.recordings[key] = read_recording(path)
        return self.recordings[key]

    def facts_document(self, path: Path) -> Document:
        key = str(path.resolve())
        if key not in self.documents:
            document = load_document(path)
            self.documents[key] = replace(document, source=os.path.normpath(path))
        return self.documents[key]


def load_test_files(
    paths: Sequence[Path], default_policies: Callable[[], PolicySet]
) -> list[PolicyTestFile]:
    """Load and check every test file; all problems of all files are raised together.

    `default_policies` loads the set for files that do not name their own `policies`
    folder; it is called at most once, and only when some file needs it.
    """
    loader = _Loader(default_policies)
    loaded: list[PolicyTestFile] = []
    errors: list[InputError] = []
    for path in find_test_files(paths):
        try:
            loaded.append(_load_test_file(path, loader))
        except InputError as error:
            errors.extend(getattr(error, "errors", [error]))
    raise_all(_unique(errors))
    return loaded


def _unique(errors: Iterable[InputError]) -> list[InputError]:
    """The same broken facts file shared by several cases is reported once."""
    seen: dict[tuple[str, str], InputError] = {}
    for error in errors:
        seen.setdefault((str(error.location), error.message), error)
    return list(seen.values())


def _load_test_file(path: Path, loader: _Loader) -> PolicyTestFile:
    document = load_document(path)
    validate(document, "policytest")
    data = document.data
    if "policies" in data:
        directory = path.parent / data["policies"]
        if not directory.is_dir():
            raise InputError(
                f"policies: folder not found: {data['policies']} (relative to this file)",
                document.location(("policies",)),
            )
        policy_set = loader.policies(directory)
    else:
        policy_set = loader.policies(None)
    errors: list[InputError] = []
    cases: list[PolicyCase] = []
    names: dict[str, Location] = {}
    for index, raw in enumerate(data["cases"]):
        at: NodePath = ("cases", index)
        name_at = document.location((*at, "name"))
        if raw["name"] in names:
            errors.append(
                InputError(
                    f"duplicate case name {raw['name']!r} (first at {names[raw['name']]})",
                    name_at,
                )
            )
        names.setdefault(raw["name"], name_at)
        try:
            cases.append(_load_case(document, path, index, policy_set, loader))
        except InputError as error:
            errors.extend(getattr(error, "errors", [error]))
    raise_all(errors)
    return PolicyTestFile(document.source, data["name"], policy_set, tuple(cases))


def _load_case(
    document: Document, path: Path, index: int, policy_set: PolicySet, loader: _Loader
) -> PolicyCase:
    at: NodePath = ("cases", index)
    raw = document.data["cases"][index]
    label = f"case {raw['name']!r}"
    errors = _expectation_problems(document, at, policy_set, label)
    try:
        base, base_document = _base_facts(document, path, at, loader, label)
    except InputError as error:
        raise InputErrors([*errors, *getattr(error, "errors", [error])]) from None
    data = deep_merge(base, raw.get("patch", {}))
    found = problems(data, "facts")
    if found:
        base_ok = not problems(base, "facts")
        for problem_path, message, at_key in found:
            errors.append(
                _facts_problem(
                    document, at, raw, base_document, base_ok, problem_path, message, at_key, label
                )
            )
    raise_all(errors)
    location = document.location(at)
    source = base_document.source if base_document is not None else str(location)
    expect = raw["expect"]
    facts = facts_from_data(data, source)
    return PolicyCase(
        name=raw["name"],
        location=location,
        facts=facts,
        expect=CaseExpectation(
            verdict=Verdict.parse(expect["verdict"]) if "verdict" in expect else None,
            fired=tuple(expect.get("fired", ())),
            not_fired=tuple(expect.get("not_fired", ())),
            errored=tuple(expect.get("errored", ())),
            pending=tuple(expect.get("pending", ())),
        ),
        history=_history(document, path, at, base, facts, label, loader),
    )


def _history(
    document: Document,
    path: Path,
    at: NodePath,
    base: Mapping[str, Any],
    facts: Facts,
    label: str,
    loader: _Loader,
) -> tuple[Facts, ...]:
    """The case's earlier snapshots: a recording, or a list of facts documents and patches.

    Patches apply to the case's `facts` (not its `patch`), and without a `collected_at` of
    their own they are placed HISTORY_STEP apart before the case, oldest first, so a list
    of N patches is the N snapshots just before it. A snapshot that does not load is an
    error: a history silently shorter than written would test less than it says.
    """
    raw = document.data["cases"][at[1]].get("history")
    if raw is None:
        return ()
    where = document.location((*at, "history"))
    if isinstance(raw, str):
        target = path.parent / raw
        if not target.exists():
            try:
                resolved(target)
            except InputError as exc:  # a link loop: something is there, leading nowhere
                raise InputError(
                    f"{label}: history recording {raw}: {exc.message}", where
                ) from None
            raise InputError(
                f"{label}: history recording not found: {raw} (relative to this file: "
                f"{os.path.normpath(target)})",
                where,
            )
        recording = loader.recording(target)
        if recording.skipped:
            line, why = recording.skipped[0]
            raise InputError(f"{label}: history: {line}: {why}", where)
        if len(recording.snapshots) > MAX_HISTORY:
            raise InputError(f"{label}: history: more than {MAX_HISTORY} snapshots", where)
        return tuple(recording.snapshots)
    now = instant(facts.data["collected_at"])
    snapshots: list[Facts] = []
    errors: list[InputError] = []
    for index, item in enumerate(raw):
        item_at: NodePath = (*at, "history", index)
        if "facts" in item:
            data = item["facts"]
        else:
            data = deep_merge(base, item["patch"])
            if "collected_at" not in item["patch"]:
                step = now - HISTORY_STEP * (len(raw) - index)
                data["collected_at"] = step.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        found = problems(data, "facts")
        for problem_path, message, at_key in found[:1]:
            key = "facts" if "facts" in item else "patch"
            inside = (*item_at, key, *problem_path[: _patched_depth(item[key], problem_path)])
            errors.append(
                InputError(
                    f"{label}: history[{index}]: facts invalid: {message}",
                    document.location(inside, key=at_key and key == "facts"),
                )
            )
        if not found:
            snapshots.append(facts_from_data(data, str(document.location(item_at))))
    raise_all(errors)
    return tuple(snapshots)


def _base_facts(
    document: Document, path: Path, at: NodePath, loader: _Loader, label: str
) -> tuple[Mapping[str, Any], Document | None]:
    """The facts a case starts from, and the file they came from (None when inline)."""
    facts = document.data["cases"][at[1]]["facts"]
    if isinstance(facts, dict):
        return facts, None
    target = path.parent / facts
    relative = f"(relative to this file: {os.path.normpath(target)})"
    if not os.path.lexists(target):
        raise InputError(
            f"{label}: facts file not found: {facts} {relative}",
            document.location((*at, "facts")),
        )
    why = entry_problem(target)  # before it is opened: a FIFO would block the reader
    if why is not None:
        raise InputError(
            f"{label}: facts file {facts} is not a regular file: {why} {relative}",
            document.location((*at, "facts")),
        )
    facts_document = loader.facts_document(target)
    if not isinstance(facts_document.data, dict):
        raise InputError(
            "facts: expected a mapping (a facts document)", facts_document.location(())
        )
    return facts_document.data, facts_document


def _facts_problem(
    document: Document,
    at: NodePath,
    raw: Mapping[str, Any],
    base_document: Document | None,
    base_ok: bool,
    path: NodePath,
    message: str,
    at_key: bool,
    label: str,
) -> InputError:
    """Locate a facts problem where it can be fixed: in the patch when the patch caused it,
    else in the inline facts or the facts file."""
    patch = raw.get("patch", {})
    depth = _patched_depth(patch, path)
    if depth:
        where = document.location((*at, "patch", *path[:depth]), key=at_key and depth == len(path))
        return InputError(f"{label}: facts invalid after patch: {message}", where)
    if "patch" in raw and base_ok:
        # The patch deleted something the schema requires: point at the patch itself.
        where = document.location((*at, "patch"), key=True)
        return InputError(f"{label}: facts invalid after patch: {message}", where)
    if base_document is None:
        where = document.location((*at, "facts", *path), key=at_key)
        return InputError(f"{label}: facts invalid: {message}", where)
    return InputError(f"facts invalid: {message}", base_document.location(path, key=at_key))


def _patched_depth(patch: Any, path: NodePath) -> int:
    """How many leading parts of `path` the patch spells out (0: the patch is not there)."""
    depth = 0
    node = patch
    for part in path:
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
        depth += 1
    return depth


def _expectation_problems(
    document: Document, at: NodePath, policy_set: PolicySet, label: str
) -> list[InputError]:
    expect = document.data["cases"][at[1]]["expect"]
    known = sorted(rule.id for rule in policy_set.rules)
    errors = []
    for key in ID_LISTS:
        for position, rule_id in enumerate(expect.get(key, ())):
            where = document.location((*at, "expect", key, position))
            if rule_id not in known:
                close = difflib.get_close_matches(rule_id, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                errors.append(
                    InputError(
                        f"{label}: expect.{key}: unknown rule id {rule_id!r} in the policy set "
                        f"{policy_set.source}{hint}",
                        where,
                    )
                )
            for first, second in _CONTRADICTIONS:
                if key == first and rule_id in expect.get(second, ()):
                    errors.append(
                        InputError(
                            f"{label}: rule {rule_id} is in both expect.{first} and "
                            f"expect.{second}: no result satisfies both",
                            where,
                        )
                    )
    return errors


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `patch` merged in: mappings key by key, anything else replaced, and a null
    value deleting its key (facts have no nulls, so null can only mean "make this missing")."""
    result = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


# --- running -----------------------------------------------------------------------------


def run_test_files(files: Sequence[PolicyTestFile]) -> list[SuiteResult]:
    return [
        SuiteResult(
            file.source,
            file.name,
            file.policy_set,
            tuple(run_case(case, file.policy_set) for case in file.cases),
        )
        for file in files
    ]


def rule_state(result: RuleResult) -> str:
    """A rule's status with the state over time that led to it, so a failing case over a
    history says how far the rule got: `pending, held 1 of 3`, `passed, matched 1 of the
    last 5 (within 2 of 5)`, `fired, keep_for 1 of 2 left`."""
    text = result.status.value
    if result.window is not None:
        matched, count, of = result.window
        text += f", matched {matched} of the last {of} (within {count} of {of})"
    elif result.hold > 1:
        text += f", held {result.streak} of {result.hold}"
    if result.kept is not None:
        text += f", keep_for {result.kept[0]} of {result.kept[1]} left"
    return text


def run_case(case: PolicyCase, policy_set: PolicySet) -> CaseResult:
    """One case decided as `evaluate --history` decides (its default `--history-count`)."""
    earlier = previous_snapshots(case.facts, case.history)
    decided = earlier if policy_set.uses_history else []
    try:
        decision = decide_after(case.facts, policy_set, decided, DEFAULT_HISTORY_WINDOW)
    except UnjudgedPhase as error:  # a phase no live rule judges: name the case, and the set
        where = f"{error.location}: " if error.location is not None else ""
        raise InputError(f"case {case.name!r}: {where}{error.message}", case.location) from None
    status = {result.id: result.status for result in decision.results}
    states = {result.id: rule_state(result) for result in decision.results}
    fired = tuple(sorted(r.id for r in decision.with_status(RuleStatus.FIRED)))
    pending = tuple(sorted(r.id for r in decision.with_status(RuleStatus.PENDING)))
    errored = tuple(
        sorted((r.id, r.error or "error") for r in decision.with_status(RuleStatus.ERROR))
    )
    failures = []
    expect = case.expect
    if expect.verdict is not None and decision.verdict is not expect.verdict:
        failures.append(f"verdict: expected {expect.verdict.label}, got {decision.verdict.label}")
    for rule_id in expect.fired:
        if status[rule_id] is not RuleStatus.FIRED:
            failures.append(f"fired: {rule_id} did not fire ({states[rule_id]})")
    for rule_id in expect.not_fired:
        if status[rule_id] is RuleStatus.FIRED:
            failures.append(f"not_fired: {rule_id} fired")
    for rule_id in expect.errored:
        if status[rule_id] is not RuleStatus.ERROR:
            failures.append(f"errored: {rule_id} did not error ({states[rule_id]})")
    for rule_id in expect.pending:
        if status[rule_id] is not RuleStatus.PENDING:
            failures.append(f"pending: {rule_id} is not pending ({states[rule_id]})")
    return CaseResult(
        name=case.name,
        location=case.location,
        expect=expect,
        verdict=decision.verdict,
        fired=fired,
        errored=errored,
        failures=tuple(failures),
        facts=case.facts,
        decision=decision,
        pending=pending,
        history=tuple(past.data for past in earlier[-DEFAULT_HISTORY_WINDOW:]),
    )


# --- the whole run -----------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyTestReport:
    """Everything a `phasegate test` run found; every output format renders this."""

    suites: tuple[SuiteResult, ...]
    #: Per policy set; None when coverage was not asked for.
    coverage: tuple[Coverage, ...] | None = None
    min_coverage: float | None = None
    min_branch_coverage: float | None = None

    @property
    def cases(self) -> tuple[CaseResult, ...]:
        return tuple(case for suite in self.suites for case in suite.cases)

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(case for case in self.cases if not case.passed)

    def shortfalls(self) -> list[str]:
        """Why coverage is below the minimum asked for, one line each (empty: it is not)."""
        if self.coverage is None:
            return []
        found = []
        rules = sum(len(c.rules) for c in self.coverage)
        covered = sum(c.rules_covered for c in self.coverage)
        if self.min_coverage is not None and not meets(covered, rules, self.min_coverage):
            found.append(
                f"rule coverage {percent(covered, rules)}% ({covered}/{rules}) is below "
                f"--min-coverage {self.min_coverage:g}"
            )
        branches = sum(len(c.branches) for c in self.coverage)
        decided = sum(c.branches_covered for c in self.coverage)
        minimum = self.min_branch_coverage
        if minimum is not None and not meets(decided, branches, minimum):
            found.append(
                f"branch coverage {percent(decided, branches)}% ({decided}/{branches}) is below "
                f"--min-branch-coverage {minimum:g}"
            )
        return found

    @property
    def exit_code(self) -> int:
        return TESTS_FAILED if self.failed or self.shortfalls() else 0


def run_policy_tests(
    files: Sequence[PolicyTestFile],
    *,
    coverage: bool = False,
    trace: Tracer | None = None,
    min_coverage: float | None = None,
    min_branch_coverage: float | None = None,
) -> PolicyTestReport:
    """Run every case; with `coverage` (implied by a minimum) also measure coverage,
    tracing `&&`/`||` operands when a `trace` function is given."""
    suites = tuple(run_test_files(files))
    wanted = coverage or min_coverage is not None or min_branch_coverage is not None
    return PolicyTestReport(
        suites=suites,
        coverage=compute_coverage(suites, trace) if wanted else None,
        min_coverage=min_coverage,
        min_branch_coverage=min_branch_coverage,
    )
