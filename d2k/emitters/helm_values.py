"""Which fields of the plain objects become chart values, and the values.yaml, schema and NOTES they make.

`ValuesBuilder.templated()` returns each plain object as a tree in which the fields a user would
change are replaced by markers (`Expr`, `Guard`, `ToYaml`, `Labels`) that reference `.Values`;
everything else stays literal, so any kind and any field the Kubernetes emitter produces renders
as it is. Values, per workload or container under its camelCase name:

    <name>.replicaCount, .image.{repository,tag,digest,pullPolicy}, .env.<NAME> (literal values only),
    .resources, .probes.<liveness|readiness|startup>.enabled,
    .service.{type,ports.<port>} (the Service named like the workload; others: .services.<svc>),
    .persistence.<claim>.{size,storageClass}
    secrets.<secret>.existingSecret (values.yaml) and secrets.<secret>.<KEY> (secret-values.yaml only)
"""

from __future__ import annotations

import json
import re
from typing import Any

from d2k.emitters.kustomize import pod_spec, split_image
from d2k.emitters.output import to_yaml
from d2k.patterns import lazy
from d2k.records import dataclass

Obj = dict[str, Any]
SECRET_VALUES = "secret-values.yaml"
MANAGED_BY = "app.kubernetes.io/managed-by"
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
PULL_POLICIES = ("", "Always", "IfNotPresent", "Never")
PROBES = (("livenessProbe", "liveness"), ("readinessProbe", "readiness"), ("startupProbe", "startup"))
_TOP_LEVEL = ("nameOverride", "fullnameOverride", "persistence", "secrets", "global")
_ORDER = ("replicaCount", "image", "env", "resources", "probes", "service", "services", "persistence")
_IDENT = lazy(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Expr:
    """A scalar the template computes: `key: <text>`."""

    text: str


@dataclass(frozen=True, slots=True)
class Guard:
    """A key written only when `condition` (`if ...` or `with ...`) holds; `value` may use `.` after `with`."""

    condition: str
    value: Any


@dataclass(frozen=True, slots=True)
class ToYaml:
    """A block value written by `toYaml <expr>`."""

    expr: str


@dataclass(frozen=True, slots=True)
class Labels:
    """An object's labels: its own (less managed-by) and the ones Helm owns."""

    literal: Obj


def camel(name: str) -> str:
    """`node-exporter` -> `nodeExporter`: values keys a template can name (`.Values.nodeExporter`)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    if not parts:
        return "x"
    return parts[0][0].lower() + parts[0][1:] + "".join(p[0].upper() + p[1:] for p in parts[1:])


def ref(path: tuple[str, ...]) -> str:
    """The Go template expression of a values path, valid in any scope (`$`)."""
    if all(_IDENT.fullmatch(p) for p in path):
        return "$.Values." + ".".join(path)
    return "(index $.Values " + " ".join(quote_go(p) for p in path) + ")"


def quote_go(text: str) -> str:
    """A Go string literal (JSON's escapes are a subset of Go's)."""
    return json.dumps(text, ensure_ascii=False)


class ValuesBuilder:
    """Walks the plain objects once, deciding each value's key; then renders the chart's value files."""

    def __init__(self, chart: str, objects: list[Obj]) -> None:
        self.chart = chart
        self.objects = [o for o in objects if o["kind"] != "Namespace"]  # the release's namespace instead
        self.values: Obj = {"nameOverride": "", "fullnameOverride": ""}
        self.secret_values: Obj = {}
        self.taken: set[str] = set(_TOP_LEVEL)
        self.workload_keys: dict[str, str] = {}  # pod label app.kubernetes.io/name -> values key
        self.secret_keys: dict[str, str] = {}
        self.claim_paths: dict[str, tuple[str, ...]] = {}
        self.service_paths: dict[str, tuple[str, ...]] = {}
        self._plan()

    # -- deciding keys -------------------------------------------------------------------------

    def _key(self, name: str) -> str:
        key, n = camel(name), 2
        while key in self.taken:
            key, n = f"{camel(name)}{n}", n + 1
        self.taken.add(key)
        return key

    def _plan(self) -> None:
        workloads = [o for o in self.objects if pod_spec(o) is not None]
        for obj in workloads:
            key = self._key(obj["metadata"]["name"])
            self.values[key] = {}
            self.workload_keys.setdefault(_pod_name(obj), key)
            for volume in (pod_spec(obj) or {}).get("volumes", []):
                claim = volume.get("persistentVolumeClaim", {}).get("claimName")
                if claim and claim not in self.claim_paths:
                    self.claim_paths[claim] = (key, "persistence", camel(claim))
        secrets = self.values.setdefault("secrets", {})
        for obj in self.objects:
            name = obj["metadata"]["name"]
            if obj["kind"] == "Secret":
                skey = camel(name)
                while skey in secrets:
                    skey += "X"
                self.secret_keys[name] = skey
                secrets[skey] = {"existingSecret": ""}
            elif obj["kind"] == "Service":
                owner = self.workload_keys.get(obj["spec"].get("selector", {}).get("app.kubernetes.io/name", ""))
                if owner is None:
                    self.service_paths[name] = (self._key(name), "service")
                elif camel(name) == owner and "service" not in self.values[owner]:
                    self.service_paths[name] = (owner, "service")
                else:
                    self.service_paths[name] = (owner, "services", camel(name))
                self._set(self.service_paths[name], {})
            elif obj["kind"] == "PersistentVolumeClaim" and name not in self.claim_paths:
                self.claim_paths[name] = ("persistence", camel(name))
        if not secrets:
            del self.values["secrets"]

    def _set(self, path: tuple[str, ...], value: Any, tree: Obj | None = None) -> None:
        node = self.values if tree is None else tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], value)

    # -- templating ----------------------------------------------------------------------------

    def templated(self) -> list[tuple[Obj, Obj]]:
        """Each object (but Namespace) and its template tree."""
        out = []
        for obj in self.objects:
            tree = _relabel(obj)
            if "namespace" in tree["metadata"]:
                tree["metadata"]["namespace"] = Expr("{{ .Release.Namespace }}")
            tree = self._secret_refs(tree)
            kind = obj["kind"]
            if pod_spec(obj) is not None:
                tree = self._workload(obj, tree)
            elif kind == "Service":
                tree = self._service(obj, tree)
            elif kind == "PersistentVolumeClaim":
                tree = self._claim(obj, tree)
            elif kind == "Secret":
                tree = self._secret(obj, tree)
            out.append((obj, tree))
        return out

    def secret_guard(self, obj: Obj) -> str:
        if obj["kind"] != "Secret":
            return ""
        return f"not {ref(('secrets', self.secret_keys[obj['metadata']['name']], 'existingSecret'))}"

    def _secret_name(self, name: str) -> Any:
        if name not in self.secret_keys:
            return name
        existing = ref(("secrets", self.secret_keys[name], "existingSecret"))
        return Expr(f"{{{{ {existing} | default {quote_go(name)} }}}}")

    def _secret_refs(self, node: Any, parent: str = "") -> Any:
        """Every place a pod names a Secret d2k migrated reads its name from existingSecret first."""
        if isinstance(node, list):
            return [self._secret_refs(item, parent) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: self._secret_refs(v, k) for k, v in node.items()}
        if parent in ("secretKeyRef", "secretRef") and isinstance(out.get("name"), str):
            out["name"] = self._secret_name(out["name"])
        if parent == "secret" and isinstance(out.get("secretName"), str):
            out["secretName"] = self._secret_name(out["secretName"])
        return out

    def _workload(self, obj: Obj, tree: Obj) -> Obj:
        name = obj["metadata"]["name"]
        key = self.workload_keys.get(_pod_name(obj), camel(name))
        spec = tree["spec"]
        if "replicas" in spec:
            self._set((key, "replicaCount"), obj["spec"]["replicas"])
            spec["replicas"] = Expr(f"{{{{ {ref((key, 'replicaCount'))} | int }}}}")
        pod = pod_spec(tree)
        assert pod is not None
        containers = pod.get("containers", [])
        for field in ("initContainers", "containers"):
            for i, c in enumerate(pod.get(field, [])):
                own = field == "containers" and (len(containers) == 1 or c["name"] == name)
                ckey = key if own else self._key(c["name"])
                if not own:
                    self.values[ckey] = {}
                pod[field][i] = self._container(c, ckey)
        return tree

    def _container(self, c: Obj, key: str) -> Obj:
        out: Obj = {}
        repository, tag, digest = split_image(c.get("image", ""))
        image: Obj = {"repository": repository, "tag": tag}
        if digest:
            image["digest"] = digest
        image["pullPolicy"] = c.get("imagePullPolicy", "")
        self._set((key, "image"), image)
        pull = ref((key, "image", "pullPolicy"))
        for field, value in c.items():
            if field == "image":
                out[field] = Expr(f'{{{{ include "{self.chart}.image" {ref((key, "image"))} | quote }}}}')
                if "imagePullPolicy" not in c:
                    out["imagePullPolicy"] = Guard(f"with {pull}", Expr("{{ . | quote }}"))
            elif field == "imagePullPolicy":
                out[field] = Guard(f"with {pull}", Expr("{{ . | quote }}"))
            elif field == "env":
                out[field] = [self._env(item, key) for item in value]
            elif field == "resources":
                self._set((key, "resources"), value)
                out[field] = Guard(f"with {ref((key, 'resources'))}", ToYaml("."))
            elif field in dict(PROBES):
                path = (key, "probes", dict(PROBES)[field], "enabled")
                self._set(path, True)
                out[field] = Guard(f"if {ref(path)}", value)
            else:
                out[field] = value
        if "resources" not in c:
            self._set((key, "resources"), {})
            out["resources"] = Guard(f"with {ref((key, 'resources'))}", ToYaml("."))
        return out

    def _env(self, item: Obj, key: str) -> Obj:
        if not isinstance(item.get("value"), str):
            return item
        self._set((key, "env", item["name"]), item["value"])
        return {**item, "value": Expr(f"{{{{ {ref((key, 'env'))} | dig {quote_go(item['name'])} \"\" | quote }}}}")}

    def _service(self, obj: Obj, tree: Obj) -> Obj:
        path = self.service_paths[obj["metadata"]["name"]]
        spec = tree["spec"]
        if "type" in spec:
            self._set((*path, "type"), spec["type"])
            spec["type"] = Expr(f"{{{{ {ref((*path, 'type'))} }}}}")
        ports = []
        taken: set[str] = set()
        for i, port in enumerate(spec.get("ports", [])):
            pkey = camel(port.get("name", "")) if port.get("name") else f"port{i + 1}"
            while pkey in taken:
                pkey += "X"
            taken.add(pkey)
            self._set((*path, "ports", pkey), port["port"])
            ports.append({**port, "port": Expr(f"{{{{ {ref((*path, 'ports', pkey))} | int }}}}")})
        if ports:
            spec["ports"] = ports
        return tree

    def _claim(self, obj: Obj, tree: Obj) -> Obj:
        path = self.claim_paths[obj["metadata"]["name"]]
        spec = tree["spec"]
        requests = spec.get("resources", {}).get("requests", {})
        if "storage" in requests:
            self._set((*path, "size"), requests["storage"])
            requests["storage"] = Expr(f"{{{{ {ref((*path, 'size'))} | quote }}}}")
        self._set((*path, "storageClass"), spec.get("storageClassName", ""))
        if "storageClassName" in spec:  # "" binds a static PersistentVolume: it must stay written, even empty
            sc: Any = Expr(f"{{{{ {ref((*path, 'storageClass'))} | quote }}}}")
        else:  # the cluster's default StorageClass unless a value names one
            sc = Guard(f"with {ref((*path, 'storageClass'))}", Expr("{{ . | quote }}"))
        tree["spec"] = {**spec, "storageClassName": sc}
        return tree

    def _secret(self, obj: Obj, tree: Obj) -> Obj:
        skey = self.secret_keys[obj["metadata"]["name"]]
        for field in ("stringData", "data"):
            if field not in tree:
                continue
            tree[field] = dict(tree[field])
            for name, value in obj[field].items():
                self._set(("secrets", skey, name), value, self.secret_values)
                tree[field][name] = Expr(f'{{{{ include "{self.chart}.credential" '
                                         f"(list $.Values.secrets {quote_go(skey)} {quote_go(name)}) }}}}")
        return tree

    # -- files ---------------------------------------------------------------------------------

    def ordered_values(self) -> Obj:
        out: Obj = {}
        for key, node in self.values.items():
            if isinstance(node, dict) and key not in _TOP_LEVEL:
                node = {k: node[k] for k in sorted(node, key=lambda k: (_ORDER + (k,)).index(k))}
            out[key] = node
        return out

    def values_yaml(self) -> str:
        header = (f"# Values of the {self.chart} chart, one block per container under its name (see README).\n"
                  f"# Credentials are not here: pass {SECRET_VALUES} (written beside the chart) with -f,\n"
                  "# or set secrets.<name>.existingSecret to a Secret you made.\n")
        return header + to_yaml([self.ordered_values()]).removeprefix("---\n")

    def secret_values_yaml(self) -> str:
        header = (f"# Credentials for the {self.chart} chart: helm install NAME CHART -f {SECRET_VALUES}\n"
                  "# Mode 0600; keep it out of version control.\n")
        return header + to_yaml([self.secret_values]).removeprefix("---\n") if self.secret_values else header + "{}\n"

    def schema(self) -> Obj:
        root = _schema(self.ordered_values(), ())
        root["properties"]["global"] = {"type": "object"}  # what a parent chart passes to every subchart
        return {"$schema": "http://json-schema.org/draft-07/schema#", **root}

    def notes(self) -> str:
        lines = [
            f'Release {{{{ .Release.Name }}}} ({{{{ include "{self.chart}.fullname" . }}}}) '
            "in namespace {{ .Release.Namespace }}.",
            "  kubectl get pods -n {{ .Release.Namespace }} -l app.kubernetes.io/instance={{ .Release.Name }}",
        ]
        for obj in self.objects:
            if obj["kind"] != "Service" or not obj["spec"].get("ports") or "type" not in obj["spec"]:
                continue
            lines.append(_access(obj, self.service_paths[obj["metadata"]["name"]], self.chart))
        return "\n".join(lines) + "\n"


def _access(obj: Obj, path: tuple[str, ...], chart: str) -> str:
    """One Service's line in NOTES.txt: the `<chart>.access` helper writes the hint for its current type."""
    first = obj["spec"]["ports"][0]
    port = ref((*path, "ports", camel(first["name"]) if first.get("name") else "port1"))
    internal = "true" if obj["spec"]["type"] == "ClusterIP" else "false"
    protocol = quote_go(first.get("protocol", "TCP"))
    return (f'{{{{- include "{chart}.access" (dict "name" {quote_go(obj["metadata"]["name"])} '
            f'"type" {ref((*path, "type"))} "port" {port} "protocol" {protocol} "namespace" $.Release.Namespace '
            f'"internal" {internal}) }}}}')


def _relabel(obj: Obj) -> Obj:
    """A copy whose metadata.labels (the object's and its pod template's) carry Helm's labels."""

    def walk(node: Any, parent: str) -> Any:
        if isinstance(node, list):
            return [walk(item, parent) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v, k) for k, v in node.items()}
        if parent == "metadata" and isinstance(out.get("labels"), dict):
            out["labels"] = Labels({k: v for k, v in out["labels"].items() if k != MANAGED_BY})
        return out

    result: Obj = walk(obj, "")
    return result


def _pod_name(obj: Obj) -> str:
    template = obj.get("spec", {}).get("template") or {}
    labels = (template.get("metadata") or obj["metadata"]).get("labels", {})
    return str(labels.get("app.kubernetes.io/name", obj["metadata"]["name"]))


def _schema(node: Any, path: tuple[str, ...]) -> Obj:
    """JSON schema of a values node: types from the values, enums and ranges from what the key means."""
    key = path[-1] if path else ""
    parent = path[-2] if len(path) > 1 else ""
    if path[:1] == ("secrets",) and len(path) == 2:
        return {"type": "object", "properties": {"existingSecret": {"type": "string"}},
                "additionalProperties": {"type": "string"}}  # fmt: skip
    if key == "env":  # --set ENV=1 gives a number; the template quotes it
        return {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
    if key == "tag":
        return {"type": ["string", "number"]}
    if key == "resources":
        return {"type": "object"}
    if key == "type" and parent in ("service",) or (len(path) > 2 and path[-3] == "services" and key == "type"):
        return {"type": "string", "enum": list(SERVICE_TYPES)}
    if key == "pullPolicy":
        return {"type": "string", "enum": list(PULL_POLICIES)}
    if key == "replicaCount":
        return {"type": "integer", "minimum": 0}
    if parent == "ports":
        return {"type": "integer", "minimum": 1, "maximum": 65535}
    if isinstance(node, dict):
        return {"type": "object", "properties": {k: _schema(v, (*path, k)) for k, v in node.items()},
                "additionalProperties": False}  # fmt: skip
    if isinstance(node, bool):
        return {"type": "boolean"}
    if isinstance(node, int):
        return {"type": "integer"}
    return {"type": "string"}
