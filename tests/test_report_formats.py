"""`evaluate --format github|junit|markdown`: CI annotations, JUnit XML, a step summary.

Units render Decisions made by evaluating the fixtures (and small policies for pending,
errored and hostile cases); end-to-end runs check that the exit code ignores the format.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, POLICIES, ROOT, call_cli, healthy, run_cli
from phasegate.core.evaluate import Decision, RuleStatus, evaluate
from phasegate.core.facts import facts_from_data, load_facts
from phasegate.core.policy import load_policy_set
from phasegate.report import FORMATS, github, junit, markdown

HEALTHY = FIXTURES / "phase1-healthy.yaml"
PAUSE = FIXTURES / "phase1-health.error-rate-elevated.yaml"
ROLLBACK = FIXTURES / "phase1-trigger.lock-contention-spike.yaml"
SHIPPED = load_policy_set(POLICIES, display="policies")

#: Text a facts document can carry into messages: command, markup and XML injection, and
#: control characters (NUL itself is refused where facts are read: see test_loading).
HOSTILE = "a|b`c`\r\n::error::forged\n<script>x</script> 100% done, ok: [l](u) \x07\x1b[31m\ufffe"


def decide(path: Path) -> Decision:
    return evaluate(load_facts(path), SHIPPED)


def missing_error_rate() -> Decision:
    data = healthy()
    del data["metrics"]["error_rate"]
    return evaluate(facts_from_data(data, "facts.yaml"), SHIPPED)


def custom(tmp_path: Path, rules: str, data: dict | None = None, history: int = 0) -> Decision:
    """Evaluate a one-file policy set; `history` earlier snapshots of the same rollout."""
    directory = tmp_path / "policies"
    directory.mkdir(exist_ok=True)
    (directory / "p.yaml").write_text(
        "apiVersion: phasegate/v1\nkind: Policy\nname: p\nrules:\n"
        + textwrap.indent(textwrap.dedent(rules), "  ")
    )
    policy_set = load_policy_set(directory)
    data = data or healthy()
    earlier = []
    for index in range(history):
        past = dict(data, collected_at=f"2026-11-20T09:{index:02d}:00Z")
        earlier.append(facts_from_data(past, f"s{index}"))
    return evaluate(facts_from_data(data, "facts.yaml"), policy_set, earlier)


HOSTILE_RULE = """\
- id: p.note
  when: has(facts.labels.note)
  verdict: rollback
  message: "note {{ facts.labels.note }}"
"""

PENDING_RULE = """\
- id: p.sustained
  for: 3
  when: facts.metrics.error_rate > 0.001
  verdict: rollback
"""

CONTINUE_RULE = """\
- id: p.informational
  when: "true"
  verdict: continue
  message: just so you know
"""


def hostile(tmp_path: Path) -> Decision:
    return custom(tmp_path, HOSTILE_RULE, healthy(labels={"note": HOSTILE}))


# --- github ------------------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(text: str) -> str:
    """The runner's decoding (ActionCommand.Unescape*); %25 last, as the runner does."""
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Read workflow commands as the runner does: a command only at the start of a line."""
    commands = []
    for line in output.split("\n")[:-1]:
        match = _COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        if match["props"]:
            for pair in match["props"].split(","):
                key, _, value = pair.partition("=")
                props[key] = _unescape(value)
        commands.append((match["name"], props, _unescape(match["data"])))
    return commands


def test_github_rollback_annotates_the_rule_line_then_the_verdict():
    decision = decide(ROLLBACK)
    commands = parse_commands(github.render(decision))
    assert commands[0] == (
        "error",
        {
            "file": "policies/triggers.yaml",
            "line": "40",
            "title": "phasegate rollback: trigger.lock-contention-spike",
        },
        "lock contention 0.05 vs baseline 0.004 (limit 0.022)",
    )
    source = (ROOT / "policies" / "triggers.yaml").read_text().splitlines()
    assert "id: trigger.lock-contention-spike" in source[39]
    name, props, data = commands[-1]
    assert (name, props["title"]) == ("notice", "phasegate: rollback")
    assert data.startswith("ROLLBACK  phase 1  change v0.4.3  health red;")
    counts = decide(ROLLBACK).counts()
    assert f"1 fired, 0 error, 0 pending, {counts['passed']} passed, 4 skipped" in data
    assert len(commands) == 2


def test_github_pause_is_a_warning_and_healthy_only_a_notice():
    commands = parse_commands(github.render(decide(PAUSE)))
    assert [(name, props.get("title")) for name, props, _ in commands[:-1]] == [
        ("warning", "phasegate pause: health.error-rate-elevated")
    ]
    assert [name for name, _, _ in parse_commands(github.render(decide(HEALTHY)))] == ["notice"]


def test_github_errored_rule_points_at_the_failing_expression_with_column():
    decision = missing_error_rate()
    commands = parse_commands(github.render(decision))
    errored = decision.with_status(RuleStatus.ERROR)
    assert [props["title"] for _, props, _ in commands[:-1]] == [
        f"phasegate pause: {result.id}" for result in errored
    ]
    source = (ROOT / "policies" / "health.yaml").read_text().splitlines()
    for name, props, data in commands[:-1]:
        assert name == "warning"
        assert data == "error: missing fact: facts.metrics.error_rate"
        assert props["file"] == "policies/health.yaml"
        line, col = int(props["line"]), int(props["col"])
        assert source[line - 1][col - 1 :].startswith("facts.metrics.error_rate")


def test_github_pending_rule_is_a_warning_with_its_streak(tmp_path: Path):
    decision = custom(tmp_path, PENDING_RULE, history=1)
    (name, props, data), notice = parse_commands(github.render(decision))
    assert (name, props["line"], data) == ("warning", "5", "pending: held 2 of 3 snapshots")
    assert notice[2].startswith("PAUSE")


def test_github_untrusted_text_cannot_forge_a_command(tmp_path: Path):
    output = github.render(hostile(tmp_path))
    lines = output.split("\n")[:-1]
    assert len(lines) == 2
    assert not any(line.startswith("::error::forged") for line in lines)
    assert "\r" not in output and "\x1b" not in output and "\x07" not in output
    (name, _, data), _ = parse_commands(output)
    # GitHub shows the message as it was, newlines included, control characters visibly.
    assert name == "error"
    assert data == "note " + HOSTILE.replace("\x07", "\\x07").replace("\x1b", "\\x1b").replace(
        "\ufffe", "\\ufffe"
    )


def test_github_packaged_set_annotates_the_run_and_says_so_once():
    packaged = load_policy_set(POLICIES, display="phasegate:policies")
    decision = evaluate(load_facts(ROLLBACK), packaged)
    (name, props, data), (_, _, notice) = parse_commands(github.render(decision))
    # No file of the repository holds phasegate:policies/...: a file= there is dropped.
    assert (name, props, data) == (
        "error",
        {"title": "phasegate rollback: trigger.lock-contention-spike"},
        "lock contention 0.05 vs baseline 0.004 (limit 0.022)",
    )
    assert notice.count("packaged policy set") == 1
    assert "packaged" not in github.render(decide(ROLLBACK))


def test_github_packaged_set_end_to_end_has_no_file_property(tmp_path: Path):
    done = call_cli("evaluate", str(ROLLBACK), "--format", "github", cwd=tmp_path)
    assert done.returncode == 20, done.stderr
    assert "file=" not in done.stdout and "line=" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith("::notice ")
    assert "packaged policy set" in done.stdout.splitlines()[-1]


def test_a_named_policies_folder_is_shown_as_given_even_when_it_is_the_shipped_one(
    tmp_path: Path, monkeypatch
):
    """In a checkout (editable install) the shipped set is the repository's `policies/`:
    `--policies` naming it is a real file to annotate, not the packaged set."""
    from phasegate.cli.options import load_policies
    from phasegate.core import policy

    monkeypatch.setattr(policy, "builtin_policies_dir", lambda: POLICIES)
    monkeypatch.chdir(tmp_path)
    assert load_policies(POLICIES).source == str(POLICIES)
    assert load_policies(None).source == "phasegate:policies"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_github_command_is_always_one_line_and_round_trips(message: str, title: str):
    line = github.command("error", message, title=title, file="a,b:c.yaml")
    assert len(line.splitlines()) == 1 and line == line.splitlines()[0]
    [(name, props, data)] = parse_commands(line + "\n")
    assert name == "error" and props["file"] == "a,b:c.yaml"
    if all(ch.isprintable() or ch in "\r\n" for ch in message + title):
        assert (data, props["title"]) == (message, title)


# --- junit -------------------------------------------------------------------------------


def counts_of(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(key)) for key in ("tests", "failures", "errors", "skipped"))


def test_junit_parses_and_counts_match_the_decision():
    decision = decide(ROLLBACK)
    root = ET.fromstring(junit.render(decision))
    assert root.tag == "testsuites"
    assert counts_of(root) == (len(decision.results), 1, 0, 4)
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == list(
        dict.fromkeys(result.policy for result in decision.results)
    )
    for suite in suites:
        cases = suite.findall("testcase")
        assert counts_of(suite) == (
            len(cases),
            sum(1 for case in cases if case.find("failure") is not None),
            sum(1 for case in cases if case.find("error") is not None),
            sum(1 for case in cases if case.find("skipped") is not None),
        )
        assert all(case.get("classname") == suite.get("name") for case in cases)
    assert tuple(map(sum, zip(*(counts_of(suite) for suite in suites), strict=True))) == (
        counts_of(root)
    )
    [failure] = root.iter("failure")
    [case] = [case for case in root.iter("testcase") if case.find("failure") is not None]
    assert (case.get("name"), case.get("file"), case.get("line")) == (
        "trigger.lock-contention-spike",
        "policies/triggers.yaml",
        "40",
    )
    assert failure.get("type") == "rollback"
    assert failure.get("message") == "lock contention 0.05 vs baseline 0.004 (limit 0.022)"
    skipped = [
        case.get("name") for case in root.iter("testcase") if case.find("skipped") is not None
    ]
    assert skipped == [r.id for r in decision.with_status(RuleStatus.SKIPPED)]


def test_junit_errored_and_pending_rules(tmp_path: Path):
    decision = missing_error_rate()
    root = ET.fromstring(junit.render(decision))
    assert counts_of(root) == (len(decision.results), 0, 2, 4)
    for error in root.iter("error"):
        assert error.get("type") == "pause"
        assert error.get("message") == "error: missing fact: facts.metrics.error_rate"
        assert re.search(r"\(policies/health\.yaml:\d+:\d+\)", error.text)
    pending = ET.fromstring(junit.render(custom(tmp_path, PENDING_RULE, history=1)))
    assert counts_of(pending) == (1, 1, 0, 0)
    [failure] = pending.iter("failure")
    assert (failure.get("type"), failure.get("message")) == (
        "pause",
        "pending: held 2 of 3 snapshots",
    )


def test_junit_fired_continue_rule_is_not_a_failure(tmp_path: Path):
    root = ET.fromstring(junit.render(custom(tmp_path, CONTINUE_RULE)))
    assert counts_of(root) == (1, 0, 0, 0)
    assert root.find("testsuite/testcase/system-out").text.startswith("just so you know")


def test_junit_untrusted_text_stays_well_formed_and_is_deterministic(tmp_path: Path):
    decision = hostile(tmp_path)
    output = junit.render(decision)
    root = ET.fromstring(output)
    [failure] = root.iter("failure")
    message = failure.get("message")
    assert "\\x07" in message and "\\x1b" in message and "\\ufffe" in message
    assert "<script>x</script>" in message  # escaped in the XML, intact for the reader
    assert "\n" not in message
    assert output == junit.render(decision)
    assert "timestamp" not in output and "hostname" not in output
    assert {element.get("time") for element in root.iter() if "time" in element.attrib} == {"0"}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_junit_text_is_always_legal_xml(text: str):
    element = ET.Element("failure", {"message": junit.xml_text(text)})
    element.text = junit.xml_text(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.get("message") == junit.xml_text(text)


# --- markdown ----------------------------------------------------------------------------

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def test_markdown_heading_table_counts_and_folded_rest():
    decision = decide(ROLLBACK)
    lines = markdown.render(decision).splitlines()
    assert lines[0] == "## phasegate: ROLLBACK · phase 1 · change v0.4.3 · health red"
    row = next(line for line in lines if "trigger.lock-contention-spike" in line)
    assert [cell.strip() for cell in _CELL_SPLIT.split(row)[1:-1]] == [
        "**rollback**",
        "trigger.lock-contention-spike",
        "lock contention 0.05 vs baseline 0.004 (limit 0.022)",
        "policies/triggers.yaml:40",
    ]
    counts = decision.counts()
    total = len(decision.results)
    assert f"{total} rules: 1 fired, 0 error, 0 pending, {counts['passed']} passed, 4 skipped" in (
        lines
    )
    details = lines[lines.index("<details>") : lines.index("</details>")]
    assert f"<summary>Passed and skipped rules ({total - 1})</summary>" in details
    listed = {line.split()[2] for line in details if line.startswith("- ")}
    expected = decision.with_status(RuleStatus.PASSED, RuleStatus.SKIPPED)
    assert listed == {result.id for result in expected}


def test_markdown_healthy_has_no_table_and_errors_show_their_column():
    healthy_lines = markdown.render(decide(HEALTHY)).splitlines()
    assert "No rule fired, errored or is pending." in healthy_lines
    assert not any(line.startswith("|") for line in healthy_lines)
    output = markdown.render(missing_error_rate())
    assert output.startswith("## phasegate: PAUSE")
    rows = [line for line in output.splitlines() if line.startswith("| **pause**")]
    assert len(rows) == 2
    for row in rows:
        assert "error: missing fact: facts.metrics.error\\_rate" in row
        assert re.search(r"\| policies/health\.yaml:\d+:\d+ \|$", row)


def test_markdown_untrusted_text_stays_in_its_cell(tmp_path: Path):
    output = markdown.render(hostile(tmp_path))
    [row] = [line for line in output.splitlines() if "p.note" in line]
    cells = _CELL_SPLIT.split(row)[1:-1]
    assert len(cells) == 4
    why = cells[2]
    assert "<" not in output.replace("<details>", "").replace("</details>", "").replace(
        "<summary>", ""
    ).replace("</summary>", "")
    assert "&lt;script&gt;" in why
    assert "`" not in why.replace("\\`", "")
    assert "\r" not in output and "\x1b" not in output and "\x07" not in output
    assert not any(line.startswith("::error") for line in output.splitlines())


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_markdown_escape_is_one_line_without_live_markup(text: str):
    escaped = markdown.escape(text)
    assert len(escaped.splitlines()) <= 1 and "\n" not in escaped
    assert "<" not in escaped and ">" not in escaped
    for special in "|`*_[]":
        assert re.search(rf"(?<!\\)(?:\\\\)*{re.escape(special)}", escaped) is None


# --- end to end --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "extra", "code"),
    [
        (HEALTHY, [], 0),
        (PAUSE, [], 10),
        (PAUSE, ["--allow-pause"], 0),
        (ROLLBACK, [], 20),
        (ROLLBACK, ["--allow-pause"], 20),
    ],
)
@pytest.mark.parametrize("output", sorted(FORMATS))
def test_cli_exit_code_depends_on_the_verdict_never_on_the_format(facts, extra, code, output):
    run = run_cli if output == "github" else call_cli  # each exit code through a process once
    result = run("evaluate", str(facts), "--format", output, *extra)
    assert result.returncode == code, result.stderr
    assert result.stderr == ""
    assert result.stdout == FORMATS[output](decide(facts), False)


def test_cli_formats_are_offered_by_evaluate_and_run():
    for command in ("evaluate", "run"):
        help_text = call_cli(command, "--help").stdout
        assert "github" in help_text and "junit" in help_text and "markdown" in help_text


def test_cli_invalid_facts_still_exit_3_without_a_report(tmp_path: Path):
    bad = tmp_path / "facts.yaml"
    bad.write_text("apiVersion: phasegate/v1\nkind: Facts\n")
    for output in ("github", "junit", "markdown"):
        result = call_cli("evaluate", str(bad), "--format", output)
        assert result.returncode == 3
        if output == "github":  # no report, but the problems annotated (issue 20)
            lines = result.stdout.splitlines()
            assert lines and all(line.startswith("::error file=") for line in lines)
        else:
            assert result.stdout == ""
        assert result.stderr.startswith(str(bad))
