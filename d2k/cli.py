"""The command line: options in, call the core, write files, print the report, derive the exit code.

Exit codes: 0 converted; 1 with --strict when the output is not deployable as is (something not
carried over, or a placeholder to fill: d2k.report.PLACEHOLDERS); 2 bad input, an output path d2k
must not or cannot write, or an unreachable engine (nothing written); 3 a bug in d2k (its own
output failed validation, or a crash); 130/143 interrupted (SIGINT/SIGTERM); 141 stdout closed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from d2k import __version__
from d2k.cli_group import LazyTyper
from d2k.errors import EngineError, InputError, InternalError
from d2k.records import dataclass

# `\b` keeps click from re-wrapping the example lines into one paragraph
EXAMPLES = """
\b
Examples:
  d2k from-commands samples/voting-app.md            # the seed's table -> manifests on stdout
  d2k from-commands run.sh --out k8s/ --report r.json
  d2k from-commands cmds.txt | kubectl apply -f -
  d2k from-running --all -o json                     # containers of the engine in DOCKER_HOST
  d2k from-compose -f compose.yaml --out k8s/        # a Compose project, loaded by Compose
  d2k validate k8s/                                   # check any manifests like the API server
  d2k graph samples/voting-app.md --format svg --out app.svg   # draw the service graph
"""

class _App(LazyTyper):
    """typer (building only the command invoked, d2k.cli_group), plus options whose value is optional
    (`--network-policies` alone means `=graph`).

    click would take the next word as the value (`--network-policies FILE` would eat FILE), so a
    bare option is rewritten to its default value before parsing; `=VALUE` is the only other form.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = list(args[0]) if args else list(kwargs.pop("args", None) or sys.argv[1:])
        return super().__call__(_optional_values(argv), *args[1:], **kwargs)


# option -> the value it takes when written bare
OPTIONAL_VALUES = {"--network-policies": "graph"}


def _optional_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(argv):
        if word == "--":
            return out + argv[i:]
        out.append(f"{word}={OPTIONAL_VALUES[word]}" if word in OPTIONAL_VALUES else word)
    return out


app = _App(
    add_completion=True,  # --install-completion / --show-completion, typer's
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
    ClusterIP = "ClusterIP"


class AccessMode(StrEnum):
    ReadWriteOnce = "ReadWriteOnce"
    ReadWriteMany = "ReadWriteMany"
    ReadWriteOncePod = "ReadWriteOncePod"


class NetworkPolicies(StrEnum):
    off = "off"
    graph = "graph"
    egress = "egress"
    network = "network"


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


OutputOpt = Annotated[Output, typer.Option(
    "--output", "-o", case_sensitive=False, help="yaml (multi-document) or json (a v1 List)")]
OutDirOpt = Annotated[Path | None, typer.Option(
    "--out", help="write one file per object into this folder (d2k owns only the files it wrote there)")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="replace the files an earlier d2k run wrote in --out, --kustomize or --helm (never other files)")]
KustomizeOpt = Annotated[
    Path | None, typer.Option("--kustomize", help="write a Kustomize base/ and overlays/dev, overlays/prod here")
]
HelmOpt = Annotated[
    Path | None,
    typer.Option("--helm", help="write a Helm chart here (credentials go to secret-values.yaml beside it)"),
]
NamespaceOpt = Annotated[str, typer.Option("--namespace", "-n", help="namespace of every object (and emit it)")]
WorkloadOpt = Annotated[Workload, typer.Option(
    "--workload", case_sensitive=False, help="auto (a Deployment per service, a Job per run-once container), "
    "or every one a deployment, a job, or a bare pod (restartPolicy from --restart)")]
ExposeOpt = Annotated[ExposeType, typer.Option(
    "--expose-type", case_sensitive=False, help="Service type for ports published with -p (ClusterIP: behind --ingress)")]
StorageOpt = Annotated[str, typer.Option("--storage-size", help="size requested by each PersistentVolumeClaim")]
AccessOpt = Annotated[
    AccessMode, typer.Option("--access-mode", help="of each claim: ReadWriteMany lets Pods on many nodes share it")
]
PortOpt = Annotated[
    list[str] | None, typer.Option("--port", help="NAME=PORT[,PORT]: ports of a container others reach")
]
VarOpt = Annotated[
    list[str] | None, typer.Option("--var", help="NAME=VALUE: a variable the input uses but never sets")
]
ReportOpt = Annotated[Path | None, typer.Option(
    "--report", help="also write the report as JSON to this file (checked before anything is written)")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="exit 1 unless deployable as is: nothing left out, no placeholder to fill")]
VersionOpt = Annotated[str, typer.Option("--k8s-version", help="target Kubernetes version (1.25 to 1.37)")]
PartOfOpt = Annotated[str, typer.Option("--part-of", help="app.kubernetes.io/part-of label (default: input name)")]
NetpolOpt = Annotated[NetworkPolicies, typer.Option(
    "--network-policies", show_default=False,
    help="NetworkPolicies from the service graph: --network-policies (ingress, from who calls whom), "
         "=egress (both directions, plus DNS), =network (Docker's rule: a network's members reach each other)")]
IngressOpt = Annotated[str, typer.Option("--ingress", help="HOST: an Ingress routing NAME.HOST to each HTTP Service")]
IngressClassOpt = Annotated[str, typer.Option("--ingress-class", help="ingressClassName of the Ingress")]
TlsSecretOpt = Annotated[str, typer.Option("--tls-secret", help="TLS Secret for the Ingress hosts")]
HttpOpt = Annotated[list[str] | None, typer.Option("--http", help="NAME: route this container through the Ingress")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print no report on stderr")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="show the traceback of an internal error")]
LivenessOpt = Annotated[bool, typer.Option(
    "--liveness-from-healthcheck", help="also restart a container whose healthcheck fails (Docker never does)")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"d2k {__version__}")
        raise typer.Exit()


DEFAULT_STORAGE_SIZE = "1Gi"


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
    kustomize: Path | None = None
    helm: Path | None = None
    namespace: str = ""
    workload: Workload = Workload.auto
    expose_type: ExposeType = ExposeType.NodePort
    storage_size: str = DEFAULT_STORAGE_SIZE
    access_mode: AccessMode = AccessMode.ReadWriteOnce
    port: list[str] | None = None
    var: list[str] | None = None
    report: Path | None = None
    strict: bool = False
    k8s_version: str = ""
    part_of: str = ""
    network_policies: NetworkPolicies = NetworkPolicies.off
    ingress: str = ""
    ingress_class: str = ""
    tls_secret: str = ""
    http: list[str] | None = None
    quiet: bool = False
    debug: bool = False
    liveness_from_healthcheck: bool = False


# One row per shared option: (parameter name, its typer annotation). Adding an option to every
# conversion command is a field of Convert plus one row here.
CONVERT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("output", OutputOpt),
    ("out", OutDirOpt),
    ("force", ForceOpt),
    ("kustomize", KustomizeOpt),
    ("helm", HelmOpt),
    ("namespace", NamespaceOpt),
    ("workload", WorkloadOpt),
    ("expose_type", ExposeOpt),
    ("storage_size", StorageOpt),
    ("access_mode", AccessOpt),
    ("port", PortOpt),
    ("var", VarOpt),
    ("report", ReportOpt),
    ("strict", StrictOpt),
    ("k8s_version", VersionOpt),
    ("part_of", PartOfOpt),
    ("network_policies", NetpolOpt),
    ("ingress", IngressOpt),
    ("ingress_class", IngressClassOpt),
    ("tls_secret", TlsSecretOpt),
    ("http", HttpOpt),
    ("quiet", QuietOpt),
    ("debug", DebugOpt),
    ("liveness_from_healthcheck", LivenessOpt),
)


def conversion_command(name: str) -> Any:
    """Register a conversion command: its own parameters, then the shared ones packed into `convert: Convert`.

    typer reads a command's parameters from its signature; the wrapper's signature is the command's
    own parameters plus one per CONVERT_OPTIONS row, so each shared option is declared once. The
    wrapper is made when the command is built (d2k.cli_group), not at every start.
    """

    def register(func: Any) -> Any:
        app.command_later(name, lambda: _with_shared_options(func), epilog=EXAMPLES)
        return func

    return register


def _with_shared_options(func: Any) -> Any:
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
    return command


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
        settler = _settler(convert, options.k8s_version)
        return _finish(convert_text(text, name, options=options, settle=settler), [name], convert, settler)

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

        if convert.var:
            raise InputError("--var gives variables to a script: it applies to from-commands, not from-running")
        graph, rep = _engine_graph(names, all_, filter_, project, quiet=convert.quiet)
        options = _options(convert, convert.part_of or project or "")
        settler = _settler(convert, options.k8s_version)
        return _finish(convert_graph(graph, report=rep, options=options, settle=settler), ["engine"], convert,
                       settler, read=[])

    _guard(run, convert.debug)


@conversion_command("from-compose")
def from_compose(
    directory: Annotated[str, typer.Argument(help="the project folder (default: the current one)")] = "",
    file: Annotated[list[str] | None, typer.Option("--file", "-f", help="compose file(s), in override order")] = None,
    profile: Annotated[list[str] | None, typer.Option("--profile", help="activate a Compose profile")] = None,
    env_file: Annotated[str, typer.Option("--env-file", help="the .env file Compose interpolates from")] = "",
    project_name: Annotated[str, typer.Option("--project-name", "-p", help="the Compose project name")] = "",
    *,
    convert: Convert,
) -> None:
    """Convert a Compose project, loaded by Docker Compose itself (interpolation, extends, include, profiles)."""

    def run() -> int:
        from d2k.parsers.compose_loader import Request, start

        if convert.var:
            raise InputError("--var gives variables to a script: Compose reads them from the environment, "
                             "a .env file or --env-file")
        # Compose runs while the rest of d2k is imported and the YAML sources are read
        loading = start(Request(tuple(file or ()), tuple(profile or ()), env_file, project_name, directory))
        try:
            from d2k.core import convert_compose

            options = _options(convert, convert.part_of or project_name)
            settler = _settler(convert, options.k8s_version)
        except BaseException:
            loading.cancel()
            raise
        return _finish(convert_compose(loading, options=options, settle=settler), None, convert, settler)

    _guard(run, convert.debug)


def _engine_graph(
    names: list[str] | None, all_: bool, filter_: list[str] | None, project: str, *, quiet: bool
) -> tuple[Any, Any]:
    """The containers of the engine in DOCKER_HOST as a graph, and the report of reading them."""
    from d2k.model import Graph
    from d2k.parsers.engine import read_engine
    from d2k.report import Report

    filters: dict[str, list[str]] = {}
    for item in filter_ or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--filter {item}: give KEY=VALUE, e.g. --filter label=app=web")
        filters.setdefault(key, []).append(value)
    progress = _progress_bar() if sys.stderr.isatty() and not quiet else None
    try:
        found = read_engine(names or None, all=all_, filters=filters or None, project=project or None,
                            progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\n")  # the bar's line ends
    graph = Graph(containers={c.name: c for c in found.containers}, networks=found.networks, volumes=found.volumes)
    rep = Report()
    rep.extend(found.diagnostics)
    return graph, rep


@app.command("graph")
def graph(
    file: Annotated[str | None, typer.Argument(help="docker run lines (as from-commands); - for stdin")] = None,
    running: Annotated[bool, typer.Option("--running", help="draw the containers of the Docker engine")] = False,
    all_: Annotated[bool, typer.Option("--all", "-a", help="with --running: include stopped containers")] = False,
    project: Annotated[str, typer.Option("--project", help="with --running: only this compose project")] = "",
    format_: Annotated[GraphFormat, typer.Option("--format", help="mermaid, dot, or svg/png (Graphviz)")] = (
        GraphFormat.mermaid),
    out: Annotated[Path | None, typer.Option("--out", help="write the picture to this file")] = None,
    port: PortOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Draw the service graph: containers, Services, who calls whom and why, the entry points."""

    def run() -> int:
        from d2k.core import Options, convert_graph, convert_text
        from d2k.emitters.graph import draw

        options = Options(port_overrides=_port_overrides(port or []))
        if running == (file is not None):
            raise InputError("give a FILE of docker run lines, or --running for the engine's containers")
        if file is not None:
            text, name = _read_input(file)
            result, title = convert_text(text, name, options=options), _default_part_of(name)
        else:
            engine_graph, rep = _engine_graph(None, all_, None, project, quiet=True)
            result, title = convert_graph(engine_graph, report=rep, options=options), project
        data = draw(result.graph, result.objects, format_.value, title)
        if out is not None:
            try:
                out.write_bytes(data)
            except OSError as err:
                raise InputError(f"cannot write it: {err.strerror or err}", str(out)) from None
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return 0

    _guard(run, debug)


@app.command("validate")
def validate(
    file: Annotated[str, typer.Argument(help="manifests (YAML or JSON), a folder of them, or - for stdin")],
    recursive: Annotated[bool, typer.Option("--recursive", "-R", help="read the folder's subfolders too")] = False,
    k8s_version: VersionOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Check manifests against the Kubernetes schemas and the API server's own rules."""

    def run() -> int:
        from d2k.emitters.report import counted
        from d2k.manifests import locate, read_manifests
        from d2k.validate import validate_objects

        read = read_manifests(file, recursive=recursive)
        problems = validate_objects([item.obj for item in read.objects], _k8s_version(k8s_version))
        where = locate(read.objects)
        for note in read.notes:
            typer.echo(f"d2k: {note}", err=True)
        for problem in problems:
            found = where.get((problem.kind, problem.name))
            typer.echo(f"{found.where() + ': ' if found else ''}{problem.render()}", err=True)
        typer.echo(f"d2k: {counted(len(read.objects), 'object')} checked in {counted(read.files, 'file')}: "
                   f"{counted(len(problems), 'problem')}", err=True)
        return 1 if problems else 0

    _guard(run, debug)


@app.command("flags")
def flags() -> None:
    """Print what becomes of every docker run flag (the reference, generated from d2k's table)."""
    from d2k.docs import flags_reference

    typer.echo(flags_reference(), nl=False)


@app.command("compose-keys")
def compose_keys() -> None:
    """Print what becomes of every Compose service key (the reference, generated from d2k's table)."""
    from d2k.docs import compose_reference

    typer.echo(compose_reference(), nl=False)


def _options(convert: Convert, part_of: str) -> Any:
    from d2k.core import Options
    from d2k.names import dns1123_label, is_dns1123_label, is_label_value

    namespace = convert.namespace
    if namespace and not is_dns1123_label(namespace):
        raise InputError(f"--namespace {namespace}: not a valid namespace name (lower-case letters, digits, -)")
    _check_storage_size(convert.storage_size)
    if convert.part_of and not is_label_value(convert.part_of):
        raise InputError(f"--part-of {convert.part_of}: not a valid label value (up to 63 letters, digits, "
                         "-, _ and ., starting and ending with a letter or digit)")
    ingress = None
    if convert.ingress or convert.ingress_class or convert.tls_secret or convert.http:
        from d2k.emitters.ingress import IngressOptions, check_options

        ingress = IngressOptions(convert.ingress, convert.ingress_class, convert.tls_secret, tuple(convert.http or ()))
        check_options(ingress)
    k8s_version = _k8s_version(convert.k8s_version)
    if convert.access_mode is AccessMode.ReadWriteOncePod and tuple(map(int, k8s_version.split("."))) < (1, 27):
        raise InputError(f"--access-mode ReadWriteOncePod needs Kubernetes 1.27 or later (--k8s-version {k8s_version})")
    return Options(
        workload=convert.workload.value,
        expose_type=convert.expose_type.value,
        namespace=namespace,
        part_of=convert.part_of or (dns1123_label(part_of, "d2k") if part_of else ""),
        storage_size=convert.storage_size,
        access_mode=convert.access_mode.value,
        k8s_version=k8s_version,
        port_overrides=_port_overrides(convert.port or []),
        network_policies="" if convert.network_policies is NetworkPolicies.off else convert.network_policies.value,
        ingress=ingress,
        liveness_from_healthcheck=convert.liveness_from_healthcheck,
        variables=_variables(convert.var or []),
    )


def _variables(items: list[str]) -> dict[str, str]:
    """--var NAME=VALUE, repeatable; the last one given for a name wins. Values are never echoed."""
    variables: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"--var {name if sep else item}: give NAME=VALUE, e.g. --var TAG=1.2")
        variables[name] = value
    return variables


def _check_storage_size(size: str) -> None:
    if size == DEFAULT_STORAGE_SIZE:
        return  # valid; reading it would import fractions and decimal (~1.5 ms) for nothing
    from d2k.quantity import parse_quantity

    try:
        value = parse_quantity(size)
    except ValueError as err:
        raise InputError(f"--storage-size {size}: {err}") from None
    if size.isdigit():
        raise InputError(f"--storage-size {size}: {size} bytes? write {size}Gi (or {size}Mi)")
    if value <= 0:
        raise InputError(f"--storage-size {size}: give a size above 0, e.g. 1Gi")


def _k8s_version(value: str) -> str:
    """`1.30`, `v1.30` and a patch release `1.30.2` all mean 1.30."""
    import re

    from d2k.validate import DEFAULT_K8S_VERSION, supported_versions

    if not value:
        return DEFAULT_K8S_VERSION
    versions = supported_versions()
    match = re.fullmatch(r"v?(\d+\.\d+)(?:\.\d+)?", value)
    if not match or match.group(1) not in versions:
        raise InputError(f"--k8s-version {value}: give one of {versions[0]} to {versions[-1]} (e.g. 1.30)")
    return match.group(1)


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


def _settler(convert: Convert, k8s_version: str) -> Any:
    """Each object is checked as it is made; its YAML is written then and only what is still read of it kept,
    unless an output needs the whole objects (JSON, Kustomize, Helm)."""
    from d2k.settle import Settler

    whole = convert.output is Output.json or convert.kustomize is not None or convert.helm is not None
    return Settler(k8s_version, text=not whole)


def _finish(result: Any, inputs: list[str] | None, convert: Convert, settler: Any, *,
            read: list[str] | None = None) -> int:
    """Validate, check every planned output, write them, then stdout: a failed run writes nothing.

    `inputs` name the inputs in the report (None: the result's own); `read` the files read (default:
    `inputs`), never written over. What reads the model (graph, report) is worked out first and the model
    let go: validation and writing then never hold it beside the objects (callers pass the result on
    without keeping it: at 100,000 lines the model is ~450 MB)."""
    from d2k.emitters import output as render
    from d2k.emitters.report import render_reach, render_text, strict_failures, to_json

    inputs = list(result.inputs) if inputs is None else inputs
    objects = result.objects
    told = "" if convert.quiet else render_text(result.report, result.graph, objects) + render_reach(objects)
    failures = strict_failures(result.report, result.graph) if convert.strict else []
    report = to_json(result.report, result.graph, objects, inputs) if convert.report is not None else ""
    del result
    outputs = _planned_outputs(objects, report, inputs if read is None else read, convert)
    outputs.check()  # a refused output path ends the run before anything else happens (the schema cache included)
    _check_output(settler)
    notes = outputs.write()
    if convert.out is None and convert.kustomize is None and convert.helm is None:
        if convert.output is Output.json:
            sys.stdout.write(render.to_json(objects))
        else:
            render.write_yaml(objects, sys.stdout.write)
        sys.stdout.flush()
    sys.stderr.write(told)
    for note in notes:
        sys.stderr.write(f"d2k: {note}\n")
    if failures:
        sys.stderr.write(f"d2k: --strict: not deployable as is: {'; '.join(failures)}\n")
    return 1 if failures else 0


def _planned_outputs(objects: list[dict[str, Any]], report: str, read: list[str], convert: Convert) -> Any:
    """Every file output of the run, one entry per option (a new output option adds its entry here);
    `report` is the --report text."""
    from d2k.emitters import output as render
    from d2k.writer import Outputs, check_file, plan_folder, write_file, write_folder

    outputs = Outputs()
    if convert.out is not None:
        from d2k.emitters.kustomize import with_kustomization

        out = convert.out
        files = with_kustomization({"list.json": render.to_json(objects)} if convert.output is Output.json
                                   else render.to_files(objects))
        private = render.secret_files(objects, {k: v for k, v in files.items() if k != "kustomization.yaml"})
        outputs.add(lambda: plan_folder(out, files, force=convert.force, inputs=read),
                    lambda: write_folder(out, files, force=convert.force, private=private, inputs=read))
    # settled objects (d2k.settle) keep only their name: Kustomize and Helm, which read the labels, get whole ones
    app = objects[0]["metadata"].get("labels", {}).get("app.kubernetes.io/part-of", "") if objects else ""
    if convert.kustomize is not None:
        from d2k.emitters.kustomize import kustomize_tree

        kustomize = convert.kustomize
        plain = render.to_files(objects)
        tree = kustomize_tree(objects, plain, app=app or "app")
        tree_private = {f"base/{name}" for name in render.secret_files(objects, plain)}
        outputs.add(lambda: plan_folder(kustomize, tree, force=convert.force, inputs=read),
                    lambda: write_folder(kustomize, tree, force=convert.force, private=tree_private, inputs=read))
    if convert.helm is not None:
        from d2k.emitters.helm import chart

        folder, secrets = _helm_paths(convert.helm)
        chart_files, secret_values = chart(objects, name=folder.name, app=app)

        def check_secret_values() -> None:
            check_file(secrets, inputs=read)
            if secrets.exists() and not convert.force:
                raise InputError("exists already: add --force to replace it", str(secrets))

        def write_secret_values() -> list[str]:
            write_file(secrets, secret_values, private=True)
            return [] if convert.quiet else [
                f"chart in {convert.helm}; credentials in {secrets} (mode 0600, keep it out of version control): "
                f"helm install NAME {convert.helm} -f {secrets}"]

        outputs.add(lambda: plan_folder(folder, chart_files, force=convert.force, inputs=read),
                    lambda: write_folder(folder, chart_files, force=convert.force, inputs=read))
        outputs.add(check_secret_values, write_secret_values)
    if convert.report is not None:
        report_file = convert.report

        def write_report() -> list[str]:
            write_file(report_file, report)
            return []

        outputs.add(lambda: check_file(report_file, inputs=read), write_report)
    return outputs


def _helm_paths(helm: Path) -> tuple[Path, Path]:
    """The chart folder and its secret-values.yaml, beside it (outside the chart, so never packaged)."""
    from d2k.emitters.helm import SECRET_VALUES

    folder = Path(os.path.abspath(helm))
    return folder, folder.parent / SECRET_VALUES


def _check_output(settler: Any) -> None:
    """d2k checks its own output as the API server would: a failure is d2k's bug, not the user's."""
    problems = settler.check()
    if problems:
        raise InternalError("d2k produced an invalid object: " + problems[0].render())


def write_file(path: Path, text: str, *, private: bool = False) -> None:
    """d2k.writer.write_file, kept here for callers of the CLI module."""
    from d2k.writer import write_file as write

    write(path, text, private=private)


def write_folder(out: Path, files: dict[str, str], *, force: bool, private: Any = (), inputs: Any = ()) -> list[str]:
    """d2k.writer.write_folder (the one safe folder writer), kept here for callers of the CLI module."""
    from d2k.writer import write_folder as write

    return write(out, files, force=force, private=private, inputs=inputs)


def _progress_bar() -> Any:
    """`reading 40/100 containers, 1/2 images` on one line of a terminal's stderr."""
    counts: dict[str, tuple[int, int]] = {}

    def show(kind: str, done: int, total: int) -> None:
        counts[kind] = (done, total)
        parts = ", ".join(f"{d}/{t} {k}" for k, (d, t) in counts.items())
        sys.stderr.write(f"\rreading {parts}")
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
        _interrupted[0] = True
        _fail("d2k: interrupted", 128 + _signal_received[0])
    except BrokenPipeError:
        _closed_stdout()
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, then exit 3
        _traceback(debug)
        _fail(f"d2k: internal error ({type(err).__name__}): please report it; run with --debug for the traceback", 3)
    raise typer.Exit(code)


_signal_received = [int(signal.SIGINT)]  # the signal that interrupted the run: exit 128 + it


_signalled = [False]  # a signal arrived
_interrupted = [False]  # and a command's guard said so


def _interrupt(signum: int, _frame: Any) -> None:
    """SIGTERM ends a run as Ctrl-C does: staging folders removed, one line, exit 128 + the signal."""
    _signal_received[0] = signum
    _signalled[0] = True
    raise KeyboardInterrupt


def _closed_stdout() -> NoReturn:
    """The reader went away (`| head`): stop quietly with the status a SIGPIPE death gives (141)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush of stdout must not fail again
    raise typer.Exit(128 + signal.SIGPIPE)


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
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app()
        return
    except KeyboardInterrupt:  # before a command's guard runs (typer builds the command line first)
        sys.stderr.write("d2k: interrupted\n")
        code = 128 + _signal_received[0]
    except SystemExit as done:
        if not _signalled[0]:
            from d2k.ending import leave

            leave(done.code)  # ends the process at once where it can
            raise
        if not _interrupted[0]:  # typer turned it into a silent exit 130 while it parsed the command line
            sys.stderr.write("d2k: interrupted\n")
        code = 128 + _signal_received[0]
    # A KeyboardInterrupt that passed through exec() (d2k.records compiles methods so, at first use) marks
    # the interpreter to end itself by SIGINT at exit, whatever status d2k returns: after a signal, leave
    # with d2k's own status (its files are closed and its staging folders removed by then).
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
