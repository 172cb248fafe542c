"""The strict Kubernetes schemas compiled into Python closures that answer "valid?" fast.

`jsonschema` (Draft 2020-12, no format checking) stays the judge: it is what explains an
invalid object. This module only answers valid / not valid, exactly as that validator would,
for the keyword set the `kubernetes-validate` strict schemas use: `type`, `$ref`,
`properties`, `additionalProperties`, `items`, `required`, `enum`, `oneOf`, plus annotations
(`description`, `default`, `format`, `x-kubernetes-*`). A node with any other keyword, or a
`$ref` it cannot resolve, answers "not valid": never a wrong "valid", only a trip to the
exact slow path.

Definitions compile lazily, the first time an object reaches them: a `$ref` compiles to a
stub that compiles its target on first call and then puts the compiled checker in its own
place (recursive definitions need nothing more). The schemas are read in a slim form
(descriptions and `x-kubernetes-*` stripped: a fifth of the bytes), kept once per
kubernetes-validate version and release in the user cache directory; a cache that cannot be
read or written is silently skipped.

Pure Python cannot match jsonschema-rs per object (a bare walk over an object's nodes already
costs about what its whole check does), but importing it and building its registry costs ~25 ms
at every start. So the closures answer the first HANDOFF objects of a release, and only a
larger batch moves to jsonschema-rs, when it is installed, for the rest.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

Check = Callable[[Any], bool]

DEFS_FILE = "_definitions.json"
_ANNOTATIONS = frozenset({"description", "default", "format", "$schema"})
_SCHEMA_MAPS = ("properties", "$defs")  # keyword -> {name: schema}
_SCHEMA_VALUES = ("items", "additionalProperties")  # keyword -> schema
_SCHEMA_LISTS = ("oneOf",)  # keyword -> [schema]


# ---------------------------------------------------------------------------
# Slim schemas and their cache.


def slim(node: Any) -> Any:
    """A schema without descriptions and x-kubernetes-* annotations; property names are kept."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" or key.startswith("x-kubernetes-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: slim(sub) for name, sub in value.items()}
        elif key in _SCHEMA_VALUES:
            out[key] = slim(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [slim(sub) for sub in value]
        else:
            out[key] = value
    return out


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/d2k (an absolute XDG_CACHE_HOME only, as the spec says), else ~/.cache/d2k."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "d2k"


@lru_cache(maxsize=4)
def package_version(schema_root: Path) -> str:
    """kubernetes-validate's version, read from its version.py (importing the package imports jsonschema)."""
    try:
        text = (schema_root.parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    match = re.search(r"""__version__\s*=\s*['"]([^'"]+)['"]""", text)
    return match[1] if match else "unknown"


def cache_path(schema_root: Path, directory: str, filename: str) -> Path:
    """Where the slim form of one schema file is kept: keyed by the package version and the release."""
    version = re.sub(r"[^\w.+-]", "_", package_version(schema_root))
    return cache_dir() / "schemas" / f"kubernetes-validate-{version}" / directory / filename


def load_slim(schema_root: Path, directory: str, filename: str) -> Any:
    """One schema file of a release in slim form, from the cache when it holds a good copy.

    The cached copy records the size and mtime of the file it was made from, so a package
    reinstalled under the same version is noticed. FileNotFoundError when the package ships
    no such file.
    """
    source = schema_root / directory / filename
    info = source.stat()
    stamp = [info.st_size, info.st_mtime_ns]
    cached = cache_path(schema_root, directory, filename)
    try:
        held = json.loads(cached.read_bytes())
        if isinstance(held, dict) and held.get("source") == stamp and isinstance(held.get("schema"), dict):
            return held["schema"]
    except (OSError, ValueError, RecursionError):
        pass  # absent, unreadable or corrupt: rebuilt from the package below
    schema = slim(json.loads(source.read_bytes()))
    _PENDING.append((cached, stamp, schema))
    return schema


# Slim schemas made in this run, written to the cache by write_pending once the run's checks are done: a
# run that stops before (a refused output path) leaves nothing behind, not even a cache.
_PENDING: list[tuple[Path, list[int], Any]] = []


def write_pending() -> None:
    """Keep the slim schemas this run made for the next runs (an unwritable cache is skipped)."""
    while _PENDING:
        cached, stamp, schema = _PENDING.pop()
        _write_atomically(cached, json.dumps({"source": stamp, "schema": schema}, separators=(",", ":")))


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename over it, so a reader sees the old file or the whole new one."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)  # public schema data
        os.replace(temp, path)
    except OSError:
        try:
            temp.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Compiling.
#
# A compiled node is a function instance -> bool. Containers recognise the checkers of the
# commonest leaves (a string, or a string or null: two thirds of the schemas' leaves) by identity
# and check those inline, without a call. Containers read their children's checkers from a dict
# or a one-item list, which a `$ref` stub overwrites with the compiled target on its first call.

_PLAIN = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}
_KEYWORDS = frozenset(
    {"type", "enum", "$ref", "properties", "additionalProperties", "items", "required", "oneOf"}
)


def _never(_instance: Any) -> bool:
    return False


def _always(_instance: Any) -> bool:
    return True


def _string_or_null(x: Any) -> bool:
    return x is None or isinstance(x, str)


def _string(x: Any) -> bool:
    return isinstance(x, str)


def _type_check(types: Any) -> Check | None:
    """jsonschema's `type`: integer is an int (not a bool) or an integral float; number an int or float.

    None for a type name jsonschema does not know. Other numbers.Number types (Decimal...) are
    numbers for jsonschema; here they answer "not valid" and jsonschema decides.
    """
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    if any(n not in _PLAIN and n not in ("integer", "number") for n in names):
        return None
    plain = tuple(_PLAIN[n] for n in names if n in _PLAIN)
    if sorted(set(names)) == ["null", "string"]:
        return _string_or_null
    if set(names) == {"string"}:
        return _string
    if "number" in names:

        def number(x: Any) -> bool:
            return isinstance(x, plain) or (isinstance(x, int | float) and not isinstance(x, bool))

        return number
    if "integer" in names:

        def integer(x: Any) -> bool:
            if x.__class__ is int or isinstance(x, plain):
                return True
            if isinstance(x, bool):
                return False
            return isinstance(x, int) or (isinstance(x, float) and x.is_integer())

        return integer
    return lambda x: isinstance(x, plain)


class Release:
    """The compiled checkers of one release's schemas: one shared table of definitions, every kind."""

    def __init__(self, schema_root: Path, directory: str) -> None:
        self.root = schema_root
        self.directory = directory
        self._defs: dict[str, Any] | None = None
        self._defs_id = ""
        self._compiled: dict[str, Check] = {}
        self._registry: Any = None
        self.answered = 0  # objects the closures have answered, every kind of this release

    def kind(self, filename: str) -> Check | None:
        """The checker of one per-kind file, or None when the release does not ship it."""
        try:
            schema = load_slim(self.root, self.directory, filename)
        except FileNotFoundError:
            return None
        base = schema.get("$id")
        if not isinstance(base, str):
            return _never
        compiled = self._node(schema, base, root=True)
        native: list[Check] = []

        def check(obj: Any) -> bool:
            if native:
                return native[0](obj)
            self.answered += 1
            if self.answered > HANDOFF:
                native.append(self._native(schema) or compiled)
            return compiled(obj)

        return check

    def _native(self, schema: dict[str, Any]) -> Check | None:
        """jsonschema-rs's is_valid for the same slim schema, or None when it is not installed."""
        try:
            import jsonschema_rs
        except ImportError:
            return None
        if self._registry is None:
            doc = {"$id": self._defs_id, "$defs": self._definitions()}
            self._registry = jsonschema_rs.Registry([(self._defs_id, doc)])
        validator = jsonschema_rs.validator_for(schema, registry=self._registry)
        return validator.is_valid  # type: ignore[no-any-return]

    def _definitions(self) -> dict[str, Any]:
        if self._defs is None:
            doc = load_slim(self.root, self.directory, DEFS_FILE)
            defs = doc.get("$defs")
            self._defs = defs if isinstance(defs, dict) else {}
            self._defs_id = doc.get("$id") if isinstance(doc.get("$id"), str) else ""
        return self._defs

    def _definition(self, name: str) -> Check:
        check = self._compiled.get(name)
        if check is None:
            node = self._definitions().get(name)
            check = _never if node is None else self._node(node, self._defs_id)
            self._compiled[name] = check
        return check

    def _ref(self, ref: Any, base: str, place: Callable[[Check], None]) -> Check:
        """A `$ref` to one of the shared definitions: its check if compiled already, else a stub.

        The stub compiles the target on its first call and gives it to `place` to take its own spot.
        """
        from urllib.parse import urljoin

        if not isinstance(ref, str):
            return _never
        self._definitions()
        target, _, fragment = urljoin(base, ref).partition("#")
        if target != self._defs_id or not fragment.startswith("/$defs/"):
            return _never
        name = fragment[len("/$defs/") :]
        if "/" in name or "~" in name or "%" in name:
            return _never  # a pointer into a definition, or escapes: never used by these schemas
        done = self._compiled.get(name)
        if done is not None:
            return done

        def stub(instance: Any) -> bool:
            check = self._definition(name)
            place(check)
            return check(instance)

        return stub

    def _child(self, sub: Any, base: str, holder: Any, key: Any) -> Check:
        """A child's check, kept by the caller in holder[key]; a lone `$ref` stub replaces itself there."""
        if isinstance(sub, dict) and set(sub) == {"$ref"}:
            return self._ref(sub["$ref"], base, lambda check: holder.__setitem__(key, check))
        return self._node(sub, base)

    def _node(self, node: Any, base: str, root: bool = False) -> Check:
        """One schema node -> its check, with jsonschema's verdict (or a conservative "not valid")."""
        if node is True:
            return _always
        if node is False or not isinstance(node, dict):
            return _never
        keywords = set(node) - _ANNOTATIONS - ({"$id"} if root else set())
        if not keywords <= _KEYWORDS:
            return _never
        kind: Check | None = None
        if "type" in node:
            kind = _type_check(node["type"])
            if kind is None:
                return _never
        checks: list[Check] = []
        if "$ref" in node:
            checks.append(self._child({"$ref": node["$ref"]}, base, checks, 0))
        if "enum" in node:
            checks.append(_enum(node["enum"], kind))
            kind = None  # an enum of strings already says string
        if "oneOf" in node:
            checks.append(self._one_of(node["oneOf"], base))
        if keywords & {"properties", "additionalProperties", "required"}:
            checks.append(self._object(node, base, kind))
            kind = None  # checked there
        if "items" in node:
            checks.append(self._array(node["items"], base, kind))
            kind = None
        if kind is not None:
            checks.append(kind)
        if not checks:
            return _always
        if len(checks) == 1 and "$ref" not in node:
            return checks[0]

        def every(x: Any) -> bool:
            for check in checks:
                if not check(x):
                    return False
            return True

        return every

    def _one_of(self, subs: Any, base: str) -> Check:
        if not isinstance(subs, list) or not subs:
            return _never
        options = [self._node(sub, base) for sub in subs]

        def one_of(x: Any) -> bool:
            passed = 0
            for option in options:
                if option(x):
                    passed += 1
            return passed == 1

        return one_of

    def _array(self, items: Any, base: str, kind: Check | None) -> Check:
        cell: list[Check] = [_never]
        cell[0] = self._child(items, base, cell, 0)
        typed = kind or _always
        lists_pass = typed([])

        def array(x: Any) -> bool:
            if not isinstance(x, list):
                return typed(x)
            item = cell[0]
            if item is _string_or_null:
                for value in x:
                    if value.__class__ is not str and value is not None and not isinstance(value, str):
                        return False
            elif item is _string:
                for value in x:
                    if value.__class__ is not str and not isinstance(value, str):
                        return False
            else:
                for value in x:
                    if not item(value):  # type: ignore[operator]
                        return False
            return lists_pass

        return array

    def _object(self, node: dict[str, Any], base: str, kind: Check | None) -> Check:
        props_schema = node.get("properties", {})
        required = node.get("required", [])
        if not isinstance(props_schema, dict) or not isinstance(required, list):
            return _never
        if not all(isinstance(r, str) for r in required):
            return _never
        props: dict[Any, Check] = {}
        for key, sub in props_schema.items():
            props[key] = self._child(sub, base, props, key)
        cell: list[Check] = [_always]
        if "additionalProperties" in node:
            cell[0] = self._child(node["additionalProperties"], base, cell, 0)
        need = frozenset(required)
        typed = kind or _always
        dicts_pass = typed({})
        if not props:
            return _map(cell, need, typed, dicts_pass)
        if cell[0] is not _never:
            return _open_struct(props, cell, need, typed, dicts_pass)

        def struct(x: Any) -> bool:
            """The commonest shape: known properties only (additionalProperties false)."""
            if not isinstance(x, dict):
                return typed(x)
            try:
                for key, value in x.items():
                    check = props[key]
                    if check is _string_or_null:
                        if value.__class__ is not str and value is not None and not isinstance(value, str):
                            return False
                    elif check is _string:
                        if value.__class__ is not str and not isinstance(value, str):
                            return False
                    elif not check(value):
                        return False
            except KeyError:
                return False  # an unknown field
            if need and not need <= x.keys():
                return False
            return dicts_pass

        return struct


def _map(cell: list[Check], need: frozenset[str], typed: Check, dicts_pass: bool) -> Check:
    """An object without properties: a map whose every value is checked by additionalProperties."""

    def map_(x: Any) -> bool:
        if not isinstance(x, dict):
            return typed(x)
        check = cell[0]
        if check is _string_or_null:
            for value in x.values():
                if value.__class__ is not str and value is not None and not isinstance(value, str):
                    return False
        elif check is _string:
            for value in x.values():
                if value.__class__ is not str and not isinstance(value, str):
                    return False
        else:
            for value in x.values():
                if not check(value):
                    return False
        if need and not need <= x.keys():
            return False
        return dicts_pass

    return map_


def _open_struct(
    props: dict[Any, Check], cell: list[Check], need: frozenset[str], typed: Check, dicts_pass: bool
) -> Check:
    """Properties plus additionalProperties true or a schema: unknown keys are checked by the latter."""
    get = props.get

    def open_struct(x: Any) -> bool:
        if not isinstance(x, dict):
            return typed(x)
        other = cell[0]
        for key, value in x.items():
            if not get(key, other)(value):
                return False
        if need and not need <= x.keys():
            return False
        return dicts_pass

    return open_struct


def _enum(values: Any, kind: Check | None) -> Check:
    """jsonschema's `enum` for a list of strings (its equality: 1 != True, and only a str equals a str)."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return _never
    if kind is not None and not kind(""):
        return _never  # the type excludes strings, the enum only has strings
    allowed = frozenset(values)
    return lambda x: isinstance(x, str) and x in allowed


# Objects a release answers with the closures before a large batch moves to jsonschema-rs (when
# installed): the closures take ~2x its time per object, its import and registry ~25 ms once, so
# runs up to a few thousand objects never load it and large ones lose ~10 ms to the handoff.
HANDOFF = 2000


@lru_cache(maxsize=16)
def release(schema_root: Path, directory: str) -> Release:
    return Release(schema_root, directory)
