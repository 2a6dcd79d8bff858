"""`phasegate eval`: one CEL expression, evaluated as rules are, printed with its type (like
`opa eval`), to try an expression against real facts before putting it in a policy."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from phasegate.errors import json_text, single_line

#: A name `--set` may bind: a CEL identifier.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _binding(item: str) -> tuple[str, Any]:
    name, separator, text = item.partition("=")
    if not separator or not _NAME.fullmatch(name):
        raise click.BadParameter(f"{item!r}: expected NAME=JSON", param_hint="--set")
    from phasegate.cli.options import refuse_deep_set

    refuse_deep_set(name, text)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise click.BadParameter(f"{item!r}: invalid JSON: {exc}", param_hint="--set") from None
    from phasegate.errors import InputError
    from phasegate.files.loading import checked_data

    try:  # what a rule can be given: 64-bit ints, finite doubles, text CEL can hold
        return name, checked_data(value, name)
    except InputError as exc:
        raise click.BadParameter(f"{item!r}: {exc.message}", param_hint="--set") from None


def _refuse_constant(text: str) -> Any:
    """NaN and Infinity are not JSON; facts refuse them too."""
    raise ValueError(f"{text} is not JSON")


@click.command("eval")
@click.argument("expression", metavar="EXPR")
@click.option(
    "--facts",
    "facts_path",
    default=None,
    metavar="FILE",
    help="A facts document (validated and normalised as for evaluate), bound as `facts`, "
    "with `now` (its collected_at) and `phase`.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=JSON",
    help='Bind a variable to a JSON value, e.g. params={"factor": 1.5}. Repeatable.',
)
@click.option(
    "--policies",
    "policies",
    type=click.Path(path_type=Path),
    default=None,
    help="Bind `params` as that policy set's rules see them (all files' params; --policy "
    "picks one file's when they differ).",
)
@click.option(
    "--policy",
    "policy_name",
    default=None,
    metavar="NAME",
    help="With --policies: the policy (its `name`) whose params to bind.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="text",
    show_default=True,
    help='text: `VALUE (TYPE)`; json: {"type": ..., "value": ...}.',
)
def command(
    expression: str,
    facts_path: str | None,
    sets: tuple[str, ...],
    policies: Path | None,
    policy_name: str | None,
    output_format: str,
) -> None:
    """Evaluate the CEL expression EXPR and print its value and CEL type.

    Checked as a rule's condition is when its policy loads (an unknown fact with a
    did-you-mean, a division that may be by zero, with --policies an unknown param).

    Exit codes: 0 evaluated, 2 usage (a --set that is not NAME=JSON), 3 the expression does
    not compile, is refused as a rule's would be, or fails to evaluate (located as
    <expr>:line:col), or invalid facts or policies.
    """
    bindings: dict[str, Any] = {}
    for name, value in map(_binding, sets):
        if name in bindings:
            raise click.BadParameter(f"{name} is set twice", param_hint="--set")
        bindings[name] = value
    if policy_name is not None and policies is None:
        raise click.BadParameter("--policy needs --policies", param_hint="--policy")
    if policies is not None:
        if "params" in bindings:
            raise click.BadParameter("params already bound by --policies", param_hint="--set")
        bindings["params"] = _policy_params(policies, policy_name)
    if facts_path is not None:
        from phasegate.core.evaluate import Snapshot
        from phasegate.core.facts import load_facts

        snapshot = Snapshot(load_facts(facts_path), [])
        from_facts = {"facts": snapshot.facts.data, "phase": snapshot.facts.phase}
        from_facts["now"] = snapshot.now
        clash = sorted(set(from_facts) & set(bindings))
        if clash:
            raise click.BadParameter(
                f"{', '.join(clash)} already bound by --facts", param_hint="--set"
            )
        bindings.update(from_facts)

    from phasegate import cel
    from phasegate.cel.values import jsonable

    _check_as_a_rule(expression, bindings)
    value, kind = cel.evaluate_shown(expression, bindings)
    if output_format == "json":
        document = {"type": kind, "value": jsonable(value)}
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        click.echo(json_text(text))
    else:
        click.echo(f"{cel_text(value)} ({kind})")


def _policy_params(policies: Path, policy_name: str | None) -> dict[str, Any]:
    """The params rules of `policies` see: one policy's, or all of them when no two files
    give one name different values (else the user picks a file with --policy)."""
    from phasegate.core.policy import load_policy_set

    policy_set = load_policy_set(policies)
    if policy_name is not None:
        for policy in policy_set.policies:
            if policy.name == policy_name:
                return dict(policy.params_plain)
        known = ", ".join(sorted(policy.name for policy in policy_set.policies))
        raise click.BadParameter(
            f"no policy named {policy_name!r} (policies: {known})", param_hint="--policy"
        )
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for policy in policy_set.policies:
        for key, value in policy.params_plain.items():
            if key in merged and merged[key] != value:
                raise click.BadParameter(
                    f"params.{key} differs between policies {owner[key]} and {policy.name}: "
                    "pick one with --policy NAME",
                    param_hint="--policies",
                )
            merged.setdefault(key, value)
            owner.setdefault(key, policy.name)
    return merged


def _check_as_a_rule(text: str, bindings: dict[str, Any]) -> None:
    """Refuse what loading refuses in a rule's condition: a division that may be by zero,
    an unknown top-level fact (with a did-you-mean), when params are bound an unknown
    param, and an expression over the cost budget (before it runs: one over it may not
    end, or may exhaust memory). The first problem is the error, located in the
    expression."""
    from phasegate import cel
    from phasegate.cel import cost
    from phasegate.core.policy import _static_problems

    names = tuple(sorted(bindings))
    try:
        compiled = cel.compile_expression(text, names, cel.expression_declarations(names))
    except cel.CelError:
        return  # evaluate reports it, located, as before
    params = bindings.get("params")
    costly = cost.over_budget(compiled, params if isinstance(params, dict) else {})
    if costly is not None:
        raise cel.CelError(costly, 1, 1)
    for code, message, read in _static_problems(
        compiled, params if isinstance(params, dict) else {}
    ):
        if code == "unknown-param" and not isinstance(params, dict):
            continue  # nothing bound: the engine says so when it is read
        raise cel.CelError(message, read.line, read.col)


def cel_text(value: Any) -> str:
    """A value as a CEL literal, so it can be pasted back into an expression."""
    from phasegate.cel.values import TypeValue, Uint, format_value

    if isinstance(value, Uint):
        return f"{int(value)}u"
    if isinstance(value, TypeValue):
        return str(value)  # its CEL name: `int`, `list`, `google.protobuf.Timestamp`
    if isinstance(value, bool) or value is None:
        return format_value(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        # not `double("Infinity")`: phasegate refuses a double() that is not finite, so
        # that text did not paste back. A literal past the largest double is infinite.
        return {"inf": "1e309", "-inf": "-1e309"}.get(repr(value), "(1e309 - 1e309)")
    if isinstance(value, int):
        return json.dumps(value)
    if isinstance(value, str):
        # JSON escapes C0 controls only: a bidi override or an 8-bit control from facts
        # would reach the terminal raw. CEL reads `\u202e`, `\x9b`, `\U000e0001` back.
        return single_line(json.dumps(value, ensure_ascii=False))
    if isinstance(value, datetime):
        return f'timestamp("{format_value(value)}")'
    if isinstance(value, timedelta):
        return f'duration("{format_value(value)}")'
    if isinstance(value, bytes):
        return 'b"' + "".join(map(_byte_text, value)) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(cel_text, value)) + "]"
    if isinstance(value, dict):
        # the engine's map is in its hash order, another in each process: keys sorted, as
        # in --format json (they are strings: see cel.values.unconvertible)
        entries = sorted(value.items(), key=lambda entry: str(entry[0]))
        return "{" + ", ".join(f"{cel_text(k)}: {cel_text(v)}" for k, v in entries) + "}"
    return str(value)


def _byte_text(byte: int) -> str:
    """One byte in a CEL bytes literal: printable ASCII as it is, else `\\xHH` (a bytes
    literal takes no `\\u` escape: JSON's `b"\\u00ff"` did not paste back)."""
    if byte in b'"\\':
        return "\\" + chr(byte)
    return chr(byte) if 0x20 <= byte < 0x7F else f"\\x{byte:02x}"
