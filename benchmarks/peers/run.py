"""phasegate against its peers, side by side: one decision, and a replay, CPU from wait4.

The peers (beside this file) decide the same facts with the same 25 live shipped rules:
`cel_peer.py`, the `when:` expressions on the same engine (cel-expr-python) driven by hand,
one Activation per document and every rule; `rego_peer.py`, the rules in Rego on regorus
(PyPI `opa-eval`). tests/test_replay_peers.py checks that both give phasegate's verdicts
and fired rules on every fixture and every snapshot written here.

Every command runs as a child whose own CPU (user + system) `os.wait4` reports; each round
runs every command once, in an order rotated round by round, so a slow spell of the
machine weighs on all of them alike; figures are medians over the rounds. A replay's CPU
per snapshot is the run over SNAPSHOTS less the same command over the first snapshot
alone, divided by SNAPSHOTS - 1: start-up is the decision table's business.

    python benchmarks/peers/run.py [ROUNDS] [SNAPSHOTS]     (defaults 7 and 3000; about 25 s)

Needs the `bench` extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from replay_bench import generate  # noqa: E402

FIXTURE = ROOT / "fixtures" / "facts" / "phase2-healthy.yaml"
POLICIES = ROOT / "policies"
PY = sys.executable
#: The children's environment: phasegate's policy cache in a folder of this run (set in
#: `main`), warmed by the first command, so no earlier run's entry is measured.
ENV = dict(os.environ)
#: The recording's length when none is given; tests/test_replay_peers.py checks each one.
SNAPSHOTS = 3000


CEL = "the same rules in cel-expr-python (`cel_peer.py`)"
REGO = "the same rules in Rego on regorus (`rego_peer.py`)"


def decision_commands(facts: Path) -> dict[str, list[str]]:
    return {
        "`phasegate evaluate`, warm cache": [PY, "-m", "phasegate", "evaluate", str(facts)],
        "`phasegate evaluate --no-cache`": [
            PY,
            "-m",
            "phasegate",
            "evaluate",
            "--no-cache",
            str(facts),
        ],
        "floor: a click CLI over the engine (`import cel_expr_python.cel, click, json`)": [
            PY,
            "-c",
            "import cel_expr_python.cel, click, json",
        ],
        CEL: [
            PY,
            str(HERE / "cel_peer.py"),
            str(POLICIES),
            str(facts),
        ],
        REGO: [
            PY,
            str(HERE / "rego_peer.py"),
            str(facts),
        ],
    }


def replay_commands(recording: Path) -> dict[str, list[str]]:
    return {
        "`phasegate replay`": [PY, "-m", "phasegate", "replay", str(recording)],
        "cel-expr-python by hand (`cel_peer.py`)": [
            PY,
            str(HERE / "cel_peer.py"),
            str(POLICIES),
            str(recording),
        ],
        "Rego on regorus (`rego_peer.py`)": [PY, str(HERE / "rego_peer.py"), str(recording)],
        "`json.loads` of each line alone": [
            PY,
            "-c",
            "import json, sys\nfor line in open(sys.argv[1]): json.loads(line)",
            str(recording),
        ],
    }


def cpu(command: list[str]) -> float:
    """The child's own CPU seconds (user + system), from wait4; its exit status checked."""
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 10, 20):  # continue, pause, rollback
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    return usage.ru_utime + usage.ru_stime


def rounds(commands: dict[str, list[str]], count: int) -> dict[str, float]:
    """The median CPU of each command over `count` rounds, run interleaved."""
    names = list(commands)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for number in range(count):
        turn = number % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(cpu(commands[name]))
    return {name: statistics.median(found) for name, found in samples.items()}


def table(title: str, unit: str, figures: dict[str, float], scale: float) -> None:
    first = next(iter(figures.values()))
    print(f"| {title} | {unit} | phasegate ÷ it |\n|---|---|---|")
    for name, value in figures.items():
        shown = f"{value * scale:.3f}" if scale == 1 else f"{value * scale:.0f}"
        print(f"| {name} | {shown} | {first / value:.2f} |")
    print()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    snapshots = int(sys.argv[2]) if len(sys.argv) > 2 else SNAPSHOTS
    import phasegate
    from phasegate.files.loading import load_document

    compileall.compile_dir(Path(phasegate.__file__).parent, quiet=1)  # as pip install does
    compileall.compile_dir(HERE, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        ENV["PHASEGATE_CACHE_DIR"] = str(Path(folder) / "cache")
        lines = [json.dumps(snapshot) + "\n" for snapshot in generate(snapshots, 7)]
        recording, first = Path(folder) / "recording.jsonl", Path(folder) / "first.jsonl"
        recording.write_text("".join(lines))
        first.write_text(lines[0])
        # As a CI step hands it over: the collector writes JSON (the YAML fixture, as read).
        facts = Path(folder) / f"{FIXTURE.stem}.json"
        facts.write_text(json.dumps(load_document(FIXTURE).data, indent=2) + "\n")
        decision = decision_commands(facts)
        whole, alone = replay_commands(recording), replay_commands(first)
        commands = {
            **{("decision", name): command for name, command in decision.items()},
            **{("replay", name): command for name, command in whole.items()},
            **{("first", name): command for name, command in alone.items()},
        }
        for command in commands.values():  # warm the file cache
            cpu(command)
        figures = rounds(commands, count)  # type: ignore[arg-type]
    print(f"{count} rounds, interleaved; {snapshots} snapshots (seed 7); CPU from wait4\n")
    table(
        f"one decision, whole process (`{FIXTURE.relative_to(ROOT)}` as JSON)",
        "CPU s",
        {name: figures[("decision", name)] for name in decision},
        1,
    )
    per_snapshot = {
        name: (figures[("replay", name)] - figures[("first", name)]) / (snapshots - 1)
        for name in whole
    }
    table(f"replay, CPU per snapshot, {snapshots} snapshots", "µs", per_snapshot, 1e6)
    replay = per_snapshot["`phasegate replay`"]
    decided = {name: figures[("decision", name)] for name in decision}
    warm = decided["`phasegate evaluate`, warm cache"] / decided[REGO]
    cold = decided["`phasegate evaluate --no-cache`"] / decided[CEL]
    print(
        f"evaluate: warm {warm:.2f}x the Rego peer's CPU (target <= 1.0x), no cache "
        f"{cold:.2f}x the hand-driven engine script's (target <= 1.2x)"
    )
    print(
        f"replay: {replay / per_snapshot['cel-expr-python by hand (`cel_peer.py`)']:.2f}x the "
        f"hand-driven engine's CPU per snapshot (target <= 0.5x), "
        f"{replay / per_snapshot['`json.loads` of each line alone']:.2f}x the json.loads "
        "floor (target <= 5x)"
    )


if __name__ == "__main__":
    main()
