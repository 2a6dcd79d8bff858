"""`diff --format markdown`: a pull request comment.

Everything that comes from facts or file names is untrusted: it is shown in code spans
(no links, mentions, HTML or emphasis), on one line, with `|` escaped so it cannot add
table cells.
"""

from __future__ import annotations

import re

from phasegate.report.diff.text import (
    corpus_line,
    field_lines,
    relaxed_lines,
    shadow_lines,
    summary_line,
    value_text,
)
from phasegate.report.text import single_line
from phasegate.review.diff import DocumentChange, PolicyDiff

#: Rows shown in the table; a PR comment has a size limit, the JSON format has every row.
MAX_ROWS = 100

_DIRECTION = {"relaxed": "less strict", "tightened": "stricter", "same": "same verdict"}


def code(text: object) -> str:
    """`text` as an inline code span that is safe inside a table cell."""
    shown = single_line(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(code(rule_id) for rule_id in ids)


def _row(change: DocumentChange) -> str:
    base, head = change.verdict_labels
    if change.direction != "same":
        head = f"**{head}**"
    facts = [f"{code(path)} = {code(value_text(value))}" for path, value in change.facts]
    facts += [f"{code(path)} absent" for path in change.missing]
    cells = [
        code(change.document),
        base,
        head,
        _DIRECTION[change.direction],
        _ids(change.started),
        _ids(change.stopped),
        "<br>".join(facts),
    ]
    return "| " + " | ".join(cells) + " |"


def render(policy_diff: PolicyDiff) -> str:
    lines = [
        "### phasegate diff",
        "",
        code(corpus_line(policy_diff)),
        "",
        f"**{summary_line(policy_diff)}** (base {code(policy_diff.base_source)}, "
        f"head {code(policy_diff.head_source)})",
        "",
    ]
    relaxed = len(policy_diff.relaxed)
    if relaxed:
        lines += [f"**{relaxed} decision(s) become less strict.**", ""]
    if policy_diff.changes:
        lines += [
            "| document | base | head | change | started firing | stopped firing | facts |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [_row(change) for change in policy_diff.changes[:MAX_ROWS]]
        hidden = len(policy_diff.changes) - MAX_ROWS
        if hidden > 0:
            lines += ["", f"... and {hidden} more (see `--format json`)."]
        lines.append("")
    else:
        lines += ["No decision changes.", ""]
    rules = policy_diff.rules
    lines.append("**Rules**")
    lines.append("")
    for label, ids in (
        ("added", rules.added),
        ("removed", rules.removed),
        ("changed", rules.changed),
    ):
        lines.append(f"- {label}: {_ids(ids) or 'none'}")
    lines += [f"  - {code(line.strip())}" for line in field_lines(policy_diff)]
    lines += [f"- {code(line)}" for line in relaxed_lines(policy_diff)]
    lines += [f"- {code(line)}" for line in shadow_lines(policy_diff)]
    if policy_diff.backtest is not None:
        from phasegate.report.backtest.text import comparison_lines

        first, *rules = comparison_lines(policy_diff.backtest)
        lines += ["", "**Backtest against the labels**", "", code(first.removeprefix("labels: "))]
        lines += [f"- {code(rule.strip())}" for rule in rules]
    return "\n".join(lines) + "\n"
