"""Storage facts that need more than one flag's value: files beside the input, `docker cp`, volume options.

Docker CLI 28 makes a relative bind source (`-v ./conf:/etc/x`, `--mount source=./x`) absolute
against the folder docker runs in; d2k uses the input file's folder and says so. A bind of a file
or a small folder of files found there is read here (the parser reads the filesystem, emitters
never do) so the emitter can make a ConfigMap of it. `docker cp FILE CONTAINER:PATH` is the same
thing done after the fact. `docker volume create --opt` is read as the local driver reads it.
"""

from __future__ import annotations

import os
import posixpath
import stat

from d2k.errors import InputError
from d2k.model import Container, Fate, FlagUse, Graph, Mount, Origin, Volume
from d2k.parsers.text import Word
from d2k.records import replace
from d2k.report import Report, Severity
from d2k.secrets import is_credential_file

MAX_CONFIG_BYTES = 1_000_000  # a ConfigMap or Secret holds at most 1 MiB, metadata included
MAX_CONFIG_FILES = 64
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
# the local volume driver's options, and which others each one needs (moby volume/local)
_LOCAL_OPTIONS = {"type": ("device",), "device": ("type",), "o": ("device", "type"), "size": ()}


def host_entry(path: str) -> tuple[str, tuple[tuple[str, bytes, bool], ...], str]:
    """(kind, files, why not) of a host path: "file"/"dir" with its files when a ConfigMap can hold them,
    else the files are empty and `why not` says why ("" when the path does not exist)."""
    try:
        info = os.stat(path)
    except OSError:
        return "", (), ""
    if stat.S_ISREG(info.st_mode):
        data = _read(path) if info.st_size <= MAX_CONFIG_BYTES else b""
        if info.st_size > MAX_CONFIG_BYTES or stored_size(data) > MAX_CONFIG_BYTES:
            return "file", (), f"{info.st_size} bytes, more than a ConfigMap holds (1 MiB)"
        return "file", ((os.path.basename(path), data, _executable(info.st_mode)),), ""
    if not stat.S_ISDIR(info.st_mode):
        return "other", (), "not a regular file or folder"
    files: list[tuple[str, bytes, bool]] = []
    total = 0
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        entry = os.stat(full)
        if not stat.S_ISREG(entry.st_mode):
            return "dir", (), f"it holds {name}, which is not a plain file (a ConfigMap holds a flat folder)"
        data = _read(full) if entry.st_size <= MAX_CONFIG_BYTES else b"x" * (MAX_CONFIG_BYTES + 1)
        total += stored_size(data)
        if total > MAX_CONFIG_BYTES or len(files) >= MAX_CONFIG_FILES:
            return "dir", (), f"more than {MAX_CONFIG_FILES} files or 1 MiB, more than a ConfigMap holds"
        files.append((name, data, _executable(entry.st_mode)))
    if not files:
        return "dir", (), "it is empty"
    return "dir", tuple(files), ""


def stored_size(data: bytes) -> int:
    """Bytes a ConfigMap spends on a file: text as is, anything else base64-encoded (binaryData)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return (len(data) + 2) // 3 * 4
    return len(data)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _executable(mode: int) -> bool:
    return bool(mode & 0o111)


def special_bind_note(source: str) -> str:
    """What a hostPath of the Docker socket or a device grants, for the report ("" for other paths)."""
    if source in DOCKER_SOCKETS:
        return (f"the Docker socket {source} stays a hostPath: it gives the container root on the node, and "
                "nodes that run containerd have no Docker daemon answering there")  # fmt: skip
    if source == "/dev" or source.startswith("/dev/"):
        return (f"the device path {source} stays a hostPath: it gives the container the node's device, usable "
                "only with privileged: true or a device plugin")  # fmt: skip
    return ""


def resolve_binds(c: Container, base_dir: str) -> None:
    """Relative bind sources made absolute against the input's folder; files beside the input read in.

    Each changed mount's flag gets the note that says what became of it.
    """
    root = os.path.abspath(base_dir)
    for i, m in enumerate(c.mounts):
        if m.type != "bind" or m.origin is None or m.source.startswith(("$", "`", "~")):
            continue
        notes: list[str] = []
        source = m.source
        relative = not posixpath.isabs(source)
        if relative:
            source = os.path.normpath(os.path.join(root, source))
        kind, files, why = host_entry(source) if relative or source.startswith(root + os.sep) else ("", (), "")
        if files:
            secret = any(is_credential_file(name, data) for name, data, _x in files)
            notes.append(_config_note(kind, m.read_only, len(files), "Secret" if secret else "ConfigMap"))
        else:
            if relative:
                notes.append(f"made absolute against the input's folder, as Docker CLI 28 does against the folder it "
                             f"runs in: {source}")  # fmt: skip
            special = special_bind_note(source)
            extra = f" ({m.source} is beside the input but {why})" if why else ""
            notes.append(special or f"a hostPath volume, the path must exist on the node{extra}")
        c.mounts[i] = replace(m, source=source, host_kind=kind, host_files=files)
        _renote(c, m.origin, Fate.APPROXIMATED, f"bind mount of {m.source}: " + "; ".join(notes))


def _config_note(kind: str, read_only: bool, count: int, holder: str) -> str:
    why = " (it looks like a credential)" if holder == "Secret" else ""
    what = (f"a {holder}{why} of the file beside the input, mounted with subPath: edits reach the Pod only when it "
            "restarts (subPath mounts get no updates)") if kind == "file" else (
            f"a {holder}{why} of the folder beside the input ({count} file{'s' if count > 1 else ''}): edits reach "
            "the Pod after kubectl apply, not when the host files change")  # fmt: skip
    if not read_only:
        what += "; mounted read-only: the container's writes fail where Docker wrote them to the host"
    return what


def _renote(c: Container, origin: Origin, fate: Fate, note: str) -> None:
    for j, use in enumerate(c.flags):
        if use.origin is origin:
            c.flags[j] = FlagUse(use.flag, use.origin, fate, note)


def copy_into(words: tuple[Word, ...], origin: Origin, graph: Graph, report: Report, base_dir: str) -> None:
    """`docker cp [-aLq] SRC CONTAINER:DEST`: a file or folder beside the input becomes a ConfigMap mounted at
    DEST; a copy out of a container changes nothing that runs; anything else is reported."""
    args = [w.text for w in words if not (w.text.startswith("-") and len(w.text) > 1)]
    if len(args) != 2:
        raise InputError("docker cp needs SRC_PATH and CONTAINER:DEST_PATH", origin.file, origin.line)
    src, dest = args
    name, sep, path = dest.partition(":")
    if not sep or "/" in name:
        report.add("skipped-command", Severity.INFO, "skipped: docker cp out of a container changes nothing that runs",
                   origin)
        return
    c = graph.containers.get(name)
    if c is None:
        report.add("docker-cp", Severity.NOT_CARRIED,
                   f"docker cp into {name}: no container {name} earlier in the input; not carried", origin)
        return
    source = os.path.normpath(os.path.join(os.path.abspath(base_dir), src)) if src != "-" else "-"
    kind, files, why = host_entry(source) if src != "-" else ("", (), "it is read from standard input")
    if not files or not path.startswith("/"):
        reason = why or (f"{src} is not beside the input" if path.startswith("/") else f"{path} is not absolute")
        report.add("docker-cp", Severity.NOT_CARRIED,
                   f"docker cp {src} {dest}: not carried ({reason}): COPY it into the image or mount it",
                   origin, c.name)
        return
    target = posixpath.join(path, posixpath.basename(source)) if path.endswith("/") and kind == "file" else path
    target = posixpath.normpath(target)
    c.mounts.append(Mount("bind", target, source, origin=origin, host_kind=kind, host_files=files))
    where = f"at {target}" if kind == "file" else f"as the folder {target}"
    holder = "Secret" if any(is_credential_file(n, data) for n, data, _x in files) else "ConfigMap"
    report.add("docker-cp", Severity.APPROXIMATED,
               f"docker cp {src} {dest}: a {holder} of {src} mounted {where}, read-only (Docker's copy was "
               f"writable{'' if path.endswith('/') else '; if ' + path + ' is a folder in the image, Docker put it inside'})",
               origin, c.name)


def volume_from_create(name: str, valued: list[tuple[str, str]], origin: Origin) -> Volume:
    """`docker volume create [-d DRIVER] [-o KEY=VALUE]... NAME` -> Volume, options checked as the local driver does."""
    driver = next((v for k, v in reversed(valued) if k in ("-d", "--driver")), "local") or "local"
    options: dict[str, str] = {}
    for flag, value in valued:
        if flag in ("-o", "--opt"):
            key, _, val = value.partition("=")
            options[key] = val
    if driver == "local":
        for key in options:
            if key not in _LOCAL_OPTIONS:
                raise InputError(f"invalid option: {key!r}: the local volume driver takes type, device, o and size",
                                 origin.file, origin.line)  # fmt: skip
            for needed in _LOCAL_OPTIONS[key]:
                if needed not in options:
                    raise InputError(f"missing required option: {needed!r} (with --opt {key}=...)",
                                     origin.file, origin.line)  # fmt: skip
    return Volume(name, driver, origin, tuple(sorted(options.items())))
