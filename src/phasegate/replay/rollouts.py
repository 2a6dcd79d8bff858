"""Which rollout (change, phase) a replayed decision belongs to: a decision log may hold
several changes, and every replay output keeps them apart."""

from __future__ import annotations

from collections import OrderedDict

from phasegate.core.evaluate import MAX_ROLLOUTS, Decision


def rollout_of(decision: Decision) -> tuple[str, int]:
    """Which rollout a decision belongs to, as `Rollout` keeps them apart: its change's
    commit (its tag when it has none) and its phase."""
    change = decision.change
    return str(change.get("commit") or change.get("tag") or "?"), decision.phase


def rollout_name(decision: Decision) -> str:
    commit, phase = rollout_of(decision)
    return f"{commit} phase {phase}"


class LastDecisions:
    """The last decision of each rollout (change, phase), so what changed is told against
    the same change's previous snapshot, never another change's that came in between."""

    def __init__(self) -> None:
        self.last: OrderedDict[tuple[str, int], Decision] = OrderedDict()

    def swap(self, decision: Decision) -> Decision | None:
        """The previous decision of `decision`'s rollout (None: its first); keeps `decision`."""
        key = rollout_of(decision)
        before = self.last.pop(key, None)
        self.last[key] = decision
        if len(self.last) > MAX_ROLLOUTS:  # forgotten as `Rollout` forgets its state
            self.last.popitem(last=False)
        return before
