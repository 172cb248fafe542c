"""`d2k from-running` on the seed equals `d2k from-commands` on the seed table (a real engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from d2k.parsers.text import extract

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "voting-app.md"
NAMES = ["redis", "db", "vote", "result", "worker"]


def d2k(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, input=stdin,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def seed_lines() -> list[str]:
    """The seed table's five docker run lines, exactly as the document writes them."""
    commands = extract(SEED.read_text(encoding="utf-8"), str(SEED)).commands
    return [" ".join(w.text for w in c.words) for c in commands]


@pytest.mark.engine
def test_from_running_gives_the_objects_of_from_commands(engine: Any, made: Any, tmp_path: Path) -> None:
    taken = {c["Names"][0].lstrip("/") for c in engine.containers(all=True)} & set(NAMES)
    if taken:
        pytest.fail(f"containers {sorted(taken)} already exist on the test engine", pytrace=False)
    lines = seed_lines()
    assert len(lines) == 5
    for line in lines:
        made.run(line)
    report = tmp_path / "report.json"
    running = d2k("from-running", *NAMES, "--part-of", "voting-app", "--report", str(report))
    commands = d2k("from-commands", str(SEED))
    assert running.returncode == 0, running.stderr
    assert commands.returncode == 0, commands.stderr
    assert running.stdout == commands.stdout
    assert "postgres" not in running.stderr.replace("postgres:15-alpine", "").replace("postgresql", "")
    learned = {c["name"]: c["learned"] for c in json.loads(report.read_text())["containers"]}
    assert any("/var/lib/postgresql/data" in fact for fact in learned["db"])
    assert any("6379" in fact for fact in learned["redis"])
    assert "learned" in running.stderr


@pytest.mark.engine
def test_from_running_with_nothing_to_read_is_one_line_exit_2(engine: Any, made: Any) -> None:
    done = d2k("from-running", "--filter", "label=d2k-test=no-such-container")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_unreachable_engine_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCKER_HOST": f"unix://{tmp_path}/missing.sock"}
    done = subprocess.run([sys.executable, "-m", "d2k", "from-running"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("d2k: ") and len(done.stderr.strip().splitlines()) == 1
    assert "DOCKER_HOST" in done.stderr


@pytest.mark.engine
def test_from_running_errors_speak_of_containers_not_input_lines(engine: Any, made: Any) -> None:
    target, web, data, side = (f"{made.prefix}-{n}" for n in ("redis", "web", "data", "side"))
    made.run(f"docker run -d --name {target} redis")
    made.run(f"docker run -d --name {web} --link {target}:cache redis")
    made.run(f"docker run -d --name {data} --volumes-from {target} redis")
    made.run(f"docker run -d --name {side} --network container:{target} redis")
    for name, flag in ((web, "--link"), (data, "--volumes-from"), (side, "--network")):
        done = d2k("from-running", name)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr == (f"d2k: container {name}: {flag} {target}: container {target} is not among the "
                               "containers read: name it too, or use --all\n")
    port = d2k("from-running", target, "--port", "nope=80")
    assert port.returncode == 2 and port.stderr == f"d2k: --port nope=...: no container is named nope (the containers: {target})\n"


def test_from_running_converts_an_aliased_container_without_ports(engine: Any, made: Any) -> None:
    """A realistic engine: a worker (no EXPOSE, nothing published) answers to a network alias. Docker runs it;
    d2k converts it, reports the unknown port, and --strict fails (it used to exit 2)."""
    network = f"{made.prefix}-net"
    made.network(network)
    name = f"{made.prefix}-worker"
    made.run(f"docker run -d --name {name} --network {network} --network-alias jobs "
             "dockersamples/examplevotingapp_worker")
    inspect = engine.inspect_container(name)
    assert "jobs" in inspect["NetworkSettings"]["Networks"][network]["Aliases"]
    assert not inspect["Config"].get("ExposedPorts") and not inspect["HostConfig"].get("PortBindings")
    done = d2k("from-running", name)
    assert done.returncode == 0, done.stderr
    assert "kind: Deployment" in done.stdout and "kind: Service" not in done.stdout
    assert "answers to the network alias jobs" in done.stderr and f"--port {name}=PORT" in done.stderr
    assert d2k("from-running", name, "--strict", "-q").returncode == 1
    given = d2k("from-running", name, "--port", f"{name}=8080", "--strict", "-q")
    assert given.returncode == 0, given.stderr
    assert "name: jobs" in given.stdout and "type: ClusterIP" in given.stdout


@pytest.mark.engine
def test_from_running_publish_all_and_loopback_as_the_engine_bound_them(engine: Any, made: Any) -> None:
    """-P publishes the image's EXPOSE (read from the engine's image inspect); 127.0.0.1 stays off the nodes."""
    import yaml

    name = f"{made.prefix}-cache"
    made.run(f"docker run -d --name {name} -P -p 127.0.0.1::7000 --expose 7000 redis")
    inspect = engine.inspect_container(name)
    bound = inspect["NetworkSettings"]["Ports"]
    assert {b["HostIp"] for b in bound["7000/tcp"]} == {"127.0.0.1"}  # -P adds no other address for it
    assert bound["6379/tcp"]  # the image's EXPOSE, published by -P on the daemon's default address
    assert inspect["HostConfig"]["PublishAllPorts"] and "6379/tcp" not in inspect["HostConfig"]["PortBindings"]
    done = d2k("from-running", name)
    assert done.returncode == 0, done.stderr
    services = {o["metadata"]["name"]: o["spec"] for o in yaml.safe_load_all(done.stdout) if o["kind"] == "Service"}
    opened = {p["targetPort"] for s in services.values() if s["type"] != "ClusterIP" for p in s["ports"]}
    assert opened == {6379}  # 7000 only on loopback
    assert any(7000 in [p["targetPort"] for p in s["ports"]] and s["type"] == "ClusterIP" for s in services.values())
    assert "port-forward" in done.stderr
