"""Numbers in text people read print as the shortest decimal a double carries faithfully
(issue 20, item 5): `0.022 * 1.5 + 0.01` reads `0.043`, not `0.043000000000000003`; JSON keeps
the exact value."""

from __future__ import annotations

import json

from conftest import call_cli, healthy
from phasegate.cel.values import format_value
from phasegate.errors import readable

# Baseline 0.022: health.error-rate-regression's threshold is 0.022 * 1.5 + 0.01, which
# arithmetic leaves at 0.043000000000000003.
REGRESSED = {
    "metrics": {**healthy()["metrics"], "error_rate": 0.09},
    "baseline": {**healthy()["baseline"], "error_rate": 0.022},
}


def test_values_print_at_fifteen_significant_digits() -> None:
    assert format_value(0.022 * 1.5 + 0.01) == "0.043"
    assert format_value(0.0431234567) == "0.0431234567"  # six digits would cut it
    assert format_value(1234567.5) == "1234567.5"
    assert format_value([0.1 + 0.2, 1]) == "[0.3,1]"
    assert readable({"a": [0.1 + 0.2]}) == {"a": [0.3]}
    assert format_value(float("inf")) == "inf"


def test_evaluate_text_message_prints_the_short_number(facts_file) -> None:
    path = facts_file(**REGRESSED)
    text = call_cli("evaluate", str(path), "--no-cache")
    assert "rollback above 0.043" in text.stdout, text.stdout
    assert "0.0430000" not in text.stdout


def test_explain_text_prints_the_short_number_and_json_stays_exact(facts_file) -> None:
    data = healthy(**REGRESSED)
    data["metrics"]["error_rate"] = 0.1 + 0.2
    path = facts_file(data)
    text = call_cli("explain", str(path), "--rule", "health.error-rate-regression", "--no-cache")
    assert "0.30000000000000004" not in text.stdout, text.stdout
    assert "0.3" in text.stdout
    out = call_cli(
        "explain",
        str(path),
        "--rule",
        "health.error-rate-regression",
        "--format",
        "json",
        "--no-cache",
    )
    reads = json.loads(out.stdout)["rules"][0]["reads"]
    assert reads[0] == {"path": "facts.metrics.error_rate", "present": True, "value": 0.1 + 0.2}
