"""The base policy set of a diff: the same policies folder at a git revision, or a folder.

The imperative part of `diff`: it asks the real `git` (a subprocess with a timeout, argv
only, no shell) which files the policies folder held at REF (a symbolic link read through
to the file it names inside REF), writes them to a temporary folder and loads that with the
ordinary loader, so the base set is checked exactly like the working tree's. Nothing in
the repository, its index or its working tree is touched.

Problems in the base set are reported at `REF:path/file.yaml:line:col` (git's own notation
for a file at a revision: `git show REF:path/file.yaml` opens it), never at the working
tree's file, which may well be fine.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from phasegate.core.policy import PolicySet, load_policy_set
from phasegate.errors import InputError, Location, UsageProblem, single_line

#: Seconds any one git command may take; reading a few small files takes milliseconds.
GIT_TIMEOUT = 30

_BLOB_MODES = ("100644", "100755")
_LINK_MODE = "120000"


def load_base_policies(ref: str, policies: Path) -> PolicySet:
    """The policy set to compare against: folder `ref` if it is one, else `policies` at `ref`.

    A folder wins over a revision of the same name; `refs/heads/NAME` names the branch.
    """
    if not ref.strip():
        raise UsageProblem("--base: give a git revision or a folder")
    if Path(ref).is_dir():
        return load_policy_set(Path(ref), display=ref)
    if ref.startswith("-"):  # never let a revision be read as an option of git
        raise UsageProblem(f"--base {ref}: not a git revision or a folder")
    directory = policies.resolve()
    prefix = _git_prefix(directory, ref)
    commit = _git(directory, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise UsageProblem(f"--base {ref}: unknown git revision (and no folder of that name)")
    sha = commit.stdout.decode().strip()
    shown = f"{ref}:{prefix or '.'}"
    with tempfile.TemporaryDirectory(prefix="phasegate-base-") as temporary:
        _materialise(directory, sha, prefix, shown, Path(temporary))
        return load_policy_set(Path(temporary), display=shown)


def _git_prefix(directory: Path, ref: str) -> str:
    """Where `directory` sits in its repository (`policies`, or `` at the top)."""
    if not directory.is_dir():
        raise InputError("policy folder not found", Location(str(directory)))
    found = _git(directory, "rev-parse", "--is-inside-work-tree", "--show-prefix")
    lines = found.stdout.decode(errors="replace").splitlines()
    if found.returncode != 0 or not lines or lines[0] != "true":
        why = _first_line(found.stderr) or "not inside a git work tree"
        raise UsageProblem(
            f"--base {ref}: the policies folder {directory} is not in a git repository "
            f"({why}); give a folder as --base instead"
        )
    return lines[1].rstrip("/") if len(lines) > 1 else ""


def _materialise(directory: Path, sha: str, prefix: str, shown: str, target: Path) -> None:
    """Write the policy files of folder `prefix` at commit `sha` into `target`."""
    tree = f"{sha}:{prefix}"
    kind = _git(directory, "cat-file", "-t", tree)
    if kind.returncode != 0 or kind.stdout.decode().strip() != "tree":
        raise InputError("the policies folder does not exist at this revision", Location(shown))
    # --full-tree: ls-tree would otherwise filter by where in the work tree it runs.
    listing = _git(directory, "ls-tree", "--full-tree", "-z", tree)
    if listing.returncode != 0:
        raise InputError(f"cannot list: {_first_line(listing.stderr)}", Location(shown))
    written = 0
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        mode, _, rest = meta.decode().partition(" ")
        object_type, _, oid = rest.partition(" ")
        name = raw_name.decode("utf-8", errors="surrogateescape")
        if name.startswith(".") or Path(name).suffix.lower() not in (".yaml", ".yml"):
            continue
        where = Location(f"{shown.rstrip('/')}/{name}")
        if mode == _LINK_MODE:
            path = f"{prefix}/{name}" if prefix else name
            (target / name).write_bytes(_linked_blob(directory, sha, path, where))
            written += 1
            continue
        if object_type != "blob" or mode not in _BLOB_MODES:
            raise InputError(f"named like a policy but a git {object_type} at this revision", where)
        blob = _git(directory, "cat-file", "blob", oid)
        if blob.returncode != 0:
            raise InputError(f"cannot read: {_first_line(blob.stderr)}", where)
        (target / name).write_bytes(blob.stdout)
        written += 1
    if not written:
        raise InputError(
            "no policy files (*.yaml) in this folder at this revision", Location(shown)
        )


def _linked_blob(directory: Path, sha: str, path: str, where: Location) -> bytes:
    """The content a symbolic link at `path` in commit `sha` leads to, as a checkout reads it.

    The working-tree loader follows links, so the base set must too, or a set that shares a
    file through a link could not be compared with itself. Git resolves the link inside the
    commit's tree (`cat-file --follow-symlinks`: relative to the link's folder, through links
    to folders, chains of links); a link that leaves the repository, an absolute link, a loop
    or a link to nothing is refused, since the checkout would read something other than the
    commit holds, or nothing.
    """
    if "\n" in path:
        raise InputError("a symbolic link whose name git cannot follow (a newline)", where)
    found = _git(
        directory,
        "cat-file",
        "--batch",
        "--follow-symlinks",
        stdin=f"{sha}:{path}\n".encode("utf-8", errors="surrogateescape"),
    )
    header, _, rest = found.stdout.partition(b"\n")
    fields = header.decode(errors="replace").split(" ")
    if found.returncode == 0 and len(fields) == 3 and fields[1] == "blob" and fields[2].isdigit():
        return rest[: int(fields[2])]
    detail = rest.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    reasons = {
        "symlink": f"leaves the repository (to {single_line(detail)})",
        "loop": "is a loop of links",
        "dangling": "leads to nothing at this revision",
        "notdir": "leads to nothing at this revision",
        "missing": "leads to nothing at this revision",
    }
    if fields[-1] == "missing":
        reason = reasons["missing"]
    elif len(fields) == 3:
        reason = f"leads to a git {fields[1]}, not a file"
    else:
        reason = reasons.get(fields[0]) or f"cannot be followed: {_first_line(found.stderr)}"
    raise InputError(f"named like a policy but a symbolic link that {reason}", where)


def _git(
    directory: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run one read-only git command in `directory`'s repository."""
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=environment,
            check=False,
        )
    except FileNotFoundError:
        raise UsageProblem(
            "--base: git is not installed (or not on PATH); give a folder as --base instead"
        ) from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} took longer than {GIT_TIMEOUT}s", None) from None
    except OSError as exc:
        raise InputError(f"cannot run git: {exc.strerror or exc}", None) from None


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ").strip() if lines else ""
