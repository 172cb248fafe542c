"""User and group names -> the numeric ids Kubernetes needs, from a container's own /etc/passwd and /etc/group.

Docker resolves `-u NAME` and `--group-add NAME` against the container's files when it starts it;
Kubernetes takes numbers only (runAsUser, runAsGroup, supplementalGroups). from-running can read the
same files, read-only, through the engine's archive endpoint (GET /containers/{id}/archive?path=...),
one call a file, and only for a container that names a user or group: the base read stays
1 + N + images calls.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

PASSWD, GROUP = "/etc/passwd", "/etc/group"


def needed(user: str, group_add: Iterable[str]) -> tuple[str, ...]:
    """The account files a container's `User` and `GroupAdd` need to become numbers (none when all are)."""
    uid, _, gid = user.partition(":")
    files: list[str] = []
    if uid and not uid.isdigit() and uid != "root":
        files.append(PASSWD)
    if (gid and not gid.isdigit()) or any(not g.isdigit() for g in group_add):
        files.append(GROUP)
    return tuple(files)


def read_files(call: Callable[..., Any], api: Any, container_id: str, paths: Iterable[str]) -> dict[str, str]:
    """The files' text, read through the archive endpoint (`call` counts the API call); a missing one is left out."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            stream, _stat = call(api.get_archive, container_id, path)
            data = b"".join(stream)
        except Exception as exc:  # 404: the image has no such file; Docker could not resolve the name either
            if getattr(getattr(exc, "response", None), "status_code", None) != 404:
                raise
            continue
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = next((m for m in tar.getmembers() if m.isfile()), None)
            handle = tar.extractfile(member) if member is not None else None
            if handle is not None:
                out[path] = handle.read().decode("utf-8", errors="replace")
    return out


def _table(text: str) -> dict[str, tuple[str, str]]:
    """name -> (id, primary group id or ""), the first entry of a name winning, as getpwnam reads the file."""
    table: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] and not line.startswith("#") and fields[2].isdigit():
            table.setdefault(fields[0], (fields[2], fields[3] if len(fields) > 3 and fields[3].isdigit() else ""))
    return table


def resolve_user(user: str, files: Mapping[str, str]) -> str | None:
    """`NAME[:GROUP]` -> `UID:GID` as Docker resolves it (a name's primary group when none is given); None when
    a name is not in the files."""
    uid, sep, gid = user.partition(":")
    if not uid.isdigit():
        if uid == "root" and PASSWD not in files:
            uid, primary = "0", "0"
        else:
            entry = _table(files.get(PASSWD, "")).get(uid)
            if entry is None:
                return None
            uid, primary = entry
    else:
        primary = ""
    if sep and not gid.isdigit():
        found = _table(files.get(GROUP, "")).get(gid)
        if found is None:
            return None
        gid = found[0]
    gid = gid if sep else primary
    return f"{uid}:{gid}" if gid else uid


def resolve_group(group: str, files: Mapping[str, str]) -> str | None:
    """A `--group-add` name -> its gid from the container's /etc/group (None when absent)."""
    if group.isdigit():
        return group
    found = _table(files.get(GROUP, "")).get(group)
    return found[0] if found else None
