"""`phasegate init DIR`: a policy repository to start from, green as written.

Outside the checkout (the wheel in a fresh venv) nothing else made one: `phasegate test` had
no tests and `fmt` no folder. The repository holds the packaged policies, their tests and the
fixtures those tests start from (at the same relative paths, so the tests run unchanged),
and a CI recipe that runs the reviewer tools on them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

#: The CI recipe, a plain script so any CI (and a reviewer's shell) runs the same checks.
CHECK_SCRIPT = """\
#!/bin/sh
# The policy repository's checks, as CI runs them: canonical layout, no lint error, every
# rule and every && / || operand covered both ways by policies/tests/.
set -eu
cd "$(dirname "$0")"
phasegate fmt --check policies
phasegate lint policies
phasegate test --coverage --min-coverage 100 --min-branch-coverage 100
"""

#: The same checks as a GitHub Actions workflow.
WORKFLOW = """\
name: policies
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.11"}}
      # The phasegate that wrote this repository; install it as your index provides it.
      - run: pip install "phasegate=={version}"
      - run: sh check.sh
"""


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def command(directory: Path) -> None:
    """Write a policy repository in DIRECTORY (new or empty): the shipped policies, their
    tests and fixtures, and a CI recipe (check.sh, .github/workflows/policies.yml)."""
    from phasegate import __version__
    from phasegate.errors import InputError, UsageProblem, single_line
    from phasegate.files.schemas import data_dir

    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageProblem(f"{directory}: exists and is not an empty folder; init writes a new one")
    parent = directory.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=parent))
    except OSError as exc:
        raise InputError(f"{directory}: cannot write: {exc.strerror or exc}") from None
    try:  # written whole beside the target, then renamed: never half a repository
        _copy_yaml(data_dir("policies"), staging / "policies")
        _copy_yaml(data_dir("policy-tests"), staging / "policies" / "tests")
        _copy_yaml(data_dir("fixtures"), staging / "fixtures" / "facts")
        (staging / "check.sh").write_text(CHECK_SCRIPT, encoding="utf-8")
        (staging / "check.sh").chmod(0o755)
        workflows = staging / ".github" / "workflows"
        workflows.mkdir(parents=True)
        (workflows / "policies.yml").write_text(
            WORKFLOW.format(version=__version__), encoding="utf-8"
        )
        staging.chmod(0o777 & ~_umask())
        os.rename(staging, directory)  # replaces an empty folder; refuses a filled one
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"{directory}: cannot write: {exc.strerror or exc}") from None
    click.echo(  # a folder named "x\n::error::y" must not start a line of its own
        f"wrote {single_line(directory)}: policies/, policies/tests/, fixtures/facts/, check.sh, "
        ".github/workflows/policies.yml; run `sh check.sh` there"
    )


def _copy_yaml(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.yaml")):
        shutil.copyfile(path, target / path.name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
