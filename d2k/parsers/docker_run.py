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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import NoReturn

from d2k.errors import HelpRequested, InputError
from d2k.model import Container, FlagUse, Graph, Network, Origin
from d2k.parsers.flags import FLAGS, TABLE, Flag, FlagContext, settle
from d2k.parsers.storage import copy_into, resolve_binds, volume_from_create
from d2k.parsers.text import Command, Word, extract
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
_REFERENCE = re.compile(
    r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?/|\[[0-9a-fA-F:]+\](?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_DERIVED_NAME = re.compile(r"[^a-zA-Z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Parsed:
    graph: Graph
    report: Report


def parse_text(text: str, file: str, *, base_dir: str = ".") -> Parsed:
    """Read every docker command in a text (plain list, shell script or Markdown) into one graph."""
    extraction = extract(text, file)
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
            container = parse_run(words[i + 1 :], file, origin, read_file, create=action == "create")
        except HelpRequested:
            report.add("skipped-help", Severity.INFO, "skipped: --help prints usage and creates no container", origin)
            return
        _add_container(graph, container, file, suffixes)
    elif verb[:2] == ["network", "create"]:
        network, _valued = _parse_create(words[i + 2 :], file, origin, "network")
        graph.networks[network] = Network(network, origin=origin)
    elif verb[:2] == ["volume", "create"]:
        volume, valued = _parse_create(words[i + 2 :], file, origin, "volume")
        graph.volumes[volume] = volume_from_create(volume, valued, origin)
    elif action == "cp":
        copy_into(words[i + 1 :], origin, graph, report, base_dir)
    else:
        report.add("skipped-command", Severity.INFO, f"skipped: `{shown}` defines no container", origin)


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
) -> Container:
    """The words after `docker run` -> a Container; every flag's fate recorded on it."""
    reader = _RunReader(list(words), file, origin, read_file, create)
    return reader.read()


@dataclass(slots=True)
class _RunReader:
    """Reads one `docker run`'s words as pflag does: options until the first positional word."""

    seq: list[Word]
    file: str
    origin: Origin
    read_file: Callable[[str], str | None]
    create: bool
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
            raise InputError(
                f"unknown flag: --{name}: see `docker run --help` for the flags Docker accepts", self.file, word.line
            )
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
        if self.create and flag.run_only:
            what = f"shorthand flag: {as_written}" if as_written.startswith("'") else f"flag: {as_written}"
            raise InputError(
                f"unknown {what}: docker create does not take {flag.long} (docker run only)", self.file, word.line
            )
        origin = Origin(self.file, word.line, _shown(written, value))
        ctx = FlagContext(origin, flag.long, self.read_file)
        try:
            flag.handler(self.container, value, ctx)
        except HelpRequested:
            raise
        except ValueError as err:
            raise InputError(f"invalid value for {flag.long}: {err}", self.file, word.line) from None
        self.last[flag.long] = value
        self.container.flags.append(FlagUse(flag.long, origin.text, origin, ctx.fate, ctx.note))


def _shown(written: list[str], value: str) -> str:
    """The flag as written, shell-quoted, with a credential value redacted (however the flag was spelled)."""
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
    if c.entrypoint == [] and not c.command:
        fail("No command specified: --entrypoint '' resets the image's ENTRYPOINT and CMD; give the command "
             "after the image", "--entrypoint")  # fmt: skip
    if last.get("--log-driver") == "none" and "--log-opt" in last:
        fail("invalid logging opts for driver none: remove the --log-opt flags", "--log-driver", "--log-opt")
