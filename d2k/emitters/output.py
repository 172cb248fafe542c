"""One place that turns objects into bytes: multi-document YAML, a v1 List in JSON, or one file per object.

PyYAML's safe dumper quotes every string a YAML 1.1 reader could take for something else
(`yes`, `on`, `0755`, `1.10`, `~`, `null`). Other readers see more: kubectl's go-yaml v2 reads
`y`/`n` as booleans and `1e3`, `0o17`, `0X1F`, `+inf` as numbers (as YAML 1.2 does for some), so
those are quoted too, and an env value stays a string for every reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from d2k.patterns import lazy

try:  # the C dumper is several times faster; the output is the same
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]


# strings PyYAML leaves plain that another YAML reader would not read as strings
_AMBIGUOUS = lazy(
    r"[yYnN]"  # go-yaml v2 (kubectl): booleans
    r"|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9_]+"  # 1e3: a float in YAML 1.2 and Go
    r"|[-+]?0[oObBxX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][-+]?[0-9_]+)?"  # 0o17, 0X1F, 0x1p-2: Go numbers
    r"|[-+](?:inf|Inf|INF|infinity|Infinity|nan|NaN)"  # Go's ParseFloat after a sign
)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Never `&id001` anchors: each object must read on its own, whatever the builders shared."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: Any, value: str) -> Any:
    """Quote the strings other YAML readers would take for booleans or numbers (see the module docstring)."""
    style = "'" if _AMBIGUOUS.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


class Written(dict):  # type: ignore[type-arg]
    """An object whose YAML document is already written, itself cut down to what is still read of it
    (d2k.settle): to_yaml, write_yaml and to_files use the document; to_json needs whole objects.

    `held` is the document, or where `source` (a d2k.settle.Settler) keeps it; None until it is written."""

    __slots__ = ("held", "source")
    held: str | int | None
    source: Any

    @property
    def text(self) -> str:
        held = self.held
        if held is None:
            self.source.finish()
            held = self.held
        return held if type(held) is str else self.source.read(held)  # type: ignore[no-any-return, arg-type]


def to_yaml(objects: list[dict[str, Any]]) -> str:
    """Multi-document YAML, keys in the order the builders chose, byte-identical from run to run."""
    return "".join(document(obj) for obj in objects)


def write_yaml(objects: list[dict[str, Any]], write: Callable[[str], Any]) -> None:
    """The same text as to_yaml, one document at a time: a large conversion never holds it all twice."""
    for obj in objects:
        write(document(obj))


def document(obj: dict[str, Any]) -> str:
    """One object's YAML document, `---` line included."""
    if type(obj) is Written:
        return obj.text
    lines = ["---\n"]
    if _mapping(obj, 0, lines):
        return "".join(lines)
    return "---\n" + _pyyaml(obj)


def _pyyaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=1 << 16)


# PyYAML's representer is pure Python even with the C emitter and was half of a large run. The block
# layout of plain dicts and lists is simple; what is subtle is how each scalar is written, and that
# stays PyYAML's decision. A document with anything else (a multi-line string, a key over 128
# characters) is dumped by PyYAML.
_SIMPLE_KEY_LIMIT = 128  # PyYAML writes longer keys in the `? key` form

# Most strings (names, images, paths, label keys) need no question: a string of these characters
# that starts with a letter, `_` or `/`, with colons only between other characters, is written
# plain by PyYAML unless it spells a YAML 1.1 boolean or null (the only implicit types a string
# starting so can resolve to: numbers, timestamps, `.inf`, `~`, `=` and `<<` start otherwise) or
# one of the one-letter booleans of _AMBIGUOUS (its other patterns start with a digit or a sign).
# tests/test_output.py checks this against PyYAML. Every other string is dumped by PyYAML once.
_PLAIN = lazy(
    r"(?!(?:[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL)\Z)"  # YAML 1.1 booleans and null, and go-yaml v2's one-letter booleans (_AMBIGUOUS)
    r"[A-Za-z_/][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*"
)
# Rendered strings. Every string PyYAML judged stays (a dump costs ~25 us; a large input has a few per
# line). Plain strings are remembered in a bounded set that starts afresh when full: the names of one
# object recur in it and its neighbours, and a look-up is cheaper than the check, while a 100,000-line
# input's ~300,000 distinct names would otherwise be checked at every one of their ~20 occurrences.
_QUOTED: dict[str, str | None] = {}
_PLAIN_SEEN: set[str] = set()
_PLAIN_CACHED = 1 << 16
_MISSING = object()


def is_plain(value: str) -> bool:
    """True when PyYAML (and every reader _AMBIGUOUS knows) writes and reads `value` as a plain string."""
    return _PLAIN.fullmatch(value) is not None


def _scalar(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        if value in _PLAIN_SEEN:
            return value  # type: ignore[no-any-return]
        rendered = _QUOTED.get(value, _MISSING)
        if rendered is not _MISSING:
            return rendered  # type: ignore[return-value]
        if _PLAIN.fullmatch(value) is not None:
            if len(_PLAIN_SEEN) >= _PLAIN_CACHED:
                _PLAIN_SEEN.clear()
            _PLAIN_SEEN.add(value)
            return value  # type: ignore[no-any-return]
        text = _pyyaml(value)
        text = text[:-5] if text.endswith("\n...\n") else text[:-1]
        rendered = None if "\n" in text else text
        _QUOTED[value] = rendered
        return rendered
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return None


def _mapping(obj: dict[str, Any], indent: int, out: list[str]) -> bool:
    # _scalar inlined for the common cases (a key or a string already known to be plain, a number):
    # this loop runs for every key of every object
    pad = " " * indent
    plain = _PLAIN_SEEN
    for key, value in obj.items():
        name = key if key in plain else _scalar(key)
        if name is None or len(name) > _SIMPLE_KEY_LIMIT:
            return False
        kind = type(value)
        if kind is str and value in plain:
            out.append(f"{pad}{name}: {value}\n")
        elif kind is dict:
            if not value:
                out.append(f"{pad}{name}: {{}}\n")
                continue
            out.append(f"{pad}{name}:\n")
            if not _mapping(value, indent + 2, out):
                return False
        elif kind is list:
            if not value:
                out.append(f"{pad}{name}: []\n")
                continue
            out.append(f"{pad}{name}:\n")
            if not _sequence(value, indent, out):
                return False
        else:
            text = _scalar(value)
            if text is None:
                return False
            out.append(f"{pad}{name}: {text}\n")
    return True


def _sequence(items: list[Any], indent: int, out: list[str]) -> bool:
    """A sequence in a mapping, as PyYAML writes it: `- ` at the mapping's own indent."""
    pad = " " * indent
    for item in items:
        kind = type(item)
        if kind is dict and item:
            start = len(out)
            if not _mapping(item, indent + 2, out):
                return False
            out[start] = f"{pad}- {out[start][indent + 2:]}"
        elif kind is dict or kind is list:
            return False
        else:
            text = _scalar(item)
            if text is None:
                return False
            out.append(f"{pad}- {text}\n")
    return True


def to_json(objects: list[dict[str, Any]]) -> str:
    if any(type(obj) is Written for obj in objects):
        raise TypeError("to_json needs whole objects: settle them with text=False")
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2, ensure_ascii=False) + "\n"


def file_name(obj: dict[str, Any]) -> str:
    """`<name>-<kind>.yaml` (`vote-deployment.yaml`), the kind not doubled: Secret db-secret is `db-secret.yaml`."""
    name, kind = obj["metadata"]["name"], obj["kind"].lower()
    return f"{name}.yaml" if name.endswith(f"-{kind}") else f"{name}-{kind}.yaml"


def file_names(objects: list[dict[str, Any]]) -> list[str]:
    """The file of each object. Unique: where a short name (`x-secret.yaml` for Secret x-secret) is also
    another object's (Secret x), both keep the long form `<name>-<kind>.yaml`."""
    short = [file_name(obj) for obj in objects]
    counts: dict[str, int] = {}
    for name in short:
        counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else f"{obj['metadata']['name']}-{obj['kind'].lower()}.yaml"
            for name, obj in zip(short, objects, strict=True)]


def to_files(objects: list[dict[str, Any]]) -> dict[str, str]:
    """One file per object (file_names)."""
    return {name: to_yaml([obj]) for name, obj in zip(file_names(objects), objects, strict=True)}


def secret_files(objects: list[dict[str, Any]], files: dict[str, str]) -> set[str]:
    """The files of `files` (to_files's, or one list.json) that hold a Secret: d2k writes them 0600."""
    if not any(obj.get("kind") == "Secret" for obj in objects):
        return set()
    if list(files) == ["list.json"]:
        return {"list.json"}
    return {name for name, obj in zip(file_names(objects), objects, strict=True) if obj.get("kind") == "Secret"}
