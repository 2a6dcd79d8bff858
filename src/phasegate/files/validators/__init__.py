"""Validators generated from `schemas/` at build time, so deciding never loads jsonschema.

fastjsonschema writes each shipped schema out as plain Python (`generate.py` does it; a test
regenerates them and compares). A document they accept is valid; one they refuse goes to
jsonschema, which words the located messages (`phasegate.files.schemas.problems`). Importing
jsonschema costs about 80 ms of CPU, compiling a validator at run time 60 ms: a CI gate pays
for neither.

The generated modules raise the exceptions below: fastjsonschema's own names and arguments,
defined here so that a generated module does not import fastjsonschema either.
"""

from __future__ import annotations

from typing import Any

#: The schemas with a generated validator: those checked on the way to a decision, and the
#: policy tests' (`phasegate test` in a pre-commit hook need not load jsonschema either).
GENERATED = ("config", "expectation", "facts", "policy", "policytest")


class Decimal:
    """What the generated modules test a number against besides int and float, in place of
    `decimal.Decimal`, whose import cost a warm `evaluate` 3% of its instructions. No value
    is one: phasegate's readers (JSON, YAML) give ints and floats, never decimals, and a
    decimal handed over anyway is refused where a number is required (then jsonschema
    decides, as for every refusal)."""


class JsonSchemaValueException(ValueError):
    """A value a generated validator refuses (the words are jsonschema's to give)."""

    def __init__(
        self,
        message: str,
        value: Any = None,
        name: Any = None,
        definition: Any = None,
        rule: Any = None,
    ) -> None:
        super().__init__(message)


class JsonSchemaValuesException(ValueError):
    """Several refusals at once (fastjsonschema's fast_fail=False only; never generated)."""

    def __init__(self, errors: Any = None) -> None:
        super().__init__("invalid")
