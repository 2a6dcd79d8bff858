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

from phasegate.files.schemas import is_rfc3339, load_schema
from phasegate.files.validators import GENERATED

HERE = Path(__file__).parent
_FASTJSONSCHEMA_IMPORT = (
    "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"
)
_OWN_IMPORT = (
    "from phasegate.files.validators import JsonSchemaValueException, JsonSchemaValuesException"
)
HEADER = '"""Generated from schemas/{name}.schema.json by phasegate.files.validators.generate."""\n'


def as_draft_2019(node: Any) -> Any:
    """`node` with `prefixItems: [...]` (2020-12) written as `items: [...]` (2019-09)."""
    if isinstance(node, list):
        return [as_draft_2019(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: as_draft_2019(value) for key, value in node.items()}
    if "prefixItems" in result:
        if "items" in result:
            raise ValueError("prefixItems beside items: translate it by hand")
        result["items"] = result.pop("prefixItems")
    if "$schema" in result:
        result["$schema"] = "https://json-schema.org/draft/2019-09/schema"
    return result


def generate(name: str) -> str:
    """The source of the validator module for the shipped schema `name`."""
    import fastjsonschema

    code = fastjsonschema.compile_to_code(
        as_draft_2019(load_schema(name)),
        formats={"date-time": is_rfc3339},
        use_default=False,
    )
    if _FASTJSONSCHEMA_IMPORT not in code:
        raise RuntimeError("fastjsonschema's generated imports changed: update generate.py")
    code = code.replace(_FASTJSONSCHEMA_IMPORT, _OWN_IMPORT)
    entry = re.search(r"^def (validate_\w+)\(", code, re.MULTILINE)
    if entry is None:
        raise RuntimeError("no validation function in fastjsonschema's code")
    return f"{HEADER.format(name=name)}{code}\n\nvalidate = {entry.group(1)}\n"


def module_path(name: str) -> Path:
    return HERE / f"_{name}.py"


def main() -> None:
    for name in GENERATED:
        module_path(name).write_text(generate(name), encoding="utf-8")
        print(f"wrote {module_path(name)}", file=sys.stderr)


if __name__ == "__main__":
    main()
