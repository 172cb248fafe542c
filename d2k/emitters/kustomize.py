"""The plain objects -> a Kustomize base and `dev`/`prod` overlays, as {relative path: text}.

The base is the plain output file for file (the same text `--out` writes) plus a
`kustomization.yaml` listing it, so `kubectl kustomize base` builds exactly the plain objects.
The overlays change only what environments differ in, each change visible in its kustomization:

- `namespace`: `<app>-dev` / `<app>-prod` (plus a Namespace object when the base has none);
- `images`: one entry per image, pinning the tag it runs today (an untagged image gets the
  `latest` Docker pulled), the one place to roll a version forward;
- `replicas`: dev keeps the base's; prod runs 2 of every *stateless* Deployment (see `stateless`);
- `labels`: `app.kubernetes.io/instance: <app>-<env>` on the objects, never on selectors
  (`includeSelectors: false`) so the overlays select the same pods as the base;
- `patches` (prod): NodePort Services become LoadBalancer, the way a cloud cluster exposes them.
"""

from __future__ import annotations

import json
from typing import Any

from d2k.emitters.output import to_yaml

Obj = dict[str, Any]
KUSTOMIZATION = "kustomization.yaml"
ENVIRONMENTS = ("dev", "prod")
PROD_REPLICAS = 2
_STATELESS_VOLUMES = frozenset({"configMap", "secret", "projected", "downwardAPI"})


def kustomization(resources: list[str], **fields: Any) -> str:
    """A kustomization.yaml: apiVersion and kind, the resources, then the given fields in order."""
    doc: Obj = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": resources, **{k: v for k, v in fields.items() if v}}  # fmt: skip
    return to_yaml([doc]).removeprefix("---\n")


def with_kustomization(files: dict[str, str]) -> dict[str, str]:
    """What `--out DIR` writes: the files plus a kustomization.yaml listing them (`kubectl apply -k DIR`)."""
    return {**files, KUSTOMIZATION: kustomization(sorted(files))}


def kustomize_tree(objects: list[Obj], files: dict[str, str], *, app: str) -> dict[str, str]:
    """`base/` (the plain files and their kustomization) and `overlays/<env>/kustomization.yaml`."""
    tree = {f"base/{name}": text for name, text in with_kustomization(files).items()}
    for env in ENVIRONMENTS:
        tree.update({f"overlays/{env}/{name}": text for name, text in overlay(objects, app=app, env=env).items()})
    return tree


def overlay_namespace(app: str, env: str) -> str:
    return f"{app[: 62 - len(env)].rstrip('-')}-{env}"


def overlay(objects: list[Obj], *, app: str, env: str) -> dict[str, str]:
    """One environment's folder: its kustomization.yaml, and a Namespace when the base brings none."""
    namespace = overlay_namespace(app, env)
    resources = ["../../base"]
    files: dict[str, str] = {}
    if not any(o["kind"] == "Namespace" for o in objects):
        files["namespace.yaml"] = to_yaml([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}])
        resources.append("namespace.yaml")
    scaled = [o for o in objects if "replicas" in o.get("spec", {})]
    replicas = [{"name": o["metadata"]["name"],
                 "count": PROD_REPLICAS if env == "prod" and stateless(o) else o["spec"]["replicas"]}
                for o in scaled]  # fmt: skip
    patches = [service_patch(o, "LoadBalancer") for o in objects
               if env == "prod" and o["kind"] == "Service" and o["spec"].get("type") == "NodePort"]  # fmt: skip
    files[KUSTOMIZATION] = kustomization(
        resources,
        namespace=namespace,
        labels=[{"pairs": {"app.kubernetes.io/instance": namespace}, "includeSelectors": False}],
        images=image_pins(objects),
        replicas=replicas,
        patches=patches,
    )
    return files


def stateless(obj: Obj) -> bool:
    """A Deployment that can run twice without two copies fighting over, or splitting, its state.

    Not stateless: a volume that holds data (a claim, an emptyDir a database writes to, a host path;
    a memory-backed `--tmpfs` is scratch), a host port or the host network (two pods on one node
    collide), or an image known to declare a VOLUME (databases, caches: d2k's image catalog), whose
    data would split in two.
    """
    from d2k.catalog import image_volumes

    if obj["kind"] != "Deployment":
        return False
    spec = pod_spec(obj) or {}
    if spec.get("hostNetwork") or not all(_scratch(v) for v in spec.get("volumes", [])):
        return False
    for c in _containers(obj):
        if any("hostPort" in p for p in c.get("ports", [])) or image_volumes(c.get("image", "")):
            return False
    return True


def _scratch(volume: Obj) -> bool:
    """Configuration, credentials, or a memory-backed emptyDir (`--tmpfs`): nothing two copies share."""
    sources = set(volume) - {"name"}
    if sources == {"emptyDir"}:
        return bool(volume["emptyDir"].get("medium") == "Memory")
    return sources <= _STATELESS_VOLUMES


def image_pins(objects: list[Obj]) -> list[Obj]:
    """One `images:` entry per image name: its tag or digest as it runs today."""
    pins: dict[str, Obj] = {}
    for obj in objects:
        for c in _containers(obj):
            name, tag, digest = split_image(c.get("image", ""))
            if not name or name in pins:
                continue
            pins[name] = {"name": name, "digest": digest} if digest else {"name": name, "newTag": tag or "latest"}
    return [pins[name] for name in sorted(pins)]


def split_image(image: str) -> tuple[str, str, str]:
    """`host:5000/repo:tag@sha256:...` -> (`host:5000/repo`, `tag`, `sha256:...`); missing parts are ''."""
    ref, _, digest = image.partition("@")
    slash, colon = ref.rfind("/"), ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], digest
    return ref, "", digest


def service_patch(obj: Obj, service_type: str) -> Obj:
    """A JSON patch (one line of JSON, which Kustomize reads as YAML) that changes a Service's type."""
    operation = [{"op": "replace", "path": "/spec/type", "value": service_type}]
    return {"target": {"kind": "Service", "name": obj["metadata"]["name"]},
            "patch": json.dumps(operation, separators=(", ", ": "))}  # fmt: skip


def pod_spec(obj: Obj) -> Obj | None:
    """The pod spec of any workload kind (Pod, Deployment and friends, CronJob), or None."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if obj["kind"] == "Pod":
        return spec
    if obj["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template = spec.get("template")
    return template.get("spec") if isinstance(template, dict) else None


def _containers(obj: Obj) -> list[Obj]:
    spec = pod_spec(obj) or {}
    return [*spec.get("initContainers", []), *spec.get("containers", [])]
