"""`phasegate eval`: one expression, its value and CEL type, the way rules evaluate it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from conftest import FIXTURES, run_cli
from phasegate import cel
from phasegate.cli import main
from phasegate.cli.eval import cel_text

HEALTHY = str(FIXTURES / "phase1-healthy.yaml")


def eval_in_process(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["eval", *args])
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ("1 < 2", "true (bool)"),
        ("1 + 2", "3 (int)"),
        ("3.0 / 2.0", "1.5 (double)"),
        ("'a' + 'b'", '"ab" (string)'),
        ("b'ab'", 'b"ab" (bytes)'),
        ("null", "null (null_type)"),
        ("[1, 'x', 2.0]", '[1, "x", 2.0] (list)'),
        ("{'k': [true]}", '{"k": [true]} (map)'),
        ("timestamp('2026-11-20T10:00:00Z')", 'timestamp("2026-11-20T10:00:00Z") (timestamp)'),
        ("duration('90m')", 'duration("5400s") (duration)'),
        ("1.0 / 2.0", "0.5 (double)"),
        ("1.0", "1.0 (double)"),
        ("1u", "1u (uint)"),
        ("dyn(2u)", "2u (uint)"),
        ("type(1)", "int (type)"),
        ("type(timestamp(0))", "google.protobuf.Timestamp (type)"),
        ("dyn([1u])", "[1u] (list)"),
        ("[1u, 2]", "[1u, 2] (list)"),
        ("{'a': [1u, type(null)], 'b': 1}", '{"a": [1u, null_type], "b": 1} (map)'),
        ("optional.of(3u).orValue(1u)", "3u (uint)"),
    ],
)
def test_value_and_type_as_cel_text(capsys, expression, printed):
    assert eval_in_process(capsys, expression) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("expression", "document"),
    [
        ("1u", {"type": "uint", "value": 1}),
        ("18446744073709551615u", {"type": "uint", "value": 18446744073709551615}),
        ("type(1)", {"type": "type", "value": "int"}),
        ("[1u, type('')]", {"type": "list", "value": [1, "string"]}),
        ("1", {"type": "int", "value": 1}),
    ],
)
def test_json_gives_the_engine_type(capsys, expression, document):
    code, out, _ = eval_in_process(capsys, expression, "--format", "json")
    assert (code, json.loads(out)) == (0, document)


@pytest.mark.parametrize("expression", ["1u", "[1u, 2, [3u]]", "{'k': 4u}", "[type(1), uint]"])
def test_uint_and_type_text_pastes_back_as_the_same_value(expression):
    """What eval prints is CEL: evaluated again, it shows the same (1u stays a uint)."""
    shown = cel.evaluate_shown(expression, {})
    again = cel.evaluate_shown(cel_text(shown.value), {})
    assert (cel_text(again.value), again.type) == (cel_text(shown.value), shown.type)
    assert again.value == cel.evaluate(expression, {})


#: Values the engine holds below the microsecond a timedelta or datetime keeps.
NANOSECONDS = [
    ("duration('1ns')", 'duration("0.000000001s")', "duration", "0.000000001s"),
    ("duration('-1.000000001s')", 'duration("-1.000000001s")', "duration", "-1.000000001s"),
    ("duration('1h1m1.5ms')", 'duration("3660.0015s")', "duration", "3660.0015s"),
    (
        "timestamp('2026-11-20T10:00:00.123456789Z')",
        'timestamp("2026-11-20T10:00:00.123456789Z")',
        "timestamp",
        "2026-11-20T10:00:00.123456789Z",
    ),
    (
        "timestamp('2026-11-20T10:00:00Z') + duration('1ns')",
        'timestamp("2026-11-20T10:00:00.000000001Z")',
        "timestamp",
        "2026-11-20T10:00:00.000000001Z",
    ),
]


@pytest.mark.parametrize(("expression", "printed", "kind", "value"), NANOSECONDS)
def test_durations_and_timestamps_show_the_engines_nanoseconds(
    capsys, expression, printed, kind, value
):
    """`duration("1ns")` printed `0s`: the value went through Python's microseconds."""
    assert eval_in_process(capsys, expression) == (0, f"{printed} ({kind})\n", "")
    code, out, _ = eval_in_process(capsys, expression, "--format", "json")
    assert (code, json.loads(out)) == (0, {"type": kind, "value": value})


@pytest.mark.parametrize(("expression", "printed", "kind", "value"), NANOSECONDS)
def test_nanoseconds_paste_back_as_the_same_value(expression, printed, kind, value):
    """The text, and the JSON value given to duration() or timestamp(), are the value the
    engine held: equal to it in CEL, where 0s (what was printed) is not 1ns."""
    assert cel_text(cel.evaluate_shown(expression, {}).value) == printed
    assert cel.evaluate(f"{printed} == {expression}", {}) is True
    assert cel.evaluate(f"{kind}({json.dumps(value)}) == {expression}", {}) is True


def test_nanoseconds_in_a_list_end_to_end():
    result = run_cli("eval", "[duration('1ns'), {'t': timestamp(1) + duration('1ns')}]")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        '[duration("0.000000001s"), {"t": timestamp("1970-01-01T00:00:01.000000001Z")}] (list)\n'
    )


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("b'\\xff\\x00a'", "/wBh"),
        ("b'ab'", "YWI="),
        ("b'\\xff'", "/w=="),  # the README's example
        ("[b'\\xfe', b'']", ["/g==", ""]),
    ],
)
def test_json_bytes_are_standard_base64(expression, value):
    """The protobuf JSON mapping CEL uses; decoded as UTF-8, b"\\xff" and b"\\xfe" were
    both U+FFFD."""
    result = run_cli("eval", expression, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value"] == value


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.000001, "0.000001s"), (123456.5, "123456.5s"), (-0.5, "-0.5s")]
)
def test_durations_in_messages_are_exact_seconds(seconds, text):
    """Six significant digits wrote `1e-06s` (no duration() reads it) and `123456s`."""
    assert cel.format_value(timedelta(seconds=seconds)) == text


def test_bytes_text_stays_the_paste_back_literal(capsys):
    assert eval_in_process(capsys, "b'\\xff\\x00a'") == (0, 'b"\\xff\\x00a" (bytes)\n', "")


def test_facts_bind_facts_now_and_phase_normalised(capsys):
    code, out, _ = eval_in_process(
        capsys,
        "[facts.change.commit, phase, now - timestamp(facts.phase_started_at), facts.checks.ci.ok]",
        "--facts",
        HEALTHY,
    )
    assert code == 0
    assert out == '["9f2c4e1", 1, duration("7200s"), true] (list)\n'


def test_set_binds_json_values(capsys):
    code, out, _ = eval_in_process(
        capsys,
        "params.factor * x",
        "--set",
        'params={"factor": 1.5}',
        "--set",
        "x=2.0",
        "--format",
        "json",
    )
    assert (code, json.loads(out)) == (0, {"type": "double", "value": 3.0})


def test_json_format_prints_timestamps_as_text(capsys):
    code, out, _ = eval_in_process(capsys, "now", "--facts", HEALTHY, "--format", "json")
    assert code == 0
    assert out == '{"type":"timestamp","value":"2026-11-20T10:00:00Z"}\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--set", "x=nope"], "'x=nope': invalid JSON"),
        (["x", "--set", "x=NaN"], "NaN is not JSON"),
        (["x", "--set", "1x=1"], "expected NAME=JSON"),
        (["x", "--set", "x=1", "--set", "x=2"], "x is set twice"),
        (["facts", "--facts", HEALTHY, "--set", "now=1"], "now already bound by --facts"),
    ],
)
def test_bad_bindings_are_usage_errors(capsys, args, message):
    code, out, err = eval_in_process(capsys, *args)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize(
    ("expression", "line"),
    [
        ("x >", "<expr>:1:4: error: syntax error: unexpected end of expression"),
        # refused as loading refuses it in a rule (issue 20): x / 0.0 is inf, NaN passes
        ("1.0 / 0.0", "<expr>:1:7: error: division by 0.0, which is zero (x / 0.0 is inf"),
        # a name is no literal, even one that reads as a number to Python
        (
            "cel.bind(inf, 2.0, 1.0 / inf)",
            "<expr>:1:26: error: division by inf, which may be zero: guard it (inf > 0.0 && ...)",
        ),
        ("nothing.here", "<expr>:1:8: error: unknown name 'nothing.here' (no variables are bound)"),
    ],
)
def test_compile_and_evaluation_errors_are_one_located_line_exit_3(capsys, expression, line):
    code, out, err = eval_in_process(capsys, expression)
    assert (code, out) == (3, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(line)


def test_a_missing_fact_fails_with_its_path(capsys):
    code, _, err = eval_in_process(capsys, "facts.metrics.nope > 1.0", "--facts", HEALTHY)
    assert code == 3
    assert err.startswith("<expr>:1:") and "nope" in err


def test_invalid_facts_are_refused_before_evaluating(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: phasegate/v1\nkind: Facts\nphase: 7\n")
    code, out, err = eval_in_process(capsys, "true", "--facts", str(bad))
    assert (code, out) == (3, "")
    assert str(bad) in err


def test_a_map_prints_in_one_order_in_every_process():
    """The engine gives a map in its hash order, which changes from process to process."""
    printed = {run_cli("eval", "{'c': 1, 'a': 2u, 'b': {'z': 3, 'y': 4}}").stdout for _ in range(6)}
    assert printed == {'{"a": 2u, "b": {"y": 4, "z": 3}, "c": 1} (map)\n'}


def test_end_to_end_in_a_real_process():
    result = run_cli("eval", "facts.metrics.error_rate > 0.01", "--facts", HEALTHY)
    assert (result.returncode, result.stdout, result.stderr) == (0, "true (bool)\n", "")
    failed = run_cli("eval", "1 + (2 / int(z))", "--set", "z=0")
    assert failed.returncode == 3
    assert failed.stderr == "<expr>:1:6: error: division by zero\n"
    assert "Traceback" not in failed.stderr


def test_rules_still_get_plain_values():
    """Only eval keeps uints and types apart: what rules and verdicts get is plain."""
    assert type(cel.evaluate("1u", {})) is int
    assert [type(item) for item in cel.evaluate("dyn([1u, type(1)])", {})] == [int, str]
