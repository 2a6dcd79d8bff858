"""The corpus `diff` judges a policy change by: facts files and recordings, read leniently.

A corpus is whatever a repository has lying around: fixtures, recordings, the decision log,
and files that are none of these (scripts, READMEs, broken drafts). `evaluate` refuses bad
input; a corpus instead skips what it cannot read, says so one line each, and compares the
rest, because one unreadable file must not hide what a change does to all the others.

Documents are named so a reviewer can open them: a facts file by its path, a snapshot of a
JSONL recording by `path:LINE` (the line it was recorded on, as replay's warnings name it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from phasegate.core.facts import Facts, load_facts
from phasegate.core.recording import Recording, read_recording
from phasegate.errors import InputError, Location
from phasegate.files.loading import entry_problem, resolved

FACTS_SUFFIXES = (".yaml", ".yml", ".json")
RECORDING_SUFFIXES = (".jsonl",)

#: What `diff` reads when no --corpus is given; each only when it exists.
DEFAULT_CORPUS = (Path("fixtures"), Path(".phasegate") / "decisions.jsonl")


@dataclass(frozen=True)
class CorpusFile:
    """One readable file of the corpus: a single facts document or a recording."""

    path: str
    facts: Facts | None = None
    recording: Recording | None = None


@dataclass(frozen=True)
class Corpus:
    #: Ordered by path.
    files: tuple[CorpusFile, ...]
    #: (where, why) of every file or recording line that is not a facts document.
    skipped: tuple[tuple[str, str], ...]
    #: The paths the corpus was read from, as given, so "no documents" can say where it looked.
    looked_at: tuple[str, ...] = ()
    #: Each path read and how many documents (facts files and recorded snapshots) it gave,
    #: so a report can say what it compared; `default` when the user named no path.
    sources: tuple[tuple[str, int], ...] = ()
    default: bool = False


def default_corpus(cwd: Path | None = None) -> list[Path]:
    """`fixtures/` and the decision log, those of them that exist (relative to `cwd`)."""
    base = cwd or Path.cwd()
    return [path for path in DEFAULT_CORPUS if base.joinpath(path).exists()]


def read_default_corpus() -> Corpus:
    """The default corpus, with both default paths recorded as looked at, existing or not.

    Run from the wrong folder, neither exists; the error for an empty corpus then names the
    absolute paths it looked at, which is the hint the user needs.
    """
    corpus = read_corpus(default_corpus())
    looked_at = tuple((Path.cwd() / path).as_posix() for path in DEFAULT_CORPUS)
    return replace(corpus, looked_at=looked_at, default=True)


def read_corpus(paths: Sequence[Path]) -> Corpus:
    """Every facts document under `paths` (files or folders, recursively, sorted by path).

    A path the user named that does not exist is an error (a typo must not compare nothing);
    anything found inside that is named like one but is not a facts document is skipped with
    its reason. Hidden entries (`.git`, editor files) and files with other extensions
    (scripts, READMEs) inside folders are not looked at.
    """
    found: dict[Path, Path] = {}
    #: Which given path each file was first found under.
    origin: dict[Path, str] = {}
    skipped: list[tuple[str, str]] = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise InputError("corpus path not found", Location(given.as_posix()))
        for path in _walk(given, skipped):
            key = resolved(path)
            found.setdefault(key, path)
            origin.setdefault(key, given.as_posix())
    files: list[CorpusFile] = []
    counts = dict.fromkeys((path.as_posix() for path in paths), 0)
    for key, path in sorted(found.items(), key=lambda item: item[1].as_posix()):
        entry = _read(path, skipped)
        if entry is not None:
            files.append(entry)
            counts[origin[key]] += 1 if entry.facts else len(entry.recording.snapshots)
    looked_at = tuple(path.as_posix() for path in paths)
    return Corpus(
        tuple(files), tuple(sorted(skipped, key=where_key)), looked_at, tuple(counts.items())
    )


def _walk(path: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    try:
        entries = sorted(path.iterdir(), key=lambda entry: entry.name)
    except OSError as exc:
        skipped.append((path.as_posix(), f"cannot list the folder: {exc.strerror or exc}"))
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and entry.is_symlink():
            skipped.append((entry.as_posix(), "a link to a folder (not followed)"))
        elif entry.is_dir():
            found.extend(_walk(entry, skipped))
        elif entry.suffix.lower() in FACTS_SUFFIXES + RECORDING_SUFFIXES:
            found.append(entry)  # other files in a folder (scripts, notes) are not facts
    return found


def _read(path: Path, skipped: list[tuple[str, str]]) -> CorpusFile | None:
    name = path.as_posix()
    suffix = path.suffix.lower()
    why = entry_problem(path)
    if why is not None:
        skipped.append((name, f"not a regular file: {why}"))
        return None
    if suffix not in FACTS_SUFFIXES + RECORDING_SUFFIXES:
        skipped.append((name, "not a facts document (*.yaml, *.yml, *.json or *.jsonl)"))
        return None
    try:
        if suffix in RECORDING_SUFFIXES:
            recording = read_recording(path)
            skipped.extend(recording.skipped)
            if not recording.snapshots and not recording.skipped:
                skipped.append((name, "an empty recording"))
            return CorpusFile(name, recording=recording) if recording.snapshots else None
        return CorpusFile(name, facts=load_facts(path))
    except InputError as error:
        if _is_labels(path):
            return None  # incident labels (`backtest --labels`) live beside the fixtures
        problems = getattr(error, "errors", [error])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        skipped.append((str(problems[0].location or Location(name)), problems[0].message + more))
        return None


def _is_labels(path: Path) -> bool:
    """Whether a file that is no facts document is a labels file (`kind: Labels`), which a
    repository keeps with its recordings: not a problem to warn about."""
    from phasegate.files.loading import load_document

    try:
        data = load_document(path).data
    except InputError:
        return False
    return isinstance(data, dict) and data.get("kind") == "Labels"


_WHERE = re.compile(r"^(.*?)(?::(\d+))?(?::(\d+))?$", re.DOTALL)


def where_key(item: tuple[str, str]) -> tuple[str, int, int, str]:
    """`path:LINE:COL` sorts by path, then by line and column as numbers."""
    where, why = item
    match = _WHERE.match(where)
    assert match is not None  # every string matches
    path, line, col = match.groups()
    return (path, int(line or 0), int(col or 0), why)
