"""d2k.schema_check: the compiled strict schemas answer exactly as jsonschema does, and the slim cache.

The compiled checker is the fast "valid?" of validation's schema layer; jsonschema (the slow path
that writes the messages) is the reference. Every object of every golden sample, and systematic
mutations of them (a wrong type at every node, bool for int, 2.0 for int, null everywhere,
unknown fields at every level, each field removed, enum violations, IntOrString and Quantity
variants), must get the same verdict from both, for the oldest, a middle and the newest release.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2k import schema_check
from d2k.validate import (
    _fast_validator,
    _flatten,
    _kind_file,
    _schema_root,
    _shipped,
    _validator,
    load_manifests,
)

ROOT = Path(__file__).parent
RELEASES = [(1, 25), (1, 31), (1, 37)]  # oldest, middle, newest shipped
# Values put at every node: null, bool for int, numbers as text, int, integral and fractional
# floats, a list and an object where something else stands (IntOrString and Quantity among them).
VARIANTS: tuple[Any, ...] = (None, True, "7", 7, 7.0, 0.5, [1], {"k": "v"})


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own cache directory, and no compiled release carried over from another test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    schema_check.release.cache_clear()
    schema_check._PENDING.clear()
    _fast_validator.cache_clear()
    yield tmp_path / "cache"
    schema_check.release.cache_clear()
    _fast_validator.cache_clear()


@cache
def golden_objects() -> list[dict[str, Any]]:
    """Read once; the tests copy before they change anything."""
    paths = sorted((ROOT / "golden").glob("*/manifests.yaml"))
    paths += sorted((ROOT / "fixtures" / "validate" / "reference").glob("*.yaml"))
    assert len(paths) >= 10
    objects: list[dict[str, Any]] = []
    for path in paths:
        objects += load_manifests(path.read_text(encoding="utf-8"), str(path))
    flat, problems = _flatten(objects)
    assert not problems
    return flat


def nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from nodes(sub, (*path, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from nodes(sub, (*path, i))


def replaced(obj: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    holder: Any = out
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return out


def mutations(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what changed, the mutated object), once per shape: list indices count as one place."""
    seen: set[str] = set()

    def once(label: str) -> bool:
        if label in seen:
            return False
        seen.add(label)
        return True

    for path, value in nodes(obj):
        place = ".".join("[]" if isinstance(step, int) else str(step) for step in path)
        if path and path[0] not in ("apiVersion", "kind"):  # those pick the schema itself
            for variant in VARIANTS:
                if once(f"{place}={variant!r}"):
                    yield f"{place} = {variant!r}", replaced(obj, path, variant)
            if isinstance(value, str) and once(f"{place}=enum"):
                yield f"{place} = not-a-value", replaced(obj, path, value + "-not-a-value")
        if isinstance(value, dict):
            if once(f"{place}+unknown"):
                yield (
                    f"{place} + unknown field",
                    replaced(obj, (*path, "zzUnknown"), "x")
                    if path
                    else {
                        **obj,
                        "zzUnknown": "x",
                    },
                )
            for key in value:
                if not path and key in ("apiVersion", "kind"):
                    continue
                if once(f"{place}-{key}"):
                    removed = copy.deepcopy(obj)
                    holder: Any = removed
                    for step in path:
                        holder = holder[step]
                    del holder[key]
                    yield f"{place} - {key}", removed
        if isinstance(value, list) and value and once(f"{place}+null-item"):
            yield f"{place} + null item", replaced(obj, path, [*value, None])


def verdicts(obj: dict[str, Any], version: tuple[int, int]) -> tuple[bool, bool]:
    """(compiled checker's verdict, jsonschema's verdict)."""
    fast = _fast_validator(obj["kind"], obj["apiVersion"], version)
    slow = _validator(obj["kind"], obj["apiVersion"], version)
    assert fast is not None and slow is not None, obj["kind"]
    return fast(obj), slow.is_valid(obj)


def distinct_by_kind(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The largest object of each kind and apiVersion, plus every Deployment shape (they vary the most)."""
    chosen: dict[Any, dict[str, Any]] = {}
    for obj in objects:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        key = (obj["kind"], obj["apiVersion"], tuple(sorted(spec)) if obj["kind"] == "Deployment" else ())
        if key not in chosen or len(json.dumps(obj)) > len(json.dumps(chosen[key])):
            chosen[key] = obj
    return list(chosen.values())


@pytest.mark.parametrize("version", RELEASES, ids=lambda v: f"{v[0]}.{v[1]}")
def test_every_golden_object_gets_jsonschemas_verdict(version: tuple[int, int]) -> None:
    objects = golden_objects()
    for obj in objects:
        assert verdicts(obj, version) == (True, True), (obj["kind"], obj["metadata"]["name"])


@pytest.mark.parametrize("version", RELEASES, ids=lambda v: f"{v[0]}.{v[1]}")
def test_mutations_get_jsonschemas_verdict(version: tuple[int, int]) -> None:
    counts = {True: 0, False: 0}
    for obj in distinct_by_kind(golden_objects()):
        for label, mutated in mutations(obj):
            fast, slow = verdicts(mutated, version)
            assert fast == slow, f"{obj['kind']} {label}: compiled says {fast}, jsonschema {slow}"
            counts[slow] += 1
    assert counts[True] > 100 and counts[False] > 1000, counts  # both verdicts well exercised


def test_a_large_batch_moves_to_jsonschema_rs_with_the_same_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jsonschema_rs")
    monkeypatch.setattr(schema_check, "HANDOFF", 0)
    version = RELEASES[1]
    for obj in distinct_by_kind(golden_objects()):
        for label, mutated in [("as is", obj), *mutations(obj)]:
            fast, slow = verdicts(mutated, version)
            assert fast == slow, f"{obj['kind']} {label}: jsonschema-rs says {fast}, jsonschema {slow}"
    assert schema_check.release(_schema_root(), _shipped()[version])._registry is not None  # it did answer


def test_a_small_run_never_imports_jsonschema_rs() -> None:
    code = (
        "import sys; from d2k.validate import validate_objects, load_manifests; from pathlib import Path;"
        "objects = load_manifests(Path('tests/golden/voting-app/manifests.yaml').read_text(), 'm');"
        "assert validate_objects(objects) == []; print('jsonschema_rs' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent, env=env
    )
    assert out.stdout.strip() == "False"


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70000)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "TCP", "Always", "80", "1Gi", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "port", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_anywhere_gets_jsonschemas_verdict(data: st.DataObject) -> None:
    objects = distinct_by_kind(golden_objects())
    obj = data.draw(st.sampled_from(objects))
    places = [path for path, _ in nodes(obj) if path and path[0] not in ("apiVersion", "kind")]
    path = data.draw(st.sampled_from(places))
    mutated = replaced(obj, path, data.draw(JSON))
    fast, slow = verdicts(mutated, data.draw(st.sampled_from(RELEASES)))
    assert fast == slow


# --- the compiler's own rules, on small schemas -------------------------------------------------


def compiled(node: dict[str, Any]) -> Any:
    """A node compiled on its own (its $refs resolve into the 1.37 definitions)."""
    release = schema_check.Release(_schema_root(), _shipped()[(1, 37)])
    return release._node(node, "https://kubernetes.io/x")


@pytest.mark.parametrize(
    ("types", "valid", "invalid"),
    [
        ("integer", [0, -5, 2.0, 10**30], [True, False, 2.5, "2", None, float("inf"), float("nan")]),
        ("number", [0, 2.5, -1e300, 2.0], [True, "2", None, [1]]),
        (["string", "null"], ["", "x", None], [1, True, [], {}]),
        ("boolean", [True, False], [0, 1, "true", None]),
        (["array", "null"], [[], [1], None], [(), {}, "x"]),
        ("object", [{}, {"a": 1}], [None, [], "x"]),
    ],
)
def test_types_follow_jsonschema(types: Any, valid: list[Any], invalid: list[Any]) -> None:
    check = compiled({"type": types})
    assert [check(v) for v in valid] == [True] * len(valid)
    assert [check(v) for v in invalid] == [False] * len(invalid)


def test_enum_compares_as_jsonschema_does() -> None:
    check = compiled({"type": ["string", "null"], "enum": ["TCP", "UDP"]})
    assert check("TCP") and not check("tcp") and not check(None) and not check(1)


def test_int_or_string_and_quantity_reject_null_matching_both() -> None:
    int_or_string = compiled({"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]})
    assert int_or_string("http") and int_or_string(80) and int_or_string(80.0)
    assert not int_or_string(None) and not int_or_string(0.5) and not int_or_string(True)


@pytest.mark.parametrize(
    ("node", "instance"),
    [
        ({"type": "string", "pattern": "^a"}, "a"),
        ({"type": "string", "minLength": 1}, "a"),
        ({"allOf": [{"type": "string"}]}, "a"),
        ({"type": "strnig"}, "a"),
        ({"enum": [1, 2]}, 1),
        ({"properties": {"a": {"type": "string", "maxLength": 2}}}, {"a": "a"}),
        ({"type": "object", "additionalProperties": {"const": "a"}}, {"b": "a"}),
        ({"type": "array", "items": {"type": "string", "pattern": "a"}}, ["a"]),
        ({"$ref": "https://elsewhere.example/defs.json#/$defs/X"}, "a"),
        ({"$ref": "#/$defs/io.k8s.api.core.v1.Pod/properties/spec"}, {}),
        ({"$ref": "/api/_definitions.json#/$defs/no.such.Definition"}, {}),
    ],
)
def test_a_keyword_the_compiler_does_not_know_answers_not_valid(node: dict[str, Any], instance: Any) -> None:
    """jsonschema would accept each instance (or fail to resolve); the compiler sends it to jsonschema."""
    assert compiled(node)(instance) is False


def test_recursive_definitions_compile_and_check() -> None:
    """JSONSchemaProps refers to itself (a CRD's openAPIV3Schema nests schemas)."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Thing", "plural": "things"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}
                            },
                        }
                    },
                }
            ],
        },
    }
    bad = copy.deepcopy(crd)
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["n"][
        "type"
    ] = 3
    for version in RELEASES:
        assert verdicts(crd, version) == (True, True)
        assert verdicts(bad, version) == (False, False)


# --- the slim cache --------------------------------------------------------------------------


def first_kind_file(version: tuple[int, int]) -> tuple[str, str]:
    return _shipped()[version], _kind_file("Deployment", "apps/v1")


def test_slim_drops_annotations_but_keeps_property_names() -> None:
    node = {
        "description": "d",
        "x-kubernetes-list-type": "map",
        "type": "object",
        "properties": {"description": {"type": "string", "description": "d"}, "default": {"type": "object"}},
        "items": {"description": "d", "type": "string"},
        "oneOf": [{"description": "d", "type": "string"}],
        "enum": ["description"],
    }
    assert schema_check.slim(node) == {
        "type": "object",
        "properties": {"description": {"type": "string"}, "default": {"type": "object"}},
        "items": {"type": "string"},
        "oneOf": [{"type": "string"}],
        "enum": ["description"],
    }


def test_first_run_writes_the_cache_and_the_next_reads_it(private_cache: Path) -> None:
    directory, filename = first_kind_file((1, 37))
    root = _schema_root()
    path = schema_check.cache_path(root, directory, schema_check.DEFS_FILE)
    assert path.is_relative_to(private_cache / "d2k")
    assert not path.exists()
    fresh = schema_check.load_slim(root, directory, schema_check.DEFS_FILE)
    assert not path.exists()  # kept for write_pending: a run refused before its checks end leaves no cache
    schema_check.write_pending()
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o644"
    assert not list(path.parent.glob(".*.tmp"))
    held = json.loads(path.read_bytes())
    held["schema"]["$defs"]["io.k8s.api.core.v1.Marker"] = {"type": "string"}  # read back, not rebuilt
    path.write_text(json.dumps(held))
    again = schema_check.load_slim(root, directory, schema_check.DEFS_FILE)
    assert "io.k8s.api.core.v1.Marker" in again["$defs"]
    assert {k: v for k, v in again["$defs"].items() if k != "io.k8s.api.core.v1.Marker"} == fresh["$defs"]
    assert schema_check.cache_path(root, directory, filename).exists() is False
    schema_check.load_slim(root, directory, filename)
    schema_check.write_pending()
    assert schema_check.cache_path(root, directory, filename).exists()


@pytest.mark.parametrize("damage", ["truncated", "not json", "wrong shape", "other source", "deep"])
def test_a_corrupt_cache_falls_back_to_the_package_and_heals(damage: str) -> None:
    root = _schema_root()
    directory = _shipped()[(1, 30)]
    path = schema_check.cache_path(root, directory, schema_check.DEFS_FILE)
    good = schema_check.load_slim(root, directory, schema_check.DEFS_FILE)
    schema_check.write_pending()
    text = path.read_text()
    broken = {
        "truncated": text[: len(text) // 2],
        "not json": "\x00\xff garbage",
        "wrong shape": json.dumps({"source": json.loads(text)["source"], "schema": []}),
        "other source": json.dumps({"source": [1, 2], "schema": {"$defs": {}}}),
        "deep": "[" * 100000,
    }[damage]
    path.write_text(broken, encoding="latin-1")
    assert schema_check.load_slim(root, directory, schema_check.DEFS_FILE) == good
    schema_check.write_pending()
    assert json.loads(path.read_bytes())["schema"] == good  # rewritten
    obj = golden_objects()[0]
    assert verdicts(obj, (1, 30)) == (True, True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only modes")
def test_an_unwritable_cache_is_skipped(private_cache: Path) -> None:
    private_cache.mkdir(parents=True)
    private_cache.chmod(0o500)
    try:
        for obj in golden_objects()[:5]:
            assert verdicts(obj, (1, 37)) == (True, True)
        schema_check.write_pending()
        assert not (private_cache / "d2k").exists()
    finally:
        private_cache.chmod(0o700)


def test_a_cache_dir_that_is_a_file_is_skipped(private_cache: Path) -> None:
    """Unwritable even for root: the cache folder's place is taken by a file."""
    private_cache.mkdir(parents=True)
    (private_cache / "d2k").write_text("not a folder")
    for obj in golden_objects()[:5]:
        assert verdicts(obj, (1, 37)) == (True, True)
    schema_check.write_pending()
    assert (private_cache / "d2k").read_text() == "not a folder"


def test_the_cache_key_changes_with_the_release_and_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    root = _schema_root()
    paths = {schema_check.cache_path(root, _shipped()[v], schema_check.DEFS_FILE) for v in RELEASES}
    assert len(paths) == len(RELEASES)
    before = schema_check.cache_path(root, _shipped()[(1, 37)], schema_check.DEFS_FILE)
    assert (
        schema_check.package_version(root) in str(before) and schema_check.package_version(root) != "unknown"
    )
    schema_check.package_version.cache_clear()
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: '__version__ = "9.9.9"\n')
    try:
        after = schema_check.cache_path(root, _shipped()[(1, 37)], schema_check.DEFS_FILE)
    finally:
        schema_check.package_version.cache_clear()
    assert after != before and "9.9.9" in str(after)


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert schema_check.cache_dir() == tmp_path / ".cache" / "d2k"


def schema_keywords(node: Any, found: set[str]) -> None:
    """Every keyword used at a schema position (property names and enum values are not keywords)."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        found.add(key)
        if key in ("properties", "$defs"):
            for sub in value.values():
                schema_keywords(sub, found)
        elif key in ("items", "additionalProperties"):
            schema_keywords(value, found)
        elif key == "oneOf":
            for sub in value:
                schema_keywords(sub, found)


def test_every_shipped_release_uses_only_keywords_the_compiler_knows() -> None:
    """A new keyword in a kubernetes-validate release would send every object to the slow path."""
    root = _schema_root()
    for version, directory in sorted(_shipped().items()):
        found: set[str] = set()
        defs = schema_check.load_slim(root, directory, schema_check.DEFS_FILE)
        schema_keywords(defs, found)
        schema_keywords(schema_check.load_slim(root, directory, _kind_file("Deployment", "apps/v1")), found)
        allowed = schema_check._KEYWORDS | schema_check._ANNOTATIONS | {"$id", "$defs"}
        assert found <= allowed, (version, found - allowed)
        release = schema_check.Release(root, directory)
        slots = [release._definition(name) for name in defs["$defs"]]
        assert schema_check._never not in slots, version  # no definition is refused outright
