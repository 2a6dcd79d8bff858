"""The shipped rules translated to Rego (phasegate.rego beside this file), run by regorus
through PyPI's `opa-eval`: what a team with a Rego gate would run instead.

Each document goes to the engine as JSON text (a JSONL line as it stands; a YAML or JSON
file read and dumped once). Prints one line per document: the verdict, a tab, the fired
rule ids sorted, as cel_peer.py does.

Run: python benchmarks/peers/rego_peer.py FACTS_FILE_OR_RECORDING...
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import opa_eval

POLICY = Path(__file__).with_name("phasegate.rego")


def texts(path: Path) -> Iterator[str]:
    if path.suffix == ".jsonl":
        with path.open() as handle:
            yield from handle
    elif path.suffix == ".json":
        yield path.read_text()
    else:
        from yaml12 import load

        yield json.dumps(load(path.read_text()))


def main() -> None:
    engine = opa_eval.OpaEval(str(POLICY), query="data.phasegate.decision")
    out = sys.stdout
    for argument in sys.argv[1:]:
        for text in texts(Path(argument)):
            decision = engine.evaluate_parsed(text)
            out.write(f"{decision['verdict']}\t{','.join(decision['fired'])}\n")


if __name__ == "__main__":
    main()
