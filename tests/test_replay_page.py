"""The replay page as a browser shows it: a real headless Chromium parses and paints it.

Asserting on the HTML string alone would pass a page a browser mangles (a table whose rows
are fostered out, SVG text outside its SVG, a blank paint), so the DOM checked here is the
one Chromium built, and the screenshot is decoded and must hold the verdict colours.
Chromium is required, like Prometheus for its tests: without it these tests fail, never
skip (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from phasegate.report.replay.html import COLOURS

DEGRADES = ROOT / "fixtures" / "recordings" / "phase1-error-rate-degrades.jsonl"
#: Each chromium run, start to exit; generous, the CI machine has 2 shared cores.
TIMEOUT = 180
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: The charts, but for the error rate's, in path order: where those no rule acted on go.
QUIET = [
    "facts.metrics.agent_completion_rate",
    "facts.metrics.agents_failed",
    "facts.metrics.lock_contention_rate",
    "facts.metrics.new_failures",
    "facts.metrics.throughput",
    "facts.state.corruption_indicators",
]


def chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is missing: apt-get install --no-install-recommends chromium")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    result = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (
                    cls is None or cls in child.attrs.get("class", "").split()
                ):
                    found.append(child)
                found += child.all(tag, cls)
        return found

    def one(self, tag: str, cls: str | None = None) -> Node:
        [node] = self.all(tag, cls)
        return node


#: Elements without an end tag (the ones a page like this can hold).
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1 and self.stack.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def rendered_dom(tmp_path: Path, page: Path) -> Node:
    """The DOM Chromium built from the page, serialized by Chromium and read back."""
    tree = _Tree()
    tree.feed(chromium(tmp_path, page, "--dump-dom").stdout)
    return tree.root


def screenshot_colours(tmp_path: Path, page: Path) -> dict[bytes, int]:
    """Pixel count per RGB colour of a 1200x2000 screenshot, decoded with zlib alone."""
    png = tmp_path / "page.png"
    chromium(tmp_path, page, f"--screenshot={png}", "--window-size=1200,2000")
    width, height, bpp, rows = _png_rows(png.read_bytes())
    assert (width, height) == (1200, 2000)
    counts: dict[bytes, int] = {}
    for row in rows:
        for i in range(0, len(row), bpp):
            colour = row[i : i + 3]
            counts[colour] = counts.get(colour, 0) + 1
    return counts


def _png_rows(data: bytes) -> tuple[int, int, int, list[bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, [], None
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    assert header is not None
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour_type in (2, 6), header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    previous = bytearray(stride)
    rows = []
    for number in range(height):
        start = number * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:  # Up
            line = bytearray((a + b) & 255 for a, b in zip(line, previous, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], (previous[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def page_of(tmp_path: Path, recording: Path) -> Path:
    out = tmp_path / "page.html"
    result = run_cli("replay", str(recording), "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def figure(dom: Node, title: str) -> Node:
    [found] = [f for f in dom.all("figure") if f.one("h4").text() == title]
    return found


#: The one change and phase of the recordings these tests draw.
ONE = "9f2c4e1 phase 1"


def table_rows(dom: Node) -> list[list[str]]:
    body = dom.one("table", "changes").one("tbody")
    return [[cell.text() for cell in row.all("td")] for row in body.all("tr")]


def labels(node: Node) -> list[list[str]]:
    """The threshold labels: number, then rule id, top to bottom."""
    return [
        [span.text() for span in text.all("tspan")]
        for text in node.all("text")
        if text.all("tspan")
    ]


def test_degrading_recording_reads_at_a_glance_in_chromium(tmp_path: Path):
    page = page_of(tmp_path, DEGRADES)
    dom = rendered_dom(tmp_path, page)
    assert (
        dom.one("head").one("title").text()
        == "phasegate replay: when the policies would have acted"
    )
    legend = dom.one("header").one("div", "legend")
    assert [item.text() for item in legend.all("span")] == [
        "Verdict:",
        "continue",
        "pause",
        "rollback",
        "fact value",
        "threshold, in its rule's verdict",
        "first pause",
        "first rollback",
    ]
    assert dom.one("li", "first-rollback").text() == (
        "First rollback at snapshot #6, 2026-11-20T10:30:00Z, change 9f2c4e1 phase 1: "
        "health.error-rate-regression"
    )
    assert dom.one("li", "first-pause").text() == (
        "First pause at snapshot #4, 2026-11-20T10:20:00Z, change 9f2c4e1 phase 1: "
        "health.error-rate-elevated"
    )
    assert table_rows(dom) == [
        ["#0", ONE, "2026-11-20T10:00:00Z", "start", "continue", "\u2014"],
        ["#4", ONE, "2026-11-20T10:20:00Z", "continue", "pause", "health.error-rate-elevated"],
        [
            "#6",
            ONE,
            "2026-11-20T10:30:00Z",
            "pause",
            "rollback",
            "health.error-rate-elevated, health.error-rate-regression",
        ],
    ]
    # the fact whose rules acted first, then the rest in path order
    assert [f.one("h4").text() for f in dom.all("figure")] == ["facts.metrics.error_rate", *QUIET]

    error_rate = figure(dom, "facts.metrics.error_rate")
    svg = error_rate.one("svg")
    texts = [t.text() for t in svg.all("text")]
    # thresholds by number and rule id, round ticks with real values, the firsts marked
    assert labels(svg) == [
        ["> 0.0265", "health.error-rate-regression"],
        ["> 0.0141", "health.error-rate-elevated"],
    ]
    assert texts[:5] == ["0.01", "0.02", "0.03", "0.04", "0.05"]
    assert "first pause #4" in texts and "first rollback #6" in texts
    assert not any("facts.baseline" in text or "params." in text for text in texts)
    # a verdict has one colour: the rollback threshold is red, the pause threshold amber
    strokes = {
        line.one("title").text(): line.attrs["stroke"]
        for line in svg.all("polyline")
        if "stroke-dasharray" in line.attrs
    }
    assert strokes == {
        "rollback if > 0.0265 (health.error-rate-regression)": COLOURS["rollback"],
        "pause if > 0.0141 (health.error-rate-elevated)": COLOURS["pause"],
    }
    caption = error_rate.one("figcaption").one("span", "caption-rollback").text()
    assert caption == (
        "First rollback (#6, 2026-11-20T10:30:00Z): 0.03, above "
        "health.error-rate-regression's 0.0265."
    )
    for one in dom.all("svg"):
        assert one.attrs["role"] == "img" and one.attrs["aria-label"]
        assert isinstance(one.children[0], Node) and one.children[0].tag == "title"

    colours = screenshot_colours(tmp_path, page)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    for verdict, colour in COLOURS.items():
        assert colours.get(bytes.fromhex(colour[1:]), 0) > 1000, verdict


def test_pause_then_recovery_then_rollback_in_chromium(tmp_path: Path):
    lines = [json.loads(line) for line in DEGRADES.read_text().splitlines()]
    healthy, elevated = lines[0], lines[4]  # error rate 0.011, then 0.016 (a pause)
    spike = json.loads(json.dumps(healthy))
    spike["metrics"]["lock_contention_rate"] = 0.03  # over 0.022: a rollback trigger
    rows = []
    for number, data in enumerate(
        [healthy, healthy, elevated, elevated, healthy, healthy, elevated, spike, spike, healthy]
    ):
        rows.append(json.dumps({**data, "collected_at": f"2026-11-21T09:{number * 5:02d}:00Z"}))
    recording = tmp_path / "flapping.jsonl"
    recording.write_text("\n".join(rows) + "\n")
    page = page_of(tmp_path, recording)
    dom = rendered_dom(tmp_path, page)

    assert dom.one("li", "first-pause").text() == (
        f"First pause at snapshot #2, 2026-11-21T09:10:00Z, change {ONE}: "
        "health.error-rate-elevated"
    )
    assert dom.one("li", "first-rollback").text() == (
        f"First rollback at snapshot #7, 2026-11-21T09:35:00Z, change {ONE}: "
        "trigger.lock-contention-spike"
    )
    assert [(row[0], row[3], row[4], row[5]) for row in table_rows(dom)] == [
        ("#0", "start", "continue", "\u2014"),
        ("#2", "continue", "pause", "health.error-rate-elevated"),
        ("#4", "pause", "continue", "\u2014"),
        ("#6", "continue", "pause", "health.error-rate-elevated"),
        ("#7", "pause", "rollback", "trigger.lock-contention-spike"),
        ("#9", "rollback", "continue", "\u2014"),
    ]
    # earliest acting rule first: the paused error rate, then the rolled-back contention
    assert [f.one("h4").text() for f in dom.all("figure")] == [
        "facts.metrics.error_rate",
        "facts.metrics.lock_contention_rate",
        *(title for title in QUIET if title != "facts.metrics.lock_contention_rate"),
    ]
    contention = figure(dom, "facts.metrics.lock_contention_rate")
    assert labels(contention) == [["> 0.022", "trigger.lock-contention-spike"]]
    assert contention.one("figcaption").text() == (
        "First rollback (#7, 2026-11-21T09:35:00Z): 0.03, above "
        "trigger.lock-contention-spike's 0.022."
    )
    # the error rate chart has no rollback dot: its rules did not roll back
    assert "first rollback" not in figure(dom, "facts.metrics.error_rate").one("figcaption").text()

    colours = screenshot_colours(tmp_path, page)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    assert colours.get(bytes.fromhex(COLOURS["rollback"][1:]), 0) > 1000


def test_change_table_is_bounded_and_says_so(tmp_path: Path):
    lines = [json.loads(line) for line in DEGRADES.read_text().splitlines()]
    rows = [
        json.dumps(
            {
                **lines[4 if number % 2 else 0],
                "collected_at": f"2026-11-20T10:{number // 60:02d}:{number % 60:02d}Z",
            }
        )
        for number in range(451)
    ]
    recording = tmp_path / "flaps.jsonl"
    recording.write_text("\n".join(rows) + "\n")
    page = page_of(tmp_path, recording).read_text()
    table = page[page.index('<table class="changes">') : page.index("</table>")]
    assert table.count("<tr>") == 1 + 200
    assert "Only the first 200 of 451 verdict changes are listed." in page
    assert page == page_of(tmp_path, recording).read_text()  # the same bytes again
