"""Hunt: a last log line with no newline (a writer killed just before it, or a line
appended by hand with `printf`) was read as whole, while the next append cuts it off as
torn. A `restored` line in that state made `retry-rollback` skip the runner, then its own
`retry` line cut the claim aside: the log ended the change with the runner never deployed.
Readers now take such a tail for what writers take it for: torn, skipped with a warning."""

from __future__ import annotations

import json

from test_hostile_forgotten_runner import phasegate

from fleet import fleet_fixture  # noqa: F401  (the `fleet` fixture)


def test_a_tail_without_newline_is_torn_for_readers_too(fleet):
    fleet.mark("failing", "op-2")
    first = phasegate(fleet, *fleet.run_args())
    assert first.returncode == 4, first.stderr
    decision = fleet.log[0]["id"]
    claim = {
        "event": "action",
        "decision_id": decision,
        "name": "restored op-2",
        "ok": True,
        "detail": "on v0.4.2: deployed, every check passed",
        "runner": "op-2",
        "restored": True,
    }
    with (fleet.path / "state" / "decisions.jsonl").open("a") as log:
        log.write(json.dumps(claim))  # no newline: torn
    fleet.mark("failing")
    done = phasegate(fleet, "retry-rollback", "--decision", decision, "--only-runners", "op-2")
    assert done.returncode == 20, done.stderr
    assert "already restored" not in done.stderr
    assert [call["host"] for call in fleet.deploys][-1] == "op-2"  # deployed, not skipped
    restored = [line["runner"] for line in fleet.log if line.get("restored")]
    assert sorted(restored) == ["op-1", "op-2", "op-3"]
