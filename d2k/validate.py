"""Check Kubernetes objects the way the API server would, before d2k writes them.

Three layers, each catching what the one before cannot see:

1. the official OpenAPI-derived JSON schemas in strict mode (unknown fields are
   errors), shipped by the `kubernetes-validate` package for several releases;
2. field rules the API server enforces in Go code that no schema expresses
   (DNS names, port names, quantities, selectors, references inside a pod spec);
3. rules across the set of objects (a Service selects a pod template that
   exposes its targetPort, every ConfigMap/Secret/PVC referenced is present).

`jsonschema` and `kubernetes_validate` are imported inside functions so that
`import d2k.validate` stays cheap for commands that never validate.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any

from d2k.errors import InputError
from d2k.patterns import lazy
from d2k.records import dataclass
from d2k.records import field as dc_field

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "DEFAULT_K8S_VERSION",
    "Problem",
    "load_manifests",
    "parse_quantity",
    "supported_versions",
    "validate_objects",
]

DEFAULT_K8S_VERSION = "1.34"

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing the API server would reject, located by kind/name and field path."""

    kind: str
    name: str
    path: str
    message: str

    def render(self) -> str:
        where = f"{self.kind}/{self.name}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


# ---------------------------------------------------------------------------
# Small accessors: objects may be malformed (layer 1 reports that), so the
# rules read them defensively instead of crashing on a wrong type.


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(obj: Obj) -> str:
    return _str(_d(obj.get("metadata")).get("name"))


def _ns(obj: Obj) -> str:
    return _str(_d(obj.get("metadata")).get("namespace"))


_FIELD = lazy(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _join(path: str, key: str | int) -> str:
    """Kubernetes field-path notation: `.field`, `[0]` for list items, `[key]` for map keys."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _FIELD.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key}]"


# ---------------------------------------------------------------------------
# Name grammars, as in k8s.io/apimachinery/pkg/util/validation.

_DNS1123_LABEL = lazy(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = lazy(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = lazy(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = lazy(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = lazy(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORT_NAME_CHARS = lazy(r"^[-a-z0-9]+$")
_ENV_VAR_NAME = lazy(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_CONFIG_KEY = lazy(r"^[-._a-zA-Z0-9]+$")


# The same names and label keys recur in every object (app.kubernetes.io/name, the part-of value):
# each pure name check answers a distinct value once, from a cache emptied by every validate_objects.
_NAME_CACHES: list[dict[str, tuple[str, ...]]] = []


def _answered_once(check: Callable[[str], list[str]]) -> Callable[[str], Sequence[str]]:
    cache: dict[str, tuple[str, ...]] = {}
    _NAME_CACHES.append(cache)

    @wraps(check)
    def cached(value: str) -> Sequence[str]:
        found = cache.get(value)
        if found is None:
            found = cache[value] = tuple(check(value))
        return found  # a tuple: the answer is shared, so nobody can change it

    return cached


def _forget_names() -> None:
    for cache in _NAME_CACHES:
        cache.clear()
    _VALID_LABELS.clear()


def _grammar(value: str, limit: int, pattern: re.Pattern[str], message: str) -> list[str]:
    """The API server's two findings for a name: too long, and not of its grammar."""
    errs = [f"must be no more than {limit} characters"] if len(value) > limit else []
    if not pattern.match(value):
        errs.append(message)
    return errs


@_answered_once
def dns1123_label(value: str) -> list[str]:
    """RFC 1123 label: container, volume and Service port names, namespaces."""
    return _grammar(value, 63, _DNS1123_LABEL, "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                    "characters or '-', and must start and end with an alphanumeric character")  # fmt: skip


@_answered_once
def dns1123_subdomain(value: str) -> list[str]:
    """RFC 1123 subdomain: the names of most objects, label-key prefixes, host aliases."""
    return _grammar(value, 253, _DNS1123_SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case "
                    "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")  # fmt: skip


@_answered_once
def dns1035_label(value: str) -> list[str]:
    """RFC 1035 label: Service names, which become DNS names and so must start with a letter."""
    return _grammar(value, 63, _DNS1035_LABEL, "a DNS-1035 label must consist of lower case alphanumeric characters "
                    "or '-', start with an alphabetic character, and end with an alphanumeric character")  # fmt: skip


@_answered_once
def qualified_name(value: str) -> list[str]:
    """Label and annotation keys: optional DNS-subdomain prefix, '/', then a 63-char name."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        errs: list[str] = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs = ["prefix part must be non-empty"]
        else:
            errs = [f"prefix part {m}" for m in dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'"
        ]
    if not name:
        errs.append("name part must be non-empty")
    else:
        if len(name) > 63:
            errs.append("name part must be no more than 63 characters")
        if not _QUALIFIED_NAME.match(name):
            errs.append(
                "name part must consist of alphanumeric characters, '-', '_' or '.', "
                "and must start and end with an alphanumeric character"
            )
    return errs


@_answered_once
def label_value(value: str) -> list[str]:
    """Label values: empty, or up to 63 alphanumerics with '-', '_', '.' inside."""
    return _grammar(value, 63, _LABEL_VALUE, "a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric character")  # fmt: skip


@_answered_once
def port_name(value: str) -> list[str]:
    """IANA_SVC_NAME (RFC 6335): container port names, named targetPorts and probe ports."""
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if not re.search(r"[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def env_var_name(value: str, version: tuple[int, int]) -> list[str]:
    """Environment variable names; relaxed to printable ASCII but '=' from 1.32 (KEP-4369 beta, GA 1.34)."""
    if not value:
        return ["environment variable name must be non-empty"]
    if version >= (1, 32):
        if any(not (0x20 <= ord(c) <= 0x7E) or c == "=" for c in value):
            return [
                "a valid environment variable name must consist only of printable ASCII characters other than '='"
            ]
        return []
    if not _ENV_VAR_NAME.match(value):
        return [
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
            "or '.', and must not start with a digit"
        ]
    return []


@_answered_once
def config_key(value: str) -> list[str]:
    """ConfigMap and Secret keys: they become file names in volumes, hence no '..' prefix."""
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(value):
        errs.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.'")
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def port_number(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else ["must be between 1 and 65535, inclusive"]


def _int_or_port_name(value: Any) -> Sequence[str]:
    """A port given as a number or as an IANA_SVC_NAME (targetPort, probe ports)."""
    number = _int(value)
    if number is not None:
        return port_number(number)
    if isinstance(value, str):
        return port_name(value)
    return []  # wrong type: the schema layer reports it


# ---------------------------------------------------------------------------
# Quantities, as in k8s.io/apimachinery/pkg/api/resource.

_QUANTITY = lazy(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E|)$"
)
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(value: Any) -> Decimal | None:
    """The value of a Kubernetes quantity ("500m", "1.5Gi", "1e3", 2), or None if it does not parse."""
    from decimal import Decimal, InvalidOperation  # objects without quantities never load it

    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if not match:
        return None
    number = Decimal(match["num"])
    suffix = match["suffix"]
    if suffix in _BINARY:
        return number * (Decimal(2) ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return number.scaleb(_DECIMAL[suffix])
    return number.scaleb(int(suffix[1:]))


# ---------------------------------------------------------------------------
# Where things live in the objects.

_TEMPLATE_KINDS = {"Deployment", "Job", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"}
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class _PodTemplate:
    """A pod spec inside an object: where it sits, its spec and its labels."""

    path: str
    spec: dict[str, Any]
    labels: dict[str, Any]
    labels_path: str
    # (path, container) of every container, init and ephemeral ones included, and (path, volume):
    # listed once here, since about ten rules walk them for every object
    containers: list[tuple[str, dict[str, Any]]] = dc_field(default_factory=list, compare=False)
    volumes: list[tuple[str, dict[str, Any]]] = dc_field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        for name in _CONTAINER_LISTS:
            for i, container in enumerate(_l(self.spec.get(name))):
                if isinstance(container, dict):
                    self.containers.append((f"{self.path}.{name}[{i}]", container))
        for i, volume in enumerate(_l(self.spec.get("volumes"))):
            if isinstance(volume, dict):
                self.volumes.append((f"{self.path}.volumes[{i}]", volume))


# id(obj) -> (obj, template) for the validate_objects call under way: every rule asks for it
_TEMPLATES: dict[int, tuple[Obj, _PodTemplate | None]] = {}


# the object asked about last and its template: the rules of one object ask one after another
_LAST_TEMPLATE: list[Any] = [None, None]


def _pod_template(obj: Obj) -> _PodTemplate | None:
    """The object's pod template, worked out once per validation run (rules ask ~14 times an object)."""
    last = _LAST_TEMPLATE
    if last[0] is obj:
        return last[1]  # type: ignore[no-any-return]
    hit = _TEMPLATES.get(id(obj))
    if hit is not None and hit[0] is obj:
        template = hit[1]
    else:
        template = _find_pod_template(obj)
        _TEMPLATES[id(obj)] = (obj, template)
    last[0], last[1] = obj, template
    return template


def _forget_templates() -> None:
    _TEMPLATES.clear()
    _LAST_TEMPLATE[0] = _LAST_TEMPLATE[1] = None


def _find_pod_template(obj: Obj) -> _PodTemplate | None:
    kind = obj.get("kind")
    spec = _d(obj.get("spec"))
    if kind == "Pod":
        return _PodTemplate("spec", spec, _d(_d(obj.get("metadata")).get("labels")), "metadata.labels")
    if kind in _TEMPLATE_KINDS:
        template = _d(spec.get("template"))
        return _PodTemplate(
            "spec.template.spec",
            _d(template.get("spec")),
            _d(_d(template.get("metadata")).get("labels")),
            "spec.template.metadata.labels",
        )
    if kind == "CronJob":
        template = _d(_d(_d(spec.get("jobTemplate")).get("spec")).get("template"))
        return _PodTemplate(
            "spec.jobTemplate.spec.template.spec",
            _d(template.get("spec")),
            _d(_d(template.get("metadata")).get("labels")),
            "spec.jobTemplate.spec.template.metadata.labels",
        )
    return None


def _containers(tpl: _PodTemplate) -> list[tuple[str, dict[str, Any]]]:
    """Every container of a pod spec with its path, init and ephemeral ones included."""
    return tpl.containers


def _volumes(tpl: _PodTemplate) -> list[tuple[str, dict[str, Any]]]:
    return tpl.volumes


# ---------------------------------------------------------------------------
# Layer 1: the JSON schemas.

_SCHEMA_DIR = lazy(r"^v(\d+)\.(\d+)\.(\d+)-local-strict$")


@lru_cache(maxsize=1)
def _schema_root() -> Any:
    """The schemas' folder, found without importing kubernetes_validate (which imports jsonschema: 45 ms)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("kubernetes-validate is not installed: pip install kubernetes-validate")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@lru_cache(maxsize=1)
def _shipped() -> dict[tuple[int, int], str]:
    """(major, minor) -> strict schema directory, for every release the package ships."""
    found: dict[tuple[int, int], str] = {}
    for entry in _schema_root().iterdir():
        match = _SCHEMA_DIR.match(entry.name)
        if match:
            key = (int(match[1]), int(match[2]))
            found[key] = max(found.get(key, entry.name), entry.name)
    return found


def supported_versions() -> list[str]:
    """The Kubernetes minor versions whose schemas are available, oldest first ("1.25" ... "1.37")."""
    return [f"{major}.{minor}" for major, minor in sorted(_shipped())]


def _parse_version(k8s_version: str) -> tuple[int, int]:
    """ "1.30", "v1.30" or "1.30.2" -> (1, 30), mapped down to the newest shipped release not after it."""
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", k8s_version.strip())
    if not match:
        raise InputError(f"Kubernetes version {k8s_version!r} is not of the form 1.30")
    wanted = (int(match[1]), int(match[2]))
    shipped = sorted(_shipped())
    if not shipped:
        raise InputError("kubernetes-validate ships no strict schemas; reinstall it")
    if wanted < shipped[0] or wanted > shipped[-1]:
        raise InputError(
            f"Kubernetes {wanted[0]}.{wanted[1]} is not supported; "
            f"choose {supported_versions()[0]} to {supported_versions()[-1]}"
        )
    return max(v for v in shipped if v <= wanted)


def _load_json(directory: str, filename: str) -> Any:
    return json.loads((_schema_root() / directory / filename).read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def _definitions(directory: str) -> Any:
    """The 1.5 MB shared definitions of one release, parsed once."""
    from referencing import Resource

    defs = _load_json(directory, "_definitions.json")
    return Resource.from_contents(defs), defs.get("$id", "https://kubernetes.io/api/_definitions.json")


def _kind_file(kind: str, api_version: str) -> str:
    """The package's file naming: "apps/v1" -> "apps-v1", "rbac.authorization.k8s.io/v1" -> "rbac-v1"."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@lru_cache(maxsize=256)
def _validator(kind: str, api_version: str, version: tuple[int, int]) -> Any:
    """A ready jsonschema validator for one kind/apiVersion/release, or None when none is shipped.

    Building one costs milliseconds (schema parsing, registry); validating with
    a built one costs well under one, hence the cache.
    """
    import jsonschema
    from referencing import Registry, Resource

    directory = _shipped()[version]
    try:
        schema = _load_json(directory, _kind_file(kind, api_version))
    except FileNotFoundError:
        return None
    defs, defs_id = _definitions(directory)
    resource = Resource.from_contents(schema)
    registry: Any = Registry().with_resources([(defs_id, defs), (schema.get("$id", ""), resource)])
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry)


@lru_cache(maxsize=256)
def _fast_validator(kind: str, api_version: str, version: tuple[int, int]) -> Callable[[Any], bool] | None:
    """The same strict schema compiled to Python closures (d2k.schema_check): valid or not, in microseconds.

    An invalid object goes through the jsonschema path for Kubernetes-style paths and messages.
    None when no schema is shipped for the kind.
    """
    from d2k import schema_check

    return schema_check.release(_schema_root(), _shipped()[version]).kind(_kind_file(kind, api_version))


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _schema_problems(obj: Obj, version: tuple[int, int]) -> Iterator[tuple[str, str]]:
    """Layer 1: the strict schema of the object's kind, unknown fields included."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        yield "kind", "Required value"
        return
    if not isinstance(api_version, str) or not api_version:
        yield "apiVersion", "Required value"
        return
    fast = _fast_validator(kind, api_version, version)
    if fast is not None and fast(obj):
        return
    validator = _validator(kind, api_version, version)
    if validator is None:
        yield "apiVersion", f"{api_version} {kind} is not served by Kubernetes {version[0]}.{version[1]}"
        return
    errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = _error_path(error)
        if (
            error.validator == "additionalProperties"
            and error.validator_value is False
            and isinstance(error.instance, dict)
        ):
            known = _d(error.schema).get("properties", {})
            for key in error.instance:
                if key not in known:
                    yield _join(path, str(key)), f'unknown field "{key}"'
            continue
        yield path, _short(error.message)


def _error_path(error: Any) -> str:
    """The instance path of a schema error, with map keys (labels, limits) written `[key]` as Kubernetes does.

    The schema path tells which steps were struct fields (`properties`) and
    which were map keys (`additionalProperties`); `$ref` hops do not appear.
    """
    instance = list(error.absolute_path)
    schema = list(error.absolute_schema_path)
    path = ""
    step = 0
    for i, keyword in enumerate(schema):
        if step >= len(instance):
            break
        key = instance[step]
        if keyword == "properties" and i + 1 < len(schema) and schema[i + 1] == key:
            path = f"{path}.{key}" if path else str(key)
        elif keyword in ("additionalProperties", "patternProperties") or (
            keyword == "items" and isinstance(key, int)
        ):
            path = f"{path}[{key}]"
        else:
            continue
        step += 1
    for key in instance[step:]:
        path = _join(path, key)
    return path


# ---------------------------------------------------------------------------
# Layer 2: rules per object. Each yields (field path, message).

Finding = tuple[str, str]


def rule_object_name(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """metadata.name is required; Services need a DNS-1035 label, Jobs a label value, the rest a subdomain."""
    kind = obj.get("kind")
    meta = _d(obj.get("metadata"))
    name = meta.get("name")
    if kind == "List":
        return
    if not isinstance(name, str) or not name:
        if not meta.get("generateName"):
            yield "metadata.name", "Required value: name or generateName is required"
        return
    if kind == "Service":
        errs = dns1035_label(name)
    else:
        errs = dns1123_subdomain(name)
        if kind == "Job" and not errs:
            # the controller labels its pods with the job name
            errs = label_value(name)
    for msg in errs:
        yield "metadata.name", f"Invalid value: {name!r}: {msg}"
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        for msg in dns1123_label(namespace):
            yield "metadata.namespace", f"Invalid value: {namespace!r}: {msg}"


# (key, value) label pairs found valid in this validation run: an object's labels recur in its selector,
# its template and the Service that selects it
_VALID_LABELS: set[tuple[str, str]] = set()


def _label_map(labels: dict[str, Any], path: str) -> Iterator[Finding]:
    for key, value in labels.items():
        pair = (key, value) if type(key) is str and type(value) is str else None
        if pair is not None and pair in _VALID_LABELS:
            continue
        found = False
        for msg in qualified_name(str(key)):
            found = True
            yield path, f"Invalid value: {key!r}: {msg}"
        if isinstance(value, str):
            for msg in label_value(value):
                found = True
                yield f"{path}[{key}]", f"Invalid value: {value!r}: {msg}"
        if pair is not None and not found:
            _VALID_LABELS.add(pair)


def rule_labels(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Label keys are qualified names and values 63-char label values: metadata, pod template, selectors."""
    yield from _label_map(_d(_d(obj.get("metadata")).get("labels")), "metadata.labels")
    tpl = _pod_template(obj)
    if tpl is not None and tpl.labels_path != "metadata.labels":
        yield from _label_map(tpl.labels, tpl.labels_path)
    spec = _d(obj.get("spec"))
    if obj.get("kind") == "Service":
        yield from _label_map(_d(spec.get("selector")), "spec.selector")
    else:
        selector = _d(spec.get("selector"))
        yield from _label_map(_d(selector.get("matchLabels")), "spec.selector.matchLabels")


ANNOTATIONS_MAX_BYTES = 256 * 1024


def rule_annotations(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Annotation keys are qualified names (checked lowercased) and all of them total at most 256 KiB."""
    paths = [("metadata.annotations", _d(_d(obj.get("metadata")).get("annotations")))]
    if obj.get("kind") in _TEMPLATE_KINDS:
        template = _d(_d(obj.get("spec")).get("template"))
        paths.append(
            ("spec.template.metadata.annotations", _d(_d(template.get("metadata")).get("annotations")))
        )
    for path, notes in paths:
        total = 0
        for key, value in notes.items():
            for msg in qualified_name(str(key).lower()):
                yield path, f"Invalid value: {key!r}: {msg}"
            total += len(str(key).encode()) + len(_str(value).encode())
        if total > ANNOTATIONS_MAX_BYTES:
            yield path, f"Too long: must have at most {ANNOTATIONS_MAX_BYTES} bytes (has {total})"


def rule_container_names(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Container names are DNS-1123 labels, unique across init, regular and ephemeral containers."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    seen: set[str] = set()
    for path, container in _containers(tpl):
        name = container.get("name")
        if not isinstance(name, str):
            continue
        for msg in dns1123_label(name):
            yield f"{path}.name", f"Invalid value: {name!r}: {msg}"
        if name in seen:
            yield f"{path}.name", f"Duplicate value: {name!r}"
        seen.add(name)


_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def rule_container_image(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Every container names an image, and imagePullPolicy is one of the three the kubelet knows."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for path, container in _containers(tpl):
        if not container.get("image"):
            yield f"{path}.image", "Required value"
        policy = container.get("imagePullPolicy")
        if isinstance(policy, str) and policy not in _PULL_POLICIES:
            shown = ", ".join(f'"{p}"' for p in _PULL_POLICIES)
            yield f"{path}.imagePullPolicy", f"Unsupported value: {policy!r}: supported values: {shown}"


_PROTOCOLS = ("TCP", "UDP", "SCTP")


def rule_container_ports(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Container ports: 1-65535, IANA_SVC_NAME names unique per container, known protocol, no duplicate port."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for cpath, container in _containers(tpl):
        names: set[str] = set()
        pairs: set[tuple[int, str]] = set()
        for i, port in enumerate(_l(container.get("ports"))):
            port = _d(port)
            path = f"{cpath}.ports[{i}]"
            name = port.get("name")
            if isinstance(name, str) and name:
                errs = port_name(name)
                for msg in errs:
                    yield f"{path}.name", f"Invalid value: {name!r}: {msg}"
                if not errs and name in names:
                    yield f"{path}.name", f"Duplicate value: {name!r}"
                names.add(name)
            yield from _numbered_port(port, path, "containerPort", pairs)
            host = _int(port.get("hostPort"))
            if host is not None and host != 0:
                for msg in port_number(host):
                    yield f"{path}.hostPort", f"Invalid value: {host}: {msg}"


def _numbered_port(port: Obj, path: str, field: str, pairs: set[tuple[int, str]]) -> Iterator[Finding]:
    """What container and Service ports share: a known protocol, a valid number, each number/protocol once."""
    protocol = port.get("protocol") or "TCP"
    if protocol not in _PROTOCOLS:
        yield f"{path}.protocol", f'Unsupported value: {protocol!r}: supported values: "SCTP", "TCP", "UDP"'
    number = _int(port.get(field))
    if number is not None:
        for msg in port_number(number):
            yield f"{path}.{field}", f"Invalid value: {number}: {msg}"
        if (number, protocol) in pairs:
            yield path, f"Duplicate value: {field} {number}/{protocol} is listed twice"
        pairs.add((number, protocol))


_SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def rule_service_ports(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Service ports: DNS-label names, required and unique when several; valid port/targetPort; unique port+protocol."""
    if obj.get("kind") != "Service":
        return
    spec = _d(obj.get("spec"))
    stype = spec.get("type") or "ClusterIP"
    if stype not in _SERVICE_TYPES:
        yield "spec.type", f"Unsupported value: {stype!r}: supported values: {', '.join(_SERVICE_TYPES)}"
    ports = _l(spec.get("ports"))
    if not ports and stype != "ExternalName" and spec.get("clusterIP") != "None":
        yield "spec.ports", "Required value"
    names: set[str] = set()
    pairs: set[tuple[int, str]] = set()
    for i, port in enumerate(ports):
        port = _d(port)
        path = f"spec.ports[{i}]"
        name = port.get("name")
        if isinstance(name, str) and name:
            for msg in dns1123_label(name):
                yield f"{path}.name", f"Invalid value: {name!r}: {msg}"
            if name in names:
                yield f"{path}.name", f"Duplicate value: {name!r}"
            names.add(name)
        elif len(ports) > 1:
            yield f"{path}.name", "Required value: a name is required when a Service has several ports"
        yield from _numbered_port(port, path, "port", pairs)
        target = port.get("targetPort")
        if target is not None and target != 0:
            for msg in _int_or_port_name(target):
                yield f"{path}.targetPort", f"Invalid value: {target!r}: {msg}"


NODE_PORT_RANGE = (30000, 32767)


def rule_node_ports(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """nodePort only on NodePort/LoadBalancer Services, inside the default 30000-32767 range."""
    if obj.get("kind") != "Service":
        return
    spec = _d(obj.get("spec"))
    stype = spec.get("type") or "ClusterIP"
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(_l(spec.get("ports"))):
        node_port = _int(_d(port).get("nodePort"))
        if node_port is None or node_port == 0:
            continue
        path = f"spec.ports[{i}].nodePort"
        if stype not in ("NodePort", "LoadBalancer"):
            yield path, f"Forbidden: may not be used when `type` is {stype!r}"
        elif not low <= node_port <= high:
            yield (
                path,
                f"Invalid value: {node_port}: provided port is not in the valid range. The range of valid ports is {low}-{high}",
            )


def _selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A metav1.LabelSelector (matchLabels and matchExpressions) against a label set."""
    for key, value in _d(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expr in _l(selector.get("matchExpressions")):
        expr = _d(expr)
        name, op, values = _str(expr.get("key")), expr.get("operator"), _l(expr.get("values"))
        present = name in labels
        if op == "In" and not (present and labels[name] in values):
            return False
        if op == "NotIn" and present and labels[name] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def rule_workload_selector(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Deployments (and other controllers) need a non-empty selector that matches their own template labels."""
    kind = obj.get("kind")
    if kind not in _TEMPLATE_KINDS or kind in ("Job", "ReplicationController"):
        return  # Job selectors are generated; RC selectors are plain maps
    spec = _d(obj.get("spec"))
    selector = _d(spec.get("selector"))
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        yield "spec.selector", "Invalid value: empty selector is invalid for a " + str(kind)
        return
    for i, expr in enumerate(_l(selector.get("matchExpressions"))):
        expr = _d(expr)
        op, values = expr.get("operator"), _l(expr.get("values"))
        path = f"spec.selector.matchExpressions[{i}]"
        if op in ("In", "NotIn") and not values:
            yield f"{path}.values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"
        elif op in ("Exists", "DoesNotExist") and values:
            yield (
                f"{path}.values",
                "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )
        elif op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            yield f"{path}.operator", f"Unsupported value: {op!r}"
    tpl = _pod_template(obj)
    if tpl is not None and not _selector_matches(selector, tpl.labels):
        yield "spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`"
    replicas = _int(spec.get("replicas"))
    if replicas is not None and replicas < 0:
        yield "spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0"


_RESTART_POLICIES = {
    "Deployment": ("Always",),
    "ReplicaSet": ("Always",),
    "StatefulSet": ("Always",),
    "DaemonSet": ("Always",),
    "ReplicationController": ("Always",),
    "Pod": ("Always", "OnFailure", "Never"),
    "Job": ("OnFailure", "Never"),
    "CronJob": ("OnFailure", "Never"),
}


def rule_restart_policy(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Controllers keep pods running (Always only); Pods take Always|OnFailure|Never; Jobs must finish."""
    tpl = _pod_template(obj)
    allowed = _RESTART_POLICIES.get(str(obj.get("kind")))
    if tpl is None or allowed is None:
        return
    policy = tpl.spec.get("restartPolicy") or "Always"  # the API server's default
    if policy not in allowed:
        shown = ", ".join(f'"{p}"' for p in allowed)
        if "restartPolicy" not in tpl.spec:
            yield f"{tpl.path}.restartPolicy", f"Required value: valid values: {shown}"
        else:
            yield f"{tpl.path}.restartPolicy", f"Unsupported value: {policy!r}: supported values: {shown}"


def rule_job_spec(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Job counts are non-negative; the controller generates the selector unless manualSelector says otherwise."""
    if obj.get("kind") != "Job":
        return
    spec = _d(obj.get("spec"))
    for key in ("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex",
                "maxFailedIndexes"):
        value = _int(spec.get(key))
        if value is not None and value < 0:
            yield f"spec.{key}", f"Invalid value: {value}: must be greater than or equal to 0"
    deadline = _int(spec.get("activeDeadlineSeconds"))
    if deadline is not None and deadline <= 0:
        yield "spec.activeDeadlineSeconds", f"Invalid value: {deadline}: must be greater than 0"
    if spec.get("selector") is not None and spec.get("manualSelector") is not True:
        yield "spec.selector", "Invalid value: `selector` will be auto-generated (set manualSelector to keep it)"
    if spec.get("completionMode") == "Indexed" and spec.get("completions") is None:
        yield "spec.completions", "Required value: when completion mode is Indexed"
    if spec.get("podFailurePolicy") is not None:
        tpl = _pod_template(obj)
        if tpl is not None and tpl.spec.get("restartPolicy") != "Never":
            yield "spec.template.spec.restartPolicy", "Invalid value: only \"Never\" is supported with podFailurePolicy"


_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")


def rule_env(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Env names (strict C-like before 1.32, printable ASCII but '=' after), one value source, valid keys."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for cpath, container in _containers(tpl):
        for i, env in enumerate(_l(container.get("env"))):
            env = _d(env)
            path = f"{cpath}.env[{i}]"
            name = env.get("name")
            if isinstance(name, str):
                for msg in env_var_name(name, version):
                    yield f"{path}.name", f"Invalid value: {name!r}: {msg}"
            source = env.get("valueFrom")
            if source is None:
                continue
            source = _d(source)
            if env.get("value"):
                yield f"{path}.valueFrom", "Invalid value: may not be specified when `value` is not empty"
            kinds = [k for k in _ENV_SOURCES if source.get(k) is not None]
            if len(kinds) != 1:
                yield (
                    f"{path}.valueFrom",
                    (
                        "Invalid value: may not have more than one field specified at a time"
                        if kinds
                        else "Required value: must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
                    ),
                )
            for ref in ("configMapKeyRef", "secretKeyRef"):
                selector = source.get(ref)
                if selector is None:
                    continue
                selector = _d(selector)
                key = selector.get("key")
                if not isinstance(key, str) or not key:
                    yield f"{path}.valueFrom.{ref}.key", "Required value"
                else:
                    for msg in config_key(key):
                        yield f"{path}.valueFrom.{ref}.key", f"Invalid value: {key!r}: {msg}"
                if not selector.get("name"):
                    yield f"{path}.valueFrom.{ref}.name", "Required value"
        for i, env_from in enumerate(_l(container.get("envFrom"))):
            env_from = _d(env_from)
            path = f"{cpath}.envFrom[{i}]"
            refs = [k for k in ("configMapRef", "secretRef") if env_from.get(k) is not None]
            if len(refs) != 1:
                yield (
                    path,
                    (
                        "Invalid value: may not have more than one field specified at a time"
                        if refs
                        else "Required value: must specify one of: `configMapRef` or `secretRef`"
                    ),
                )
            prefix = env_from.get("prefix")
            if isinstance(prefix, str) and prefix:
                for msg in env_var_name(prefix, version):
                    yield f"{path}.prefix", f"Invalid value: {prefix!r}: {msg}"


def _data_maps(obj: Obj) -> list[tuple[str, dict[str, Any]]]:
    kind = obj.get("kind")
    if kind == "ConfigMap":
        return [("data", _d(obj.get("data"))), ("binaryData", _d(obj.get("binaryData")))]
    if kind == "Secret":
        return [("data", _d(obj.get("data"))), ("stringData", _d(obj.get("stringData")))]
    return []


def rule_data_keys(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """ConfigMap/Secret keys become file names: [-._a-zA-Z0-9]+, at most 253, not '.' or '..'."""
    maps = _data_maps(obj)
    for field, data in maps:
        for key in data:
            for msg in config_key(str(key)):
                yield f"{field}[{key}]", f"Invalid value: {key!r}: {msg}"
    if obj.get("kind") == "ConfigMap":
        data, binary = maps[0][1], maps[1][1]
        for key in binary:
            if key in data:
                yield f"binaryData[{key}]", f"Invalid value: {key!r}: duplicate of key present in data"


MAX_CONFIG_BYTES = 1024 * 1024


def rule_data_size(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """A ConfigMap or Secret holds at most 1 MiB of values (etcd's object limit, enforced by validation)."""
    kind = obj.get("kind")
    total = 0
    for field, data in _data_maps(obj):
        for value in data.values():
            text = _str(value)
            if (kind == "Secret" and field == "data") or field == "binaryData":
                total += len(text) * 3 // 4  # base64: the decoded bytes are what counts
            else:
                total += len(text.encode())
    if total > MAX_CONFIG_BYTES:
        yield "data", f"Too long: must have at most {MAX_CONFIG_BYTES} bytes (has about {total})"


def rule_base64_data(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Secret.data and ConfigMap.binaryData values are base64; anything else fails to decode server-side."""
    for field, data in _data_maps(obj):
        if not (field == "binaryData" or (obj.get("kind") == "Secret" and field == "data")):
            continue
        for key, value in data.items():
            if not isinstance(value, str):
                continue
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                yield f"{field}[{key}]", "Invalid value: illegal base64 data"


_STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage", "storage")


def _resource_name(name: str) -> Sequence[str]:
    """Compute resources: cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-prefixed extended one."""
    if name in _STANDARD_RESOURCES:
        return []
    if name.startswith("hugepages-"):
        return [] if parse_quantity(name[len("hugepages-") :]) is not None else ["invalid hugepages size"]
    errs = qualified_name(name)
    if not errs and "/" not in name:
        errs = ["must be a standard resource type or fully qualified"]
    return errs


def _quantity_problems(value: Any, path: str) -> Iterator[Finding]:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return  # wrong type: the schema layer reports it
    quantity = parse_quantity(value)
    if quantity is None:
        yield (
            path,
            (
                f"Invalid value: {value!r}: quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (e.g. 500m, 1.5, 512Mi, 1e3, 1G)"
            ),
        )
    elif quantity < 0:
        yield path, f"Invalid value: {value!r}: must be greater than or equal to 0"


def _resources(tpl: _PodTemplate) -> Iterator[tuple[str, dict[str, Any]]]:
    for cpath, container in _containers(tpl):
        yield f"{cpath}.resources", _d(container.get("resources"))
    if "resources" in tpl.spec:
        yield f"{tpl.path}.resources", _d(tpl.spec.get("resources"))


def rule_quantities(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Requests, limits, emptyDir sizeLimit and PVC storage use the quantity grammar and are not negative."""
    tpl = _pod_template(obj)
    if tpl is not None:
        for rpath, resources in _resources(tpl):
            for field in ("requests", "limits"):
                for name, value in _d(resources.get(field)).items():
                    path = f"{rpath}.{field}[{name}]"
                    for msg in _resource_name(str(name)):
                        yield path, f"Invalid value: {name!r}: {msg}"
                    yield from _quantity_problems(value, path)
        for vpath, volume in _volumes(tpl):
            empty_dir = _d(volume.get("emptyDir"))
            if empty_dir.get("sizeLimit") is not None:
                yield from _quantity_problems(empty_dir["sizeLimit"], f"{vpath}.emptyDir.sizeLimit")
    if obj.get("kind") == "PersistentVolumeClaim":
        resources = _d(_d(obj.get("spec")).get("resources"))
        for field in ("requests", "limits"):
            for name, value in _d(resources.get(field)).items():
                yield from _quantity_problems(value, f"spec.resources.{field}[{name}]")


def rule_requests_within_limits(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """A request above its limit can never be scheduled as asked."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for rpath, resources in _resources(tpl):
        limits = _d(resources.get("limits"))
        for name, value in _d(resources.get("requests")).items():
            if name not in limits:
                continue
            request, limit = parse_quantity(value), parse_quantity(limits[name])
            if request is not None and limit is not None and request > limit:
                yield (
                    f"{rpath}.requests[{name}]",
                    (
                        f"Invalid value: {value!r}: must be less than or equal to {name} limit of {limits[name]}"
                    ),
                )


_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
    "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)  # fmt: skip


def rule_volumes(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Volume names are DNS labels, unique in the pod, with at most one source each."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    seen: set[str] = set()
    for vpath, volume in _volumes(tpl):
        name = volume.get("name")
        if isinstance(name, str):
            for msg in dns1123_label(name):
                yield f"{vpath}.name", f"Invalid value: {name!r}: {msg}"
            if name in seen:
                yield f"{vpath}.name", f"Duplicate value: {name!r}"
            seen.add(name)
        sources = [s for s in _VOLUME_SOURCES if volume.get(s) is not None]
        if len(sources) > 1:
            yield vpath, f"Forbidden: may not specify more than 1 volume type (has {', '.join(sources)})"


def rule_volume_mounts(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Every volumeMount names a volume of the pod, and no container mounts two things at one path."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    volumes = {v.get("name") for _, v in _volumes(tpl)}
    for cpath, container in _containers(tpl):
        paths: set[str] = set()
        for i, mount in enumerate(_l(container.get("volumeMounts"))):
            mount = _d(mount)
            path = f"{cpath}.volumeMounts[{i}]"
            name = mount.get("name")
            if isinstance(name, str) and name not in volumes:
                yield f"{path}.name", f"Not found: {name!r}"
            mount_path = mount.get("mountPath")
            if isinstance(mount_path, str):
                if not mount_path:
                    yield f"{path}.mountPath", "Required value"
                elif mount_path in paths:
                    yield f"{path}.mountPath", f"Invalid value: {mount_path!r}: must be unique"
                paths.add(mount_path)


def rule_host_aliases(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """hostAliases carry a valid IP address and DNS-subdomain host names (they land in /etc/hosts)."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for i, alias in enumerate(_l(tpl.spec.get("hostAliases"))):
        alias = _d(alias)
        path = f"{tpl.path}.hostAliases[{i}]"
        ip = alias.get("ip")
        if not isinstance(ip, str) or not ip:
            yield f"{path}.ip", "Required value"
        else:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                yield f"{path}.ip", f"Invalid value: {ip!r}: must be a valid IP address"
        for j, host in enumerate(_l(alias.get("hostnames"))):
            if isinstance(host, str):
                for msg in dns1123_subdomain(host):
                    yield f"{path}.hostnames[{j}]", f"Invalid value: {host!r}: {msg}"


def rule_process_namespace(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """A Pod shares one process namespace among its containers or uses the node's, not both."""
    tpl = _pod_template(obj)
    if tpl is not None and tpl.spec.get("shareProcessNamespace") is True and tpl.spec.get("hostPID") is True:
        yield f"{tpl.path}.shareProcessNamespace", "Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"


_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")


def _handler(handler: dict[str, Any], path: str, kinds: tuple[str, ...]) -> Iterator[Finding]:
    present = [k for k in kinds if handler.get(k) is not None]
    if not present:
        yield path, "Required value: must specify a handler type"
    elif len(present) > 1:
        yield path, f"Forbidden: may not specify more than 1 handler type (has {', '.join(present)})"
    for kind in ("httpGet", "tcpSocket"):
        if kind in present:
            port = _d(handler.get(kind)).get("port")
            for msg in _int_or_port_name(port):
                yield f"{path}.{kind}.port", f"Invalid value: {port!r}: {msg}"
    if "grpc" in present:
        port = _int(_d(handler.get("grpc")).get("port"))
        if port is not None:
            for msg in port_number(port):
                yield f"{path}.grpc.port", f"Invalid value: {port}: {msg}"


def rule_probe_handlers(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Probes take exactly one of exec/httpGet/tcpSocket/grpc; lifecycle hooks one of exec/httpGet/tcpSocket/sleep."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for cpath, container in _containers(tpl):
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(probe) is not None:
                yield from _handler(_d(container.get(probe)), f"{cpath}.{probe}", _PROBE_HANDLERS)
        lifecycle = _d(container.get("lifecycle"))
        for hook in ("postStart", "preStop"):
            if lifecycle.get(hook) is not None:
                yield from _handler(_d(lifecycle.get(hook)), f"{cpath}.lifecycle.{hook}", _LIFECYCLE_HANDLERS)


LINUX_CAPABILITIES = frozenset(
    """CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
    SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
    AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
    PERFMON BPF CHECKPOINT_RESTORE""".split()
)


def rule_capabilities(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """Capabilities are Linux names ("NET_ADMIN", a CAP_ prefix tolerated) or ALL; the runtime rejects others."""
    tpl = _pod_template(obj)
    if tpl is None:
        return
    for cpath, container in _containers(tpl):
        caps = _d(_d(container.get("securityContext")).get("capabilities"))
        for field in ("add", "drop"):
            for i, cap in enumerate(_l(caps.get(field))):
                if not isinstance(cap, str):
                    continue
                bare = cap.upper().removeprefix("CAP_")
                if bare != "ALL" and bare not in LINUX_CAPABILITIES:
                    yield (
                        f"{cpath}.securityContext.capabilities.{field}[{i}]",
                        f"Invalid value: {cap!r}: unknown capability",
                    )


_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_CLUSTER_SCOPED = ("Namespace", "PersistentVolume")
# the volume sources a PersistentVolume may have (exactly one)
_PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
               "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs",
               "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos",
               "vsphereVolume")  # fmt: skip


def _access_modes(spec: dict[str, Any], version: tuple[int, int]) -> Iterator[Finding]:
    modes = _l(spec.get("accessModes"))
    if not modes:
        yield "spec.accessModes", "Required value: at least 1 access mode is required"
    for i, mode in enumerate(modes):
        if mode not in _ACCESS_MODES:
            yield f"spec.accessModes[{i}]", f"Unsupported value: {mode!r}: supported values: {', '.join(_ACCESS_MODES)}"
        elif mode == "ReadWriteOncePod" and version < (1, 27):
            yield f"spec.accessModes[{i}]", "Unsupported value: 'ReadWriteOncePod': enabled by default from 1.27"
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        yield "spec.accessModes", "Forbidden: may not use ReadWriteOncePod with other access modes"


def rule_pvc_spec(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """A claim needs valid access modes and a storage request, else the API server refuses it."""
    if obj.get("kind") != "PersistentVolumeClaim":
        return
    spec = _d(obj.get("spec"))
    yield from _access_modes(spec, version)
    if "storage" not in _d(_d(spec.get("resources")).get("requests")):
        yield "spec.resources[storage]", "Required value"


def rule_pv_spec(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """A PersistentVolume: capacity, access modes, one volume source with absolute paths, a known reclaim
    policy, a named claimRef; and no namespace (it is cluster-scoped: kubectl refuses one)."""
    if obj.get("kind") in _CLUSTER_SCOPED and _d(obj.get("metadata")).get("namespace"):
        yield "metadata.namespace", f"Forbidden: {obj.get('kind')} is cluster-scoped: it takes no namespace"
    if obj.get("kind") != "PersistentVolume":
        return
    spec = _d(obj.get("spec"))
    if parse_quantity(_d(spec.get("capacity")).get("storage")) is None:
        yield "spec.capacity[storage]", "Required value: a storage quantity"
    yield from _access_modes(spec, version)
    sources = [key for key in _PV_SOURCES if key in spec]
    if len(sources) != 1:
        yield "spec", f"Required value: exactly 1 volume source (it has {len(sources)}: {', '.join(sources)})"
    nfs, host = _d(spec.get("nfs")), _d(spec.get("hostPath"))
    if "nfs" in spec and not _str(nfs.get("server")):
        yield "spec.nfs.server", "Required value"
    for field, path in (("spec.nfs.path", nfs.get("path")), ("spec.hostPath.path", host.get("path"))):
        if field.split(".")[1] in spec and not _str(path).startswith("/"):
            yield field, f"Invalid value: {path!r}: must be an absolute path"
        elif field.split(".")[1] in spec and ".." in _str(path).split("/"):
            yield field, f"Invalid value: {path!r}: must not contain '..'"
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy is not None and policy not in ("Retain", "Delete", "Recycle"):
        yield "spec.persistentVolumeReclaimPolicy", f"Unsupported value: {policy!r}: supported values: Retain, Delete, Recycle"
    if "claimRef" in spec and not _str(_d(spec.get("claimRef")).get("name")):
        yield "spec.claimRef.name", "Required value"


ObjectRule = Callable[[Obj, tuple[int, int]], Iterable[Finding]]

# The kinds each rule can find something in (None: every kind). A rule still checks the kind itself;
# the table only spares the ~30 rules x every object calls that would find nothing (validation runs
# the rules of an object's kind, worked out once per kind). tests/test_validate.py checks each entry:
# a rule fed objects of the kinds it does not list finds nothing.
_POD_KINDS = frozenset(_TEMPLATE_KINDS | {"Pod", "CronJob"})
_DATA_KINDS = frozenset({"ConfigMap", "Secret"})
EVERY_KIND = None

OBJECT_RULES: tuple[tuple[ObjectRule, frozenset[str] | None], ...] = (
    (rule_object_name, EVERY_KIND),
    (rule_labels, EVERY_KIND),
    (rule_annotations, EVERY_KIND),
    (rule_container_names, _POD_KINDS),
    (rule_container_image, _POD_KINDS),
    (rule_container_ports, _POD_KINDS),
    (rule_service_ports, frozenset({"Service"})),
    (rule_node_ports, frozenset({"Service"})),
    (rule_workload_selector, frozenset(_TEMPLATE_KINDS - {"Job", "ReplicationController"})),
    (rule_restart_policy, frozenset(_RESTART_POLICIES)),
    (rule_job_spec, frozenset({"Job"})),
    (rule_env, _POD_KINDS),
    (rule_data_keys, _DATA_KINDS),
    (rule_data_size, _DATA_KINDS),
    (rule_base64_data, _DATA_KINDS),
    (rule_quantities, _POD_KINDS | {"PersistentVolumeClaim"}),
    (rule_requests_within_limits, _POD_KINDS),
    (rule_volumes, _POD_KINDS),
    (rule_volume_mounts, _POD_KINDS),
    (rule_host_aliases, _POD_KINDS),
    (rule_process_namespace, _POD_KINDS),
    (rule_probe_handlers, _POD_KINDS),
    (rule_capabilities, _POD_KINDS),
    (rule_pvc_spec, frozenset({"PersistentVolumeClaim"})),
    (rule_pv_spec, frozenset(_CLUSTER_SCOPED)),
)


# ---------------------------------------------------------------------------
# Layer 3: rules across the set. Each yields (object, field path, message).

SetFinding = tuple[Obj, str, str]


class _Pod:
    """What the set rules read of one pod template: its object (or the object's stand-in), labels, the
    ports its containers expose and what it references."""

    __slots__ = ("obj", "labels", "ports", "refs")

    def __init__(self, obj: Obj, tpl: _PodTemplate, same: dict[Any, Any]) -> None:
        self.obj = obj
        self.labels = tpl.labels
        exposed: dict[tuple[str, Any, str], None] = {}
        for path, container in _containers(tpl):
            if ".ephemeralContainers[" in path:
                continue
            for port in _l(container.get("ports")):
                port = _d(port)
                protocol = _str(port.get("protocol")) or "TCP"
                for key in ("name", "containerPort"):
                    if isinstance(port.get(key), Hashable):
                        fact = (key, port.get(key), protocol)
                        exposed[same.setdefault(fact, fact)] = None
        self.ports = tuple(exposed)  # a few facts each, shared between templates (`same`): small and quick to scan
        self.refs = tuple(_references(tpl))


def stand_in(obj: Obj, make: Callable[[Obj], Obj] = dict) -> Obj:
    """What the set rules (SetView), the report and the findings read of an object once SetView.add has taken
    it in, built by `make`: of a workload, ConfigMap or Secret its apiVersion, kind, name and namespace (no pod
    spec, no data); of the other kinds (Services, claims, volumes, policies, Ingresses: small) a copy."""
    kind = obj.get("kind")
    if kind in _POD_KINDS or kind in _DATA_KINDS:
        meta = _d(obj.get("metadata"))
        return make({"apiVersion": obj.get("apiVersion"), "kind": kind,
                     "metadata": {key: meta[key] for key in ("name", "namespace") if key in meta}})
    return make(obj)


class SetView:
    """The objects under validation as the set rules read them, added one at a time (`add`).

    A pod template is read once into a _Pod (labels, exposed ports, references) and a ConfigMap's or
    Secret's keys into `keys`; of the object itself the rules need no more than stand_in keeps."""

    def __init__(self, objects: Iterable[Obj] = ()) -> None:
        self.objects: list[Obj] = []
        self.templates: list[_Pod] = []
        self.keys: dict[tuple[str, str, str], set[str]] = {}  # (kind, namespace, name) of a ConfigMap or Secret
        self._by_label: dict[tuple[str, str, Any], set[int]] | None = None
        self._same: dict[Any, Any] = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj: Obj, kept: Obj | None = None) -> None:
        """Take in one object; `kept` (stand_in's) stands for it in the findings, when the caller keeps only that."""
        kind = obj.get("kind")
        kept = obj if kept is None else kept
        tpl = _pod_template(obj) if kind in _POD_KINDS else None
        if tpl is not None:
            self.templates.append(_Pod(kept, tpl, self._same))
        elif kind in _DATA_KINDS:
            self.keys[(str(kind), _ns(obj), _name(obj))] = _keys(obj)
        self.objects.append(kept)
        self._by_label = None

    @property
    def by_label(self) -> dict[tuple[str, str, Any], set[int]]:
        """(namespace, label key, value) -> the pod templates that carry it, indexed once asked for."""
        if self._by_label is None:
            self._by_label = {}
            for index, pod in enumerate(self.templates):
                ns = _ns(pod.obj)
                for key, value in pod.labels.items():
                    if isinstance(value, Hashable):
                        self._by_label.setdefault((ns, str(key), value), set()).add(index)
        return self._by_label

    def selected(self, service: Obj) -> list[int]:
        """Indexes of the pod templates a Service's selector picks, in its namespace."""
        selector = _d(_d(service.get("spec")).get("selector"))
        chosen: set[int] | None = None
        by_label = self.by_label
        for key, value in selector.items():
            if not isinstance(value, Hashable):
                return []
            hits = by_label.get((_ns(service), str(key), value), set())
            chosen = hits if chosen is None else chosen & hits
            if not chosen:
                return []
        return sorted(chosen or ())


def rule_unique_objects(view: SetView) -> Iterator[SetFinding]:
    """Two objects of one kind, namespace and name: the second would overwrite the first."""
    seen: set[tuple[str, str, str]] = set()
    for obj in view.objects:
        key = (str(obj.get("kind")), _ns(obj), _name(obj))
        if not key[2]:
            continue
        if key in seen:
            yield obj, "metadata.name", f"Duplicate value: another {key[0]} is named {key[2]!r}"
        seen.add(key)


def rule_service_selects_pods(view: SetView) -> Iterator[SetFinding]:
    """A Service's selector must select some pod template in the set, or it has no endpoints."""
    for obj in view.objects:
        if obj.get("kind") != "Service":
            continue
        selector = _d(_d(obj.get("spec")).get("selector"))
        if selector and not view.selected(obj):
            shown = ",".join(f"{k}={v}" for k, v in selector.items())
            yield obj, "spec.selector", f"Not found: no Deployment, Pod or Job in the set has labels {shown}"


SELECTS_JOB = "d2k.io/selects-job"  # the annotation that says a Service is meant to select a Job's Pods


def rule_service_selects_job(view: SetView) -> Iterator[SetFinding]:
    """A Job's Pods finish and are not replaced: a Service selecting them is a mistake unless it says it is meant."""
    for obj in view.objects:
        if obj.get("kind") != "Service" or not _d(_d(obj.get("spec")).get("selector")):
            continue
        if _d(_d(obj.get("metadata")).get("annotations")).get(SELECTS_JOB) == "true":
            continue
        for index in view.selected(obj):
            job = view.templates[index].obj
            if job.get("kind") in ("Job", "CronJob"):
                yield (obj, "spec.selector",
                       f"Invalid value: selects the Pods of {job.get('kind')}/{_name(job)}, which finish and are not "
                       f"replaced; annotate the Service {SELECTS_JOB}: \"true\" if that is meant")


def rule_service_target_ports(view: SetView) -> Iterator[SetFinding]:
    """Every targetPort (number or name, with protocol) is a containerPort of each pod template selected."""
    for obj in view.objects:
        if obj.get("kind") != "Service" or not _d(_d(obj.get("spec")).get("selector")):
            continue
        selected = view.selected(obj)
        for i, port in enumerate(_l(_d(obj.get("spec")).get("ports"))):
            port = _d(port)
            target = port.get("targetPort") or port.get("port")
            protocol = _str(port.get("protocol")) or "TCP"
            if not isinstance(target, Hashable) or target is None:
                continue
            key = "name" if isinstance(target, str) else "containerPort"
            for index in selected:
                if (key, target, protocol) not in view.templates[index].ports:
                    pod_obj = view.templates[index].obj
                    yield (
                        obj,
                        f"spec.ports[{i}].targetPort",
                        (
                            f"Not found: {target!r}/{protocol} is not a containerPort of "
                            f"{pod_obj.get('kind')}/{_name(pod_obj)}"
                        ),
                    )


def rule_unique_node_ports(view: SetView) -> Iterator[SetFinding]:
    """A nodePort is opened on every node, so two Services cannot both claim it."""
    owner: dict[int, Obj] = {}
    for obj in view.objects:
        if obj.get("kind") != "Service":
            continue
        for i, port in enumerate(_l(_d(obj.get("spec")).get("ports"))):
            node_port = _int(_d(port).get("nodePort"))
            if not node_port:
                continue
            first = owner.setdefault(node_port, obj)
            if first is not obj:
                yield (
                    obj,
                    f"spec.ports[{i}].nodePort",
                    (
                        f"Invalid value: {node_port}: provided port is already allocated to Service/{_name(first)}"
                    ),
                )


@dataclass(frozen=True, slots=True)
class _Ref:
    """A reference from a pod spec to a ConfigMap, Secret or PVC and the keys it needs from it."""

    kind: str
    name: str
    path: str  # where the object is named
    keys: tuple[tuple[str, str], ...] = ()  # (key, where it is named)


def _key_items(source: dict[str, Any], kind: str, name_field: str, path: str) -> _Ref:
    """A configMap/secret volume or projection: the object, and each `items[].key` it picks."""
    keys = tuple(
        (_str(_d(item).get("key")), f"{path}.items[{j}].key")
        for j, item in enumerate(_l(source.get("items")))
    )
    return _Ref(kind, _str(source.get(name_field)), f"{path}.{name_field}", keys)


def _references(tpl: _PodTemplate) -> Iterator[_Ref]:
    """Non-optional references of one pod spec (optional ones may legitimately be absent)."""
    for cpath, container in _containers(tpl):
        for i, env in enumerate(_l(container.get("env"))):
            source = _d(_d(env).get("valueFrom"))
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = _d(source.get(field))
                if ref and not ref.get("optional"):
                    path = f"{cpath}.env[{i}].valueFrom.{field}"
                    yield _Ref(kind, _str(ref.get("name")), path, ((_str(ref.get("key")), path),))
        for i, env_from in enumerate(_l(container.get("envFrom"))):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = _d(_d(env_from).get(field))
                if ref and not ref.get("optional"):
                    yield _Ref(kind, _str(ref.get("name")), f"{cpath}.envFrom[{i}].{field}.name")
    for vpath, volume in _volumes(tpl):
        config_map = _d(volume.get("configMap"))
        if config_map and not config_map.get("optional"):
            yield _key_items(config_map, "ConfigMap", "name", f"{vpath}.configMap")
        secret = _d(volume.get("secret"))
        if secret and not secret.get("optional"):
            yield _key_items(secret, "Secret", "secretName", f"{vpath}.secret")
        claim = _d(volume.get("persistentVolumeClaim"))
        if claim:
            path = f"{vpath}.persistentVolumeClaim.claimName"
            yield _Ref("PersistentVolumeClaim", _str(claim.get("claimName")), path)
        for j, source in enumerate(_l(_d(volume.get("projected")).get("sources"))):
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                ref = _d(_d(source).get(field))
                if ref and not ref.get("optional"):
                    yield _key_items(ref, kind, "name", f"{vpath}.projected.sources[{j}].{field}")


def _keys(obj: Obj) -> set[str]:
    keys: set[str] = set()
    for _, data in _data_maps(obj):
        keys.update(str(k) for k in data)
    return keys


def rule_references(view: SetView) -> Iterator[SetFinding]:
    """Every ConfigMap, Secret (and key) and PVC a pod spec needs is in the set, else the pod never starts."""
    claims = {(_ns(o), _name(o)) for o in view.objects if o.get("kind") == "PersistentVolumeClaim"}
    for pod in view.templates:
        obj = pod.obj
        for ref in pod.refs:
            if not ref.name:
                continue  # reported by the schema or rule_env
            if ref.kind == "PersistentVolumeClaim":
                if (_ns(obj), ref.name) not in claims:
                    yield obj, ref.path, f"Not found: {ref.kind}/{ref.name} is not in the set"
                continue
            present = view.keys.get((ref.kind, _ns(obj), ref.name))
            if present is None:
                yield obj, ref.path, f"Not found: {ref.kind}/{ref.name} is not in the set"
                continue
            for key, path in ref.keys:
                if key and key not in present:
                    yield obj, path, f"Not found: {ref.kind}/{ref.name} has no key {key!r}"


def rule_volume_binding(view: SetView) -> Iterator[SetFinding]:
    """A claim that names its PersistentVolume (volumeName) binds only if the PV in the set fits it: the same
    storage class ("" on both), its access modes, enough capacity, a claimRef (if any) naming it, one claim each."""
    volumes = {_name(o): o for o in view.objects if o.get("kind") == "PersistentVolume"}
    bound: dict[str, str] = {}
    for claim in view.objects:
        spec = _d(claim.get("spec"))
        pv = volumes.get(_str(spec.get("volumeName"))) if claim.get("kind") == "PersistentVolumeClaim" else None
        if pv is None:
            continue
        pv_name, pv_spec = _name(pv), _d(pv.get("spec"))
        where = f"{_ns(claim)}/{_name(claim)}"
        if pv_name in bound:
            yield claim, "spec.volumeName", f"Invalid value: PersistentVolume {pv_name} is already {bound[pv_name]}'s"
        bound.setdefault(pv_name, where)
        if spec.get("storageClassName") != pv_spec.get("storageClassName", ""):
            yield claim, "spec.storageClassName", (f"Invalid value: {spec.get('storageClassName')!r}: must equal "
                                                   f"PersistentVolume {pv_name}'s {pv_spec.get('storageClassName', '')!r}"
                                                   " (an unset class takes the default one and never binds)")  # fmt: skip
        missing = [m for m in _l(spec.get("accessModes")) if m not in _l(pv_spec.get("accessModes"))]
        if missing:
            yield claim, "spec.accessModes", f"Invalid value: PersistentVolume {pv_name} does not offer {', '.join(missing)}"
        wanted = parse_quantity(_d(_d(spec.get("resources")).get("requests")).get("storage"))
        has = parse_quantity(_d(pv_spec.get("capacity")).get("storage"))
        if wanted is not None and has is not None and wanted > has:
            yield claim, "spec.resources.requests[storage]", f"Invalid value: more than PersistentVolume {pv_name} holds"
        ref = _d(pv_spec.get("claimRef"))
        if ref and (_str(ref.get("name")) != _name(claim) or _str(ref.get("namespace")) != _ns(claim)):
            yield pv, "spec.claimRef", f"Invalid value: reserved for {ref.get('namespace')}/{ref.get('name')}, not {where}"


SetRule = Callable[[SetView], Iterable[SetFinding]]

SET_RULES: tuple[SetRule, ...] = (
    rule_unique_objects,
    rule_service_selects_pods,
    rule_service_selects_job,
    rule_service_target_ports,
    rule_unique_node_ports,
    rule_references,
    rule_volume_binding,
)


# ---------------------------------------------------------------------------
# Entry points.


def _flatten(objects: list[Obj]) -> tuple[list[Obj], list[Problem]]:
    """`kind: List` objects contribute their items; a malformed List is a problem of its own."""
    flat: list[Obj] = []
    problems: list[Problem] = []
    for obj in objects:
        if obj.get("kind") != "List":
            flat.append(obj)
            continue
        if obj.get("apiVersion") != "v1":
            problems.append(
                Problem(
                    "List", "", "apiVersion", f"Unsupported value: {obj.get('apiVersion')!r}: must be 'v1'"
                )
            )
        items = obj.get("items")
        if not isinstance(items, list):
            problems.append(Problem("List", "", "items", "Required value: a list of objects"))
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                nested, nested_problems = _flatten([item])
                flat.extend(nested)
                problems.extend(nested_problems)
            else:
                problems.append(Problem("List", "", f"items[{i}]", "Invalid value: not an object"))
    return flat, problems


def _problem(obj: Obj, path: str, message: str) -> Problem:
    return Problem(str(obj.get("kind") or "?"), _name(obj) or "?", path, message)


def validate_objects(objects: list[dict[str, Any]], k8s_version: str = DEFAULT_K8S_VERSION) -> list[Problem]:
    """Every problem the API server (and the kubelet, for references) would raise for this set of objects.

    `k8s_version` ("1.30", "v1.30.2") picks the newest shipped schema release not
    after it; versions outside `supported_versions()` raise InputError. An empty
    list means the set can be applied as is.
    """
    version = _parse_version(k8s_version)
    _forget_names()
    flat, problems = _flatten(objects)
    for obj in flat:
        problems += object_problems(obj, version)
    return problems + set_problems(SetView(flat), version)


def object_problems(obj: Obj, version: tuple[int, int]) -> list[Problem]:
    """What the API server finds in this one object on its own: its schema (layer 1) and the rules for its
    kind (layer 2). `version` as parse_version gives it."""
    problems = [_problem(obj, path, message) for path, message in _schema_problems(obj, version)]
    kind = obj.get("kind")
    rules = _RULES_BY_KIND.get(kind) if isinstance(kind, str) else None
    if rules is None:
        from d2k import validate_network  # a rule family of its own: NetworkPolicy and Ingress

        table = OBJECT_RULES + validate_network.OBJECT_RULES
        rules = tuple(rule for rule, kinds in table if kinds is None or kind in kinds)
        if isinstance(kind, str):
            _RULES_BY_KIND[kind] = rules
    try:
        for rule in rules:
            for path, message in rule(obj, version):
                problems.append(_problem(obj, path, message))
    finally:
        _TEMPLATES.clear()  # the last object's template stays at hand (_LAST_TEMPLATE) for SetView.add
    return problems


_RULES_BY_KIND: dict[str, tuple[ObjectRule, ...]] = {}


def set_problems(view: SetView, version: tuple[int, int]) -> list[Problem]:
    """What only the whole set shows (layer 3): duplicates, Services that select nothing, missing references."""
    from d2k import validate_network

    problems: list[Problem] = []
    try:
        for set_rule in SET_RULES + validate_network.SET_RULES:
            for obj, path, message in set_rule(view):
                problems.append(_problem(obj, path, message))
    finally:
        _forget_templates()
        _forget_names()
    if "d2k.schema_check" in sys.modules:  # the checks are done: the schemas they compiled are kept for next time
        sys.modules["d2k.schema_check"].write_pending()
    return problems


parse_version = _parse_version


# ---------------------------------------------------------------------------
# Reading manifests for `d2k validate FILE`.


@lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """PyYAML's safe loader, adjusted to read manifests the way kubectl does.

    PyYAML rather than ruamel.yaml: kubectl decodes with sigs.k8s.io/yaml on top
    of go-yaml, which resolves scalars by YAML 1.1 rules (`yes`, `on`, `off` are
    booleans, `0755` is octal). Reading the same way lets validation report what
    the API server will actually receive (an env `value: yes` is a boolean and is
    rejected); a YAML 1.2 reader would wave it through. Three adjustments match
    go-yaml further: timestamps stay strings, `=` is a plain string, and a key
    written twice in one mapping is an error instead of silently last-wins;
    non-string keys become strings as they do on the way to JSON. The libyaml
    parser is used when present for speed.
    """
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class ManifestLoader(base):  # type: ignore[misc,valid-type]
        pass

    ManifestLoader.yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader: Any, node: Any) -> dict[str, Any]:
        loader.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif isinstance(key, int | float):
                key = str(key)
            elif key is None:
                key = "null"
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} is already set in this mapping", key_node.start_mark
                )
            mapping[key] = loader.construct_object(value_node, deep=True)
        return mapping

    ManifestLoader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    return ManifestLoader


def _documents_yaml(text: str, file: str) -> Iterator[tuple[Any, int]]:
    import yaml

    loader = _yaml_loader()(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else 0
            yield loader.construct_document(node), line
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise InputError(f"not valid YAML: {what}", file, mark.line + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file) from None
    finally:
        loader.dispose()


def _documents_json(text: str, file: str) -> Iterator[tuple[Any, int]]:
    """One or more concatenated JSON values, as `kubectl apply -f` accepts."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", file, exc.lineno) from None
        yield value, text.count("\n", 0, pos) + 1
        pos = end


def load_manifests(text: str, file: str) -> list[dict[str, Any]]:
    """The objects of a YAML (multi-document) or JSON manifest, `kind: List` flattened, empty documents skipped.

    Malformed input raises InputError(message, file, line).
    """
    return [obj for obj, _number, _line in load_located(text, file)]


def load_located(text: str, file: str) -> list[tuple[dict[str, Any], int, int]]:
    """load_manifests with where each object was: (object, document number, line), for messages."""
    stripped = text.lstrip()
    is_json = stripped.startswith("{") or stripped.startswith("[")
    documents = _documents_json(text, file) if is_json else _documents_yaml(text, file)
    objects: list[tuple[dict[str, Any], int, int]] = []
    for number, (document, line) in enumerate(documents, start=1):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise InputError(
                f"document {number} is a {type(document).__name__}, not a Kubernetes object "
                "(a mapping with apiVersion and kind)",
                file,
                line,
            )
        if document.get("kind") == "List":
            items = document.get("items")
            if items is None:
                continue
            if not isinstance(items, list):
                raise InputError(f"document {number}: List.items must be a list of objects", file, line)
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    raise InputError(f"document {number}: List.items[{i}] is not an object", file, line)
                objects.append((item, number, line))
        else:
            objects.append((document, number, line))
    return objects
