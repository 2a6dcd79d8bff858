"""Rollback on every runner: naming the runners a rollback left behind, and how to finish.

A fleet is rolled back runner by runner so that one unreachable host does not hide which
others are already safe: each runner's deploy and checks are steps of their own, logged
ahead like any action (see `plan` and `apply`). A partial failure names the runners left
behind and the command that retries only those (see `retry`).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from phasegate.collect.config import Config
from phasegate.core.evaluate import Decision
from phasegate.errors import InputError, Location

Outcome = tuple[str, bool, str]

RETRY_COMMAND = "retry-rollback"


def retry_command(config: Config, decision_id: str, left: Sequence[str]) -> list[str]:
    """Exact, with the config and state dir spelled out: it must find this decision's log."""
    return [
        "phasegate",
        RETRY_COMMAND,
        "--decision",
        decision_id,
        "--only-runners",
        ",".join(left),
        "--config",
        config.source,
        "--state-dir",
        str(config.state_dir),
    ]


def account(
    config: Config, decision: Decision, left: Sequence[str], decision_id: str | None
) -> Outcome | None:
    """The runners left behind, and how to finish: one failed step, so it is printed,
    makes the run exit 4, and goes into the remediation note."""
    if not left:
        return None
    bad = decision.change.get("tag") or decision.change.get("commit") or "the bad version"
    names = config.runners.names if config.runners is not None else ()
    retried = [name for name in left if name in names]
    if decision_id is None:
        how = "deploy them by hand (the decision was not recorded, so it cannot be retried)"
    elif retried:
        how = "retry only those: " + shlex.join(retry_command(config, decision_id, retried))
    else:
        how = ""
    if dropped := [name for name in left if name not in names]:
        gone = f"{', '.join(dropped)} planned but no longer in rollback.runners (put it back "
        how += ("; " if how else "") + gone + "to retry it, or deploy it by hand)"
    return (f"rollback on {', '.join(left)}", False, f"left on {bad}; {how}")


def only_runners(config: Config, text: str) -> tuple[str, ...]:
    """`--only-runners a,b`: configured names only, so a typo cannot deploy nothing."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if config.runners is None:
        raise InputError(
            "rollback.runners: the config rolls back no runners one by one", Location(config.source)
        )
    unknown = [name for name in names if name not in config.runners.names]
    if unknown or not names:
        raise ValueError(
            f"unknown runner {', '.join(map(repr, unknown))} (configured: "
            f"{', '.join(config.runners.names)})"
            if unknown
            else "expected runner names, e.g. op-2,op-3"
        )
    return names
