"""A docker command's words -> the service graph, reading options exactly as Docker's CLI does.

Docker's CLI (cobra + pflag) stops reading options at the first positional word: that
word is the IMAGE and everything after it is the container's command, even words that
look like flags. Long flags take `--f=v` or `--f v` (a non-bool long flag always takes the
next word); short flags take `-pV`, `-p=V` or `-p V`, and bool shorthands cluster (`-dit`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from d2k.errors import HelpRequested, InputError
from d2k.model import Container, FlagUse, Graph, Network, Origin, Volume
from d2k.parsers.flags import TABLE, Flag, FlagContext
from d2k.parsers.text import Command, Word, extract
from d2k.report import Report, Severity
from d2k.secrets import redact_assignment

# Docker's global options that may stand between `docker` and `run`, and whether they take a value.
_GLOBAL_OPTIONS = {
    "-H": True, "--host": True, "--context": True, "-c": True, "--config": True, "-l": True,
    "--log-level": True, "--tlscacert": True, "--tlscert": True, "--tlskey": True,
    "-D": False, "--debug": False, "--tls": False, "--tlsverify": False,
}  # fmt: skip
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
    report.extend(extraction.diagnostics)
    graph = Graph()
    read_file = _file_reader(base_dir)
    for command in extraction.commands:
        _read_command(command, file, graph, report, read_file)
    if not graph.containers:
        raise InputError("no docker run command found: give a file of docker run lines", file)
    return Parsed(graph, report)


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
    command: Command, file: str, graph: Graph, report: Report, read_file: Callable[[str], str | None]
) -> None:
    words = command.words
    i = _skip_global_options(words, 1, file)
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
        _add_container(graph, container, file)
    elif verb[:2] == ["network", "create"]:
        network = _parse_create(words[i + 2 :], file, origin, "network")
        graph.networks[network] = Network(network, origin=origin)
    elif verb[:2] == ["volume", "create"]:
        volume = _parse_create(words[i + 2 :], file, origin, "volume")
        graph.volumes[volume] = Volume(volume, origin=origin)
    else:
        shown = " ".join([words[0].text, *verb[:2]]) if verb else words[0].text
        report.add("skipped-command", Severity.INFO, f"skipped: `{shown}` defines no container", origin)


def _skip_global_options(words: tuple[Word, ...], i: int, file: str) -> int:
    while i < len(words) and words[i].text.startswith("-"):
        name = words[i].text.split("=", 1)[0]
        takes = _GLOBAL_OPTIONS.get(name)
        if takes is None:
            raise InputError(f"unknown docker option {name} before the command: remove it", file, words[i].line)
        i += 2 if takes and "=" not in words[i].text else 1
    return i


def _parse_create(words: tuple[Word, ...], file: str, origin: Origin, what: str) -> str:
    """`docker network create [opts] NAME` / `docker volume create [opts] [NAME]`: the name is what matters."""
    names = [w.text for w in words if not w.text.startswith("-")]
    valued = {"-d", "--driver", "--subnet", "--gateway", "--ip-range", "-o", "--opt", "--label", "--scope",
              "--ipam-driver", "--ipam-opt", "--aux-address", "--config-from", "--name"}  # fmt: skip
    # drop the values of options that take one
    kept: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w.text in valued:
            skip = True
            continue
        if not w.text.startswith("-"):
            kept.append(w.text)
    names = kept or names
    if not names:
        if what == "volume":
            raise InputError("docker volume create without a name makes an anonymous volume: name it", file, origin.line)
        raise InputError(f"docker {what} create needs a name", file, origin.line)
    return names[-1]


def _add_container(graph: Graph, container: Container, file: str) -> None:
    if container.name in graph.containers:
        first = graph.containers[container.name].origin
        if container.name_given:
            raise InputError(
                f"two containers are named {container.name} (first at line {first.line}): rename one",
                file,
                container.origin.line,
            )
        base, n = container.name, 2
        while f"{base}-{n}" in graph.containers:
            n += 1
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
    seq = list(words)
    container = Container(name="", image="", origin=origin, name_given=False)
    i = 0
    while i < len(seq):
        word = seq[i]
        text = word.text
        if text == "--":
            i += 1
            break
        if text.startswith("--") and len(text) > 2:
            i = _long_flag(container, seq, i, file, read_file, create)
        elif text.startswith("-") and len(text) > 1:
            i = _short_flags(container, seq, i, file, read_file, create)
        else:
            break
    if i >= len(seq):
        raise InputError("docker run needs an image: 'docker run' requires at least 1 argument", file, origin.line)
    image = seq[i]
    _check_image(image, file)
    container.image = image.text
    args = [w.text for w in seq[i + 1 :]]
    container.command = args or None
    if not container.name:
        container.name = _derived_name(image.text)
    _check_conflicts(container, file)
    return container


def _long_flag(
    c: Container, seq: list[Word], i: int, file: str, read_file: Callable[[str], str | None], create: bool
) -> int:
    word = seq[i]
    name, eq, value = word.text[2:].partition("=")
    flag = TABLE.long.get(name)
    if flag is None:
        raise InputError(f"unknown flag: --{name}: see `docker run --help` for the flags Docker accepts", file, word.line)
    written = [word.text]
    if flag.takes_value and not eq:
        if i + 1 >= len(seq):
            raise InputError(f"flag needs an argument: --{name}", file, word.line)
        value = seq[i + 1].text
        written.append(value)
        i += 1
    elif not flag.takes_value and not eq:
        value = "true"
    _apply(c, flag, value, written, word, file, read_file, create)
    return i + 1


def _short_flags(
    c: Container, seq: list[Word], i: int, file: str, read_file: Callable[[str], str | None], create: bool
) -> int:
    word = seq[i]
    text = word.text
    j = 1
    while j < len(text):
        letter = text[j]
        flag = TABLE.short.get(letter)
        if flag is None:
            raise InputError(f"unknown shorthand flag: '{letter}' in {text}: see `docker run --help`", file, word.line)
        rest = text[j + 1 :]
        if flag.takes_value:
            written = [text]
            if rest.startswith("="):
                rest = rest[1:]
            if rest:
                value = rest
            else:
                if i + 1 >= len(seq):
                    raise InputError(f"flag needs an argument: '{letter}' in {text}", file, word.line)
                value = seq[i + 1].text
                written.append(value)
                i += 1
            _apply(c, flag, value, written, word, file, read_file, create)
            return i + 1
        if rest.startswith("="):
            _apply(c, flag, rest[1:], [text], word, file, read_file, create)
            return i + 1
        _apply(c, flag, "true", [text], word, file, read_file, create)
        j += 1
    return i + 1


def _apply(
    c: Container,
    flag: Flag,
    value: str,
    written: list[str],
    word: Word,
    file: str,
    read_file: Callable[[str], str | None],
    create: bool,
) -> None:
    if create and flag.run_only:
        raise InputError(f"unknown flag: {flag.long}: docker create does not take it", file, word.line)
    shown = " ".join(redact_assignment(w) for w in written)
    origin = Origin(file, word.line, shown)
    ctx = FlagContext(origin, flag.long, read_file)
    try:
        flag.handler(c, value, ctx)
    except HelpRequested:
        raise
    except ValueError as err:
        raise InputError(f"invalid value for {flag.long}: {err}", file, word.line) from None
    c.flags.append(FlagUse(flag.long, shown, origin, ctx.fate, ctx.note))


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


def _check_conflicts(c: Container, file: str) -> None:
    """The combinations Docker's CLI refuses before anything reaches the engine."""
    line = c.origin.line
    if c.auto_remove and c.restart not in ("", "no"):
        raise InputError("conflicting options: cannot specify both --restart and --rm", file, line)
    if c.attach and c.detach:
        raise InputError("conflicting options: cannot specify both --attach and --detach", file, line)
    if c.no_healthcheck and c.healthcheck is not None:
        raise InputError("--no-healthcheck conflicts with --health-* options: keep one", file, line)
    if c.network_aliases and not c.networks:
        raise InputError(
            "network-scoped aliases are only supported for user-defined networks: add --network NAME", file, line
        )
    if c.network_mode.startswith("container:") and any(p.published for p in c.ports):
        raise InputError(
            "conflicting options: port publishing and the container type network mode: publish on "
            + c.network_mode.removeprefix("container:"),
            file,
            line,
        )
    log_driver = next((f for f in reversed(c.flags) if f.flag == "--log-driver"), None)
    if log_driver and log_driver.text.removeprefix("--log-driver").strip(" =") == "none":
        if any(f.flag == "--log-opt" for f in c.flags):
            raise InputError("logging driver none does not take --log-opt: remove the --log-opt flags", file, line)
