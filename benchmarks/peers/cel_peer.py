"""The shipped rules on the same engine, driven by hand: what a user would write instead.

Reads the policy files' `when:` expressions and params, compiles each once with
cel-expr-python, and decides every facts document (a YAML or JSON file, or each line of a
JSONL recording) with one Activation per document and every rule of its phase evaluated.
A `final: true` rule that fires is the decision alone (every other rule skipped), so the
final rules go first. `mode: shadow` rules never decide, so they are left out: the live
rules are what phasegate's verdict and this one compare. Prints one line per document: the
verdict, a tab, the fired rule ids sorted.

Run: python benchmarks/peers/cel_peer.py POLICIES_DIR FACTS_FILE_OR_RECORDING...
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings
from yaml12 import load

T = cel.Type
SEVERITY = {"continue": 0, "pause": 1, "rollback": 2}


def _trim_prefix(text: str, prefix: str) -> str:
    return text.removeprefix(prefix)


def load_rules(folder: Path) -> tuple[Any, list[tuple[Any, ...]]]:
    """The environment, and the live rules as tuples, the `final` ones first."""
    env = cel.NewEnv(
        # `map.exists(key, value, ...)`: the cascade rule reads each operator of a cohort
        config=cel.NewEnvConfigFromYaml("extensions:\n  - name: two-var-comprehensions\n"),
        variables={
            "facts": T.Map(T.STRING, T.DYN),
            "params": T.Map(T.STRING, T.DYN),
            "phase": T.INT,
            "now": T.TIMESTAMP,
        },
        extensions=[ext_strings.ExtStrings()],
        functions=[
            cel.FunctionDecl(
                "trimPrefix",
                [cel.Overload("trim_prefix", T.STRING, [T.STRING, T.STRING], True, _trim_prefix)],
            )
        ],
    )
    rules = []
    for path in sorted(folder.glob("*.yaml")):
        policy = load(path.read_text())
        params = policy.get("params", {})
        for rule in policy["rules"]:
            if rule.get("mode", "live") == "shadow":
                continue
            phases = set(rule.get("phases", policy.get("phases", [0, 1, 2])))
            on_error = rule.get("on_error", "pause")
            program = env.compile(rule["when"])
            final = rule.get("final", False) is True
            rules.append((rule["id"], phases, rule["verdict"], on_error, program, params, final))
    rules.sort(key=lambda rule: not rule[-1])  # stable: the file order within each
    return env, rules


def documents(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix == ".jsonl":
        with path.open() as handle:
            for line in handle:
                yield json.loads(line)
    elif path.suffix == ".json":
        yield json.loads(path.read_text())
    else:
        yield load(path.read_text())


def decide(env: Any, rules: list[tuple[Any, ...]], facts: dict[str, Any]) -> tuple[str, list[str]]:
    for check in facts.get("checks", {}).values():  # `ok` defaults from the exit code
        check.setdefault("ok", check["exit_code"] == 0 and not check.get("timed_out", False))
    now = datetime.fromisoformat(facts["collected_at"].upper().replace("Z", "+00:00"))
    phase = facts["phase"]
    activations = {}  # one per params map: every rule of a policy shares it
    worst, fired = 0, []
    final_fired, final_error = False, 0  # an error of a final rule counts if none fires
    for rule_id, phases, verdict, on_error, program, params, final in rules:
        if final_fired and not final:
            break  # a final rule fired: the decision is its alone
        if phase not in phases:
            continue
        activation = activations.get(id(params))
        if activation is None:
            variables = {"facts": facts, "params": params, "phase": phase, "now": now}
            activation = activations[id(params)] = env.Activation(variables)
        value = program.eval(activation).value()
        if value is True:
            fired.append(rule_id)
            worst = max(worst, SEVERITY[verdict])
            final_fired = final_fired or final
        elif value is not False:
            if final:
                final_error = max(final_error, SEVERITY[on_error])
            else:
                worst = max(worst, SEVERITY[on_error])
    if not final_fired:
        worst = max(worst, final_error)
    return next(v for v, n in SEVERITY.items() if n == worst), sorted(fired)


def main() -> None:
    env, rules = load_rules(Path(sys.argv[1]))
    out = sys.stdout
    for argument in sys.argv[2:]:
        for facts in documents(Path(argument)):
            verdict, fired = decide(env, rules, facts)
            out.write(f"{verdict}\t{','.join(fired)}\n")


if __name__ == "__main__":
    main()
