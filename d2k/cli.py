"""The command line: options in, call the core, write files, print the report, derive the exit code.

Exit codes: 0 converted; 1 with --strict when something was not carried over; 2 bad input
or an unreachable engine; 3 a bug in d2k (its own output failed validation, or a crash).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from d2k import __version__
from d2k.errors import EngineError, InputError, InternalError

# `\b` keeps click from re-wrapping the example lines into one paragraph
EXAMPLES = """
\b
Examples:
  d2k from-commands samples/voting-app.md            # the seed's table -> manifests on stdout
  d2k from-commands run.sh --out k8s/ --report r.json
  d2k from-commands cmds.txt | kubectl apply -f -
  d2k from-running --all -o json                     # containers of the engine in DOCKER_HOST
  d2k validate k8s/                                   # check any manifests like the API server
"""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Migrate docker run commands and running containers to Kubernetes manifests.\n\n" + EXAMPLES,
)


class Output(StrEnum):
    yaml = "yaml"
    json = "json"


class Workload(StrEnum):
    auto = "auto"
    deployment = "deployment"
    job = "job"
    pod = "pod"


class ExposeType(StrEnum):
    NodePort = "NodePort"
    LoadBalancer = "LoadBalancer"


OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="yaml (multi-document) or json (a v1 List)")]
OutDirOpt = Annotated[Path | None, typer.Option("--out", help="write one file per object into this folder")]
ForceOpt = Annotated[bool, typer.Option("--force", help="replace an existing --out folder")]
NamespaceOpt = Annotated[str, typer.Option("--namespace", "-n", help="namespace of every object (and emit it)")]
WorkloadOpt = Annotated[Workload, typer.Option(
    "--workload", help="auto (a Deployment per service, a Job per run-once container), or every one a "
    "deployment, a job, or a bare pod (restartPolicy from --restart)")]
ExposeOpt = Annotated[ExposeType, typer.Option("--expose-type", help="Service type for ports published with -p")]
StorageOpt = Annotated[str, typer.Option("--storage-size", help="size requested by each PersistentVolumeClaim")]
PortOpt = Annotated[
    list[str] | None, typer.Option("--port", help="NAME=PORT[,PORT]: ports of a container others reach")
]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="also write the report as JSON to this file")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="exit 1 when anything was not carried over")]
VersionOpt = Annotated[str, typer.Option("--k8s-version", help="target Kubernetes version (1.25 to 1.37)")]
PartOfOpt = Annotated[str, typer.Option("--part-of", help="app.kubernetes.io/part-of label (default: input name)")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print no report on stderr")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="show the traceback of an internal error")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"d2k {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Migrate docker run commands and running containers to Kubernetes manifests."""


@dataclass(frozen=True, slots=True)
class Convert:
    """The options every conversion command shares, declared once in CONVERT_OPTIONS."""

    output: Output = Output.yaml
    out: Path | None = None
    force: bool = False
    namespace: str = ""
    workload: Workload = Workload.auto
    expose_type: ExposeType = ExposeType.NodePort
    storage_size: str = "1Gi"
    port: list[str] | None = None
    report: Path | None = None
    strict: bool = False
    k8s_version: str = ""
    part_of: str = ""
    quiet: bool = False
    debug: bool = False


# One row per shared option: (parameter name, its typer annotation). Adding an option to every
# conversion command is a field of Convert plus one row here.
CONVERT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("output", OutputOpt),
    ("out", OutDirOpt),
    ("force", ForceOpt),
    ("namespace", NamespaceOpt),
    ("workload", WorkloadOpt),
    ("expose_type", ExposeOpt),
    ("storage_size", StorageOpt),
    ("port", PortOpt),
    ("report", ReportOpt),
    ("strict", StrictOpt),
    ("k8s_version", VersionOpt),
    ("part_of", PartOfOpt),
    ("quiet", QuietOpt),
    ("debug", DebugOpt),
)


def conversion_command(name: str) -> Any:
    """Register a conversion command: its own parameters, then the shared ones packed into `convert: Convert`.

    typer reads a command's parameters from its signature; the wrapper's signature is the command's
    own parameters plus one per CONVERT_OPTIONS row, so each shared option is declared once.
    """

    def register(func: Any) -> Any:
        import functools
        import inspect

        own = [p for p in inspect.signature(func, eval_str=True).parameters.values() if p.name != "convert"]
        defaults = Convert()
        shared = [
            inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                              default=getattr(defaults, field))
            for field, annotation in CONVERT_OPTIONS
        ]
        names = {field for field, _ in CONVERT_OPTIONS}

        @functools.wraps(func)
        def command(**kwargs: Any) -> None:
            convert = Convert(**{k: v for k, v in kwargs.items() if k in names})
            func(**{k: v for k, v in kwargs.items() if k not in names}, convert=convert)

        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        del command.__wrapped__  # typer must see the combined signature, not the original
        return app.command(name, epilog=EXAMPLES)(command)

    return register


@conversion_command("from-commands")
def from_commands(
    file: Annotated[str, typer.Argument(help="text, shell script or Markdown with docker run lines; - for stdin")],
    convert: Convert,
) -> None:
    """Convert the docker run lines of FILE (plain list, shell script or Markdown)."""

    def run() -> int:
        from d2k.core import convert_text

        text, name = _read_input(file)
        options = _options(convert, convert.part_of or _default_part_of(name))
        result = convert_text(text, name, options=options)
        return _finish(result, [name], convert, options.k8s_version)

    _guard(run, convert.debug)


@conversion_command("from-running")
def from_running(
    names: Annotated[list[str] | None, typer.Argument(help="containers to read (default: all running)")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="include stopped containers")] = False,
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", "-f", help="KEY=VALUE, as docker ps --filter")
    ] = None,
    project: Annotated[str, typer.Option("--project", help="only this compose project")] = "",
    *,
    convert: Convert,
) -> None:
    """Convert the containers of the Docker engine named by DOCKER_HOST (read-only)."""

    def run() -> int:
        from d2k.core import convert_graph
        from d2k.model import Graph
        from d2k.parsers.engine import read_engine
        from d2k.report import Report

        filters: dict[str, list[str]] = {}
        for item in filter_ or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise InputError(f"--filter {item}: give KEY=VALUE, e.g. --filter label=app=web")
            filters.setdefault(key, []).append(value)
        progress = _progress_bar() if sys.stderr.isatty() and not convert.quiet else None
        found = read_engine(names or None, all=all_, filters=filters or None, project=project or None,
                            progress=progress)
        graph = Graph(containers={c.name: c for c in found.containers}, networks=found.networks,
                      volumes=found.volumes)
        rep = Report()
        rep.extend(found.diagnostics)
        options = _options(convert, convert.part_of or project or "")
        result = convert_graph(graph, report=rep, options=options)
        return _finish(result, ["engine"], convert, options.k8s_version)

    _guard(run, convert.debug)


@app.command("validate")
def validate(
    file: Annotated[str, typer.Argument(help="manifests, YAML or JSON; - for stdin")],
    k8s_version: VersionOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Check manifests against the Kubernetes schemas and the API server's own rules."""

    def run() -> int:
        from d2k.validate import DEFAULT_K8S_VERSION, load_manifests, validate_objects

        objects: list[dict[str, Any]] = []
        for text, path in _manifest_inputs(file):
            objects.extend(load_manifests(text, path))
        name = "<stdin>" if file == "-" else file
        problems = validate_objects(objects, k8s_version or DEFAULT_K8S_VERSION)
        for problem in problems:
            typer.echo(f"{name}: {problem.render()}", err=True)
        typer.echo(f"{name}: {len(problems)} problem(s)", err=True)
        return 1 if problems else 0

    _guard(run, debug)


@app.command("flags")
def flags() -> None:
    """Print what becomes of every docker run flag (the reference, generated from d2k's table)."""
    from d2k.docs import flags_reference

    typer.echo(flags_reference(), nl=False)


def _options(convert: Convert, part_of: str) -> Any:
    from d2k.core import Options
    from d2k.names import dns1123_label, is_dns1123_label
    from d2k.quantity import parse_quantity

    namespace = convert.namespace
    if namespace and not is_dns1123_label(namespace):
        raise InputError(f"--namespace {namespace}: not a valid namespace name (lower-case letters, digits, -)")
    try:
        parse_quantity(convert.storage_size)
    except ValueError as err:
        raise InputError(f"--storage-size: {err}") from None
    return Options(
        workload=convert.workload.value,
        expose_type=convert.expose_type.value,
        namespace=namespace,
        part_of=dns1123_label(part_of, "d2k") if part_of else "",
        storage_size=convert.storage_size,
        k8s_version=_k8s_version(convert.k8s_version),
        port_overrides=_port_overrides(convert.port or []),
    )


def _k8s_version(value: str) -> str:
    from d2k.validate import DEFAULT_K8S_VERSION, supported_versions

    if not value:
        return DEFAULT_K8S_VERSION
    versions = supported_versions()
    if value.removeprefix("v") not in versions:
        raise InputError(f"--k8s-version {value}: give one of {versions[0]} to {versions[-1]}")
    return value.removeprefix("v")


def _port_overrides(items: list[str]) -> dict[str, list[int]]:
    overrides: dict[str, list[int]] = {}
    for item in items:
        name, sep, ports = item.partition("=")
        try:
            numbers = [int(p) for p in ports.split(",")] if sep and name else []
        except ValueError:
            numbers = []
        if not numbers or any(not 0 < n < 65536 for n in numbers):
            raise InputError(f"--port {item}: give NAME=PORT, e.g. --port db=5432")
        overrides.setdefault(name, []).extend(numbers)
    return overrides


def _manifest_inputs(file: str) -> list[tuple[str, str]]:
    """A folder (what --out writes) is read file by file: its visible *.yaml, *.yml and *.json, by name."""
    folder = Path(file)
    if file == "-" or not folder.is_dir():
        return [_read_input(file)]
    paths = sorted(p for p in folder.iterdir()
                   if p.suffix in (".yaml", ".yml", ".json") and not p.name.startswith(".") and p.is_file())
    if not paths:
        raise InputError("no .yaml, .yml or .json file in this folder", file)
    return [_read_input(str(p)) for p in paths]


def _default_part_of(name: str) -> str:
    return "" if name == "<stdin>" else Path(name).stem


def _read_input(file: str) -> tuple[str, str]:
    """The input as text; not-UTF-8 and binary input are refused with the line they start on."""
    name = "<stdin>" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder: give a file", name) from None
    except OSError as err:
        raise InputError(f"cannot read it: {err.strerror or err}", name) from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise InputError("binary data (a NUL byte): give a text file of docker commands", name, line)
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[err.start]:02x}): save the file as UTF-8", name, line) from None


def _finish(result: Any, inputs: list[str], convert: Convert, k8s_version: str) -> int:
    from d2k.emitters import output as render
    from d2k.emitters.report import anything_not_carried, render_reach, render_text, to_json

    output, out, report_file = convert.output, convert.out, convert.report
    _check_output(result.objects, k8s_version)
    if out is not None:
        if output is Output.json:
            files = {"list.json": render.to_json(result.objects)}
        else:
            files = render.to_files(result.objects)
        write_folder(out, files, force=convert.force)
    else:
        if output is Output.json:
            sys.stdout.write(render.to_json(result.objects))
        else:
            render.write_yaml(result.objects, sys.stdout.write)
        sys.stdout.flush()
    if report_file is not None:
        write_file(report_file, to_json(result.report, result.graph, result.objects, inputs))
    if not convert.quiet:
        sys.stderr.write(render_text(result.report, result.graph, result.objects))
        sys.stderr.write(render_reach(result.objects))
    return 1 if convert.strict and anything_not_carried(result.report, result.graph) else 0


def _check_output(objects: list[dict[str, Any]], k8s_version: str) -> None:
    """d2k checks its own output as the API server would: a failure is d2k's bug, not the user's."""
    from d2k.validate import validate_objects

    problems = validate_objects(objects, k8s_version)
    if problems:
        raise InternalError("d2k produced an invalid object: " + problems[0].render())


def write_file(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.d2k-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write it: {err.strerror or err}", str(path)) from None


def write_folder(out: Path, files: dict[str, str], *, force: bool) -> None:
    """Fill a hidden staging folder beside `out`, then swap it into place: the old folder or the new, never a mix.

    Staging folders are named `.OUT.XXXXXXXX.d2k-new` (and `.d2k-old` for the folder being replaced).
    A run killed half-way may leave one behind; the next run on the same --out puts a moved-aside
    old folder back (when OUT is missing) and deletes the rest. Runs on one --out must not overlap.
    """
    out = Path(os.path.abspath(out))
    try:
        _clear_leftovers(out)
        if out.exists() and not force:
            raise InputError("exists already: add --force to replace it", str(out))
        if out.exists() and not out.is_dir():
            raise InputError("exists and is not a folder", str(out))
        out.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(out, files)
    except OSError as err:
        raise InputError(f"cannot write it: {err.strerror or err}", str(out)) from None


def _staging_names(out: Path) -> Any:
    import re

    return re.compile(rf"\.{re.escape(out.name)}\.[a-z0-9_]{{8}}\.d2k-(?:new|old)")


def _clear_leftovers(out: Path) -> None:
    """Undo what a killed run left beside `out` (see write_folder)."""
    import shutil

    if not out.parent.is_dir():
        return
    pattern = _staging_names(out)
    for path in sorted(out.parent.iterdir()):
        if not pattern.fullmatch(path.name):
            continue
        if path.name.endswith(".d2k-old") and not out.exists():
            os.replace(path, out)  # killed between moving the old folder aside and moving the new one in
        else:
            shutil.rmtree(path, ignore_errors=True)


def _swap_in(out: Path, files: dict[str, str]) -> None:
    import shutil
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".d2k-new", dir=out.parent))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        if not out.exists():
            os.replace(staging, out)
        elif _exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)  # it holds the old folder now
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".d2k-old", dir=out.parent))
            os.replace(out, old)  # rename(2) may replace an empty folder
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def _progress_bar() -> Any:
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rreading containers [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _guard(run: Any, debug: bool) -> NoReturn:
    """Every failure is one line on stderr and an exit code; a traceback only with --debug."""
    try:
        code = run()
    except InputError as err:
        _fail(f"d2k: {err}", 2)
    except EngineError as err:
        _fail(f"d2k: {err}", 2)
    except InternalError as err:
        _traceback(debug)
        _fail(f"d2k: internal error: {err}; please report it (run with --debug for details)", 3)
    except KeyboardInterrupt:
        _fail("d2k: interrupted", 130)
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, then exit 3
        _traceback(debug)
        _fail(f"d2k: internal error ({type(err).__name__}): please report it; run with --debug for the traceback", 3)
    raise typer.Exit(code)


def _traceback(debug: bool) -> None:
    """With --debug, the traceback of the error being handled; the exit code stays 3."""
    if debug:
        import traceback

        traceback.print_exc(file=sys.stderr)


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(message + "\n")
    raise typer.Exit(code)


def main() -> None:
    """The `d2k` command. The cyclic garbage collector is paused: a run builds one large, acyclic graph
    and exits, so collections would only rescan it (a fifth of a 10,000-line conversion); reference
    counting still frees everything as usual."""
    import gc

    gc.disable()
    app()
