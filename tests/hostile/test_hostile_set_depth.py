"""`--set` with JSON nested 1,000 deep (issue 17, item 14): a usage error naming the option
and the limit (exit 2), never "internal error: RecursionError"."""

from __future__ import annotations

import pytest

from conftest import call_cli, run_cli

DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    "args",
    [
        ("collect", "--phase", "1", "--set", "change.commit=abcdef1", "--set", f"incidents={DEEP}"),
        (
            "run",
            "--phase",
            "0",
            "--dry-run",
            "--set",
            "change.commit=abcdef1",
            "--set",
            f'extra.x={{"a": {DEEP}}}',
        ),
        ("eval", "size(params)", "--set", f"params={DEEP}"),
    ],
)
def test_deep_json_in_set_is_a_usage_error(args, tmp_path):
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert "nested deeper than 64 levels" in done.stderr.splitlines()[-1]
    assert done.stdout == ""


def test_json_within_the_limit_is_still_read():
    done = call_cli("eval", "size(params)", "--set", "params=" + "[" * 60 + "]" * 60)
    assert done.returncode == 0 and done.stdout.startswith("1 ")
