"""`explain --format json`: the whole tree, every node located in its policy file, with
`decided` marking the sub-expressions that settled their parent. Byte-stable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phasegate.core.record import rule_object
from phasegate.errors import Location
from phasegate.report import report_json
from phasegate.review.explain import Explanation, RuleExplanation
from phasegate.review.trace import Node


def render(explanation: Explanation) -> str:
    decision = explanation.decision
    document = {
        "apiVersion": "phasegate/v1",
        "kind": "Explanation",
        "verdict": decision.verdict.label,
        "phase": decision.phase,
        "change": dict(decision.change),
        "why": explanation.why,
        "rules": [_rule(item) for item in explanation.rules],
        "facts_digest": decision.facts_digest,
        "policy_digest": decision.policy_digest,
    }
    return report_json(document)


def _rule(item: RuleExplanation) -> dict[str, Any]:
    result = item.result
    return {
        **rule_object(result),
        "contribution": result.contribution.label,
        "when": item.rule.when.text,
        "error": result.error,
        "reads": [
            {
                "path": read.path,
                "present": read.present,
                "value": read.value,
                **({"unknown": read.reason} if read.reason is not None else {}),
            }
            for read in item.reads
        ],
        "trace": None if item.tree is None else _node(item.tree, item.rule.locate_when, True),
        "why": item.why,
    }


def _node(node: Node, locate: Callable[[int, int], Location], decided: bool) -> dict[str, Any]:
    where = locate(node.line, node.col)
    deciding = {id(child) for child in node.deciding()}
    return {
        "kind": node.kind.value,
        "operator": node.operator,
        "text": node.text,
        "line": where.line,
        "col": where.col,
        "outcome": node.outcome.value,
        "value": node.value,
        "error": node.error,
        "decided": decided,
        "children": [
            _node(child, locate, decided and id(child) in deciding) for child in node.children
        ],
    }
