"""`phasegate resume`: roll a rolled-back change out again, on the record."""

from __future__ import annotations

from pathlib import Path

import click

from phasegate.cli.options import CONFIG_OPTION, STATE_DIR_OPTION, load_config, say


@click.command("resume")
@click.option("--reason", required=True, help="Why the rolled-back change may roll out again.")
@click.option(
    "--change",
    "commit",
    default=None,
    metavar="COMMIT",
    help="The rolled-back change, or one that owes its rollback (default: the latest "
    "rolled-back one not yet resumed).",
)
@CONFIG_OPTION
@STATE_DIR_OPTION
def command(
    reason: str, commit: str | None, config_path: Path | None, state_dir: Path | None
) -> None:
    """Resume a change whose rollback ended its rollout (or is still owed: a rollback done
    by hand), recording why in the decision log.

    Until then `run` deploys nothing for it again; after it, the change starts over from
    Phase 0 (continues recorded before the rollback no longer open a phase).
    """
    from phasegate.collect.collector import utc_now
    from phasegate.errors import InputError, Location, UsageProblem
    from phasegate.state import rollout
    from phasegate.state.statedir import StateDir

    if not reason.strip():
        raise click.BadParameter(
            "must say why the change may roll out again", param_hint="--reason"
        )
    config = load_config(config_path, state_dir)
    state = StateDir(config.state_dir)
    state.check_exists()
    state.check_writable()
    mark = state.mark()  # before the log is read: what is resumed is what it says now
    if commit is None:
        target = rollout.last_rolled_back(state.records())
    else:  # as the log names it: a resume line must match no other change
        named = rollout.resumable_changes(state, commit.strip())
        if len(named) > 1:
            raise UsageProblem(
                f"--change {commit.strip()}: names {len(named)} rolled-back changes "
                f"({', '.join(named)}); give enough of the commit to name one"
            )
        target = named[0] if named else commit.strip()
    if not target or not rollout.state_of(state, target).resumable:
        # Unnamed, only a change standing rolled back is looked for: one that owes its
        # rollback may still be there, and is resumed by name.
        what = (
            f"change {target} is not rolled back and owes no rollback"
            if target
            else "no change stands rolled back (one that owes its rollback is named: "
            "--change COMMIT)"
        )
        raise InputError(
            f"{what}: nothing to resume", Location(str(state.path / "decisions.jsonl"))
        )
    with state.lock():  # a rollback decided since the log was read is not what was resumed
        rollout.refuse_if_stopped(
            state, mark, target, "the resume was decided", "nothing was recorded"
        )
        state.append_decision(rollout.resume_record(target, reason.strip(), utc_now()))
    say(f"phasegate: change {target} resumed: it starts over from Phase 0")
