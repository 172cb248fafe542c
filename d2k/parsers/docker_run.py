"""A docker command's words -> the service graph, reading options exactly as Docker's CLI does.

Docker's CLI (cobra + pflag) stops reading options at the first positional word: that
word is the IMAGE and everything after it is the container's command, even words that
look like flags. Long flags take `--f=v` or `--f v` (a non-bool long flag always takes the
next word); short flags take `-pV`, `-p=V` or `-p V`, and bool shorthands cluster (`-dit`).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import NoReturn

from d2k.errors import HelpRequested, InputError
from d2k.model import Container, FlagUse, Graph, Network, NetworkAttachment, Origin
from d2k.parsers.flags import FLAGS, TABLE, Flag, FlagContext, settle
from d2k.parsers.storage import copy_into, resolve_binds, volume_from_create
from d2k.parsers.text import Command, Word, extract
from d2k.patterns import lazy
from d2k.records import dataclass, field, replace
from d2k.report import Diagnostic, Report, Severity
from d2k.secrets import redact_assignment, redact_url

# Docker's global options that may stand between `docker` and `run`, and whether they take a value.
_GLOBAL_OPTIONS = {
    "-H": True, "--host": True, "--context": True, "-c": True, "--config": True, "-l": True,
    "--log-level": True, "--tlscacert": True, "--tlscert": True, "--tlskey": True,
    "-D": False, "--debug": False, "--tls": False, "--tlsverify": False,
}  # fmt: skip
# Global options that make docker print something and run no command: the line is skipped.
_GLOBAL_ONLY = frozenset({"-v", "--version", "-h", "--help"})
# A Docker image reference: [registry[:port]/]path[:tag][@digest]
_REFERENCE = lazy(
    r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?/|\[[0-9a-fA-F:]+\](?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_DERIVED_NAME = lazy(r"[^a-zA-Z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Parsed:
    graph: Graph
    report: Report


_COMPOSE = lazy(r"^services:[ \t]*(?:#.*)?$", re.M)
_DOCKERFILE = lazy(r"(?:[ \t]*(?:#.*)?\n)*[ \t]*(?:FROM|ARG)[ \t]+\S", re.I)


def _not_commands(text: str) -> str:
    """What a file that is not a list of docker commands looks like, and what to run instead ("" if unsure)."""
    if _COMPOSE.search(text) and "docker run" not in text:
        return "this looks like a docker-compose file (it has services:): convert it with d2k from-compose FILE"
    if _DOCKERFILE.match(text) and "docker run" not in text:
        return ("this looks like a Dockerfile (it builds an image, it runs nothing): give the docker run line "
                "that runs the image, or run it and read it back with d2k from-running")
    return ""


def parse_text(text: str, file: str, *, base_dir: str = ".", variables: Mapping[str, str] | None = None,
               folder: str | None = None) -> Parsed:
    """Read every docker command in a text (plain list, shell script or Markdown) into one graph.

    `variables`: --var NAME=VALUE, the environment the script starts in; `folder`: what `$(pwd)` names.
    """
    if hint := _not_commands(text):
        raise InputError(hint, file)
    extraction = extract(text, file, variables=variables, folder=folder)
    report = Report()
    graph = Graph()
    read_file = _file_reader(base_dir)
    spans: list[tuple[int, int, str]] = []  # (first line, last line, container) of each run command
    suffixes: dict[str, int] = {}  # derived name -> next free number (redis, redis-2, redis-3, ...)
    for command in extraction.commands:
        before = len(graph.containers)
        _read_command(command, file, graph, report, read_file, suffixes, base_dir)
        if len(graph.containers) > before:
            resolve_binds(next(reversed(graph.containers.values())), base_dir)
            spans.append((command.words[0].line, command.words[-1].line, next(reversed(graph.containers))))
    if not graph.containers:
        raise InputError("no docker run command found: give a file of docker run lines", file)
    _check_order(graph, file)
    report.diagnostics[:0] = [_attributed(d, spans) for d in extraction.diagnostics]
    return Parsed(graph, report)


def _attributed(d: Diagnostic, spans: list[tuple[int, int, str]]) -> Diagnostic:
    """A shell-level note (an unresolved `$(pwd)`) belongs to the container whose command it is in."""
    if d.container is None and d.origin is not None:
        for first, last, name in spans:
            if first <= d.origin.line <= last:
                return replace(d, container=name)
    return d


def _file_reader(base_dir: str) -> Callable[[str], str | None]:
    """Files named by flags (--env-file) are read relative to the input's folder; missing is not an error."""

    def read(path: str) -> str | None:
        full = path if os.path.isabs(path) else os.path.join(base_dir, path)
        try:
            with open(full, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return None

    return read


def _read_command(
    command: Command,
    file: str,
    graph: Graph,
    report: Report,
    read_file: Callable[[str], str | None],
    suffixes: dict[str, int],
    base_dir: str = ".",
) -> None:
    words = command.words
    i = _skip_global_options(words, 1, file)
    shown = " ".join(w.text for w in (words[0], *words[i : i + 2]))
    verb = [w.text for w in words[i : i + 2]]
    if verb[:1] == ["container"] and len(verb) > 1:
        verb, i = verb[1:], i + 1
    action = verb[0] if verb else ""
    origin = command.origin
    if action in ("run", "create"):
        try:
            container = parse_run(words[i + 1 :], file, origin, read_file, create=action == "create",
                                  environment=command.environment, unexported=command.unexported)
        except HelpRequested:
            report.add("skipped-help", Severity.INFO, "skipped: --help prints usage and creates no container", origin)
            return
        _add_container(graph, container, file, suffixes)
        _report_feeds(command, container, report, action == "create")
    elif verb[:2] in (["network", "connect"], ["network", "disconnect"]):
        _network_connect(words[i + 2 :], verb[1], file, origin, graph, report)
    elif verb[:2] == ["network", "create"]:
        network, _valued = _parse_create(words[i + 2 :], file, origin, "network")
        graph.networks[network] = Network(network, origin=origin)
    elif verb[:2] == ["volume", "create"]:
        volume, valued = _parse_create(words[i + 2 :], file, origin, "volume")
        graph.volumes[volume] = volume_from_create(volume, valued, origin)
    elif action == "cp":
        copy_into(words[i + 1 :], origin, graph, report, base_dir)
    elif action == "exec" and any(feed.stream == "stdin" for feed in command.feeds):
        fed = next(feed for feed in command.feeds if feed.stream == "stdin")
        report.add("exec-input-not-carried", Severity.NOT_CARRIED,
                   f"`{shown}` feeds {fed.text} to a command in a running container (loading data, say): a "
                   "manifest cannot; after deploying run it with `kubectl exec -i <pod> -- <command>` and the "
                   "same input", Origin(origin.file, fed.line))
    else:
        report.add("skipped-command", Severity.INFO, f"skipped: `{shown}` defines no container", origin)


def _check_order(graph: Graph, file: str) -> None:
    """Docker refuses `--link X` and `--volumes-from X` while X does not exist yet ("could not get
    container for X: No such container"): a script that creates X on a later line fails there too."""
    position = {name: i for i, name in enumerate(graph.containers)}
    for i, c in enumerate(graph.containers.values()):
        targets = [(link.target, "--link", link.origin or c.origin) for link in c.links]
        targets += [(name, "--volumes-from", c.origin) for name, _mode in c.volumes_from]
        for target, flag, origin in targets:
            later = position.get(target, -1)
            if later > i:
                line = graph.containers[target].origin.line
                raise InputError(
                    f"{flag} {target}: Docker refuses it, {target} is created later (line {line}) and does not "
                    "exist yet: move this docker run after it",
                    origin.file or file,
                    origin.line,
                )


def _report_feeds(command: Command, c: Container, report: Report, create: bool) -> None:
    """What the shell connected to `docker run`'s input and output: no manifest carries it, so say so.

    Docker forwards the CLI's stdin only with -i; with -d (or docker create) docker prints the container
    ID, not the container's output. A fed stdin means nothing attaches: `stdin: true` is not set, so the
    process reads end-of-input as it did after the here-document, instead of waiting forever.
    """
    fed = False
    attached = c.stdin_open and not c.detach and not create  # the CLI forwards its stdin only then
    for feed in command.feeds:
        where = Origin(command.origin.file, feed.line)
        if feed.stream == "stdin":
            if not attached:
                why = "without -i" if not c.stdin_open else "detached (or only created)"
                report.add("stdin-ignored", Severity.INFO, f"{feed.text} feeds docker's input, but {why} the "
                           "container does not read it: nothing to carry", where, c.name)
                continue
            if feed.text.endswith("/dev/null"):
                fed = True
                report.add("stdin-empty", Severity.INFO, f"{feed.text} gives the container no input: the same "
                           "as Kubernetes without stdin", where, c.name)
                continue
            if c.tty:
                raise InputError(f"the input device is not a TTY: Docker refuses -t when its input is {feed.text}; "
                                 "drop -t (keep -i)", command.origin.file, feed.line)
            fed = True
            report.add("stdin-not-carried", Severity.NOT_CARRIED,
                       f"{feed.text} feeds the container's input: a manifest cannot; after deploying run "
                       f"`{_with_input(feed.text)}`, or bake the input into "
                       "the image or a ConfigMap the command reads; stdin: true is not set (nothing would attach)",
                       where, c.name)
        elif c.detach or create:
            report.add("output-id", Severity.INFO, f"output {feed.text}: docker prints the container ID there, not "
                       "the container's output: nothing to carry", where, c.name)
        elif feed.text.endswith("/dev/null"):
            report.add("output-discarded", Severity.INFO, f"output {feed.text} discards the container's output: "
                       "Kubernetes keeps it in the container log instead", where, c.name)
        else:
            report.add("output-not-carried", Severity.NOT_CARRIED,
                       f"output {feed.text}: the container's output went there; Kubernetes keeps it in the "
                       f"container log: `{_with_output(feed.text, c.name)}` (or -f to follow)",
                       where, c.name)
    if fed:
        c.stdin_open = False  # the process read the input, then end-of-input; stdin: true would leave it waiting


def _with_input(text: str) -> str:
    """The kubectl command that feeds a running Pod the same input (`< seed.sql`, a here-document, a pipe)."""
    exec_ = "kubectl exec -i <pod> -- <command>"
    if text.startswith("a pipe from "):
        return f"{text.removeprefix('a pipe from ')} ... | {exec_}"
    return f"{exec_} {text.split(' (', 1)[0]}"


def _with_output(text: str, name: str) -> str:
    """The kubectl command that sends the container's log where docker sent its output."""
    logs = f"kubectl logs {name}"
    if text.startswith("captured by "):
        return f"OUTPUT=$({logs})"
    return f"{logs} {text}"


# options of `docker network connect` that take a value
_CONNECT_VALUED = frozenset({"--alias", "--ip", "--ip6", "--link", "--link-local-ip", "--driver-opt"})


def _network_connect(words: tuple[Word, ...], verb: str, file: str, origin: Origin, graph: Graph,
                     report: Report) -> None:
    """`docker network connect [--alias A] NET CONTAINER`: the container joins NET, as `--network NET
    --network-alias A` would; `disconnect NET CONTAINER` leaves it. Both change what other containers reach."""
    aliases: list[str] = []
    positional: list[str] = []
    other: list[str] = []
    i = 0
    while i < len(words):
        flag, eq, inline = words[i].text.partition("=")
        if flag in _CONNECT_VALUED:
            value = inline if eq else (words[i + 1].text if i + 1 < len(words) else "")
            (aliases if flag == "--alias" else other).append(value if flag == "--alias" else flag)
            i += 1 if eq else 2
            continue
        if flag.startswith("-") and flag != "-":
            other.append(flag)
        else:
            positional.append(words[i].text)
        i += 1
    if len(positional) != 2:
        raise InputError(f"docker network {verb} needs a network and a container: docker network {verb} NET CONTAINER",
                         file, origin.line)
    network, name = positional
    c = graph.containers.get(name)
    if c is None:
        report.add(f"network-{verb}-not-carried", Severity.NOT_CARRIED,
                   f"docker network {verb} {network} {name}: no container {name} is run before it in the input; "
                   "add --network to its docker run", origin)
        return
    shared = c.network_mode.startswith("container:") or c.network_mode in ("host", "none")
    if shared:
        raise InputError(f"docker network {verb} {network} {name}: Docker refuses it for a container with "
                         f"--network {c.network_mode}: remove one", file, origin.line)
    if verb == "disconnect":
        kept = [n for n in c.networks if n.name != network]
        if len(kept) == len(c.networks):
            report.add("network-disconnect", Severity.INFO, f"docker network disconnect {network} {name}: "
                       f"{name} was not on {network} here: nothing changes", origin, name)
            return
        if c.network_aliases and c.networks and c.networks[0].name == network:
            c.network_aliases.clear()  # --network-alias belonged to the first network: it leaves with it
        c.networks = kept
        report.add("network-disconnect", Severity.APPROXIMATED,
                   f"docker network disconnect {network} {name}: the Services for its names on {network} are not "
                   "emitted; Pods of one namespace still reach each other (a NetworkPolicy would isolate it)",
                   origin, name)
        return
    if any(n.name == network for n in c.networks):
        raise InputError(f"docker network connect {network} {name}: {name} is already on {network} (Docker: "
                         "endpoint already exists): remove one", file, origin.line)
    c.networks.append(NetworkAttachment(network, tuple(aliases), origin))
    named = f" and answers to {', '.join(aliases)} there (a ClusterIP Service)" if aliases else ""
    extra = f"; {', '.join(sorted(set(other)))} not carried (the CNI assigns addresses)" if other else ""
    report.add("network-connect", Severity.APPROXIMATED if other else Severity.INFO,
               f"docker network connect {network} {name}: {name} joins {network}{named}, as --network would{extra}",
               origin, name)


def _skip_global_options(words: tuple[Word, ...], i: int, file: str) -> int:
    while i < len(words) and words[i].text.startswith("-"):
        name = words[i].text.split("=", 1)[0]
        if name in _GLOBAL_ONLY:
            return i  # `docker --version`: read as a command that defines no container
        takes = _GLOBAL_OPTIONS.get(name)
        if takes is None:
            raise InputError(f"unknown docker option {name} before the command: remove it", file, words[i].line)
        i += 2 if takes and "=" not in words[i].text else 1
    return i


# options of `docker network create` / `docker volume create` that take a value
_CREATE_VALUED = frozenset({"-d", "--driver", "--subnet", "--gateway", "--ip-range", "-o", "--opt", "--label",
                            "--scope", "--ipam-driver", "--ipam-opt", "--aux-address", "--config-from", "--name"})


def _parse_create(words: tuple[Word, ...], file: str, origin: Origin, what: str) -> tuple[str, list[tuple[str, str]]]:
    """`docker network create [opts] NAME` / `docker volume create [opts] [NAME]`: the name, and the valued options.

    Option values are taken with their option (`-d bridge` names nothing); `--name NAME` is the old
    volume syntax and names it too.
    """
    positional: list[str] = []
    valued: list[tuple[str, str]] = []
    named = ""
    i = 0
    while i < len(words):
        flag, eq, inline = words[i].text.partition("=")
        if flag in _CREATE_VALUED:
            value = inline if eq else (words[i + 1].text if i + 1 < len(words) else "")
            named = value if flag == "--name" else named
            valued.append((flag, value))
            i += 1 if eq else 2
            continue
        if not flag.startswith("-"):
            positional.append(words[i].text)
        i += 1
    name = positional[-1] if positional else named
    if not name:
        if what == "volume":
            raise InputError("docker volume create without a name makes an anonymous volume: name it", file, origin.line)
        raise InputError(f"docker {what} create needs a name", file, origin.line)
    return name, valued


def _add_container(graph: Graph, container: Container, file: str, suffixes: dict[str, int]) -> None:
    if container.name in graph.containers:
        first = graph.containers[container.name].origin
        if container.name_given:
            raise InputError(
                f"two containers are named {container.name} (first at line {first.line}): rename one",
                file,
                container.origin.line,
            )
        base = container.name
        n = suffixes.get(base, 2)  # the next free number per base: one look, not a scan from 2 each time
        while f"{base}-{n}" in graph.containers:
            n += 1
        suffixes[base] = n + 1
        container.name = f"{base}-{n}"
    graph.containers[container.name] = container


def parse_run(
    words: Iterable[Word],
    file: str,
    origin: Origin,
    read_file: Callable[[str], str | None] = lambda _p: None,
    *,
    create: bool = False,
    environment: Mapping[str, tuple[str, int]] | None = None,
    unexported: frozenset[str] = frozenset(),
) -> Container:
    """The words after `docker run` -> a Container; every flag's fate recorded on it.

    `environment`: what docker's CLI finds in its environment (a bare `-e KEY` takes it from there);
    None where the input cannot tell.
    """
    reader = _RunReader(list(words), file, origin, read_file, create, environment, unexported)
    return reader.read()


@dataclass(slots=True)
class _RunReader:
    """Reads one `docker run`'s words as pflag does: options until the first positional word."""

    seq: list[Word]
    file: str
    origin: Origin
    read_file: Callable[[str], str | None]
    create: bool
    environment: Mapping[str, tuple[str, int]] | None = None
    unexported: frozenset[str] = frozenset()
    container: Container = field(init=False)
    last: dict[str, str] = field(default_factory=dict)  # long name -> the last value given

    def __post_init__(self) -> None:
        self.container = Container(name="", image="", origin=self.origin, name_given=False)

    def read(self) -> Container:
        seq, i = self.seq, 0
        while i < len(seq):
            text = seq[i].text
            if text == "--":
                i += 1
                break
            if text.startswith("--"):
                i = self._long_flag(i)
            elif text.startswith("-") and len(text) > 1:
                i = self._short_flags(i)
            else:
                break
        c = self.container
        if i >= len(seq):
            raise InputError(
                "docker run needs an image: 'docker run' requires at least 1 argument", self.file, self.origin.line
            )
        image = seq[i]
        _check_image(image, self.file)
        c.image = image.text
        c.command = [w.text for w in seq[i + 1 :]] or None
        if not c.name:
            c.name = _derived_name(image.text)
        _check_conflicts(c, self.last, self.file)
        settle(c)
        return c

    def _long_flag(self, i: int) -> int:
        word = self.seq[i]
        name, eq, value = word.text[2:].partition("=")
        flag = TABLE.long.get(name)
        if flag is None:
            import difflib

            close = difflib.get_close_matches(name, TABLE.long, n=1, cutoff=0.75)
            hint = f"did you mean --{close[0]}?" if close else "see `docker run --help` for the flags Docker accepts"
            raise InputError(f"unknown flag: --{name}: {hint}", self.file, word.line)
        written = [word.text]
        if flag.takes_value and not eq:
            if i + 1 >= len(self.seq):
                raise InputError(f"flag needs an argument: --{name}", self.file, word.line)
            i += 1
            value = self.seq[i].text
            written.append(value)
        elif not flag.takes_value and not eq:
            value = "true"
        self._apply(flag, value, written, word, f"--{name}")
        return i + 1

    def _short_flags(self, i: int) -> int:
        """`-dit`, `-p80:80`, `-p=80:80`, `-dp 80:80`: bools cluster, the first valued one takes the rest."""
        word = self.seq[i]
        text = word.text
        for j in range(1, len(text)):
            letter = text[j]
            flag = TABLE.short.get(letter)
            if flag is None:
                raise InputError(
                    f"unknown shorthand flag: '{letter}' in {text}: see `docker run --help`", self.file, word.line
                )
            shown = f"'{letter}' in {text}"
            rest = text[j + 1 :]
            if rest.startswith("="):
                self._apply(flag, rest[1:], [text], word, shown)
                return i + 1
            if not flag.takes_value:
                self._apply(flag, "true", [text], word, shown)
                continue
            if rest:
                self._apply(flag, rest, [text], word, shown)
                return i + 1
            if i + 1 >= len(self.seq):
                raise InputError(f"flag needs an argument: {shown}", self.file, word.line)
            self._apply(flag, self.seq[i + 1].text, [text, self.seq[i + 1].text], word, shown)
            return i + 2
        return i + 1

    def _apply(self, flag: Flag, value: str, written: list[str], word: Word, as_written: str) -> None:
        long = flag.long
        if self.create and flag.run_only:
            what = f"shorthand flag: {as_written}" if as_written.startswith("'") else f"flag: {as_written}"
            raise InputError(
                f"unknown {what}: docker create does not take {long} (docker run only)", self.file, word.line
            )
        origin = Origin(self.file, word.line, _shown(written, value))
        ctx = FlagContext(origin, long, self.read_file, environment=self.environment,
                          unexported=self.unexported)
        try:
            flag.handler(self.container, value, ctx)
        except HelpRequested:
            raise
        except ValueError as err:
            raise InputError(f"invalid value for {long}: {err}{_unexpanded(value)}", self.file, word.line) from None
        self.last[long] = value
        self.container.flags.append(FlagUse(long, origin, ctx.fate, ctx.note))


_VARIABLE = lazy(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _unexpanded(value: str) -> str:
    """What to do when a value is invalid because a variable in it stayed as written (`worker-$i` in a loop)."""
    found = _VARIABLE.search(value)
    if not found:
        return ""
    name = found.group(1)
    return (f" (${name} is not expanded: a loop's variable or one the input does not set; d2k does not run "
            f"loops: write one docker run line per value, or give it with --var {name}=VALUE)")


# The same flags recur line after line (`--restart always`, `-e TZ=UTC`): each distinct spelling is
# quoted and redacted once. Bounded: a large input's distinct values (names, ports) start it afresh.
_SHOWN: dict[tuple[tuple[str, ...], str], str] = {}
_SHOWN_LIMIT = 1 << 14


def _shown(written: list[str], value: str) -> str:
    """The flag as written, shell-quoted, with a credential value redacted (however the flag was spelled)."""
    key = (tuple(written), value)
    text = _SHOWN.get(key)
    if text is None:
        if len(_SHOWN) >= _SHOWN_LIMIT:
            _SHOWN.clear()
        text = _SHOWN[key] = _quoted(written, value)
    return text


def _quoted(written: list[str], value: str) -> str:
    words = [shlex.quote(redact_url(w)) for w in written]
    safe = redact_assignment(value)
    if safe != value and written[-1].endswith(value):
        words[-1] = shlex.quote(written[-1][: len(written[-1]) - len(value)] + safe)
    return " ".join(words)


def _check_image(image: Word, file: str) -> None:
    text = image.text
    if "$" in text or "`" in text:
        return  # an unresolved variable, already reported; Docker would see its value
    if not _REFERENCE.match(text):
        raise InputError(
            f"invalid reference format: {text!r} is not an image name: put the image after the options",
            file,
            image.line,
        )


def _derived_name(image: str) -> str:
    """Docker would pick a random name; d2k names the container after its image, which reads better."""
    repo = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    name = _DERIVED_NAME.sub("-", repo).strip("-_.") or "container"
    return name if len(name) > 1 else name + "0"


def _check_conflicts(c: Container, last: dict[str, str], file: str) -> None:
    """The combinations Docker refuses before the container exists; the error names the later flag's line."""

    def fail(message: str, *flags: str) -> NoReturn:
        lines = [f.origin.line for f in c.flags if f.flag in flags]
        raise InputError(message, file, max(lines, default=c.origin.line))

    if c.auto_remove and c.restart not in ("", "no"):
        fail("conflicting options: cannot specify both --restart and --rm", "--rm", "--restart")
    if c.attach and c.detach:
        fail("conflicting options: cannot specify both --attach and --detach", "--attach", "--detach")
    if c.no_healthcheck and c.healthcheck is not None:
        fail("--no-healthcheck conflicts with --health-* options: keep one",
             "--no-healthcheck", *(f.long for f in FLAGS if f.long.startswith("--health-")))  # fmt: skip
    if c.nano_cpus and (c.cpu_period or c.cpu_quota):
        fail("conflicting options: Nano CPUs and CPU Period/Quota cannot both be set: keep --cpus",
             "--cpus", "--cpu-period", "--cpu-quota")  # fmt: skip
    if c.network_mode and c.networks:
        fail("conflicting options: cannot attach both user-defined and non-user-defined network-modes", "--network")
    if c.network_aliases and not c.networks:
        fail("network-scoped aliases are only supported for user-defined networks: add --network NAME",
             "--network-alias", "--network")  # fmt: skip
    if c.network_aliases and c.networks and c.networks[0].aliases:
        fail("conflicting options: cannot specify both --network-alias and per-network alias: keep one",
             "--network-alias", "--network")  # fmt: skip
    if c.network_mode.startswith("container:"):
        owner = c.network_mode.removeprefix("container:")
        if any(p.published for p in c.ports) or c.publish_all:
            fail(f"conflicting options: port publishing and the container type network mode: publish on {owner}",
                 "--publish", "--publish-all", "--network")  # fmt: skip
        if c.ports:
            fail(f"conflicting options: port exposing and the container type network mode: expose on {owner}",
                 "--expose", "--network")  # fmt: skip
        for flag, present, what in (("--hostname", c.hostname, "hostname"), ("--dns", c.dns, "dns"),
                                    ("--add-host", c.add_hosts, "custom host-to-IP mapping")):  # fmt: skip
            if present:
                fail(f"conflicting options: {what} and the network mode: set it on {owner}", flag, "--network")
    if c.memory and c.memory_reservation and c.memory < c.memory_reservation:
        fail("Minimum memory limit can not be less than memory reservation limit: raise -m",
             "--memory", "--memory-reservation")  # fmt: skip
    if c.memory_swap is not None and c.memory_swap != -1 and c.memory_swap > 0:
        if not c.memory:
            fail("You should always set the Memory limit when using Memoryswap limit: add -m", "--memory-swap")
        if c.memory_swap < c.memory:
            fail("Minimum memoryswap limit should be larger than memory limit: raise --memory-swap",
                 "--memory", "--memory-swap")  # fmt: skip
    if c.network_mode == "host":
        for key in c.sysctls:
            if key.startswith("net."):
                fail(f"sysctl {key!r} not allowed in host network namespace (runc refuses to start it): remove "
                     "--sysctl or --network host", "--sysctl", "--network")  # fmt: skip
    if c.entrypoint == [] and not c.command:
        fail("No command specified: --entrypoint '' resets the image's ENTRYPOINT and CMD; give the command "
             "after the image", "--entrypoint")  # fmt: skip
    if last.get("--log-driver") == "none" and "--log-opt" in last:
        fail("invalid logging opts for driver none: remove the --log-opt flags", "--log-driver", "--log-opt")
