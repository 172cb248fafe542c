"""What `d2k validate` reads: a file, stdin, or a folder (its subfolders too with -R, as kubectl's -R).

Files that are not Kubernetes objects but live beside them (a kustomization.yaml, a Helm chart's
Chart.yaml and values, its templates before rendering) are skipped with a note, not reported as
invalid objects. Each object remembers its file, document and line, so a problem names them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from d2k.errors import InputError
from d2k.records import dataclass

_SUFFIXES = (".yaml", ".yml", ".json")
_NOT_OBJECTS = {
    "kustomization.yaml": "a Kustomize file (kubectl apply -k reads it)",
    "kustomization.yml": "a Kustomize file (kubectl apply -k reads it)",
    "Kustomization": "a Kustomize file (kubectl apply -k reads it)",
    "Chart.yaml": "a Helm chart's description (helm template renders the chart)",
    "values.yaml": "a Helm chart's values (helm template renders the chart)",
}


@dataclass(frozen=True, slots=True)
class Located:
    obj: dict[str, Any]
    file: str
    document: int
    line: int

    def where(self) -> str:
        return f"{self.file}:{self.line}: document {self.document}"


@dataclass(slots=True)
class Read:
    objects: list[Located]
    notes: list[str]
    files: int


def read_manifests(target: str, *, recursive: bool) -> Read:
    """Every object of `target`; InputError when there is none (nothing checked is not a success)."""
    from d2k.validate import load_located

    notes: list[str] = []
    if target == "-":
        inputs = [("<stdin>", sys.stdin.buffer.read())]
    else:
        path = Path(target)
        if not path.exists():
            raise InputError("no such file or folder", target)
        inputs = [(str(p), _read(p)) for p in (_files(path, recursive, notes) if path.is_dir() else [path])]
    objects: list[Located] = []
    files = 0
    for name, data in inputs:
        text = _text(data, name)
        if _templated(name, text):
            notes.append(f"{name}: skipped: a Helm template (helm template renders it first)")
            continue
        files += 1
        objects += [Located(obj, name, number, line) for obj, number, line in load_located(text, name)]
    if not objects:
        skipped = f" ({len(notes)} skipped: {notes[0].split(': skipped: ')[1]}, ...)" if notes else ""
        raise InputError(f"no Kubernetes object in it{skipped}: nothing to check",
                         "<stdin>" if target == "-" else target)
    return Read(objects, notes, files)


def _files(folder: Path, recursive: bool, notes: list[str]) -> list[Path]:
    """The visible *.yaml, *.yml and *.json of a folder, by name; subfolders with -R (a note without)."""
    from d2k.writer import COMMIT

    found: list[Path] = []
    chart = (folder / "Chart.yaml").is_file()
    if (folder / COMMIT).is_dir():
        notes.append(f"{folder}: holds an interrupted d2k write ({COMMIT}): the next d2k run with this --out "
                     "completes it")
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            if recursive:
                found += _files(path, recursive, notes)
            else:
                notes.append(f"{path}: skipped: a folder (add -R to read folders too)")
        elif path.name in _NOT_OBJECTS and (path.name != "values.yaml" or chart):
            notes.append(f"{path}: skipped: {_NOT_OBJECTS[path.name]}")
        elif path.suffix in _SUFFIXES:
            found.append(path)
        elif path.parent.name == "templates" and (path.parent.parent / "Chart.yaml").is_file():
            notes.append(f"{path}: skipped: a Helm template file, not YAML")
    return found


def _templated(name: str, text: str) -> bool:
    return "{{" in text and Path(name).parent.name == "templates"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read it: {err.strerror or err}", str(path)) from None


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[err.start]:02x})", name, line) from None


def locate(objects: list[Located]) -> dict[tuple[str, str], Located]:
    """kind/name -> where it was first read, for naming a problem's file and document."""
    where: dict[tuple[str, str], Located] = {}
    for item in objects:
        meta = item.obj.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        key = (str(item.obj.get("kind") or "?"), name if isinstance(name, str) and name else "?")
        where.setdefault(key, item)  # the keys validate.Problem uses
    return where
