"""The README's "A cohort of operators", run as written against real Prometheus and
Pushgateway servers on 127.0.0.1 (issue 17, item 16).

The recipe's shell blocks are read from the README and run with bash; the gate's
`cohort.yaml` is made by following step 4 word for word (three sources deleted by name,
the example's sources and two params added). Operators and the gate use the stand-ins of
fixtures/bin. The only addition is time travel: the gate's Phase 1 window cannot be waited
for in a test, so its run gets `--set phase_started_at=` two hours back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import ROOT, healthy
from test_prometheus import Server, start_prometheus, start_pushgateway, wait_until

SCRAPE_DEADLINE = 30.0
REPLACED = ("swarm-status", "swarm-history", "swarm-failures")


def recipe_blocks() -> dict[str, str]:
    """The cohort section's bash blocks, by what they do."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A cohort of operators", 1)[1].split("\n## ", 1)[0]
    blocks = [
        textwrap.dedent(block)
        for block in re.findall(r"^ *```bash\n(.*?)^ *```$", section, flags=re.S | re.M)
    ]
    return {
        "names": next(b for b in blocks if "export PHASEGATE_COMMIT" in b),
        "operator": next(b for b in blocks if "--push http://pushgateway:9091" in b),
        "gate": next(b for b in blocks if "run --config cohort.yaml" in b),
        "merge": [b for b in blocks if "phasegate merge facts-*.json" in b][-1],
        "files": next(b for b in blocks if "phasegate merge facts-*.json" in b),
    }


def cohort_config(gate: Path, prometheus_url: str) -> None:
    """Step 4, as written: phasegate.yaml without its swarm sources, with the example's."""
    yaml = YAML()
    config = yaml.load((ROOT / "phasegate.yaml").read_text())
    example = yaml.load((ROOT / "examples" / "prometheus.yaml").read_text())
    config["sources"] = [s for s in config["sources"] if s["name"] not in REPLACED]
    for source in example["sources"]:
        source["prometheus"]["url"] = prometheus_url
        config["sources"].append(source)
    config["params"]["min_operators"] = 3
    config["params"]["max_age_seconds"] = 900
    with (gate / "cohort.yaml").open("w") as handle:
        yaml.dump(config, handle)


class Cohort:
    """Three operators and a gate, each a folder with the shipped files and a state dir."""

    def __init__(self, root: Path, pushgateway: Server, prometheus: Server) -> None:
        self.root = root
        self.pushgateway = pushgateway
        self.prometheus = prometheus
        self.blocks = recipe_blocks()
        bin_dir = root / "bin"
        bin_dir.mkdir()
        git = bin_dir / "git"  # the checks run at the commit under rollout
        git.write_text('#!/bin/sh\necho "$SHA"\n')
        git.chmod(0o755)
        self.path = os.pathsep.join(
            [
                str(ROOT / "fixtures" / "bin"),
                str(bin_dir),
                os.path.dirname(sys.executable),
                "/usr/bin",
                "/bin",
            ]
        )
        baseline = json.dumps(healthy())
        for name in ("op-a", "op-b", "op-c", "gate"):
            folder = root / name
            (folder / "standin").mkdir(parents=True)
            shutil.copy2(ROOT / "phasegate.yaml", folder / "phasegate.yaml")
            (folder / "baseline.json").write_text(baseline)
        recorded = self.shell("gate", "phasegate contract record", sha="0" * 40)
        assert recorded.returncode == 0, recorded.stderr
        for name in ("op-a", "op-b", "op-c"):
            shutil.copy2(root / "gate" / "contract-baseline.json", root / name)
        cohort_config(root / "gate", prometheus.url)

    def shell(self, where: str, script: str, sha: str, **env: str) -> subprocess.CompletedProcess:
        script = script.replace("http://pushgateway:9091", self.pushgateway.url)
        folder = self.root / where
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                "PATH": self.path,
                "HOME": str(self.root),
                "NO_COLOR": "1",
                "SHA": sha,
                "HOSTNAME": where,
                "STANDIN_STATE_DIR": str(folder / "standin"),
                **env,
            },
        )

    def operators_collect(self, sha: str, failing: str | None = None) -> None:
        """Step 3 on each operator, twice (new failures need a previous sample)."""
        for name in ("op-a", "op-b", "op-c"):
            rate = "0.80" if name == failing else "0.99"
            for _ in range(2):
                done = self.shell(
                    name,
                    self.blocks["names"] + self.blocks["operator"],
                    sha,
                    STANDIN_SWARM_SUCCESS_RATE=rate,
                )
                assert done.returncode == 0, done.stderr
        promql = f'count(phasegate_zjj_new_failures{{change="{sha}"}})'
        wait_until(f"scrape of {sha}", lambda: self.counted(promql) == 3, SCRAPE_DEADLINE)

    def counted(self, promql: str) -> int:
        query = urllib.parse.urlencode({"query": promql, "time": str(int(time.time()))})
        url = f"{self.prometheus.url}/api/v1/query?{query}"
        with urllib.request.urlopen(url, timeout=5) as response:
            result = json.load(response)["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0

    def gate(self, sha: str) -> subprocess.CompletedProcess:
        """Step 5 on the gate, after its Phase 0 continues in CI and on an operator."""
        for where in ("ci", "operator"):
            phase0 = self.shell(
                "gate",
                self.blocks["names"]
                + f"PHASEGATE_ENVIRONMENT={where} phasegate run --config cohort.yaml --phase 0",
                sha,
            )
            assert phase0.returncode == 0, phase0.stdout + phase0.stderr
        started = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        run = self.blocks["gate"].strip() + f" --set phase_started_at={started}\n"
        return self.shell("gate", self.blocks["names"] + run, sha)

    def merge_route(self, sha: str) -> dict[str, Any]:
        """Step 5's merge route, from the operators' files, as JSON."""
        for name in ("op-a", "op-b", "op-c"):
            shutil.copy2(self.root / name / f"facts-{name}.json", self.root / "gate")
        script = self.blocks["merge"].replace(
            "evaluate cohort.json", "evaluate cohort.json --format json"
        )
        done = self.shell("gate", self.blocks["names"] + script, sha)
        assert done.returncode in (0, 10, 20), done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def cohort(tmp_path: Path) -> Any:
    pushgateway = start_pushgateway(tmp_path)
    prometheus = start_prometheus(tmp_path, pushgateway)  # step 1: honor_labels
    try:
        yield Cohort(tmp_path, pushgateway, prometheus)
    finally:
        prometheus.stop()
        pushgateway.stop()


def health(decision: dict[str, Any]) -> dict[str, str]:
    """What the cohort's metrics decided: the health and trigger rules' outcomes."""
    return {
        r["id"]: r["status"]
        for r in decision["rules"]
        if r["id"].startswith(("health.", "trigger."))
    }


def test_the_recipe_rolls_back_a_failing_cohort_by_both_routes(cohort: Cohort):
    sha = uuid.uuid4().hex
    cohort.operators_collect(sha, failing="op-c")
    gate = cohort.gate(sha)
    assert gate.returncode == 20, gate.stdout + gate.stderr
    assert "health.error-rate-regression" in gate.stdout
    merged = cohort.merge_route(sha)
    assert merged["verdict"] == "rollback"
    assert health(merged)["health.error-rate-regression"] == "fired"


def test_the_recipe_continues_a_healthy_cohort_and_pauses_without_prometheus(cohort: Cohort):
    sha = uuid.uuid4().hex
    cohort.operators_collect(sha)
    up = cohort.gate(sha)
    assert up.returncode == 0, up.stdout + up.stderr
    merged = cohort.merge_route(sha)
    assert set(health(merged).values()) <= {"passed", "skipped"}, health(merged)

    cohort.prometheus.stop()
    down = cohort.gate(sha)
    assert down.returncode == 10, down.stdout + down.stderr  # never a continue
    assert "health.error-rate-regression" in down.stdout
    assert "phasegate: warning: metrics.error_rate unknown: source cohort-error-rate: " in (
        down.stderr
    )
    assert "cannot reach" in down.stderr
