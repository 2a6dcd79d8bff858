"""`phasegate lint`: everything that can be known wrong with policy files before they decide.

Loading already refuses what cannot work (schema, CEL syntax, unknown functions, params and
top-level facts). Lint reports those as findings too, and adds what loading cannot refuse
without breaking a working gate: fact paths the schema does not declare, type errors, rules
that can never fire, duplicates, unused params, and optional facts read without `has()`.
Every finding is located in the YAML file, also inside block scalars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from phasegate import cel
from phasegate.cel.values import short_type_name
from phasegate.core import factschema
from phasegate.core.expressions import PLACEHOLDER, DocumentCompiler, Template
from phasegate.core.factschema import Status
from phasegate.core.policy import (
    Policy,
    Rule,
    compile_policies,
    policy_files,
    read_policy_documents,
)
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location, raise_all
from phasegate.files.loading import Document
from phasegate.review import factpaths


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Check:
    """One kind of finding: its id (stable, for tools and suppressions) and what it means."""

    code: str
    severity: Severity
    summary: str


#: Every kind of finding lint reports, in the order the README lists them.
CHECKS: dict[str, Check] = {
    check.code: check
    for check in (
        Check("schema", Severity.ERROR, "The file does not match the policy schema."),
        Check("cel-syntax", Severity.ERROR, "A CEL expression does not parse."),
        Check("unknown-function", Severity.ERROR, "A function CEL and phasegate do not have."),
        Check("unknown-name", Severity.ERROR, "A name that is no variable of the condition."),
        Check("unsupported", Severity.ERROR, "CEL syntax phasegate does not support."),
        Check("macro", Severity.ERROR, "A comprehension macro used with wrong arguments."),
        Check("bad-regex", Severity.ERROR, "A literal regular expression that does not compile."),
        Check("too-costly", Severity.ERROR, "Comprehensions nested deeper than allowed."),
        Check("too-deep", Severity.ERROR, "An expression nested deeper than loading accepts."),
        Check("unguarded-division", Severity.ERROR, "A division whose divisor may be zero."),
        Check("cel-check", Severity.ERROR, "Another problem the CEL checker reports."),
        Check("template", Severity.ERROR, "A message placeholder that is not closed."),
        Check("unknown-param", Severity.ERROR, "A param the policy file does not define."),
        Check("unknown-fact", Severity.ERROR, "A fact path the facts schema does not declare."),
        Check("unknown-value", Severity.ERROR, "A string a fact's schema never allows."),
        Check("undeclared-metric", Severity.WARNING, "A metric name the schema does not declare."),
        Check("type-mismatch", Severity.ERROR, "An operation on types that always fails."),
        Check("non-bool-condition", Severity.ERROR, "A `when` that is not a bool."),
        Check("optional-fact", Severity.INFO, "An optional fact read without has()."),
        Check("never-fires", Severity.WARNING, "A rule that cannot fire in any phase."),
        Check("too-deep-to-check", Severity.WARNING, "A condition too deep for lint's walk."),
        Check("no-effect", Severity.WARNING, "A rule whose firing changes no verdict."),
        Check("duplicate-condition", Severity.WARNING, "Two rules with the same condition."),
        Check("unused-param", Severity.WARNING, "A param no rule of its file reads."),
        Check("duplicate-id", Severity.ERROR, "A rule id used twice in the set."),
        Check("duplicate-name", Severity.ERROR, "A policy name used twice in the set."),
        Check("phases", Severity.ERROR, "Rule phases outside the policy's phases."),
    )
}


@dataclass(frozen=True)
class Finding:
    location: Location
    severity: Severity
    code: str
    message: str
    rule: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        where = self.location
        return (where.file, where.line or 0, where.col or 0, self.code, self.message)


@dataclass(frozen=True)
class LintReport:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)

    @property
    def failed(self) -> bool:
        return self.count(Severity.ERROR) > 0


def lint_paths(paths: Iterable[Path], shown: str | None = None) -> LintReport:
    """Lint policy files and folders. A folder is one policy set; loose files form another.

    `shown` names the folders' files as `evaluate` does (`phasegate:policies/...` for the
    shipped set), so findings point where decisions do, not into site-packages.
    Raises InputError only for input that cannot be read at all (exit 3); everything else
    is a finding.
    """
    loose: list[Path] = []
    sets: list[tuple[list[Path], str | None]] = []
    for path in paths:
        if path.is_dir():
            sets.append((policy_files(path), shown))
        elif not path.exists():
            raise InputError("no such file or folder", Location(str(path)))
        else:
            loose.append(path)
    in_sets = {path.resolve() for members, _ in sets for path in members}
    loose = [path for path in dict.fromkeys(loose) if path.resolve() not in in_sets]
    if loose:
        sets.append((sorted(loose), None))
    findings: list[Finding] = []
    files: list[str] = []
    for members, name in sets:
        documents, unreadable = read_policy_documents(members, name)
        raise_all(unreadable)
        files.extend(document.source for document in documents)
        findings.extend(lint_documents(documents))
    unique = {(f.sort_key(), f.severity, f.rule): f for f in findings}
    return LintReport(tuple(files), tuple(sorted(unique.values(), key=Finding.sort_key)))


def lint_documents(documents: list[Document]) -> list[Finding]:
    """All findings of one policy set, given its parsed files."""
    policies, problems = compile_policies(documents)
    findings = [_from_error(problem) for problem in problems]
    by_source = {document.source: document for document in documents}
    for policy in policies:
        findings.extend(_policy_findings(policy, by_source[policy.file]))
    findings.extend(_duplicate_conditions(policies))
    return findings


def _from_error(error: InputError) -> Finding:
    code = error.code if error.code in CHECKS else "schema"
    location = error.location or Location("?")
    return Finding(location, CHECKS[code].severity, code, error.message)


def _finding(code: str, message: str, location: Location, rule: str | None) -> Finding:
    return Finding(location, CHECKS[code].severity, code, message, rule)


def _policy_findings(policy: Policy, document: Document) -> list[Finding]:
    findings: list[Finding] = []
    for rule in policy.rules:
        findings.extend(_rule_findings(rule, policy))
        findings.extend(_message_findings(rule, policy, document))
    if len(policy.rules) < len(document.data["rules"]):
        return findings  # a rule that did not compile may read any param
    used = {
        read.path[1]
        for rule in policy.rules
        for expression in _expressions(rule)
        for read in expression.reads
        if read.path[0] == "params" and len(read.path) > 1
    }
    whole = any(
        read.path == ("params",)
        for rule in policy.rules
        for expression in _expressions(rule)
        for read in expression.reads
    )
    for name in policy.params:
        if name not in used and not whole:
            where = document.location(("params", name), key=True)
            message = f"param {name!r} is not read by any rule of {policy.name!r}"
            findings.append(_finding("unused-param", message, where, None))
    return findings


def _expressions(rule: Rule) -> list[cel.Expression]:
    parts = rule.message.parts if isinstance(rule.message, Template) else ()
    return [rule.when, *(part for part in parts if isinstance(part, cel.Expression))]


def _rule_findings(rule: Rule, policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    try:
        paths = factpaths.check(rule.when, policy.params_plain)
    except (RecursionError, cel.CelError):
        message = f"rule {rule.id}: the condition is nested too deeply to check"
        return [_finding("too-deep-to-check", message, rule.locate_when(1, 1), rule.id)]
    problems, kind = typed_check(rule.when, policy.params_plain)
    for code, text, line, col in [*problems, *_path_problems(paths)]:
        where = rule.locate_when(line, col)
        findings.append(_finding(code, f"rule {rule.id}: {text}", where, rule.id))
    if kind not in (None, "bool", "dyn"):
        message = f"rule {rule.id}: `when` must be a bool, this is a {kind}"
        findings.append(_finding("non-bool-condition", message, rule.locate_when(1, 1), rule.id))
    if cel.run(rule.when, cel.Bindings({})) is False:
        # False with no variable bound: every read errors, so no fact can make it true.
        message = f"rule {rule.id}: the condition is always false: the rule can never fire"
        findings.append(_finding("never-fires", message, rule.locate_when(1, 1), rule.id))
    if rule.verdict is Verdict.CONTINUE:
        message = f"rule {rule.id}: verdict continue: firing changes no decision"
        findings.append(_finding("no-effect", message, rule.location, rule.id))
    seen: set[tuple[str, ...]] = set()
    for path, optional, line, col in paths.unguarded:
        if path in seen:
            continue
        seen.add(path)
        shown = ".".join(path)
        message = (
            f"rule {rule.id}: reads {shown} without has(); {'.'.join(optional)} is optional "
            "in the facts schema: when it is missing, the read fails, and unless the rest of "
            f"the condition decides without it the rule contributes on_error "
            f"{rule.on_error.label}"
        )
        findings.append(_finding("optional-fact", message, rule.locate_when(line, col), rule.id))
    return findings


def _path_problems(result: factpaths.Result) -> list[tuple[str, str, int, int]]:
    return [(p.code, p.message, p.line, p.col) for p in result.problems]


#: Schema types the engine's checker can be told (JSON Schema `number` and `integer` stay
#: dyn: the checker refuses `double > int`, which evaluation compares as the spec says).
_DECLARABLE = frozenset({"string", "bool", "list", "map"})


def typed_check(
    expression: cel.Expression, params: Any
) -> tuple[list[tuple[str, str, int, int]], str | None]:
    """The engine's type check of `expression` with each fact path it reads declared with
    its schema type and each param with its value's type: (code, message, line, col) of
    every problem, and the expression's type when it checks (None when it does not).

    Loading sees `facts` and `params` as maps of anything, so it cannot refuse
    `facts.deployed_version > 3`; here `facts.deployed_version` is a string variable (the
    engine resolves the qualified name). A path inside `has()` stays undeclared: the
    checker would take `has(x.y)` of a declared `x.y` for the variable itself.
    """
    reads = expression.reads  # the engine's: every text that loads has them
    inside_has = {read.path for read in reads if read.guarded}
    typed: dict[str, str] = {}
    for read in reads:
        if read.guarded or read.path in inside_has or len(read.path) < 2:
            continue
        kind = _read_type(read.path, params)
        if kind in _DECLARABLE:
            typed[read.dotted] = kind
    declared = (*cel.expression_declarations(expression.variables), *sorted(typed.items()))
    try:
        checked = cel.compile_expression(expression.text, expression.variables, declared)
    except cel.CelError as exc:
        return [(code, message, line, col) for message, line, col, code in exc.problems], None
    return [], short_type_name(checked.program.return_type())


def _read_type(path: tuple[str, ...], params: Any) -> str | None:
    if path[0] == "facts":
        found = factschema.lookup(path[1:])
        return factschema.cel_type(found.node) if found.status is Status.DECLARED else None
    if path[0] == "params":
        value = cel.lookup(params, path[1:])
        return None if value is cel.MISSING else cel.type_name(value)
    return None


def _message_findings(rule: Rule, policy: Policy, document: Document) -> list[Finding]:
    """The `{{ }}` placeholders of a message, checked like conditions: a typo there shows
    `<missing fact>` in the very alert that should have said what went wrong."""
    if rule.message is None:
        return []
    index = next(i for i, raw in enumerate(document.data["rules"]) if raw["id"] == rule.id)
    path = ("rules", index, "message")
    text = document.data["rules"][index]["message"]
    placeholders = list(PLACEHOLDER.finditer(text))
    expressions = [part for part in rule.message.parts if isinstance(part, cel.Expression)]
    compiler = DocumentCompiler(document, cel.VARIABLES)
    findings = []
    for match, expression in zip(placeholders, expressions, strict=False):
        try:
            problems = [
                *typed_check(expression, policy.params_plain)[0],
                *_path_problems(factpaths.check(expression, policy.params_plain)),
            ]
        except (RecursionError, cel.CelError):
            continue
        for code, problem, line, col in problems:
            where = compiler.locate(path, match.start(1), match.group(1), line, col)
            message = f"rule {rule.id}: message: {problem}"
            findings.append(_finding(code, message, where, rule.id))
    return findings


def _duplicate_conditions(policies: list[Policy]) -> list[Finding]:
    """Rules whose conditions are the same expression with the same param values, in
    overlapping phases: one of them is redundant, or was meant to say something else."""
    first: dict[Any, Rule] = {}
    findings = []
    for policy in policies:
        for rule in policy.rules:
            params = tuple(
                (read.dotted, _frozen(cel.lookup({"params": policy.params_plain}, read.path)))
                for read in rule.when.reads
                if read.path[0] == "params"
            )
            key = (rule.when.structure, params)
            earlier = first.get(key)
            if earlier is None:
                first[key] = rule
                continue
            if earlier.phases & rule.phases:
                message = (
                    f"rule {rule.id}: same condition as {earlier.id} ({earlier.location}) in "
                    f"phases {sorted(earlier.phases & rule.phases)}"
                )
                findings.append(_finding("duplicate-condition", message, rule.location, rule.id))
    return findings


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value if value is not cel.MISSING else "<missing>"
