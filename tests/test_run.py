"""`phasegate collect` and `run` end to end against stand-ins for moon, zjj and swarm.

The stand-ins print exactly the formats of the output notes; two sets written
independently (fixtures/bin and tests/standins_independent/bin) must give `collect` the
same facts in every mode; the worlds then run over fixtures/bin.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STANDINS = {
    "fixtures": ROOT / "fixtures" / "bin",
    "independent": ROOT / "tests" / "standins_independent" / "bin",
}
CHANGE = [
    "--set",
    "change.commit=9f2c4e1",
    "--set",
    "change.tag=v0.4.3",
    "--set",
    "change.last_known_good=v0.4.2",
    "--set",
    "owners.release=alice",
    "--set",
    "owners.rollback=bob",
]
RELEASE_SHA = "9f2c4e1" + "0" * 33
# Fixed times: the stable window has passed, and runs are deterministic.
WINDOW = ["--set", "phase_started_at=2026-11-20T08:00:00Z"]


def at(minute: int) -> list[str]:
    return ["--set", f"collected_at=2026-11-20T10:{minute:02d}:00Z"]


@dataclass
class World:
    """A working directory with a config, stand-ins first on PATH, and a state dir."""

    path: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "phasegate", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env, **env},
        )

    @property
    def log(self) -> list[dict]:
        log = self.path / ".phasegate" / "decisions.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    @property
    def decisions(self) -> list[dict]:
        return [line for line in self.log if line["event"] == "decision"]

    @property
    def actions(self) -> list[dict]:
        """The outcomes logged after each action ran, of every decision."""
        return [line for line in self.log if line["event"] == "action"]

    def config(self, text: str) -> None:
        """Append YAML to the shipped configuration (later keys win? no: replace sections)."""
        (self.path / "phasegate.yaml").write_text(text)


def make_world(tmp_path: Path, bin_dir: Path, recorded: Path | None = None) -> World:
    """A world; with `recorded` (see `recordings`), its contract baseline and stand-in state
    are copied from there, as `phasegate contract record` left them."""
    (tmp_path / "standin").mkdir(parents=True)
    (tmp_path / "bin").mkdir()
    git = tmp_path / "bin" / "git"  # the checks run at the release commit of CHANGE
    git.write_text(f"#!/bin/sh\necho {RELEASE_SHA}\n")
    git.chmod(0o755)
    (tmp_path / "phasegate.yaml").write_text((ROOT / "phasegate.yaml").read_text())
    path_dirs = [
        str(bin_dir),
        str(tmp_path / "bin"),
        os.path.dirname(sys.executable),
        "/usr/bin",
        "/bin",
    ]
    env = {
        "PATH": os.pathsep.join(path_dirs),
        "STANDIN_STATE_DIR": str(tmp_path / "standin"),
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
        # The suite's policy cache (conftest), not a cold one in each world's HOME: these
        # tests are about running the gate; tests/test_policy_cache.py is about the cache.
        "PHASEGATE_CACHE_DIR": os.environ["PHASEGATE_CACHE_DIR"],
    }
    if recorded is not None:
        shutil.copy2(recorded / "contract-baseline.json", tmp_path / "contract-baseline.json")
        shutil.copytree(recorded / "standin", tmp_path / "standin", dirs_exist_ok=True)
    return World(tmp_path, env)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[str, Path]:
    """Stand-in set -> a world where `phasegate contract record` ran, once per module.

    Recording runs every smoke command several times, the slowest set-up here, and its
    result depends on the stand-ins alone; tests copy it (`make_world(..., recorded=)`)
    so none can disturb another's baseline.
    """
    found = {}
    for name, bin_dir in sorted(STANDINS.items()):
        world = make_world(tmp_path_factory.mktemp(f"recorded-{name}"), bin_dir)
        result = world.run("contract", "record")
        assert result.returncode == 0, result.stderr
        assert (world.path / "contract-baseline.json").is_file()
        found[name] = world.path
    return found


@pytest.fixture
def world(tmp_path: Path, recordings) -> World:
    """A world over fixtures/bin. The independent set gives the same facts in every mode
    (`test_both_standin_sets_give_phasegate_the_same_facts`), so what phasegate decides
    over one it decides over the other."""
    return make_world(tmp_path, STANDINS["fixtures"], recordings["fixtures"])


@pytest.fixture
def fixtures_world(tmp_path: Path, recordings) -> World:
    return make_world(tmp_path, STANDINS["fixtures"], recordings["fixtures"])


@pytest.mark.parametrize("script", [STANDINS["independent"] / tool for tool in ("zjj", "swarm")])
def test_the_standins_print_what_json_dumps_prints(script: Path):
    """Their printer calls json.dumps's C encoder directly (the Python set; fixtures/bin is
    sh, checked against this set by tests/test_standins.py)."""
    dumps = runpy.run_path(str(script), run_name="standin")["dumps"]
    values = [
        {"$schema": "zjj://status-response/v1", "n": [1, -2.5, 1e300, None, True, False]},
        {"ünïcode": 'tab\there "quoted" \u2028 \U0001f600', "nested": {"a": [{}, []]}},
        [0.1, 10**20, "", {"k": "\x00"}],
    ]
    for value in values:
        for separators in ((",", ":"), (", ", ": ")):
            assert dumps(value, separators) == json.dumps(value, separators=separators)
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"when": object()})


#: Stand-in modes, each as one `collect` of a phase: what the end-to-end tests run through.
MODES = {
    "phase 0, healthy": ("0", {}),
    "swarm failing": ("1", {"STANDIN_SWARM": "failing"}),
    "swarm internal": ("1", {"STANDIN_SWARM": "internal"}),
    "zjj drifted": ("0", {"STANDIN_ZJJ": "drifted"}),
    "zjj flaky": ("0", {"STANDIN_ZJJ": "flaky"}),
    "zjj corrupt": ("0", {"STANDIN_ZJJ": "corrupt"}),
    "zjj corrupt, lines": ("0", {"STANDIN_ZJJ": "corrupt", "STANDIN_ZJJ_FORMAT": "lines"}),
    "zjj drifted, lines": ("0", {"STANDIN_ZJJ": "drifted", "STANDIN_ZJJ_FORMAT": "lines"}),
    "zjj locked": ("0", {"STANDIN_ZJJ": "locked"}),
    "moon fails": ("0", {"STANDIN_MOON_QUICK": "fail", "STANDIN_MOON_CI": "fail"}),
}


def _comparable(facts: dict) -> dict:
    """Facts without what each set may say in its own words: a check's duration and output
    tails (moon's text is not part of any contract), and the contract's account of how a
    shape drifted (the notes fix that it drifts, not how)."""
    for check in facts.get("checks", {}).values():
        for key in ("duration_ms", "stdout_tail", "stderr_tail"):
            check.pop(key, None)
    facts.get("extra", {}).pop("phasegate_contract", None)
    return facts


@pytest.mark.parametrize("mode", sorted(MODES))
def test_both_standin_sets_give_phasegate_the_same_facts(tmp_path: Path, recordings, mode: str):
    """The two sets were written independently from the output notes: phasegate reading
    each must collect the same facts, contract and unknown reasons included."""
    phase, env = MODES[mode]
    found = {}
    for name, bin_dir in sorted(STANDINS.items()):
        world = make_world(tmp_path / name, bin_dir, recordings[name])
        found[name] = _comparable(collect(world, "--phase", phase, *at(0), **env))
    assert found["fixtures"] == found["independent"]


def test_both_standin_sets_give_the_same_facts_from_one_sample_to_the_next(
    tmp_path: Path, recordings
):
    """What only a second sample measures: beads closed and failure events since the
    baseline (`swarm monitor` diffed by seq, categories included), rates, lock contention."""
    found = {}
    for name, bin_dir in sorted(STANDINS.items()):
        world = make_world(tmp_path / name, bin_dir, recordings[name])
        baseline = collect(world, "--phase", "1", *at(0))
        (world.path / "baseline.json").write_text(json.dumps(baseline))
        later = collect(
            world,
            *("--phase", "1", *at(30), "--baseline", "baseline.json"),
            STANDIN_SWARM_CLOSED="26",
            STANDIN_SWARM_BUSY="10",
            STANDIN_SWARM_SUCCESS_RATE="0.9",
            STANDIN_SWARM_MAX_SEQ="840",
        )
        found[name] = _comparable(later)
    assert found["fixtures"]["metrics"]["new_failures"] == 28.0  # 813..840, all measured
    assert found["fixtures"]["metrics"]["throughput"] == pytest.approx(12.0)
    assert found["fixtures"] == found["independent"]


def test_healthy_phase0_continues_and_logs_the_decision(world: World):
    result = world.run("run", "--phase", "0", *CHANGE, *at(0))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("CONTINUE")
    [line] = world.decisions
    assert line["decision"]["verdict"] == "continue"
    assert line["facts"]["checks"]["ci"]["ok"] is True
    assert line["facts"]["deployed_version"] == "0.4.3"
    assert line["facts"]["contract"] == {"drift": [], "nondeterministic_exits": []}
    assert line["facts"]["state"] == {"corruption_indicators": 0, "db_integrity_ok": True}
    # the logged facts reproduce the logged decision offline
    facts = world.path / "replayed.json"
    facts.write_text(json.dumps(line["facts"]))
    again = world.run("evaluate", str(facts), "--format", "json")
    assert json.loads(again.stdout) == line["decision"]


def test_failing_ci_rolls_back_with_a_dry_run_and_a_note(world: World):
    dry = world.run("run", "--phase", "0", *CHANGE, *at(0), "--dry-run", STANDIN_MOON_CI="fail")
    assert dry.returncode == 20
    assert "checklist.checks-passed" in dry.stdout
    assert "phasegate: by hand: Stop promotion" in dry.stderr
    assert world.decisions == [] and not (world.path / ".phasegate" / "remediation").exists()
    real = world.run("run", "--phase", "0", *CHANGE, *at(0), STANDIN_MOON_CI="fail")
    assert real.returncode == 20
    [line] = world.decisions
    assert line["decision"]["verdict"] == "rollback"
    [note] = (world.path / ".phasegate" / "remediation").glob("*.md")
    text = note.read_text()
    assert "`checklist.checks-passed` (rollback): checklist failed: ci" in text
    command = text.split("## Reproduce offline\n\n```\n")[1].split("\n")[0]
    assert command.startswith("phasegate evaluate /")
    reproduced = world.run(*command.split()[1:])
    assert reproduced.returncode == 20


def collect(world: World, *args: str, **env: str) -> dict:
    result = world.run("collect", *CHANGE, *WINDOW, *args, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_phase1_metrics_from_swarm(world: World):
    baseline = collect(world, "--phase", "1", *at(0))
    (world.path / "baseline.json").write_text(json.dumps(baseline))
    facts = collect(
        world,
        "--phase",
        "1",
        *at(30),
        "--baseline",
        "baseline.json",
        STANDIN_SWARM_CLOSED="26",
        STANDIN_SWARM_BUSY="10",
        STANDIN_SWARM_SUCCESS_RATE="0.9",
    )
    metrics = facts["metrics"]
    assert metrics["agents_total"] == 11 and metrics["agents_failed"] == 0
    assert metrics["error_rate"] == pytest.approx(0.1)
    assert metrics["lock_contention_rate"] == pytest.approx(10 / 200)
    assert metrics["throughput"] == pytest.approx(12.0)  # 6 beads closed in 30 minutes
    assert metrics["new_failures"] == 0.0
    assert facts["baseline"] == baseline["metrics"]
    run = world.run(
        "run",
        "--phase",
        "1",
        *CHANGE,
        *WINDOW,
        *at(40),
        "--baseline",
        "baseline.json",
        STANDIN_SWARM_BUSY="10",
    )
    assert run.returncode == 20
    assert "trigger.lock-contention-spike" in run.stdout


def test_swarm_ok_false_never_becomes_a_zero(world: World):
    facts = collect(world, "--phase", "1", *at(0), STANDIN_SWARM="failing")
    assert "agents_failed" not in facts.get("metrics", {})
    reasons = facts["extra"]["phasegate_unknown"]
    assert "not successful (exit 0" in reasons["metrics.agents_failed"]
    run = world.run("run", "--phase", "1", *CHANGE, *WINDOW, *at(5), STANDIN_SWARM="failing")
    assert run.returncode == 10  # the rules that need those facts error: pause
    assert "missing fact: facts.metrics" in run.stdout


def test_contract_drift_and_flaky_exits_roll_back(world: World):
    drift = world.run("run", "--phase", "0", *CHANGE, *at(0), STANDIN_ZJJ="drifted")
    assert drift.returncode == 20
    assert "drift [zjj status --json]" in drift.stdout
    flaky = world.run("run", "--phase", "0", *CHANGE, *at(1), STANDIN_ZJJ="flaky")
    assert flaky.returncode == 20
    assert world.decisions[-1]["facts"]["contract"]["nondeterministic_exits"] == [
        "zjj status --json"
    ]


@pytest.mark.parametrize("fmt", ["envelope", "lines"])
def test_corruption_from_zjj_doctor_in_both_formats(world: World, fmt: str):
    healthy = collect(world, "--phase", "0", *at(0), STANDIN_ZJJ_FORMAT=fmt)
    assert healthy["state"] == {"corruption_indicators": 0, "db_integrity_ok": True}
    corrupt = collect(world, "--phase", "0", *at(1), STANDIN_ZJJ_FORMAT=fmt, STANDIN_ZJJ="corrupt")
    assert corrupt["state"]["corruption_indicators"] >= 2
    assert corrupt["state"]["db_integrity_ok"] is False


def test_hanging_tool_is_killed_and_counts_as_failed(fixtures_world: World):
    config = (fixtures_world.path / "phasegate.yaml").read_text()
    (fixtures_world.path / "phasegate.yaml").write_text(
        config.replace(
            'test: {command: [moon, run, ":test"], timeout: 3600}',
            'test: {command: [moon, run, ":test"], timeout: 1}',
        )
    )
    facts = collect(fixtures_world, "--phase", "0", *at(0), STANDIN_MOON_TEST="hang")
    assert facts["checks"]["test"]["timed_out"] is True
    assert facts["checks"]["test"]["ok"] is False


@pytest.mark.parametrize(
    ("env", "fact"),
    [
        ({"STANDIN_SWARM": "huge"}, "metrics.agents_total"),
        ({"STANDIN_SWARM": "garbage"}, "metrics.agents_total"),
        ({"STANDIN_SWARM": "internal"}, "metrics.agents_total"),
        ({"STANDIN_ZJJ": "garbage"}, "state.corruption_indicators"),
    ],
)
def test_broken_tool_output_leaves_facts_unknown(fixtures_world: World, env, fact):
    facts = collect(fixtures_world, "--phase", "1", *at(0), **env)
    assert fact in facts["extra"]["phasegate_unknown"]
    section, name = fact.split(".")
    assert name not in facts.get(section, {})


def test_a_missing_tool_leaves_its_facts_unknown(tmp_path: Path, recordings):
    # the baseline was recorded with zjj
    world = make_world(tmp_path / "w", STANDINS["fixtures"], recordings["fixtures"])
    only = tmp_path / "only"
    only.mkdir()
    for tool in ("moon", "swarm"):
        (only / tool).symlink_to(STANDINS["fixtures"] / tool)
    world.env["PATH"] = world.env["PATH"].replace(str(STANDINS["fixtures"]), str(only))
    facts = collect(world, "--phase", "0", *at(0))
    unknown = facts["extra"]["phasegate_unknown"]
    assert "deployed_version" not in facts
    assert "command not found: zjj" in unknown["deployed_version"]
    assert "zjj status --json: command not found: zjj" in unknown["contract"]
    run = world.run("run", "--phase", "0", *CHANGE, *at(0), "--format", "json")
    assert run.returncode == 10  # cannot verify: pause, never continue
    errors = {r["id"]: r["error"] for r in json.loads(run.stdout)["rules"] if "error" in r}
    assert errors["checklist.version-matches"] == (
        "missing fact: facts.deployed_version; unknown: source zjj-version: command not found: zjj"
    )
    assert errors["trigger.contract-break"].startswith("missing fact: facts.contract")


def deploy_world(world: World, deploy_script: str) -> Path:
    """Configure a deploy command: a script that records its argv and sets the version."""
    bin_dir = world.path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "deploy-zjj"
    script.write_text(textwrap.dedent(deploy_script))
    script.chmod(0o755)
    config = (world.path / "phasegate.yaml").read_text()
    (world.path / "phasegate.yaml").write_text(
        config.replace(
            "  deploy: null", '  deploy: [deploy-zjj, --tag, "{{ facts.change.last_known_good }}"]'
        )
    )
    return world.path / "deploy-args.json"


DEPLOY_OK = f"""\
    #!{sys.executable}
    import json, os, sys
    json.dump(sys.argv[1:], open("deploy-args.json", "w"))
    open(os.environ["STANDIN_ZJJ_VERSION_FILE"], "w").write(sys.argv[2].lstrip("v"))
    """


def test_phase2_rollback_deploys_verifies_and_freezes(world: World):
    args_file = deploy_world(world, DEPLOY_OK)
    version_file = str(world.path / "version")
    baseline = collect(world, "--phase", "2", *at(0))
    (world.path / "baseline.json").write_text(json.dumps(baseline))
    run = world.run(
        "run",
        "--phase",
        "2",
        *CHANGE,
        *WINDOW,
        *at(30),
        "--baseline",
        "baseline.json",
        "--rerun-checks",  # the collection above kept a pass of :ci at this commit
        STANDIN_MOON_CI="fail",
        STANDIN_ZJJ_VERSION_FILE=version_file,
    )
    assert run.returncode == 20, run.stderr
    assert json.loads(args_file.read_text()) == ["--tag", "v0.4.2"]
    assert "done: verify: zjj reports the last known-good version: healthy" in run.stderr
    assert "done: verify: swarm answers ok: healthy" in run.stderr
    # state health after the downgrade, and every command path automation uses
    assert "done: verify: zjj doctor --json: healthy" in run.stderr
    assert "done: verify: command path zjj status --json: answers with the recorded shape" in (
        run.stderr
    )
    assert "by hand: Confirm the critical command paths" not in run.stderr
    decision = world.decisions[-1]
    assert [action["name"] for action in decision["actions"]] == ["deploy last known-good"]
    actions = [a for a in world.actions if a["decision_id"] == decision["id"]]
    assert len(actions) == 1 + 2 + 1 + 4 and all(action["ok"] for action in actions)
    [ended] = [line for line in world.log if line["event"] == "rolled_back"]
    assert ended["decision_id"] == decision["id"] and ended["commit"] == "9f2c4e1"
    # the freeze holds every phase of every change until someone documents the root cause
    fix = [*CHANGE, "--set", "change.commit=1234abc"]  # a new commit: not rolled back
    frozen = world.run("run", "--phase", "0", *fix, *at(40), "--allow-pause")
    assert "freeze.active" in frozen.stdout and frozen.returncode == 10
    rca = ["--rca", "https://beads.example/bd-123"]
    assert world.run("unfreeze", *rca, "--reason", "root cause in bd-123").returncode == 0
    # the rollback ended this change: it stays rolled back, and nothing is done again
    args_file.unlink()
    again = world.run(
        "run",
        "--phase",
        "2",
        *CHANGE,
        *WINDOW,
        *at(45),
        "--rerun-checks",
        STANDIN_MOON_CI="fail",
    )
    # a hold decided by rollout.rolled-back alone: the failing check and the old version
    # fire nothing, --allow-pause cannot pass it
    assert again.returncode == 10 and "rollout.rolled-back" in again.stdout
    assert "checklist.checks-passed" not in again.stdout.split("fired")[-1].split("\n")[0]
    assert "by hand" not in again.stderr
    assert "was rolled back at 2026-11-20T10:30:00Z: nothing is deployed again" in again.stderr
    assert "by hand:" not in again.stderr  # the deploy succeeded: nothing is left to do
    assert not args_file.exists()
    assert len(list((world.path / ".phasegate" / "remediation").glob("*.md"))) == 1
    assert not (world.path / ".phasegate" / "freeze.json").exists()
    held = world.run("run", "--phase", "0", *CHANGE, *at(50))
    assert held.returncode == 10 and "resume with `phasegate resume" in held.stdout
    assert world.run("resume", "--reason", "fixed in bd-124").returncode == 0
    assert world.log[-1]["event"] == "resume" and world.log[-1]["reason"] == "fixed in bd-124"
    thawed = world.run("run", "--phase", "0", *CHANGE, *at(55))
    assert thawed.returncode == 0, thawed.stdout


def test_a_rollback_is_not_verified_while_swarm_has_agents_in_error(fixtures_world: World):
    """Guide audit: `swarm status` answering `ok:true` with agents in error (`d.errors`)
    passed "verify health with swarm status", and the change was marked rolled back over
    a swarm still failing. Verification fails, the run exits 4 and nothing ends the change."""
    world = fixtures_world
    args_file = deploy_world(world, DEPLOY_OK)
    run = world.run(
        "run",
        "--phase",
        "2",
        *CHANGE,
        *WINDOW,
        *at(30),
        STANDIN_SWARM="cascade",  # 5 of 11 agents in error, before and after the deploy
        STANDIN_ZJJ_VERSION_FILE=str(world.path / "version"),
    )
    assert run.returncode == 4, run.stderr
    assert "trigger.agent-failure-cascade" in run.stdout
    assert json.loads(args_file.read_text()) == ["--tag", "v0.4.2"]
    assert "done: verify: zjj reports the last known-good version: healthy" in run.stderr
    assert "FAILED: verify: swarm answers ok: swarm status: 5 agent(s) in error" in run.stderr
    assert not [line for line in world.log if line["event"] == "rolled_back"]
    verified = [a for a in world.actions if a["name"] == "verify: swarm answers ok"]
    assert [a["ok"] for a in verified] == [False], world.actions


def test_failed_deploy_exits_4_and_says_what_is_left(fixtures_world: World):
    deploy_world(fixtures_world, f"#!{sys.executable}\nimport sys\nsys.exit('no runners')\n")
    run = fixtures_world.run(
        "run", "--phase", "1", *CHANGE, *WINDOW, *at(0), STANDIN_MOON_CI="fail"
    )
    assert run.returncode == 4
    assert "FAILED: deploy last known-good: deploy-zjj --tag v0.4.2: exit 1: no runners" in (
        run.stderr
    )
    assert "by hand: Restart affected operator sessions" in run.stderr
    assert "verify" not in run.stderr  # nothing to verify after a failed deploy


@pytest.mark.parametrize(
    ("target", "refusal", "manual"),
    [
        (
            "V0.4.3",
            "refused: the last known-good V0.4.3 is the release being rolled back (its tag "
            "v0.4.3); set change.last_known_good to the build before it",
            "<last known-good tag: unknown (V0.4.3 is the release)>",
        ),
        # Review: `checklist.rollback-target-known` holds a blank one as no target, yet a
        # rollback decided beside it deployed `--tag "  "` (a tool may take its default).
        (
            "  ",
            "refused: no last known-good build named (change.last_known_good is blank): a "
            "rollback has no target",
            "<last known-good tag: unknown>",
        ),
    ],
)
def test_a_rollback_never_deploys_the_release_as_its_own_last_known_good(
    fixtures_world: World, target: str, refusal: str, manual: str
):
    """A last known-good that names the release (its tag, any case) would deploy the bad
    build again and pass the version check after it: the deploy is refused, not run, and
    the manual procedure names no target; the change does not stand rolled back. So is a
    blank one, which names no build at all."""
    args_file = deploy_world(fixtures_world, DEPLOY_OK)
    run = fixtures_world.run(
        "run",
        "--phase",
        "1",
        *CHANGE,
        "--set",
        f"change.last_known_good={target}",
        *WINDOW,
        *at(0),
        STANDIN_MOON_CI="fail",
        STANDIN_ZJJ_VERSION_FILE=str(fixtures_world.path / "version"),
    )
    assert run.returncode == 4, run.stderr
    assert not args_file.exists()
    assert f"FAILED: deploy last known-good: {refusal}" in run.stderr
    assert f"by hand: Deploy {manual}" in run.stderr
    assert "verify" not in run.stderr
    assert not [line for line in fixtures_world.log if line["event"] == "rolled_back"]


def test_hostile_fact_stays_one_literal_argument(fixtures_world: World):
    args_file = deploy_world(
        fixtures_world,
        DEPLOY_OK.replace(
            'open(os.environ["STANDIN_ZJJ_VERSION_FILE"], "w").write(sys.argv[2].lstrip("v"))', ""
        ),
    )
    hostile = "v1; rm -rf / $(reboot) `id` && echo pwned"
    run = fixtures_world.run(
        "run",
        "--phase",
        "1",
        *CHANGE,
        *WINDOW,
        *at(0),
        "--set",
        f"change.last_known_good={hostile}",
        STANDIN_MOON_CI="fail",
    )
    assert run.returncode == 4  # deployed, but zjj does not report that "version"
    assert json.loads(args_file.read_text()) == ["--tag", hostile]


def test_an_action_whose_argument_cannot_be_filled_is_not_run(fixtures_world: World):
    args_file = deploy_world(fixtures_world, DEPLOY_OK)
    config = (fixtures_world.path / "phasegate.yaml").read_text()
    head, tail = config.rsplit("facts.change.last_known_good }}", 1)  # the deploy line
    (fixtures_world.path / "phasegate.yaml").write_text(head + "facts.extra.nothing }}" + tail)
    run = fixtures_world.run(
        "run", "--phase", "1", *CHANGE, *WINDOW, *at(0), STANDIN_MOON_CI="fail"
    )
    assert run.returncode == 4
    assert "argument 3 cannot be filled: missing fact: facts.extra.nothing" in run.stderr
    assert not args_file.exists()


def test_concurrent_runs_never_tear_the_log(fixtures_world: World):
    def one(index: int) -> int:
        return fixtures_world.run("run", "--phase", "0", *CHANGE, *at(index)).returncode

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(one, range(8)))
    assert codes == [0] * 8
    lines = (fixtures_world.path / ".phasegate" / "decisions.jsonl").read_text().splitlines()
    assert len(lines) == 8
    times = sorted(json.loads(line)["facts"]["collected_at"] for line in lines)
    assert times == [f"2026-11-20T10:{i:02d}:00Z" for i in range(8)]


def test_the_decision_line_says_which_facts_were_set_by_hand(fixtures_world: World):
    """The guide audit found that `--set collected_at=...` (or `phase_started_at`) in a live
    `run` moved a phase past its window with nothing in the log to tell it from a clock:
    the decision line lists the facts `--set` gave (their values are in its facts)."""
    done = fixtures_world.run("run", "--phase", "0", *CHANGE, *at(3), *WINDOW)
    assert done.returncode == 0, done.stderr
    [line] = fixtures_world.decisions
    assert line["set"] == [
        "change.commit",
        "change.last_known_good",
        "change.tag",
        "collected_at",
        "owners.release",
        "owners.rollback",
        "phase_started_at",
    ]
    assert line["facts"]["collected_at"] == "2026-11-20T10:03:00Z"


def test_unwritable_state_dir_is_exit_3(fixtures_world: World):
    blocker = fixtures_world.path / "blocker"
    blocker.write_text("a file where the state dir should be")
    run = fixtures_world.run("run", "--phase", "0", *CHANGE, "--state-dir", "blocker/state")
    assert run.returncode == 3
    assert run.stderr.startswith("blocker/state: error: state dir is not writable")
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["collect"], 2, "the phase is unknown"),
        (["collect", "--phase", "0", "--set", "nonsense"], 2, "expected PATH=VALUE"),
        (["collect", "--phase", "0", "--set", "metrics.error_rate=high"], 2, "expected number"),
        (["collect", "--phase", "0", "--config", "missing.yaml"], 3, "file not found"),
        (["unfreeze", "--reason", "x"], 2, "--rca"),
        (["unfreeze", "--rca", "no-such-rca.md"], 2, "root-cause document"),
    ],
)
def test_collect_usage_and_input_errors(fixtures_world: World, args, code, message):
    result = fixtures_world.run(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --- state, freeze and recording hazards ---------------------------------------------------

INCIDENTS_NONE = ["--set", "incidents=[]"]


def test_phase1_can_continue_when_everything_is_healthy(world: World):
    # Phase 1 needs Phase 0's continue in CI and in an operator environment
    for where in ("ci", "operator"):
        phase0 = world.run("run", "--phase", "0", *CHANGE, *at(0), PHASEGATE_ENVIRONMENT=where)
        assert phase0.returncode == 0, phase0.stdout
    baseline = collect(world, "--phase", "1", *at(0), *INCIDENTS_NONE)
    (world.path / "baseline.json").write_text(json.dumps(baseline))
    run = world.run(
        "run",
        "--phase",
        "1",
        *CHANGE,
        *WINDOW,
        *at(30),
        *INCIDENTS_NONE,
        "--baseline",
        "baseline.json",
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_dry_run_writes_nothing(fixtures_world: World):
    run = fixtures_world.run("run", "--phase", "1", *CHANGE, *at(0), "--dry-run")
    assert run.returncode in (0, 10, 20)
    assert not (fixtures_world.path / ".phasegate").exists()


@pytest.mark.parametrize("content", ["{}", "[]", '"x"', "{not yaml: [", '{"active": "yes"}'])
def test_a_damaged_freeze_still_freezes_and_can_be_lifted(fixtures_world: World, content):
    state = fixtures_world.path / ".phasegate"
    state.mkdir()
    (state / "freeze.json").write_text(content)
    run = fixtures_world.run("run", "--phase", "0", *CHANGE, *at(0))
    assert run.returncode == 10 and "freeze.active" in run.stdout
    assert "damaged" in run.stdout
    unfreeze = ("unfreeze", "--rca", "https://wiki.example/rca-1", "--reason", "checked by hand")
    assert fixtures_world.run(*unfreeze).returncode == 0
    assert fixtures_world.run("run", "--phase", "0", *CHANGE, *at(1)).returncode == 0


def test_set_cannot_lift_a_freeze(fixtures_world: World):
    state = fixtures_world.path / ".phasegate"
    state.mkdir()
    (state / "freeze.json").write_text('{"active": true, "reason": "INC-9"}')
    run = fixtures_world.run("run", "--phase", "0", *CHANGE, *at(0), "--set", "freeze.active=false")
    assert run.returncode == 10 and "deployments frozen: INC-9" in run.stdout


@pytest.mark.parametrize(
    "env", [{"STANDIN_ZJJ": "locked"}, {"STANDIN_SWARM": "failing"}, {"STANDIN_ZJJ": "garbage"}]
)
def test_contract_record_refuses_an_unhealthy_system(tmp_path: Path, env):
    world = make_world(tmp_path, STANDINS["fixtures"])
    result = world.run("contract", "record", **env)
    assert result.returncode == 3
    assert "not recorded" in result.stderr
    assert not (tmp_path / "contract-baseline.json").exists()


def test_phase_start_belongs_to_the_change(fixtures_world: World):
    first = collect(fixtures_world, "--phase", "1", *at(0))
    del first
    other = ["--set", "change.commit=aaaa111", "--set", "change.tag=v0.4.3"]
    result = fixtures_world.run("collect", "--phase", "1", *other, *at(30))
    facts = json.loads(result.stdout)
    assert facts["phase_started_at"] == "2026-11-20T10:30:00Z"  # a new change starts afresh


def test_a_failed_source_keeps_the_previous_sample(fixtures_world: World):
    collect(fixtures_world, "--phase", "1", *at(0), STANDIN_SWARM_MAX_SEQ="812")
    failed = collect(fixtures_world, "--phase", "1", *at(5), STANDIN_SWARM="failing")
    assert "metrics" not in failed or "new_failures" not in failed["metrics"]
    later = collect(fixtures_world, "--phase", "1", *at(10), STANDIN_SWARM_MAX_SEQ="840")
    assert later["metrics"]["new_failures"] == 28.0  # 813..840, none lost to the failure


def test_an_invalid_collected_value_becomes_unknown(fixtures_world: World):
    config = fixtures_world.path / "phasegate.yaml"
    config.write_text(
        config.read_text().replace(
            "sources:\n",
            textwrap.dedent("""\
        sources:
          - name: tracker
            command: [swarm, status]
            facts:
              incidents: "[{'id': 1}]"
        """),
            1,
        )
    )
    facts = collect(fixtures_world, "--phase", "1", *at(0))
    assert "incidents" not in facts
    assert "invalid collected value" in facts["extra"]["phasegate_unknown"]["incidents"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "collected_at=garbage"], "collected_at: not an RFC 3339 timestamp"),
        (["--set", "metrics.error_rate=nan"], "expected number"),
        (["--set", "metrics.agents_total=99999999999999999999999"], "expected integer"),
        (["--set", "incidents={}"], "expected a JSON list"),
    ],
)
def test_odd_set_values_are_usage_errors(fixtures_world: World, args, message):
    result = fixtures_world.run("collect", "--phase", "1", *CHANGE[:2], *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("samples.json", '{"swarm-status": "x", "swarm-failures": [1]}'),
        ("phase.json", "[1, 2"),
        ("decisions.jsonl", "{torn"),
    ],
)
def test_damaged_state_files_do_not_crash(fixtures_world: World, name, content):
    state = fixtures_world.path / ".phasegate"
    state.mkdir()
    (state / name).write_text(content)
    run = fixtures_world.run("run", "--phase", "0", *CHANGE, *at(0))
    assert run.returncode == 0, run.stderr
    if name == "decisions.jsonl":  # the torn line is cut off and kept aside, never glued to
        [line] = (state / name).read_text().splitlines()
        assert json.loads(line)["decision"]["verdict"] == "continue"
        assert (state / "decisions.jsonl.torn").read_text() == "{torn\n"


def test_a_damaged_contract_baseline_makes_the_contract_unknown(fixtures_world: World):
    baseline = fixtures_world.path / "contract-baseline.json"
    data = json.loads(baseline.read_text())
    data["commands"][0]["shape"] = "x"
    baseline.write_text(json.dumps(data))
    facts = collect(fixtures_world, "--phase", "0", *at(0))
    assert "contract" not in facts
    assert "no usable contract baseline" in facts["extra"]["phasegate_unknown"]["contract"]


def test_nothing_runs_when_the_decision_could_not_be_recorded(fixtures_world: World):
    args_file = deploy_world(fixtures_world, DEPLOY_OK)
    state = fixtures_world.path / ".phasegate"
    state.mkdir()
    (state / "remediation").write_text("a file where notes should go")
    run = fixtures_world.run(
        "run", "--phase", "2", *CHANGE, *WINDOW, *at(0), STANDIN_MOON_CI="fail"
    )
    assert run.returncode == 3 and "state dir is not writable" in run.stderr
    assert not args_file.exists()


def test_action_arguments_are_exact_and_never_null(fixtures_world: World):
    config = fixtures_world.path / "phasegate.yaml"
    actions = (
        "  continue:\n"
        "    - name: announce\n"
        '      command: [echo, "--n={{ 1234567.5 }}", "{{ facts.extra.nothing_here }}"]\n'
        "    - name: precise\n"
        '      command: [echo, "--n={{ 1234567.5 }}"]'
    )
    config.write_text(config.read_text().replace("  continue: []", actions))
    run = fixtures_world.run("run", "--phase", "0", *CHANGE, *at(0), "--dry-run")
    assert 'would run precise: ["echo", "--n=1234567.5"]' in run.stderr
    assert "would NOT run announce: argument 3 cannot be filled" in run.stderr


# --- checks cost once per commit -------------------------------------------------------------


def test_a_passing_check_is_reused_at_the_same_commit(fixtures_world: World):
    first = collect(fixtures_world, "--phase", "0", *at(0))
    assert "reused" not in first["checks"]["ci"] and first["checks"]["ci"]["ok"] is True
    # :ci would fail now, but it already passed at this commit: it is not run again
    result = fixtures_world.run(
        "collect", "--phase", "1", *CHANGE, *WINDOW, *at(5), STANDIN_MOON_CI="fail"
    )
    assert result.returncode == 0, result.stderr
    second = json.loads(result.stdout)
    for name in ("quick", "test", "ci"):
        assert second["checks"][name] == {**first["checks"][name], "reused": True, "age_s": 300}
        assert (
            f"phasegate: checks.{name}: reused its passing result at {RELEASE_SHA} (300 s old; "
            "--rerun-checks runs it again)"
        ) in result.stderr
    # forced: it runs, fails, and that failure is not hidden by the older pass afterwards
    rerun = ["--rerun-checks"]
    forced = collect(fixtures_world, "--phase", "1", *at(6), *rerun, STANDIN_MOON_CI="fail")
    assert forced["checks"]["ci"]["ok"] is False and "reused" not in forced["checks"]["ci"]
    assert forced["checks"]["quick"]["ok"] is True and "reused" not in forced["checks"]["quick"]
    after = collect(fixtures_world, "--phase", "1", *at(7))
    assert "reused" not in after["checks"]["ci"]  # run again: the kept pass was dropped
    assert after["checks"]["quick"]["age_s"] == 60
    # another commit, or another command, runs the check again
    (fixtures_world.path / "bin" / "git").write_text("#!/bin/sh\necho " + "a" * 40 + "\n")
    moved = collect(fixtures_world, "--phase", "1", *at(8), "--set", "change.commit=" + "a" * 40)
    assert not [name for name, check in moved["checks"].items() if check.get("reused")]


def test_a_check_limited_to_phases_is_reused_elsewhere_or_unknown(fixtures_world: World):
    config = fixtures_world.path / "phasegate.yaml"
    config.write_text(
        config.read_text().replace(
            'ci: {command: [moon, run, ":ci"], timeout: 5400}',
            'ci: {command: [moon, run, ":ci"], timeout: 5400, phases: [0]}',
        )
    )
    # Phase 1 with no Phase 0 result: :ci is not run, so it is unknown (the rule pauses)
    early = fixtures_world.run("collect", "--phase", "1", *CHANGE, *at(0))
    facts = json.loads(early.stdout)
    assert "ci" not in facts["checks"] and facts["checks"]["test"]["ok"] is True
    assert facts["extra"]["phasegate_unknown"]["checks.ci"] == (
        "not run in phase 1 (it runs in phases 0) and no passing result of this commit and "
        "command to reuse"
    )
    assert collect(fixtures_world, "--phase", "0", *at(1))["checks"]["ci"]["ok"] is True
    later = collect(fixtures_world, "--phase", "2", *at(31), "--rerun-checks")
    assert later["checks"]["ci"]["reused"] is True and later["checks"]["ci"]["age_s"] == 1800
    assert "reused" not in later["checks"]["test"]  # --rerun-checks ran those of Phase 2


@pytest.mark.parametrize(
    "kept",
    [
        "{not json",
        '["a list"]',
        '{"ci": "x"}',
        json.dumps(
            {
                "ci": {
                    "commit": RELEASE_SHA,
                    "command": ["moon", "run", ":ci"],
                    "at": "2026-11-20T10:00:00Z",
                    "fact": {"ok": True, "exit_code": "zero", "commit": RELEASE_SHA},
                }
            }
        ),
        json.dumps(
            {
                "ci": {
                    "commit": RELEASE_SHA,
                    "command": ["moon", "run", ":ci"],
                    "at": "2026-11-20T10:00:00Z",
                    "fact": {"ok": True, "exit_code": 1, "commit": RELEASE_SHA},
                }
            }
        ),
    ],
)
def test_a_damaged_check_store_never_passes_a_check(fixtures_world: World, kept: str):
    state = fixtures_world.path / ".phasegate"
    state.mkdir()
    (state / "checks.json").write_text(kept)
    facts = collect(fixtures_world, "--phase", "0", *at(5), STANDIN_MOON_CI="fail")
    # run again (it fails), or unknown: never a pass read from a damaged file
    assert facts.get("checks", {}).get("ci", {}).get("ok") is not True
    assert "reused" not in facts.get("checks", {}).get("ci", {})


def test_an_elevated_phase1_restarts_its_stable_window_before_phase2_opens(
    fixtures_world: World,
):
    """The guide: "promote to all operators after stable Phase 1 window". A Phase 1 whose
    error rate was elevated at minute 50 of its 60 had its continue at minute 61, and
    Phase 2 opened. The window restarts at the elevated decision: Phase 2 opens at 111."""
    world = fixtures_world

    def when(minute: int) -> list[str]:
        hour, rest = divmod(minute, 60)
        return ["--set", f"collected_at=2026-11-20T{9 + hour:02d}:{rest:02d}:00Z"]

    for where in ("ci", "operator"):
        phase0 = world.run("run", "--phase", "0", *CHANGE, *when(-10), PHASEGATE_ENVIRONMENT=where)
        assert phase0.returncode == 0, phase0.stdout
    baseline = world.run("collect", "--phase", "1", *CHANGE, *when(-10), *INCIDENTS_NONE)
    assert baseline.returncode == 0, baseline.stderr
    (world.path / "baseline.json").write_text(baseline.stdout)
    rate = json.loads(baseline.stdout)["metrics"]["error_rate"]

    exits: list[int] = []

    def run(phase: int, minute: int, *extra: str, **env: str) -> dict:
        args = [*CHANGE, *when(minute), *INCIDENTS_NONE, "--baseline", "baseline.json"]
        done = world.run("run", "--phase", str(phase), *args, *extra, "--format", "json", **env)
        assert done.returncode in (0, 10), done.stdout + done.stderr
        exits.append(done.returncode)
        return json.loads(done.stdout)

    def fired(decision: dict) -> set[str]:
        return {r["id"] for r in decision["rules"] if r["status"] in ("fired", "error")}

    assert fired(run(1, 0)) == {"window.phase1-stable"}  # the phase starts: a clean wait
    # passed on by `--allow-pause` (a wait): the metric was elevated all the same (swarm's
    # error rate is 1 - its success rate; `--set` cannot change a measured fact)
    success = f"{1 - (rate * 1.2 + 0.003):.6f}"
    elevated = run(1, 50, "--allow-pause", STANDIN_SWARM_SUCCESS_RATE=success)
    assert elevated["verdict"] == "pause" and "health.error-rate-elevated" in fired(elevated)
    assert exits[-1] == 0  # the wait was passed
    late = run(1, 61)  # past the phase's hour, not an hour after the elevated sample
    assert late["verdict"] == "pause" and fired(late) == {"window.phase1-stable"}
    [window] = [r for r in late["rules"] if r["id"] == "window.phase1-stable"]
    assert "window restarted at 2026-11-20T09:50:00Z" in window["message"]
    refused = run(2, 61)
    assert refused["verdict"] == "pause" and "rollout.phase-progression" in fired(refused)
    assert run(1, 111)["verdict"] == "continue"
    opened = run(2, 111)
    assert "rollout.phase-progression" not in fired(opened)
    assert "window.phase2-monitoring" in fired(opened)  # Phase 2's own window starts


def test_a_smoke_command_failing_on_every_run_leaves_the_contract_unknown(world: World):
    """Hunt: `swarm status` answering `ok:false` (BUSY) on every contract run has the
    baseline's top-level keys (`d` and `err` null, which match any type) and one outcome,
    so the contract read as intact and Phase 0 continued on a swarm that answered nothing."""
    run = world.run(
        "run", "--phase", "0", *CHANGE, *at(0), "--format", "json", STANDIN_SWARM="failing"
    )
    assert run.returncode == 10, run.stdout + run.stderr  # cannot verify: pause
    errors = {r["id"]: r["error"] for r in json.loads(run.stdout)["rules"] if "error" in r}
    assert errors["trigger.contract-break"].startswith("missing fact: facts.contract")
    assert (
        "swarm status: reported failure on every run (ok:false)" in errors["trigger.contract-break"]
    )
