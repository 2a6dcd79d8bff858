"""Policies and the policy set: load every file, validate, compile every expression.

The set is refused as a whole when any file has a problem: a gate that silently drops a
broken rule would let a release through that the rule was written to stop. All problems of
all files are reported at once, each at its file:line:col.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from phasegate import cel
from phasegate.core.expressions import Compile, DocumentCompiler, Template
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location, raise_all, undecodable
from phasegate.files.digest import content_digest
from phasegate.files.loading import Document, NodePath, entry_problem, load_document
from phasegate.files.schemas import data_dir, validate

ALL_PHASES = (0, 1, 2)


class Rule(NamedTuple):
    """One compiled rule: its checked `when`, verdicts and message, and where it was
    written, so every result and error can point a reviewer at the line.

    Rule, Policy and PolicySet are named tuples, not frozen dataclasses: every `evaluate`
    defines them at start-up, where a dataclass costs about ten times as much CPU."""

    id: str
    title: str
    policy: str
    #: Where the rule's `id` key stands; results and messages point here.
    location: Location
    phases: frozenset[int]
    when: cel.Expression
    verdict: Verdict
    on_error: Verdict
    message: Template | None
    #: Maps a (line, col) inside `when` to the policy file, for evaluation errors.
    locate_when: Callable[[int, int], Location]
    #: `for: N`: fires only once the condition held in N consecutive snapshots.
    hold: int = 1
    #: `pause: wait|hold`: what this rule's pause is. A wait (a window not over, a metric
    #: elevated) passes `--allow-pause`; a hold (the default: fail closed) never does.
    pause: str = "hold"
    #: `final: true`: when it fires, the decision is its alone and every other rule is
    #: skipped (a rolled-back change: the old version and its triggers are expected).
    final: bool = False
    #: `mode: shadow`: evaluated and recorded, but never part of the verdict, so a new
    #: rule's cost can be watched live before it is promoted (by deleting the line).
    mode: str = "live"
    #: `within: {count: M, of: N}`: fires while M of the last N snapshots matched.
    within: tuple[int, int] | None = None
    #: `keep_for: K`: once fired, stays fired for the K snapshots after it last held.
    keep_for: int = 0

    @property
    def shadow(self) -> bool:
        return self.mode == "shadow"

    @property
    def stateful(self) -> bool:
        """Whether earlier snapshots of the rollout can change this rule's result."""
        return self.hold > 1 or self.within is not None or self.keep_for > 0

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line or 1


class Policy(NamedTuple):
    """One policy file as compiled: its rules share its phases and params."""

    name: str
    file: str
    description: str
    phases: frozenset[int]
    params: Mapping[str, Any]
    #: Params as rules see them (numbers as doubles).
    params_plain: Any
    rules: tuple[Rule, ...]


class PolicySet(NamedTuple):
    """The policies one decision is made with; its digest goes into every decision, so a
    verdict can be traced to the exact rules that made it."""

    policies: tuple[Policy, ...]
    digest: str
    #: How the set is named in results (`policies`, `phasegate:policies`).
    source: str
    #: Where it was read from, for commands that reproduce a decision.
    directory: Path

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for policy in self.policies for rule in policy.rules)

    @property
    def reads_history(self) -> bool:
        return any(read.path[0] == "history" for rule in self.rules for read in rule.when.reads)

    @property
    def uses_history(self) -> bool:
        """Whether earlier snapshots can change a decision (`for:` or `history`)."""
        return self.reads_history or any(rule.stateful for rule in self.rules)


#: How the shipped set is named in results: the same bytes wherever it is installed.
PACKAGED = "phasegate:policies"


def builtin_policies_dir() -> Path:
    return data_dir("policies")


def is_packaged(file: object) -> bool:
    """Whether a result's file is in the shipped set, which no repository holds: annotations
    on it would land on no file, so CI reports put them on the run instead."""
    return isinstance(file, str) and (file == PACKAGED or file.startswith(PACKAGED + "/"))


def default_policies_dir(cwd: Path | None = None) -> Path:
    """`./policies` when it exists, so a repository's own set wins; else the shipped one."""
    local = Path("policies")
    return local if (cwd or Path.cwd()).joinpath(local).is_dir() else builtin_policies_dir()


def policy_files(directory: Path) -> list[Path]:
    """The policy files of a set: `*.yaml` and `*.yml` in the top folder only, by name.

    Hidden entries (editor lock files such as `.#checklist.yaml`) are not policies. Any
    other entry named like a policy but unreadable (a dangling link, a folder, a pipe) is
    an error: skipping it would quietly drop its rules.
    """
    where = Location(str(directory))
    if not directory.exists():
        raise InputError("policy folder not found", where)
    if not directory.is_dir():
        raise InputError("not a folder: --policies takes a folder of *.yaml files", where)
    try:
        entries = sorted(directory.iterdir(), key=lambda path: path.name)
    except OSError as exc:
        raise InputError(f"cannot list the policy folder: {exc.strerror or exc}", where) from None
    files = []
    for path in entries:
        if path.name.startswith(".") or path.suffix.lower() not in (".yaml", ".yml"):
            continue
        why = entry_problem(path)
        if why is not None:
            raise InputError(f"named like a policy but {why}", Location(str(path)))
        if undecodable(path.name):  # the name is part of every decision's policy digest
            raise InputError("a policy file's name must be UTF-8: rename it", Location(str(path)))
        files.append(path)
    if not files:
        raise InputError("no policy files (*.yaml) in this folder", where)
    return files


def load_policy_set(directory: Path, display: str | None = None) -> PolicySet:
    """Load, validate and compile a folder of policies, or raise every problem found.

    `display` is how the folder is named in results and messages (it defaults to the path
    as given), so a decision is byte-identical wherever the shipped set is installed.
    """
    shown = display if display is not None else str(directory)
    documents, unreadable = read_policy_documents(policy_files(directory), shown)
    return build_policy_set(documents, unreadable, shown, directory)


def build_policy_set(
    documents: list[Document],
    unreadable: list[InputError],
    shown: str,
    directory: Path,
    compile: Compile | None = None,
    trusted: bool = False,
) -> PolicySet:
    """The set from its parsed documents, or every problem found (with `unreadable`).

    `compile` and `trusted` are the policy cache's seam (`phasegate.core.policycache`): it
    revives expressions checked before, and its documents passed every check before.
    """
    policies, problems = compile_policies(documents, compile, trusted)
    raise_all(unreadable + problems)
    digest = content_digest(
        [{"file": Path(doc.source).name, "policy": doc.data} for doc in documents]
    )
    return PolicySet(
        policies=tuple(policies), digest=digest, source=shown, directory=directory.resolve()
    )


def read_policy_documents(
    paths: list[Path],
    shown: str | None = None,
    load: Callable[[Path], Document] = load_document,
) -> tuple[list[Document], list[InputError]]:
    """Parse policy files; those that cannot be read or parsed are errors, the rest documents.

    With `shown`, each document is named `<shown>/<file name>` in messages and results.
    """
    documents: list[Document] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            document = load(path)
        except InputError as error:
            errors.extend(getattr(error, "errors", [error]))
            continue
        if shown is not None:
            document = replace(document, source=f"{shown.rstrip('/')}/{path.name}")
        documents.append(document)
    return documents, errors


def compile_policies(
    documents: list[Document],
    compile: Compile | None = None,
    trusted: bool = False,
) -> tuple[list[Policy], list[InputError]]:
    """Validate and compile parsed policy documents as one set (rule ids unique across it).

    Returns the policies that validated (with the rules that compiled) and every problem;
    a set with any problem must not be used to decide, but `lint` reports on the rest.
    `trusted` documents are those the policy cache holds: they passed every check before,
    with these very files, schemas and versions, so the checks are not run again.
    """
    errors: list[InputError] = []
    valid = []
    for document in documents:
        try:
            if not trusted:
                validate(document, "policy")
            valid.append(document)
        except InputError as error:
            errors.extend(getattr(error, "errors", [error]))
    policies: list[Policy] = []
    seen: dict[str, Location] = {}
    names: dict[str, Location] = {}
    for document in valid:
        policy, problems = _compile_policy(document, compile, trusted)
        errors.extend(problems)
        where = document.location(("name",))
        if policy.name in names:
            errors.append(
                InputError(
                    f"duplicate policy name {policy.name!r} (first at {names[policy.name]})",
                    where,
                    "duplicate-name",
                )
            )
        names.setdefault(policy.name, where)
        for rule in policy.rules:
            if rule.id in seen:
                errors.append(
                    InputError(
                        f"duplicate rule id {rule.id!r} (first at {seen[rule.id]})",
                        rule.location,
                        "duplicate-id",
                    )
                )
            seen.setdefault(rule.id, rule.location)
        policies.append(policy)
    return policies, errors


def _params_plain(value: Any) -> Any:
    """Params are written by hand as `3` or `3.0` alike; all their numbers become doubles."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {key: _params_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_params_plain(item) for item in value]
    return value


def _compile_policy(
    document: Document, compile: Compile | None, trusted: bool
) -> tuple[Policy, list[InputError]]:
    data = document.data
    errors: list[InputError] = []
    policy_phases = frozenset(data.get("phases", ALL_PHASES))
    params = data.get("params", {})
    rules: list[Rule] = []
    for index, raw in enumerate(data["rules"]):
        rule, problems = _compile_rule(
            document, index, raw, policy_phases, params, compile, trusted
        )
        errors.extend(problems)
        if rule is not None:
            rules.append(rule)
    policy = Policy(
        name=data["name"],
        file=document.source,
        description=data.get("description", ""),
        phases=policy_phases,
        params=params,
        params_plain=_params_plain(params),
        rules=tuple(rules),
    )
    return policy, errors


def _compile_rule(
    document: Document,
    index: int,
    raw: Mapping[str, Any],
    policy_phases: frozenset[int],
    params: Mapping[str, Any],
    compile: Compile | None,
    trusted: bool,
) -> tuple[Rule | None, list[InputError]]:
    base: NodePath = ("rules", index)
    rule_id = raw["id"]
    errors: list[InputError] = []
    if "within" in raw and "for" in raw:
        errors.append(
            InputError(
                f"rule {rule_id}: use `for` or `within`, not both (`for: N` is "
                "`within: {count: N, of: N}`)",
                document.location((*base, "within")),
                "within",
            )
        )
    elif "within" in raw and raw["within"]["count"] > raw["within"]["of"]:
        errors.append(
            InputError(
                f"rule {rule_id}: within.count {raw['within']['count']} is more than within.of "
                f"{raw['within']['of']}: the rule could never fire",
                document.location((*base, "within", "count")),
                "within",
            )
        )
    if raw.get("final", False) is True:
        # A final rule skips every other rule when it fires: only a hold may do that. A
        # final continue or wait, or a final shadow rule, would silence every trigger.
        why = None
        if raw.get("mode") == "shadow":
            why = "a shadow rule cannot be final (it never decides)"
        elif raw.get("verdict") != "pause" or raw.get("pause", "hold") != "hold":
            why = "a final rule must be `verdict: pause` and a hold (it skips every other rule)"
        if why is not None:
            errors.append(
                InputError(f"rule {rule_id}: {why}", document.location((*base, "final")), "final")
            )
    phases = frozenset(raw.get("phases", policy_phases))
    if not phases <= policy_phases:
        outside = sorted(phases - policy_phases)
        errors.append(
            InputError(
                f"rule {rule_id}: phases {outside} are outside the policy's phases "
                f"{sorted(policy_phases)}",
                document.location((*base, "phases")),
                "phases",
            )
        )

    compiler = DocumentCompiler(
        document,
        cel.VARIABLES,
        None if trusted else lambda expression: _static_problems(expression, params),
        params,
        compile,
        trusted,
    )
    context = f"rule {rule_id}"
    when = compiler.expression((*base, "when"), context)
    message = compiler.template((*base, "message"), context) if "message" in raw else None
    errors.extend(compiler.errors)
    if when is None or errors:
        return None, errors

    def locate_when(line: int, col: int) -> Location:
        return document.locate_in_string((*base, "when"), line, col)

    rule = Rule(
        id=rule_id,
        title=raw.get("title", ""),
        policy=document.data["name"],
        location=document.location((*base, "id"), key=True),
        phases=phases,
        when=when,
        verdict=Verdict.parse(raw["verdict"]),
        on_error=Verdict.parse(raw.get("on_error", "pause")),
        message=message,
        locate_when=locate_when,
        hold=int(raw.get("for", 1)),
        pause=str(raw.get("pause", "hold")),
        final=raw.get("final", False) is True,
        mode=raw.get("mode", "live"),
        within=(raw["within"]["count"], raw["within"]["of"]) if "within" in raw else None,
        keep_for=int(raw.get("keep_for", 0)),
    )
    return rule, errors


def _static_problems(
    expression: cel.Expression, params: Mapping[str, Any]
) -> list[tuple[str, str, cel.FactRead]]:
    """What can be known wrong before any facts exist: unknown params and top-level facts.

    Deeper paths (`facts.checks.ci.okk`) are `lint`'s to report: the schema leaves some maps
    open, so only a name the top level cannot have is certain to fail. A division whose
    divisor may be zero is refused too (see `phasegate.cel.division`), from the checked
    tree and its types.
    """
    from phasegate.core import factschema  # a policy set from the cache is checked already

    problems = []
    if expression.model.divides:
        from phasegate.cel.division import unguarded_divisions

        for divisor, line, col, zero in unguarded_divisions(expression, params):
            if zero:
                message = f"division by {divisor}, which is zero"
            else:
                message = (
                    f"division by {divisor}, which may be zero: guard it ({divisor} > 0.0 && "
                    "...) or divide by a non-zero param"
                )
            message += " (x / 0.0 is inf or NaN, and NaN compares false)"
            problems.append(("unguarded-division", message, cel.FactRead((divisor,), line, col)))
    for read in expression.reads:
        if read.path[0] == "params" and len(read.path) > 1:
            message = _unknown_param(read, params)
            if message is not None:
                problems.append(("unknown-param", message, read))
        if read.path[0] == "facts" and len(read.path) > 1:
            found = factschema.lookup(read.path[1:])
            if found.status is factschema.Status.UNKNOWN and not found.known_prefix:
                problems.append(("unknown-fact", found.message(read.path), read))
    return problems


def _unknown_param(read: cel.FactRead, params: Mapping[str, Any]) -> str | None:
    """Why a read of `params` names nothing the file defines, or None.

    Params are constants, so a path through their maps that is not there is a typo at any
    depth: `params.limits.eror` errors in every evaluation, and under `has()` or `.?` it is
    quietly false, a rule that can never fire. Below a list or a scalar the engine decides.
    """
    found: Any = params
    for depth, key in enumerate(read.path[1:], start=1):
        if not isinstance(found, Mapping):
            return None
        if key not in found:
            known = ", ".join(sorted(map(str, found))) or "none"
            if depth == 1:
                return f"unknown param {read.dotted!r} (params of this file: {known})"
            parent = ".".join(read.path[:depth])
            return f"unknown param {read.dotted!r} (keys of {parent}: {known})"
        found = found[key]
    return None
