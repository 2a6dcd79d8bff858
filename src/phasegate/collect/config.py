"""The collector and runner configuration (`phasegate.yaml`): load, validate, compile.

Like policies, a configuration is refused as a whole with every problem located, and every
CEL expression is compiled before any command runs: a typo found after a 30-minute
`moon run :ci` would waste the run.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from phasegate import cel
from phasegate.collect import promquery
from phasegate.core.expressions import Compile, DocumentCompiler, Template
from phasegate.core.programs import Programs, engine_fingerprint, schema_digest, text_digest
from phasegate.core.verdict import Verdict
from phasegate.errors import InputError, Location, raise_all
from phasegate.files import cache
from phasegate.files.loading import Document, NodePath, load_document
from phasegate.files.reading import resolved
from phasegate.files.schemas import data_dir, load_schema, validate

#: The cache entry of a configuration's checked programs (`load_config`); bump the layout
#: when what an entry holds changes shape.
_CACHE_KIND = "config"
_CACHE_LAYOUT = 1
#: What source expressions see: the parsed output and the previous sample's kept state.
SOURCE_VARIABLES = (
    "output",
    "lines",
    "format",
    "stdout",
    "stderr",
    "exit_code",
    "previous",
    "now",
    "params",
)
#: Rollback verification also sees the facts (e.g. facts.change.last_known_good).
VERIFY_VARIABLES = (*SOURCE_VARIABLES, "facts")
#: Action arguments see the facts and the decision.
ACTION_VARIABLES = ("facts", "decision", "params")
#: A rollback given per runner: its deploy and verify commands also see `runner`, the name.
#: Only there: anywhere else `runner` has no value, and is refused when the file loads.
RUNNER_VARIABLES = (*ACTION_VARIABLES, "runner")
#: Facts that collect itself sets; sources cannot write them.
RESERVED_FACTS = ("apiVersion", "kind", "phase", "collected_at")

DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024
DEFAULT_CONTRACT_RUNS = 2


@dataclass(frozen=True)
class Check:
    name: str
    command: tuple[str, ...]
    timeout: float
    parse: str | None
    #: The phases it runs in (None: every phase); elsewhere only a kept result is reused.
    phases: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Source:
    name: str
    command: tuple[str, ...] | None
    file: Path | None
    parse: str
    timeout: float
    success: cel.Expression
    facts: tuple[tuple[tuple[str, ...], cel.Expression], ...]
    state: tuple[tuple[str, cel.Expression], ...]
    #: Set for a Prometheus source (then command and file are None).
    prometheus: promquery.PrometheusQuery | None = None


@dataclass(frozen=True)
class Contract:
    baseline: Path
    runs: int
    timeout: float
    commands: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Action:
    name: str
    argv: tuple[Template, ...]
    timeout: float


@dataclass(frozen=True)
class RunnerDeploy:
    runner: str
    action: Action


@dataclass(frozen=True)
class Runners:
    """The rollback given per runner (see `phasegate.runner.runners`)."""

    deploys: tuple[RunnerDeploy, ...]
    #: Each `rollback.verify` command as templates, filled for each runner in turn.
    verify: tuple[tuple[Template, ...], ...]
    #: `rollback.on_runner`: the prefix that runs a health check on one runner (`zjj doctor
    #: --json` and each contract command path after its deploy); empty: on this machine.
    on_runner: tuple[Template, ...] = ()
    #: `rollback.restart`: restarts a runner's operator sessions after a Phase 1 deploy.
    restart: Action | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(deploy.runner for deploy in self.deploys)


@dataclass(frozen=True)
class Verification:
    name: str
    command: tuple[str, ...]
    parse: str
    expect: cel.Expression
    timeout: float = 60.0


@dataclass(frozen=True)
class Config:
    source: str
    state_dir: Path
    max_output_bytes: int
    params: dict[str, Any]
    checks: tuple[Check, ...]
    sources: tuple[Source, ...]
    contract: Contract | None
    actions: dict[Verdict, tuple[Action, ...]]
    #: None: no deploy command configured, so rollback prints the manual procedure.
    deploy: Action | None
    verify: tuple[Verification, ...]
    #: Set when the rollback is given per runner; `deploy` is None then.
    runners: Runners | None = None


def default_config_path(cwd: Path | None = None) -> Path:
    """`./phasegate.yaml` when it exists, else the configuration shipped with phasegate."""
    local = Path("phasegate.yaml")
    if (cwd or Path.cwd()).joinpath(local).is_file():
        return local
    return packaged_config_path()


def packaged_config_path() -> Path:
    return data_dir("config") / "phasegate.yaml"


def is_packaged(path: Path) -> bool:
    """Whether `path` is the configuration shipped inside phasegate (read-only)."""
    try:
        return Path(path).resolve() == packaged_config_path().resolve()
    except OSError:
        return False


def config_root(path: Path, cwd: Path | None = None) -> Path:
    """The folder the paths a configuration names are relative to.

    A team's config names files beside it (its committed contract baseline), wherever the
    command runs from. The shipped config lives inside the installed package, which may be
    read-only and is replaced on upgrade, so what it names lives in the working folder.
    """
    here = (cwd or Path.cwd()).resolve()
    if is_packaged(path):
        return here
    return (here / path).resolve().parent


def load_config(path: Path, state_dir: Path | None = None, cwd: Path | None = None) -> Config:
    """Read, validate and compile a configuration, or raise every problem found.

    `state_dir` (the --state-dir option) is relative to the working folder, as options are;
    the config's own `state_dir` and other paths are relative to `config_root`.

    Its expressions' checked programs are kept in the cache folder (`core.programs`), keyed
    by the file's text: every `collect` and `run` loads the same file, and compiling its
    expressions was most of loading it. An entry is written only for a file that loaded
    without a problem; one that cannot be revived is rebuilt, never believed.
    """
    if not Path(path).exists():  # a FIFO or device is there: `load_document` says what it is
        full = resolved((cwd or Path.cwd()) / path)  # a link loop: refused as such
        raise InputError(f"config file not found: {full}", Location(str(path)))
    document = load_document(path)
    validate(document, "config")
    folder = cache.cache_dir()
    if folder is None:
        return _compiled(document, Path(path), state_dir, cwd, Programs().compile)
    key = cache.key_of(
        {
            "layout": _CACHE_LAYOUT,
            "text": text_digest(document.text),
            "schemas": {name: schema_digest(name) for name in ("config", "facts")},
            "phasegate": cache.code_fingerprint(("files", "cel", "core", "collect")),
            "engine": engine_fingerprint(),
        }
    )

    def build() -> Config:
        """The configuration compiled afresh, and the entry written for it."""
        programs = Programs()
        config = _compiled(document, Path(path), state_dir, cwd, programs.compile)
        cache.write_entry(folder, _CACHE_KIND, key, {"programs": programs.plain()})
        return config

    entry = cache.read_entry(folder, _CACHE_KIND, key)
    if entry is not None:
        with suppress(Exception):  # an entry of another shape: loaded afresh below
            revive = Programs(entry["programs"], build).revive
            return _compiled(document, Path(path), state_dir, cwd, revive, trusted=True)
    return build()


def _compiled(
    document: Document,
    path: Path,
    state_dir: Path | None,
    cwd: Path | None,
    compile: Compile,
    trusted: bool = False,
) -> Config:
    """The configuration `document` holds, its expressions made by `compile` (`trusted`:
    checked programs of this very text, whose cost was bounded when they were compiled)."""
    data = document.data
    base = config_root(path, cwd)
    defaults = data.get("defaults", {})
    timeout = float(defaults.get("timeout", DEFAULT_TIMEOUT))
    errors: list[InputError] = []

    def compiler(variables: tuple[str, ...]) -> DocumentCompiler:
        params = document.data.get("params", {})
        made = DocumentCompiler(
            document, variables, params=params, compile=compile, trusted=trusted
        )
        compilers.append(made)
        return made

    compilers: list[DocumentCompiler] = []
    checks = tuple(
        Check(
            name,
            tuple(raw["command"]),
            float(raw.get("timeout", timeout)),
            raw.get("parse"),
            tuple(raw["phases"]) if "phases" in raw else None,
        )
        for name, raw in data.get("checks", {}).items()
    )
    query_compiler = compiler(promquery.QUERY_VARIABLES)
    sources = tuple(
        replace(
            _source(document, index, raw, base, timeout, compiler(SOURCE_VARIABLES), errors),
            prometheus=_prometheus(query_compiler, index, raw, base),
        )
        for index, raw in enumerate(data.get("sources", []))
    )
    _refuse_duplicate_sources(document, errors)
    _refuse_shared_facts(document, errors)
    contract = None
    if "contract" in data:
        raw = data["contract"]
        contract = Contract(
            baseline=base / raw["baseline"],
            runs=int(raw.get("runs", defaults.get("contract_runs", DEFAULT_CONTRACT_RUNS))),
            timeout=float(raw.get("timeout", timeout)),
            commands=tuple(tuple(argv) for argv in raw["commands"]),
        )
    action_compiler = compiler(ACTION_VARIABLES)
    actions = {
        verdict: tuple(
            _action(action_compiler, ("actions", verdict.label, index), raw, timeout)
            for index, raw in enumerate(data.get("actions", {}).get(verdict.label, []))
        )
        for verdict in Verdict
    }
    rollback = data.get("rollback", {})
    runners = _runners(document, timeout, compiler(RUNNER_VARIABLES), errors)
    deploy = None
    if rollback.get("deploy") and runners is None:
        deploy_raw = {"name": "deploy last known-good", "command": rollback["deploy"]}
        if "timeout" in rollback:
            deploy_raw["timeout"] = rollback["timeout"]
        deploy = _action(
            action_compiler,
            ("rollback", "deploy"),
            deploy_raw,
            timeout,
            argv_path=("rollback", "deploy"),
        )
    verify_compiler = compiler(VERIFY_VARIABLES)
    verify = tuple(
        Verification(
            name=raw["name"],
            command=tuple(raw["command"]),
            parse=raw.get("parse", "auto"),
            expect=verify_compiler.expression(
                ("rollback", "verify", index, "expect"), f"verify {raw['name']!r}"
            ),
            timeout=float(raw.get("timeout", 60)),
        )
        for index, raw in enumerate(rollback.get("verify", []))
    )
    for made in compilers:
        errors.extend(made.errors)
    raise_all(errors)
    return Config(
        source=document.source,
        state_dir=state_dir
        if state_dir is not None
        else base / data.get("state_dir", ".phasegate"),
        max_output_bytes=int(defaults.get("max_output_bytes", DEFAULT_MAX_OUTPUT)),
        params=data.get("params", {}),
        checks=checks,
        sources=sources,
        contract=contract,
        actions=actions,
        deploy=deploy,
        verify=verify,
        runners=runners,
    )


def _source(
    document: Document,
    index: int,
    raw: dict[str, Any],
    base: Path,
    timeout: float,
    compiler: DocumentCompiler,
    errors: list[InputError],
) -> Source:
    path: NodePath = ("sources", index)
    context = f"source {raw['name']}"
    known_facts = load_schema("facts")["properties"]
    facts = []
    for fact_path in raw["facts"]:
        parts = tuple(fact_path.split("."))
        if parts[0] not in known_facts or parts[0] in RESERVED_FACTS:
            errors.append(
                InputError(
                    f"{context}: {fact_path!r} is not a fact a source can set",
                    document.location((*path, "facts", fact_path), key=True),
                )
            )
        facts.append((parts, compiler.expression((*path, "facts", fact_path), context)))
    state = tuple(
        (name, compiler.expression((*path, "state", name), context))
        for name in raw.get("state", {})
    )
    if "at" in raw.get("state", {}):
        errors.append(
            InputError(
                f"{context}: state name 'at' is reserved (it holds the sample's time)",
                document.location((*path, "state", "at"), key=True),
            )
        )
    success_text = raw.get("success")
    success = (
        compiler.expression((*path, "success"), context)
        if success_text
        else compiler.supplied("exit_code == 0")
    )
    return Source(
        name=raw["name"],
        command=tuple(raw["command"]) if "command" in raw else None,
        file=base / raw["file"] if "file" in raw else None,
        parse=raw.get("parse", "auto"),
        timeout=float(raw.get("timeout", timeout)),
        success=success,  # type: ignore[arg-type]
        facts=tuple(facts),  # type: ignore[arg-type]
        state=state,  # type: ignore[arg-type]
    )


def _prometheus(
    compiler: DocumentCompiler, index: int, raw: dict[str, Any], base: Path
) -> promquery.PrometheusQuery | None:
    """A Prometheus source's query; its placeholders compile with the rest of the file."""
    spec = raw.get("prometheus")
    if spec is None:
        return None
    window = None
    if "range" in spec:
        duration = float(spec["range"]["duration"])
        window = promquery.RangeQuery(
            duration=duration,
            step=float(spec["range"].get("step", duration / 60)),
            reduce=spec["range"]["reduce"],
        )
    return promquery.PrometheusQuery(
        url=spec["url"],
        query=compiler.template(("sources", index, "prometheus", "query"), f"source {raw['name']}"),
        timeout=float(spec.get("timeout", promquery.DEFAULT_TIMEOUT)),
        range=window,
        bearer_token_env=spec.get("bearer_token_env"),
        ca_file=base / spec["ca_file"] if "ca_file" in spec else None,
    )


def _refuse_duplicate_sources(document: Document, errors: list[InputError]) -> None:
    seen: set[str] = set()
    for index, raw in enumerate(document.data.get("sources", [])):
        if raw["name"] in seen:
            errors.append(
                InputError(
                    f"duplicate source name {raw['name']!r}",
                    document.location(("sources", index, "name")),
                )
            )
        seen.add(raw["name"])


def _refuse_shared_facts(document: Document, errors: list[InputError]) -> None:
    """One fact, one writer. With two sources writing one fact, a failed second source
    would leave the first one's value in place (the gate machine's own error rate standing
    in for the cohort's): which one decides must be the configuration's choice, not the
    order the sources happened to fail in. A fact inside another (`metrics` and
    `metrics.error_rate`) counts as the same fact; so do a check's and a contract's."""
    writers: dict[tuple[str, ...], str] = {
        ("checks", name): f"check {name}" for name in document.data.get("checks", {})
    }
    if "contract" in document.data:
        writers[("contract",)] = "the contract"
    for index, raw in enumerate(document.data.get("sources", [])):
        for fact_path in raw["facts"]:
            parts = tuple(fact_path.split("."))
            for other, writer in writers.items():
                shorter = min(len(parts), len(other))
                if parts[:shorter] == other[:shorter]:
                    errors.append(
                        InputError(
                            f"source {raw['name']}: {fact_path} is also written by {writer} "
                            "(one fact, one source: remove it from one of them)",
                            document.location(("sources", index, "facts", fact_path), key=True),
                        )
                    )
                    break
            writers.setdefault(parts, f"source {raw['name']}")


def _action(
    compiler: DocumentCompiler,
    path: NodePath,
    raw: dict[str, Any],
    timeout: float,
    argv_path: NodePath | None = None,
) -> Action:
    argv_at = argv_path or (*path, "command")
    argv = tuple(
        compiler.template((*argv_at, index), f"action {raw['name']!r}")
        for index in range(len(raw["command"]))
    )
    return Action(raw["name"], argv, float(raw.get("timeout", timeout)))


def _runners(
    document: Document, timeout: float, compiler: DocumentCompiler, errors: list[InputError]
) -> Runners | None:
    """The per-runner rollback, or None for the single deploy command (or none at all).

    Refused, each located: a runner named twice (its second deploy would run over the
    first's), both forms at once (which list is the fleet?), and runners with no deploy.
    """
    rollback = document.data.get("rollback", {})
    raw = rollback.get("deploy")
    names = rollback.get("runners")
    entries = isinstance(raw, list) and bool(raw) and isinstance(raw[0], dict)
    if names is None and not entries:
        for key in ("on_runner", "restart"):
            if key in rollback:
                errors.append(
                    InputError(
                        f"rollback.{key}: only for a rollback given per runner "
                        "(rollback.runners or per-runner deploy entries)",
                        document.location(("rollback", key), key=True),
                    )
                )
        return None
    seconds = float(rollback.get("timeout", timeout))
    where: list[tuple[str, NodePath]] = []
    deploys = []
    if entries:
        if names is not None:
            errors.append(
                InputError(
                    "rollback.runners: give the runners here with one deploy template, or in "
                    "each rollback.deploy entry, not both",
                    document.location(("rollback", "runners"), key=True),
                )
            )
        for index, entry in enumerate(raw):
            action = _action(
                compiler,
                ("rollback", "deploy", index),
                {"name": f"deploy last known-good to {entry['runner']}", **entry},
                seconds,
            )
            where.append((entry["runner"], ("rollback", "deploy", index, "runner")))
            deploys.append(RunnerDeploy(entry["runner"], action))
    elif not raw:
        errors.append(
            InputError(
                "rollback.runners: needs rollback.deploy, the command template run for each "
                "runner (with {{ runner }})",
                document.location(("rollback", "runners"), key=True),
            )
        )
        return None
    else:
        template = _action(
            compiler,
            ("rollback", "deploy"),
            {"name": "deploy", "command": raw},
            seconds,
            argv_path=("rollback", "deploy"),
        )
        for index, name in enumerate(names):
            where.append((name, ("rollback", "runners", index)))
            deploys.append(
                RunnerDeploy(name, replace(template, name=f"deploy last known-good to {name}"))
            )
    seen: set[str] = set()
    for name, path in where:
        if name in seen:
            errors.append(InputError(f"duplicate runner name {name!r}", document.location(path)))
        seen.add(name)
    verify = tuple(
        tuple(
            compiler.template(
                ("rollback", "verify", index, "command", part), f"verify {check['name']!r}"
            )
            for part in range(len(check["command"]))
        )
        for index, check in enumerate(rollback.get("verify", []))
    )
    if "on_runner" not in rollback:
        errors.append(
            InputError(
                f"rollback.{'deploy' if names is None else 'runners'}: needs rollback.on_runner, "
                "the command prefix that runs the "
                "health checks after a downgrade (zjj doctor --json, each contract command) "
                'on one runner, e.g. [ssh, "{{ runner }}", "--"]; [] runs them on this machine',
                document.location(("rollback", "deploy" if names is None else "runners"), key=True),
            )
        )
    on_runner = tuple(
        compiler.template(("rollback", "on_runner", index), "rollback.on_runner")
        for index in range(len(rollback.get("on_runner", [])))
    )
    restart = None
    if rollback.get("restart"):
        restart = _action(
            compiler,
            ("rollback", "restart"),
            {"name": "restart operator sessions", "command": rollback["restart"]},
            seconds,
            argv_path=("rollback", "restart"),
        )
    return Runners(tuple(deploys), verify, on_runner, restart)
