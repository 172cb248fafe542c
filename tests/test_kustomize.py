"""Kustomize: `kubectl kustomize` on what --out and --kustomize write builds the plain objects (overlays:
plus exactly the changes their kustomization lists), and every built object passes d2k's validation."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from d2k.emitters.kustomize import PROD_REPLICAS, split_image, stateless
from d2k.validate import DEFAULT_K8S_VERSION, validate_objects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
Obj = dict[str, Any]


def d2k(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, cwd=ROOT, env=ENV,
                          timeout=120)


def plain(sample: Path, *extra: str) -> list[Obj]:
    done = d2k("from-commands", str(sample), "-q", *extra)
    assert done.returncode == 0, done.stderr
    return [o for o in yaml.safe_load_all(done.stdout) if o]


def build(kubectl: str, folder: Path) -> list[Obj]:
    done = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [o for o in yaml.safe_load_all(done.stdout) if o]


def by_id(objects: list[Obj]) -> dict[tuple[str, str], Obj]:
    index = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert len(index) == len(objects), "two objects share kind and name"
    return index


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("output", ["yaml", "json"])
def test_out_folder_builds_the_plain_objects(sample: Path, output: str, tmp_path: Path, kubectl: str) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(sample), "-q", "-o", output, "--out", str(out)).returncode == 0
    index = yaml.safe_load((out / "kustomization.yaml").read_text(encoding="utf-8"))
    written = sorted(p.name for p in out.iterdir() if p.name != "kustomization.yaml" and not p.name.startswith("."))
    assert index["resources"] == written and (out / ".d2k-manifest").is_file()  # d2k's own record is no resource
    assert by_id(build(kubectl, out)) == by_id(plain(sample))


def test_validate_reads_an_out_folder_without_its_kustomization(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", "samples/voting-app.md", "-q", "--out", str(out)).returncode == 0
    done = d2k("validate", str(out))
    assert done.returncode == 0 and done.stderr.endswith(" checked in 10 files: 0 problems\n"), done.stderr
    assert "kustomization.yaml: skipped" in done.stderr


def expected_overlay(objects: list[Obj], app: str, env: str) -> list[Obj]:
    """The plain objects with the changes an overlay promises, computed independently of its kustomization."""
    namespace = f"{app}-{env}"
    out = copy.deepcopy(objects)
    if not any(o["kind"] == "Namespace" for o in out):
        out.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for obj in out:
        meta = obj["metadata"]
        if obj["kind"] == "Namespace":
            meta["name"] = namespace
        elif obj["kind"] != "PersistentVolume":  # cluster-scoped: kustomize gives it no namespace
            meta["namespace"] = namespace
        meta["labels"] = {**meta.get("labels", {}), "app.kubernetes.io/instance": namespace}
        spec = obj.get("spec", {})
        pod = spec.get("template", {}).get("spec", spec)
        for c in pod.get("initContainers", []) + pod.get("containers", []) if obj["kind"] != "Service" else []:
            name, tag, digest = split_image(c["image"])
            if not tag and not digest:
                c["image"] = f"{name}:latest"
        if env == "prod" and stateless(obj):
            spec["replicas"] = PROD_REPLICAS
        if env == "prod" and obj["kind"] == "Service" and spec.get("type") == "NodePort":
            spec["type"] = "LoadBalancer"
    return out


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_overlays_build_the_plain_objects_plus_their_changes(
    sample: Path, env: str, tmp_path: Path, kubectl: str
) -> None:
    tree = tmp_path / "kustomize"
    assert d2k("from-commands", str(sample), "-q", "--kustomize", str(tree)).returncode == 0
    objects = plain(sample)
    app = objects[0]["metadata"]["labels"]["app.kubernetes.io/part-of"]
    assert by_id(build(kubectl, tree / "base")) == by_id(objects)
    built = build(kubectl, tree / "overlays" / env)
    assert by_id(built) == by_id(expected_overlay(objects, app, env))
    assert validate_objects(built, DEFAULT_K8S_VERSION) == []


def test_seed_overlays_scale_only_stateless_deployments_and_expose_through_load_balancers(
    tmp_path: Path, kubectl: str
) -> None:
    tree = tmp_path / "kustomize"
    assert d2k("from-commands", "samples/voting-app.md", "-q", "--kustomize", str(tree)).returncode == 0
    for env, replicas in (("dev", dict(db=1, redis=1, result=1, vote=1, worker=1)),
                          ("prod", dict(db=1, redis=1, result=2, vote=2, worker=2))):  # fmt: skip
        built = by_id(build(kubectl, tree / "overlays" / env))
        assert {name: o["spec"]["replicas"] for (kind, name), o in built.items() if kind == "Deployment"} == replicas
        types = {name: o["spec"]["type"] for (kind, name), o in built.items() if kind == "Service"}
        external = "LoadBalancer" if env == "prod" else "NodePort"
        assert types == dict(db="ClusterIP", redis="ClusterIP", result=external, vote=external)
        assert {o["metadata"]["namespace"] for o in built.values() if o["kind"] != "Namespace"} == {f"voting-app-{env}"}
        assert built["Deployment", "redis"]["spec"]["template"]["spec"]["containers"][0]["image"] == "redis:latest"
        selector = built["Deployment", "vote"]["spec"]["selector"]["matchLabels"]
        assert selector == {"app.kubernetes.io/name": "vote"}  # labels: includeSelectors false
    text = (tree / "overlays" / "prod" / "kustomization.yaml").read_text(encoding="utf-8")
    assert "commonLabels" not in text and "patchesJson6902" not in text and "patches:" in text


def test_bare_pods_are_never_scaled(tmp_path: Path, kubectl: str) -> None:
    tree = tmp_path / "kustomize"
    seed = ROOT / "samples" / "voting-app.md"
    assert d2k("from-commands", str(seed), "-q", "--workload", "pod", "--kustomize", str(tree)).returncode == 0
    assert "replicas" not in yaml.safe_load((tree / "overlays" / "prod" / "kustomization.yaml").read_text())
    built = build(kubectl, tree / "overlays" / "prod")
    assert by_id(built) == by_id(expected_overlay(plain(seed, "--workload", "pod"), "voting-app", "prod"))


def test_an_overlay_over_a_base_with_its_own_namespace_renames_it(tmp_path: Path, kubectl: str) -> None:
    tree = tmp_path / "kustomize"
    assert d2k("from-commands", "samples/voting-app.md", "-q", "-n", "votes", "--kustomize", str(tree)).returncode == 0
    objects = plain(ROOT / "samples" / "voting-app.md", "-n", "votes")
    assert not (tree / "overlays" / "dev" / "namespace.yaml").exists()
    built = build(kubectl, tree / "overlays" / "dev")
    assert by_id(built) == by_id(expected_overlay(objects, "voting-app", "dev"))


@pytest.mark.parametrize(
    ("volume", "expected"),
    [
        ({"name": "c", "configMap": {"name": "x"}}, True),
        ({"name": "t", "emptyDir": {"medium": "Memory"}}, True),
        ({"name": "d", "emptyDir": {}}, False),
        ({"name": "p", "persistentVolumeClaim": {"claimName": "x"}}, False),
        ({"name": "h", "hostPath": {"path": "/x"}}, False),
    ],
)
def test_stateless_looks_at_volumes(volume: Obj, expected: bool) -> None:
    deployment = {"kind": "Deployment", "spec": {"template": {"spec": {
        "containers": [{"name": "a", "image": "example/app"}], "volumes": [volume]}}}}  # fmt: skip
    assert stateless(deployment) is expected


def test_stateless_refuses_databases_host_ports_and_pods() -> None:
    def deployment(container: Obj) -> Obj:
        return {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [container]}}}}

    assert stateless(deployment({"name": "a", "image": "example/app"}))
    assert not stateless(deployment({"name": "db", "image": "postgres:16"}))  # declares VOLUME
    assert not stateless(deployment({"name": "a", "image": "example/app", "ports": [{"containerPort": 80,
                                                                                  "hostPort": 80}]}))
    assert not stateless({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "example/app"}]}})


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("redis", ("redis", "", "")),
        ("postgres:15-alpine", ("postgres", "15-alpine", "")),
        ("localhost:5000/app", ("localhost:5000/app", "", "")),
        ("localhost:5000/app:1@sha256:ab", ("localhost:5000/app", "1", "sha256:ab")),
    ],
)
def test_split_image(image: str, parts: tuple[str, str, str]) -> None:
    assert split_image(image) == parts
