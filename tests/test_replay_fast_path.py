"""Replay's fast path (compiled validators, field memo, shared rule results) must decide
and report exactly as the plain path does, and must never accept a refused document."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from conftest import FIXTURES, HEALTHY_PHASE1, ROOT, run_cli
from phasegate.core.evaluate import Rollout
from phasegate.core.facts import facts_from_data, fast_field_validators
from phasegate.core.policy import load_policy_set
from phasegate.core.recording import RecordingReader
from phasegate.errors import InputError
from phasegate.files.loading import loads_strict
from phasegate.files.schemas import format_checker, inlined, load_schema
from phasegate.replay.memo import MemoRollout

RECORDING = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"


def _slow_validators() -> dict[str, Draft202012Validator]:
    schema = load_schema("facts")
    return {
        key: Draft202012Validator(inlined(sub, schema), format_checker=format_checker())
        for key, sub in schema["properties"].items()
    }


SLOW = _slow_validators()
FAST = fast_field_validators()


def _documents() -> list[dict[str, Any]]:
    yaml = YAML(typ="safe")
    found = [copy.deepcopy(HEALTHY_PHASE1)]
    for folder in (FIXTURES, ROOT / "tests" / "acceptance" / "facts"):
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.load(path.read_text())
            if isinstance(data, dict):
                found.append(json.loads(json.dumps(data, default=str)))
    found += [json.loads(line) for line in RECORDING.read_text().splitlines() if line.strip()]
    return found


DOCUMENTS = _documents()


def _agree(key: str, value: Any) -> None:
    if FAST[key](value):
        assert SLOW[key].is_valid(value), f"fast validator accepted {key}={value!r}"


def test_the_fast_validator_accepts_every_valid_field_of_the_fixtures():
    for document in DOCUMENTS:
        for key, value in document.items():
            if key in SLOW:
                _agree(key, value)
                assert FAST[key](value) == SLOW[key].is_valid(value), (key, value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e300])
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "",
            "P1",
            "open",
            "x\n",
            "a-b",
            "_",
            "2026-11-20T10:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-20t10:00:00z",
            "2026-11-20T10:00:00",
            "2026-11-20T10:00:00+25:00",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["ok", "exit_code", "command", "id", "severity", "status", "x", "a\n"])
            | st.text(max_size=4),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def _mutate(value: Any, rng: random.Random, replacement: Any) -> Any:
    """`value` with one node (maybe itself) replaced, a key dropped, or a key added."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        mutated = dict(value)
        choice = rng.random()
        if choice < 0.15:
            del mutated[key]
        elif choice < 0.3:
            mutated[rng.choice(["extra", "a\n", "ok", "timed_out"])] = replacement
        else:
            mutated[key] = _mutate(value[key], rng, replacement)
        return mutated
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(value[index], rng, replacement), *value[index + 1 :]]
    return replacement


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), json_values)
def test_the_fast_validator_never_accepts_a_mutated_field_jsonschema_refuses(data, replacement):
    document = data.draw(st.sampled_from(DOCUMENTS))
    key = data.draw(st.sampled_from(sorted(SLOW)))
    seed = data.draw(st.integers(0, 2**32))
    value = document.get(key, replacement)
    _agree(key, _mutate(value, random.Random(seed), replacement))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SLOW)), json_values)
def test_the_fast_validator_never_accepts_an_arbitrary_field_jsonschema_refuses(key, value):
    _agree(key, value)


def _generated_recording(path: Path, count: int = 240, seed: int = 3) -> Path:
    """Drifting snapshots with invalid, borderline and changing fields mixed in."""
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        doc = copy.deepcopy(HEALTHY_PHASE1)
        doc["phase"] = 1 if index < count // 2 else 2
        doc["collected_at"] = f"2026-11-20T{10 + index // 60:02d}:{index % 60:02d}:00Z"
        doc["metrics"]["error_rate"] = round(rng.uniform(0, 0.06), 4)
        doc["metrics"]["agents_failed"] = rng.choice([0, 0, 0, 1, 3, 1.0, True])
        doc["metrics"]["throughput"] = rng.choice([42.0, 42, -0.0, 0, 10.5])
        if rng.random() < 0.1:
            doc["checks"]["quick"] = {"exit_code": rng.choice([0, 1]), "ok": rng.random() < 0.5}
        if rng.random() < 0.1:
            doc["owners"]["release"] = rng.choice(["", "\u200b", "carol"])
        if rng.random() < 0.1:
            doc["freeze"] = {"active": rng.random() < 0.5}
        if rng.random() < 0.05:
            doc["state"] = {"corruption_indicators": rng.choice([0, 1, -1]), "db_integrity_ok": 1}
        if rng.random() < 0.05:
            doc["collected_at"] = "2026-02-30T00:00:00Z"
        if rng.random() < 0.05:
            doc["incidents"] = [{"id": "INC-1", "severity": "P1", "status": "open"}]
        if rng.random() < 0.03:
            doc["bogus"] = 1
        lines.append(json.dumps(doc))
    lines[5:5] = ['{"a": NaN}', "not json", '{"kind": "Facts", "kind": "Facts"}', ""]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_streamed_replay_decides_as_the_plain_path(tmp_path: Path):
    """The plain path: jsonschema on every whole document, every rule evaluated."""
    path = _generated_recording(tmp_path / "generated.jsonl")
    policy_set = load_policy_set(ROOT / "policies")
    fast = MemoRollout(policy_set)
    plain = Rollout(policy_set, messages=False)
    reader = RecordingReader(path)
    decided = [fast.decide(facts) for facts in reader.snapshots(strict=False)]
    expected = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            facts = facts_from_data(loads_strict(line), f"{path}:{number}")
        except (InputError, ValueError):
            continue
        expected.append(plain.decide(facts))
    assert len(decided) == len(expected) > 150
    assert decided == expected
    assert len(reader.skipped) == 240 + 3 - len(decided)


@pytest.mark.parametrize("which", ["fixture", "generated"])
def test_replay_json_output_is_stable_and_what_json_dumps_writes(tmp_path: Path, which: str):
    """The hand-written snapshot writer changes no byte: the output is the document as
    `json.dumps(indent=2, sort_keys=True)` writes it, and a second process writes it again."""
    path = tmp_path / "r.jsonl"  # named the same wherever the checkout is
    if which == "fixture":
        path.write_bytes(RECORDING.read_bytes())
    else:
        _generated_recording(path)
    outputs = []
    for name in ("one.json", "two.json"):
        run_cli("replay", "r.jsonl", "--format", "json", "-o", name, cwd=tmp_path)
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    expected = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert outputs[0].decode("utf-8") == expected


def test_a_snapshot_is_written_as_json_dumps_writes_it(tmp_path: Path):
    from phasegate.replay.replay import Replay
    from phasegate.report.replay.json import SNAPSHOT, _dumps, snapshot_object, snapshot_text

    path = _generated_recording(tmp_path / "generated.jsonl")
    replayed = Replay(RecordingReader(path), load_policy_set(ROOT / "policies"))
    for step in replayed.steps():
        assert snapshot_text(step, SNAPSHOT) == _dumps(snapshot_object(step), SNAPSHOT)
