"""`evaluate -o FILE` and `--format github` annotations for input that cannot be read."""

from __future__ import annotations

from conftest import FIXTURES, call_cli, run_cli

HEALTHY = str(FIXTURES / "phase1-healthy.yaml")
ROLLBACK = str(FIXTURES / "phase1-trigger.lock-contention-spike.yaml")


def test_evaluate_writes_the_report_to_o_and_keeps_the_exit_code(tmp_path):
    target = tmp_path / "decision.json"
    done = run_cli("evaluate", ROLLBACK, "--format", "json", "-o", str(target))
    assert (done.returncode, done.stdout) == (20, "")
    printed = call_cli("evaluate", ROLLBACK, "--format", "json")
    assert target.read_text(encoding="utf-8") == printed.stdout


def test_evaluate_o_writes_nothing_for_invalid_facts(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: phasegate/v1\nkind: Facts\n", encoding="utf-8")
    target = tmp_path / "decision.txt"
    done = call_cli("evaluate", str(bad), "-o", str(target))
    assert done.returncode == 3 and not target.exists()


def test_invalid_facts_give_located_error_annotations_with_format_github(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: phasegate/v1\nkind: Facts\nphase: 1\nmetrics: {error_rate: high}\n",
        encoding="utf-8",
    )
    done = call_cli("evaluate", str(bad), "--format", "github")
    assert done.returncode == 3
    annotations = done.stdout.splitlines()
    assert all(line.startswith(f"::error file={bad},") for line in annotations)
    assert (
        f"::error file={bad},line=4,col=23,title=phasegate%3A invalid input::"
        'metrics.error_rate: expected number, got string "high"'
    ) in annotations
    # the compiler-style lines on stderr are unchanged
    assert f"{bad}:4:23: error: metrics.error_rate" in done.stderr


def test_text_format_prints_no_annotations_for_invalid_facts(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: phasegate/v1\nkind: Facts\n", encoding="utf-8")
    done = call_cli("evaluate", str(bad))
    assert (done.returncode, done.stdout) == (3, "")
