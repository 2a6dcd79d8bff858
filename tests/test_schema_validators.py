"""The validators generated from `schemas/` (what the decision path validates with) must be
what the generator writes today, and must never accept a document jsonschema refuses."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from conftest import ROOT
from phasegate.files.schemas import accepts, format_checker, load_schema
from phasegate.files.validators import GENERATED
from phasegate.files.validators.generate import FIELDS, generate, generate_fields, module_path

#: Keywords both fastjsonschema (2019-09) and jsonschema (2020-12) read alike, plus
#: `prefixItems`, which the generator translates. A new keyword must be checked, then added.
KNOWN = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "default", "type", "enum",
    "const", "properties", "additionalProperties", "required", "propertyNames", "items",
    "prefixItems", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
    "format", "minimum", "maximum", "exclusiveMinimum", "minProperties", "maxProperties",
    "oneOf", "not", "if", "then", "else",
}  # fmt: skip


@pytest.mark.parametrize("name", GENERATED)
def test_the_generated_validator_is_what_the_schema_generates(name):
    assert module_path(name).read_text(encoding="utf-8") == generate(name), (
        f"schemas/{name}.schema.json changed: run python -m phasegate.files.validators.generate"
    )


def test_the_generated_field_validators_are_what_the_schema_generates():
    assert module_path(FIELDS).read_text(encoding="utf-8") == generate_fields()


def _keywords(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, list):
        for item in node:
            _keywords(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("properties", "$defs"):
                for child in value.values():
                    _keywords(child, found)
            else:
                _keywords(value, found)
    return found


@pytest.mark.parametrize("name", GENERATED)
def test_the_schemas_use_only_keywords_both_validators_read_alike(name):
    assert _keywords(load_schema(name), set()) <= KNOWN


def _corpus() -> list[tuple[str, Any]]:
    yaml = YAML(typ="safe")
    found: list[tuple[str, Any]] = []
    places = {
        "facts": [ROOT / "fixtures" / "facts", ROOT / "tests" / "acceptance" / "facts"],
        "policy": [ROOT / "policies"],
        "policytest": [ROOT / "policies" / "tests"],
        "config": [ROOT, ROOT / "examples"],
    }
    for name, folders in places.items():
        for folder in folders:
            for path in sorted(folder.glob("*.yaml")):
                data = json.loads(json.dumps(yaml.load(path.read_text()), default=str))
                if name != "config" or path.name in ("phasegate.yaml", "prometheus.yaml"):
                    found.append((name, data))
    found.append(("expectation", {"verdicts": {"1": "continue"}}))
    return found


CORPUS = _corpus()
REPLACEMENTS = [None, True, 0, 1, 1.5, -1, "", "x", "a\n", "2026-02-30T00:00:00Z", [], {}, ["x"]]


def _slow(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=format_checker())


def _mutate(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        mutated = dict(value)
        choice = rng.random()
        if choice < 0.1:
            del mutated[key]
        elif choice < 0.2:
            mutated[rng.choice(["extra", "a\n", "ok", "runner"])] = rng.choice(REPLACEMENTS)
        else:
            mutated[key] = _mutate(value[key], rng)
        return mutated
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(value[index], rng), *value[index + 1 :]]
    return copy.deepcopy(rng.choice(REPLACEMENTS))


def test_the_generated_validators_agree_with_jsonschema_on_the_shipped_documents():
    assert {name for name, _ in CORPUS} == set(GENERATED)
    for name, data in CORPUS:
        assert accepts(data, name) == _slow(name).is_valid(data), (name, data)


@pytest.mark.parametrize("seed", range(8))
def test_the_generated_validators_never_accept_what_jsonschema_refuses(seed):
    rng = random.Random(seed)
    refused = 0
    for _ in range(150):
        name, data = rng.choice(CORPUS)
        mutated = _mutate(data, rng)
        valid = _slow(name).is_valid(mutated)
        assert accepts(mutated, name) == valid, (name, mutated)
        refused += not valid
    assert refused > 30  # the mutations reach past the valid documents


def test_a_config_deploy_of_strings_or_of_runners_reads_alike(tmp_path: Path):
    config = YAML(typ="safe").load((ROOT / "phasegate.yaml").read_text())
    for deploy in (["deploy-zjj", "x"], [{"runner": "a", "command": ["x"]}], [1], [{"a": 1}]):
        data = copy.deepcopy(config)
        data.setdefault("rollback", {})["deploy"] = deploy
        assert accepts(data, "config") == _slow("config").is_valid(data), deploy


#: Where the config takes a command (an argv: `prefixItems` for the program, `items` after
#: it), each as a way to put one there.
ARGV_PLACES = {
    "source": lambda data, argv: data["sources"][0].__setitem__("command", argv),
    "check": lambda data, argv: data["checks"]["quick"].__setitem__("command", argv),
    "deploy": lambda data, argv: data["rollback"].__setitem__("deploy", argv),
    "runner deploy": lambda data, argv: data["rollback"].update(
        deploy=[{"runner": "a", "command": argv}]
    ),
    "on_runner": lambda data, argv: data["rollback"].__setitem__("on_runner", argv),
}


@pytest.mark.parametrize("place", ARGV_PLACES)
def test_an_argv_reads_alike_before_and_after_its_program(place: str):
    """Review: the generator translates 2020-12's `items` beside `prefixItems` to 2019-09's
    `additionalItems`; one that dropped it (an argument `1` accepted after the program)
    passed every other test here, the mutations rarely reaching past an argv's first item."""
    config = YAML(typ="safe").load((ROOT / "phasegate.yaml").read_text())
    refused = 0
    for argv in (["x"], ["x", "y"], [""], ["", "x"], ["x", ""], ["x", 1], ["x", "y", None], [1]):
        data = copy.deepcopy(config)
        ARGV_PLACES[place](data, argv)
        valid = _slow("config").is_valid(data)
        assert accepts(data, "config") == valid, argv
        refused += not valid
    assert refused >= 5  # "", then a non-string after the program, are refused


def test_a_decimal_is_never_a_number_to_the_generated_validators():
    """The generated modules test numbers against a stand-in for decimal.Decimal (sparing
    every decision the decimal module): no reader gives one, and one handed over anyway is
    refused where a number is required, so jsonschema decides, as for every refusal."""
    import subprocess
    import sys
    from decimal import Decimal

    from conftest import healthy
    from phasegate.core.facts import fast_field_validator

    data = healthy()
    assert accepts(data, "facts")
    data["metrics"] = {**data["metrics"], "error_rate": Decimal("0.01")}
    assert not accepts(data, "facts")
    assert not fast_field_validator("metrics")(data["metrics"])
    for name in GENERATED:
        text = module_path(name).read_text(encoding="utf-8")
        assert "import decimal" not in text and "from decimal" not in text
    probe = "import sys, phasegate.files.validators._facts; print('decimal' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
