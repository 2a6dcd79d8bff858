"""The stand-ins of fixtures/bin (POSIX sh) against their interface (fixtures/bin/README.md)
and against the independent Python set (tests/standins_independent/bin).

The sh scripts print JSON by hand, so every JSON line they print is checked to be exactly
what json.dumps prints for its own parse (key order, escapes, number forms); the numbers
read from the environment are checked to print as Python's int()/float() + json.dumps do.
Where both sets are bound by the interface (exit codes, error codes, the counts and values
phasegate reads), they must agree.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "bin"
INDEPENDENT = ROOT / "tests" / "standins_independent" / "bin"
T = datetime(2026, 11, 20, 10, 0, tzinfo=UTC).timestamp()  # fixtures/bin's fixed "now"
ZJJ_COMMANDS = [
    ["status", "--json"],
    ["list", "--json"],
    ["agents", "--json"],
    ["doctor", "--json"],
    ["bogus", "--json"],
]
SWARM_COMMANDS = [
    ["status"],
    ["history", "--limit", "200"],
    ["monitor", "--view", "failures"],
    ["bogus"],
    ["history", "--limit", "x"],
]


def call(bin_dir: Path, tool: str, *args: str | bytes, state: Path, **env: str):
    return subprocess.run(
        [bin_dir / tool, *args],
        capture_output=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "STANDIN_STATE_DIR": str(state), **env},
    )


def json_lines(stdout: bytes) -> list:
    """Each line parsed, after checking it is byte for byte what json.dumps prints for it."""
    lines = stdout.decode("ascii").splitlines()
    docs = [json.loads(line) for line in lines]
    for line, doc in zip(lines, docs, strict=True):
        assert json.dumps(doc, separators=(",", ":")) == line
    return docs


def zjj_facts(done: subprocess.CompletedProcess) -> tuple:
    """What phasegate reads of a zjj answer, and both sets define alike."""
    if not done.stdout.startswith(b"{"):
        return (done.returncode, "text")
    docs = [json.loads(line) for line in done.stdout.decode().splitlines()]
    facts = []
    for doc in docs:
        if "error" in doc:
            facts.append(("error", doc["error"]["code"], doc["error"]["exit_code"]))
        elif "agents" in doc:  # an envelope here, bare there: both allowed
            facts.append([agent["agent_id"] for agent in doc["agents"]])
        elif "$schema" in doc:
            issues = sorted(issue["id"] for issue in doc.get("issues", []))
            facts.append((doc["$schema"], doc["_schema_version"], doc["success"], issues))
        else:
            [wrapper] = doc
            facts.append(wrapper)
    return (done.returncode, facts)


def swarm_facts(done: subprocess.CompletedProcess, env: dict[str, str]) -> tuple:
    """What phasegate reads of a swarm answer, and both sets define alike (the defaults
    of `cascade`'s success rate and newest seq are this set's own)."""
    if not done.stdout.startswith(b"{"):
        return (done.returncode, done.stdout == b"", done.stderr == b"")
    doc = json.loads(done.stdout)
    data = doc["d"] or {}
    facts = [doc["ok"], (doc["err"] or {}).get("code")]
    if "beads_by_status" in data:
        facts += [data["errors"], data["total"], data["beads_by_status"]["closed"]]
    if "aggregates" in data:
        facts.append(
            data["aggregates"]["success_rate"] if "STANDIN_SWARM_SUCCESS_RATE" in env else None
        )
        facts.append(data["aggregates"]["error_frequency"].get("BUSY", 0))
    if "rows" in data:
        facts.append(data["rows"][0]["seq"] if "STANDIN_SWARM_MAX_SEQ" in env else None)
    return (done.returncode, facts)


@pytest.mark.parametrize("fmt", ["envelope", "lines"])
@pytest.mark.parametrize("mode", ["healthy", "drifted", "corrupt", "locked", "garbage"])
def test_zjj_answers_as_the_independent_set_does(tmp_path: Path, mode: str, fmt: str):
    env = {"STANDIN_ZJJ": mode, "STANDIN_ZJJ_FORMAT": fmt}
    for args in ZJJ_COMMANDS:
        ours = call(FIXTURES, "zjj", *args, state=tmp_path, **env)
        theirs = call(INDEPENDENT, "zjj", *args, state=tmp_path, **env)
        assert zjj_facts(ours) == zjj_facts(theirs), (args, ours, theirs)
        if ours.stdout.startswith(b"{"):
            json_lines(ours.stdout)


@pytest.mark.parametrize("mode", ["healthy", "failing", "cascade", "garbage", "internal"])
def test_swarm_answers_as_the_independent_set_does(tmp_path: Path, mode: str):
    variants = [
        {},
        {
            "STANDIN_SWARM_CLOSED": "26",
            "STANDIN_SWARM_BUSY": "10",
            "STANDIN_SWARM_SUCCESS_RATE": "0.9",
            "STANDIN_SWARM_MAX_SEQ": "840",
        },
        {"STANDIN_SWARM_UNKNOWN_BEADS": "1"},
    ]
    for env in variants:
        for args in SWARM_COMMANDS:
            ours = call(FIXTURES, "swarm", *args, state=tmp_path, STANDIN_SWARM=mode, **env)
            theirs = call(INDEPENDENT, "swarm", *args, state=tmp_path, STANDIN_SWARM=mode, **env)
            assert swarm_facts(ours, env) == swarm_facts(theirs, env), (args, env)
            if ours.stdout.startswith(b"{"):
                json_lines(ours.stdout)


@pytest.mark.parametrize("outcome", ["pass", "fail"])
@pytest.mark.parametrize("task", [":quick", ":test", ":ci", ":deploy"])
def test_moon_exits_as_the_independent_set_does(tmp_path: Path, task: str, outcome: str):
    env = {f"STANDIN_MOON_{name}": outcome for name in ("QUICK", "TEST", "CI")}
    ours = call(FIXTURES, "moon", "run", task, state=tmp_path, **env)
    theirs = call(INDEPENDENT, "moon", "run", task, state=tmp_path, **env)
    assert (
        ours.returncode
        == theirs.returncode
        == (0 if outcome == "pass" and task != ":deploy" else 1)
    )
    assert (ours.stderr == b"") == (theirs.stderr == b"") == (ours.returncode == 0)


@pytest.mark.parametrize("bin_dir", [FIXTURES, INDEPENDENT], ids=["fixtures", "independent"])
def test_flaky_zjj_alternates_between_calls(tmp_path: Path, bin_dir: Path):
    codes = [
        call(bin_dir, "zjj", "status", "--json", state=tmp_path, STANDIN_ZJJ="flaky").returncode
        for _ in range(4)
    ]
    assert codes == [0, 5, 0, 5]


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("0.9", "0.9"),
        ("0.5", "0.5"),
        ("0.80", "0.8"),
        ("0.90", "0.9"),
        ("0.99", "0.99"),
        ("1", "1.0"),
        ("0", "0.0"),
        ("0.972600", "0.9726"),
        (" 0.25 ", "0.25"),
        ("-0", "-0.0"),
        ("0.00001", "1e-05"),
        ("1E3", "1000.0"),
        ("0.123456789012345678", "0.12345678901234568"),
        ("12345678901234567", "1.2345678901234568e+16"),
        ("inf", "Infinity"),
        ("", "0.99"),
    ],
)
def test_success_rate_prints_as_python_float_and_json_dumps(tmp_path: Path, value: str, rate: str):
    assert json.dumps(float(value or "0.99")) == rate  # the expectation is Python's own
    done = call(
        FIXTURES,
        "swarm",
        "history",
        "--limit",
        "9",
        state=tmp_path,
        STANDIN_SWARM_SUCCESS_RATE=value,
    )
    assert done.returncode == 0 and done.stderr == b""
    assert f'"success_rate":{rate},'.encode() in done.stdout
    assert json_lines(done.stdout)[0]["d"]["limit"] == 9


@pytest.mark.parametrize(
    "value", ["0", "1", "5", "26", "199", "200", "201", "250", "840", "007", " 12 ", "+5", "-3"]
)
def test_integers_print_as_python_int_and_monitor_counts_down(tmp_path: Path, value: str):
    number = int(value)
    env = {
        name: value
        for name in ("STANDIN_SWARM_CLOSED", "STANDIN_SWARM_BUSY", "STANDIN_SWARM_MAX_SEQ")
    }
    status, history, monitor = (
        json_lines(call(FIXTURES, "swarm", *args, state=tmp_path, **env).stdout)[0]["d"]
        for args in (["status"], ["history", "--limit", "0"], ["monitor", "--view", "failures"])
    )
    assert status["beads_by_status"]["closed"] == number
    assert history["aggregates"]["error_frequency"] == {"BUSY": number}
    rows = monitor["rows"]
    assert [row["seq"] for row in rows] == list(range(number, max(number - 200, 0), -1))
    for i, row in enumerate(rows):  # created an hour apart, the newest an hour before t
        when = datetime.fromtimestamp(T - 3600 * (i + 1), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (row["bead_id"], row["created_at"]) == (f"bd-{row['seq']:03x}", when)


def test_cascade_failures_are_seconds_apart_ending_now(tmp_path: Path):
    done = call(
        FIXTURES, "swarm", "monitor", "--view", "failures", state=tmp_path, STANDIN_SWARM="cascade"
    )
    rows = json_lines(done.stdout)[0]["d"]["rows"]
    assert [r["seq"] for r in rows] == list(range(862, 662, -1))
    times = [
        datetime.fromtimestamp(T - 10 * i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(200)
    ]
    assert [r["created_at"] for r in rows] == times


@pytest.mark.parametrize("name", ["STANDIN_SWARM_CLOSED", "STANDIN_SWARM_SUCCESS_RATE"])
def test_a_malformed_number_is_one_line_and_exit_1(tmp_path: Path, name: str):
    args = ["status"] if name.endswith("CLOSED") else ["history", "--limit", "1"]
    done = call(FIXTURES, "swarm", *args, state=tmp_path, **{name: "1.2.3"})
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.count(b"\n") == 1 and name.encode() in done.stderr


@pytest.mark.parametrize(
    ("content", "printed"),
    [
        (None, "zjj 0.4.1\n"),
        ("0.4.4", "zjj 0.4.4\n"),
        (" \t0.5.0\n\n", "zjj 0.5.0\n"),
        ("", "zjj \n"),
    ],
)
def test_zjj_version_file_replaces_the_version(tmp_path: Path, content: str | None, printed: str):
    version_file = tmp_path / "version"
    if content is not None:
        version_file.write_text(content)
    env = {"STANDIN_ZJJ_VERSION": "0.4.1", "STANDIN_ZJJ_VERSION_FILE": str(version_file)}
    for bin_dir in (FIXTURES, INDEPENDENT):
        assert call(bin_dir, "zjj", "--version", state=tmp_path, **env).stdout.decode() == printed


@pytest.mark.parametrize(
    "argument",
    ['b"og\\us', "tab\there", "h\u00e9 \U0001f600", b"\xff\xe2\x96", "-\u00e9", '-"', "-v\tx"],
)
def test_zjj_escapes_an_odd_argument_as_json_dumps(tmp_path: Path, argument: str | bytes):
    done = call(FIXTURES, "zjj", argument, "--json", state=tmp_path)
    [envelope] = json_lines(done.stdout)
    text = os.fsdecode(argument)  # as Python decodes argv: undecodable bytes as \udcXX
    assert done.returncode == 2 and envelope["error"]["details"] == {"argument": text}
    assert envelope["_meta"]["command"] == text


@pytest.mark.parametrize(
    ("tool", "args", "env"),
    [
        ("zjj", ["status", "--json"], {}),
        ("zjj", ["doctor", "--json"], {"STANDIN_ZJJ": "corrupt"}),
        ("swarm", ["monitor", "--view", "failures"], {}),
        ("swarm", ["status"], {"STANDIN_SWARM": "huge"}),
    ],
)
def test_a_closed_stdout_pipe_exits_0_quietly(
    tmp_path: Path, tool: str, args: list[str], env: dict
):
    """As zjj and swarm do (the Python stand-ins caught BrokenPipeError)."""
    read, write = os.pipe()
    os.close(read)  # every write fails with EPIPE
    try:
        done = subprocess.run(
            [FIXTURES / tool, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
            env={"PATH": os.environ["PATH"], "STANDIN_STATE_DIR": str(tmp_path), **env},
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b"")


def test_huge_is_one_valid_json_line_of_50_mb(tmp_path: Path):
    done = call(FIXTURES, "swarm", "status", state=tmp_path, STANDIN_SWARM="huge")
    assert done.returncode == 0 and done.stdout.count(b"\n") == 1
    assert len(done.stdout) > 50 * 2**20
    assert json.loads(done.stdout)["d"]["padding"] == "x" * 50 * 2**20


def test_hang_never_exits(tmp_path: Path):
    """Every `hang` sleeps until killed (phasegate kills the process group)."""
    env = {
        "PATH": os.environ["PATH"],
        "STANDIN_ZJJ": "hang",
        "STANDIN_SWARM": "hang",
        "STANDIN_MOON_CI": "hang",
    }
    commands = [["zjj", "--version"], ["swarm", "status"], ["moon", "run", ":ci"]]
    running = [
        subprocess.Popen(
            [FIXTURES / tool, *args], env=env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        for tool, *args in commands
    ]
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            running[0].wait(timeout=1)
        assert [process.poll() for process in running] == [None, None, None]
        for process in running:  # the stand-in alone, as a parent-death signal kills it
            process.kill()
            process.wait()
        for process in running:  # nothing of it is left in its group
            with pytest.raises(ProcessLookupError):
                os.killpg(process.pid, 0)
    finally:
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
