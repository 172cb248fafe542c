"""Three ways, one answer: the voting app's Compose file through from-compose, and through `docker-compose up`
then from-running, give the same objects; both agree with from-commands on the seed table wherever the
inputs say the same thing. A real engine (stand-in images, nothing pulled or built).

Where they legitimately differ from the seed table (the inputs say different things):
- published ports: the seed publishes 5423:80 and 4141:80, the Compose file 8080:80 and 8081:80;
- the Compose file puts vote and result on shared networks, so their Services also carry port 80
  for the other members (the seed links only consumers to providers);
- the Compose file has healthchecks (probes), healthcheck bind mounts (hostPath), the db-data volume
  (a PVC) and `depends_on: service_healthy` (initContainers); the seed has none of these;
- images: the seed runs `redis`, the Compose file `redis:alpine` (here the stand-in `redis:latest`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from d2k.parsers.compose_loader import compose_command

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "tests" / "compose" / "voting-app" / "docker-compose.images.yml"
SEED = ROOT / "samples" / "voting-app.md"


def d2k(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, timeout=180,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _project_folder(tmp_path: Path) -> Path:
    """The voting app's Compose file, healthcheck scripts that pass, and the stand-in for redis:alpine."""
    folder = tmp_path / "voting-app"
    (folder / "healthchecks").mkdir(parents=True)
    shutil.copy(COMPOSE, folder / "docker-compose.images.yml")
    for script in ("redis.sh", "postgres.sh"):
        path = folder / "healthchecks" / script
        path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        path.chmod(0o755)
    (folder / "stand-ins.yml").write_text("services:\n  redis:\n    image: redis:latest\n", encoding="utf-8")
    return folder


def _track(made: Any, engine: Any, project: str) -> None:
    """What `docker-compose up` made, removed by id afterwards like everything a test makes."""
    label = {"label": f"com.docker.compose.project={project}"}
    made.containers.extend(c["Id"] for c in engine.containers(all=True, filters=label))
    made.networks.extend(n["Id"] for n in engine.networks(filters=label))
    made.volumes.extend(v["Name"] for v in (engine.volumes(filters=label).get("Volumes") or []))


def _objects(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(text) if o}


def _pod(objects: dict[tuple[str, str], dict[str, Any]], name: str) -> dict[str, Any]:
    return dict(objects[("Deployment", name)]["spec"]["template"]["spec"])


def _said_the_same(objects: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """What the seed table and the Compose file both say: workloads, images, env, who is reachable on which port."""
    # a name is reached from outside when any of its Services is external (a Compose service others on its
    # network may call keeps a ClusterIP Service beside its `-external` one: what the table does not say)
    services: dict[str, tuple[str, list[int]]] = {}
    for (kind, name), o in sorted(objects.items()):
        if kind == "Service":
            base = name.removesuffix("-external")
            outside = o["spec"]["type"] != "ClusterIP"
            if outside or base not in services:
                services[base] = ("external" if outside else "ClusterIP",
                                  sorted({p["targetPort"] for p in o["spec"]["ports"]}))
    workloads = {}
    for (kind, name), _o in sorted(objects.items()):
        if kind != "Deployment":
            continue
        container = _pod(objects, name)["containers"][0]
        workloads[name] = (container["image"].split(":")[0], sorted(e["name"] for e in container.get("env", [])))
    secrets = {name: sorted(o["stringData"]) for (kind, name), o in objects.items() if kind == "Secret"}
    return {"services": services, "workloads": workloads, "secrets": secrets}


@pytest.mark.engine
def test_compose_running_and_commands_agree(engine: Any, made: Any, tmp_path: Path) -> None:
    folder = _project_folder(tmp_path)
    project = made.prefix
    files = ["-f", "docker-compose.images.yml", "-f", "stand-ins.yml"]
    try:
        up = subprocess.run([*compose_command(), *files, "-p", project, "up", "-d", "--pull", "never"],
                            cwd=folder, capture_output=True, text=True, timeout=300, check=False)
    finally:
        _track(made, engine, project)
    assert up.returncode == 0, up.stderr

    from_compose = d2k("from-compose", *files, "-p", project, "--part-of", "voting-app", cwd=folder)
    from_running = d2k("from-running", "--project", project, "--part-of", "voting-app", cwd=folder)
    from_commands = d2k("from-commands", str(SEED), cwd=ROOT)
    for done in (from_compose, from_running, from_commands):
        assert done.returncode == 0, done.stderr

    # from-compose and from-running: the same objects, byte for byte
    assert from_compose.stdout == from_running.stdout

    compose, commands = _objects(from_compose.stdout), _objects(from_commands.stdout)
    same_compose, same_commands = _said_the_same(compose), _said_the_same(commands)
    assert same_compose == same_commands
    assert same_compose["services"] == {"db": ("ClusterIP", [5432]), "redis": ("ClusterIP", [6379]),
                                        "result": ("external", [80]), "vote": ("external", [80])}
    assert "worker" in same_compose["workloads"] and "worker" not in same_compose["services"]

    # where the inputs differ, the objects differ exactly there
    extra = sorted(set(compose) - set(commands))
    assert extra == [("ConfigMap", "db-dir-healthchecks"), ("PersistentVolumeClaim", "db-data"),
                     ("Service", "result-external"), ("Service", "vote-external")]
    assert compose[("Service", "vote")]["spec"]["type"] == "ClusterIP"  # the network may call vote on 80
    assert [c["name"] for c in _pod(compose, "worker")["initContainers"]] == ["wait-for-db", "wait-for-redis"]
    assert "initContainers" not in _pod(commands, "worker")
    assert "readinessProbe" in _pod(compose, "db")["containers"][0]
    assert "waits for db to be healthy: an initContainer (busybox:1.36) polls Service db port 5432" in from_compose.stderr
    assert "starts after db (service_healthy), as Compose recorded" in from_running.stderr
