"""Every line phasegate writes to stderr is one line: a reason, a step's detail or an
exception message that holds a newline (tool output keeps its newlines) must not start a
line such as `::error::forged` in a CI log, nor carry an escape code or `##[`."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from phasegate import cli
from phasegate.cli import options
from phasegate.runner.apply import Application

FORGED = "first\n::error::forged \x1b[2J ##[add-mask]x"


def lines_of(err: str) -> list[str]:
    return err.splitlines()


def clean(err: str) -> bool:
    return all(
        line.startswith("phasegate: ") and "\x1b" not in line and "##[" not in line
        for line in lines_of(err)
    )


def test_unknown_fact_reasons_stay_on_their_line(capsys):
    options.warn_unknown({"extra": {"phasegate_unknown": {"metrics.throughput": FORGED}}})
    err = capsys.readouterr().err
    assert len(lines_of(err)) == 1 and clean(err), err


def test_an_applied_steps_detail_and_manual_steps_stay_on_their_line(capsys):
    application = Application(steps=[("deploy", False, FORGED)], manual=[FORGED])
    options.report_application(application)
    err = capsys.readouterr().err
    assert len(lines_of(err)) == 2 and clean(err), err


def test_an_internal_errors_message_stays_on_its_line(monkeypatch, capsys):
    from phasegate.core import evaluate

    def broken(*args, **kwargs):
        raise RuntimeError(FORGED)

    monkeypatch.setattr(evaluate, "evaluate", broken)
    monkeypatch.delenv("PHASEGATE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as done:
        cli.main(["evaluate", str(FIXTURES / "phase2-healthy.yaml")])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("phasegate: internal error: RuntimeError: first\\n")
    assert len(lines_of(err)) == 1 and clean(err), err
