"""One warm decision's whole process in instructions, which the machine's speed does not move.

The start-up figures (startup_bench.py, startup_ab.py, peers/run.py) are CPU time, which
moved by a third over a day on this shared 2-core machine: more than most changes to
start-up save. This counts what one `phasegate evaluate` of `fixtures/facts/phase2-healthy.yaml`
written as JSON runs (valgrind's callgrind, its "Collected" total), with a warm policy
cache, at each REV, beside the click floor and the peers of benchmarks/peers/.

An instruction is not a nanosecond (regorus's Rust and the engine's C++ run more of them
per cycle than the interpreter does), so a ratio to a peer here is not the CPU-time ratio
of the peers command. Use it to tell whether a change to start-up pays.

    python benchmarks/evaluate_instructions.py [REV ...]   (`.`; about 20 s a REV)
    e.g. python benchmarks/evaluate_instructions.py 7892951 .

Needs valgrind (Debian: apt-get install valgrind) and the `bench` extra.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from phasegate.files.loading import load_document  # noqa: E402
from replay_instructions import instructions, print_ratios, tree_at  # noqa: E402

PY = sys.executable
FIXTURE = HERE.parent / "fixtures" / "facts" / "phase2-healthy.yaml"


def main() -> None:
    revs = sys.argv[1:] or ["."]
    with tempfile.TemporaryDirectory(prefix="phasegate-instructions-") as work:
        folder = Path(work)
        facts = folder / f"{FIXTURE.stem}.json"
        facts.write_text(json.dumps(load_document(FIXTURE).data, indent=2) + "\n")
        figures: dict[str, float] = {}
        for index, rev in enumerate(revs):
            tree, env = tree_at(rev, folder, index)
            command = [PY, "-m", "phasegate", "evaluate", str(facts)]
            instructions(command, env, tree)  # the policy cache warm
            figures[f"`phasegate evaluate`, warm cache, at {rev}"] = instructions(
                command, env, tree
            )
        env = dict(os.environ)
        peers = {
            "floor: `import cel_expr_python.cel, click, json`": [
                PY,
                "-c",
                "import cel_expr_python.cel, click, json",
            ],
            "the same rules in cel-expr-python (`cel_peer.py`)": [
                PY,
                str(HERE / "peers" / "cel_peer.py"),
                str(HERE.parent / "policies"),
                str(facts),
            ],
            "the same rules in Rego on regorus (`rego_peer.py`)": [
                PY,
                str(HERE / "peers" / "rego_peer.py"),
                str(facts),
            ],
        }
        for name, command in peers.items():
            figures[name] = instructions(command, env, HERE.parent)
    print("one decision, whole process (phase2-healthy as JSON); instructions, callgrind\n")
    print_ratios("process", f"`phasegate evaluate`, warm cache, at {revs[-1]}", revs[-1], figures)


if __name__ == "__main__":
    main()
