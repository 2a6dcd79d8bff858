"""Write the validators of `phasegate.files.validators` from the shipped schemas.

    python -m phasegate.files.validators.generate

Run after editing a schema; `tests/test_schema_validators.py` fails until the generated
modules match. fastjsonschema reads drafts up to 2019-09, so the one 2020-12 keyword the
schemas use, `prefixItems`, is written in its 2019 form (`items` as a list) first; a test
holds every keyword of the schemas to the ones translated or known to both drafts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from phasegate.files.schemas import inlined, is_rfc3339, load_schema
from phasegate.files.validators import GENERATED

HERE = Path(__file__).parent
_FASTJSONSCHEMA_IMPORT = (
    "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"
)
_OWN_IMPORT = (
    "from phasegate.files.validators import JsonSchemaValueException, JsonSchemaValuesException"
)
#: fastjsonschema's numbers are int, float or decimal.Decimal; the stand-in (see
#: `phasegate.files.validators.Decimal`) spares every decision the decimal module's import.
_DECIMAL_IMPORT = "from decimal import Decimal"
_OWN_DECIMAL = "from phasegate.files.validators import Decimal"
HEADER = '"""Generated from schemas/{name}.schema.json by phasegate.files.validators.generate."""\n'


def as_draft_2019(node: Any) -> Any:
    """`node` with `prefixItems: [...]` (2020-12) written as `items: [...]` (2019-09), and
    the `items` beside it as `additionalItems`."""
    if isinstance(node, list):
        return [as_draft_2019(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: as_draft_2019(value) for key, value in node.items()}
    if "prefixItems" in result:
        if "items" in result:  # the items after the prefix
            result["additionalItems"] = result.pop("items")
        result["items"] = result.pop("prefixItems")
    if "$schema" in result:
        result["$schema"] = "https://json-schema.org/draft/2019-09/schema"
    return result


def _code(schema: Any) -> tuple[str, str]:
    """fastjsonschema's code for `schema`, importing nothing of fastjsonschema, and the name
    of its entry function."""
    import fastjsonschema

    code = fastjsonschema.compile_to_code(
        as_draft_2019(schema), formats={"date-time": is_rfc3339}, use_default=False
    )
    if _FASTJSONSCHEMA_IMPORT not in code or _DECIMAL_IMPORT + "\n" not in code:
        raise RuntimeError("fastjsonschema's generated imports changed: update generate.py")
    entry = re.search(r"^def (validate_\w+)\(", code, re.MULTILINE)
    if entry is None:
        raise RuntimeError("no validation function in fastjsonschema's code")
    own = code.replace(_FASTJSONSCHEMA_IMPORT, _OWN_IMPORT)
    return own.replace(_DECIMAL_IMPORT + "\n", _OWN_DECIMAL + "\n"), entry.group(1)


def generate(name: str) -> str:
    """The source of the validator module for the shipped schema `name`."""
    code, entry = _code(load_schema(name))
    return f"{HEADER.format(name=name)}{code}\n\nvalidate = {entry}\n"


#: Lines every piece of fastjsonschema's code starts with; the fields module has them once.
_PREAMBLE = ("VERSION = ", _OWN_DECIMAL, "import re", _OWN_IMPORT, "NoneType = ")


def generate_fields() -> str:
    """One validator per top-level field of the facts schema, in one module (`FIELDS`):
    replay checks each field value it has not seen before, not whole documents."""
    schema = load_schema("facts")
    pieces, names, preamble = [], [], set()
    for key, node in schema["properties"].items():
        alone = {**inlined(node, schema), "$id": f"https://phasegate.dev/facts/{key}"}
        code, entry = _code(alone)
        lines = code.split("\n")
        preamble.update(line for line in lines if line.startswith(_PREAMBLE))
        body = "\n".join(line for line in lines if not line.startswith(_PREAMBLE))
        pieces.append(body.replace("REGEX_PATTERNS", f"_PATTERNS_{key}").strip("\n"))
        names.append(f"    {key!r}: {entry},")
    fields = "\n".join(["FIELDS = {", *names, "}"])
    return "\n".join(
        [HEADER.format(name="facts").replace(".schema.json", ".schema.json (each field)")]
        + [line for start in _PREAMBLE for line in sorted(preamble) if line.startswith(start)]
        + ["", *pieces, "", fields, ""]
    )


def module_path(name: str) -> Path:
    return HERE / f"_{name}.py"


#: The module of `generate_fields`.
FIELDS = "facts_fields"


def main() -> None:
    written = {name: generate(name) for name in GENERATED}
    written[FIELDS] = generate_fields()
    for name, code in written.items():
        module_path(name).write_text(code, encoding="utf-8")
        print(f"wrote {module_path(name)}", file=sys.stderr)


if __name__ == "__main__":
    main()
