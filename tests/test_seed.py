"""The seed: the voting app's five docker run lines, migrated with no hand edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text

SEED = Path(__file__).resolve().parent.parent / "samples" / "voting-app.md"


def _convert(**options: Any) -> list[dict[str, Any]]:
    return convert_text(SEED.read_text(encoding="utf-8"), str(SEED), options=Options(**options)).objects


def _by(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _pod_specs(objects: list[dict[str, Any]], workload: str) -> dict[str, dict[str, Any]]:
    if workload == "pod":
        return {n: o for n, o in _by(objects, "Pod").items()}
    return {
        n: {"metadata": o["spec"]["template"]["metadata"], "spec": o["spec"]["template"]["spec"]}
        for n, o in _by(objects, "Deployment").items()
    }


def _selected(service: dict[str, Any], pods: dict[str, dict[str, Any]]) -> list[str]:
    selector = service["spec"]["selector"]
    return sorted(
        n for n, p in pods.items() if all(p["metadata"]["labels"].get(k) == v for k, v in selector.items())
    )


@pytest.mark.parametrize("workload", ["deployment", "pod"])
def test_seed_workloads_and_service_types(workload: str) -> None:
    objects = _convert(workload=workload)
    pods = _pod_specs(objects, workload)
    assert sorted(pods) == ["db", "redis", "result", "vote", "worker"]
    services = _by(objects, "Service")
    assert sorted(services) == ["db", "redis", "result", "vote"]
    assert services["redis"]["spec"]["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in services["redis"]["spec"]["ports"]] == [(6379, 6379)]
    assert services["db"]["spec"]["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in services["db"]["spec"]["ports"]] == [(5432, 5432)]
    for name, host_port in (("vote", 5423), ("result", 4141)):
        spec = services[name]["spec"]
        assert spec["type"] == "NodePort"
        assert [(p["port"], p["targetPort"]) for p in spec["ports"]] == [(host_port, 80)]
        assert "nodePort" not in spec["ports"][0]  # outside 30000-32767: the cluster picks
    for name, service in services.items():
        assert _selected(service, pods) == [name]
    assert all("worker" not in _selected(s, pods) for s in services.values())


@pytest.mark.parametrize("workload", ["deployment", "pod"])
def test_seed_postgres_password_comes_from_a_secret(workload: str) -> None:
    objects = _convert(workload=workload)
    db = _pod_specs(objects, workload)["db"]["spec"]["containers"][0]
    env = {e["name"]: e for e in db["env"]}
    assert env["POSTGRES_USER"] == {"name": "POSTGRES_USER", "value": "postgres"}
    ref = env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    secret = _by(objects, "Secret")[ref["name"]]
    assert secret["stringData"][ref["key"]] == "postgres"
    assert not _by(objects, "ConfigMap")


def test_seed_images_and_no_invented_fields() -> None:
    pods = _pod_specs(_convert(), "deployment")
    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods.items()}
    assert images == {
        "redis": "redis",
        "db": "postgres:15-alpine",
        "vote": "dockersamples/examplevotingapp_vote",
        "result": "dockersamples/examplevotingapp_result",
        "worker": "dockersamples/examplevotingapp_worker",
    }
    worker = pods["worker"]["spec"]["containers"][0]
    assert "ports" not in worker and "args" not in worker and "command" not in worker
