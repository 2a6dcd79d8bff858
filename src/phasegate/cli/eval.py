"""`phasegate eval`: one CEL expression, evaluated as rules are, printed with its type (like
`opa eval`), to try an expression against real facts before putting it in a policy."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

import click

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
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="text",
    show_default=True,
    help='text: `VALUE (TYPE)`; json: {"type": ..., "value": ...}.',
)
def command(
    expression: str, facts_path: str | None, sets: tuple[str, ...], output_format: str
) -> None:
    """Evaluate the CEL expression EXPR and print its value and CEL type.

    Exit codes: 0 evaluated, 2 usage (a --set that is not NAME=JSON), 3 the expression does
    not compile or fails to evaluate (located as <expr>:line:col), or invalid facts.
    """
    bindings: dict[str, Any] = {}
    for name, value in map(_binding, sets):
        if name in bindings:
            raise click.BadParameter(f"{name} is set twice", param_hint="--set")
        bindings[name] = value
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

    value = cel.evaluate(expression, bindings)
    kind = cel.type_name(value)
    if output_format == "json":
        document = {"type": kind, "value": jsonable(value)}
        click.echo(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    else:
        click.echo(f"{cel_text(value)} ({kind})")


def cel_text(value: Any) -> str:
    """A value as a CEL literal, so it can be pasted back into an expression."""
    from phasegate.cel.values import format_value

    if isinstance(value, bool) or value is None:
        return format_value(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return {"inf": 'double("Infinity")', "-inf": 'double("-Infinity")'}.get(
            repr(value), 'double("NaN")'
        )
    if isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return f'timestamp("{format_value(value)}")'
    if isinstance(value, timedelta):
        return f'duration("{format_value(value)}")'
    if isinstance(value, bytes):
        return "b" + json.dumps(value.decode("latin-1"))
    if isinstance(value, list):
        return "[" + ", ".join(map(cel_text, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{cel_text(k)}: {cel_text(v)}" for k, v in value.items()) + "}"
    return str(value)
