"""d2k.parsers.engine: saved inspect payloads (run anywhere) and a real private engine (`engine` marker).

The engine tests run `docker run` lines verbatim on the engine DOCKER_HOST names and read them
back with read_engine; API calls are counted on the wire, independently of read_engine's counter.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from d2k.errors import EngineError
from d2k.model import Container, Fate, Healthcheck, Link, NetworkAttachment, Port
from d2k.parsers import engine as reader
from d2k.parsers.engine import (
    Listed,
    command_and_entrypoint,
    container_from_inspect,
    engine_error,
    env_overrides,
    label_overrides,
    publish_text,
    read_engine,
    select,
)

PAYLOADS = Path(__file__).resolve().parent / "engine" / "payloads"
SEED = (
    "docker run -d --name=redis redis",
    "docker run -d --name=db --env POSTGRES_PASSWORD=postgres --env POSTGRES_USER=postgres postgres:15-alpine",
    "docker run -d --name=vote -p 5423:80 --link redis:redis dockersamples/examplevotingapp_vote",
    "docker run -d --name=result -p 4141:80 --link db:db dockersamples/examplevotingapp_result",
    "docker run -d --name=worker --link redis:redis --link db:db dockersamples/examplevotingapp_worker",
)


def saved(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data["container"], data["image"]


def ports(container: Container) -> set[tuple[int, str, bool, int | None, str]]:
    """Ports without their origins, as a set (the engine keeps no order)."""
    return {(p.container_port, p.protocol, p.published, p.host_port, p.host_ip) for p in container.ports}


def mounts(container: Container) -> set[tuple[str, str, str, bool]]:
    return {(m.type, m.target, m.source, m.read_only) for m in container.mounts}


def links(container: Container) -> set[tuple[str, str]]:
    return {(link.target, link.alias) for link in container.links}


def env(container: Container) -> dict[str, str | None]:
    return {name: var.value for name, var in container.env.items()}


def flags(container: Container) -> dict[str, Fate]:
    return {use.text: use.fate for use in container.flags}


# --------------------------------------------------------------------------- pure mappings


@pytest.mark.parametrize(
    ("config", "image", "expected"),
    [
        (
            {"Cmd": ["redis-server"], "Entrypoint": ["docker-entrypoint.sh"]},
            {"Cmd": ["redis-server"], "Entrypoint": ["docker-entrypoint.sh"]},
            (None, None),
        ),
        (
            {"Cmd": ["redis-server", "--appendonly", "yes"], "Entrypoint": ["docker-entrypoint.sh"]},
            {"Cmd": ["redis-server"], "Entrypoint": ["docker-entrypoint.sh"]},
            (["redis-server", "--appendonly", "yes"], None),
        ),
        (
            {"Cmd": ["-c", "x"], "Entrypoint": ["sh"]},
            {"Cmd": ["redis-server"], "Entrypoint": ["e.sh"]},
            (["-c", "x"], ["sh"]),
        ),
        (
            {"Cmd": None, "Entrypoint": ["sh"]},
            {"Cmd": ["redis-server"], "Entrypoint": ["e.sh"]},
            (None, ["sh"]),
        ),
        (
            {"Cmd": ["sh"], "Entrypoint": None},
            {"Cmd": ["redis-server"], "Entrypoint": ["e.sh"]},
            (["sh"], []),
        ),
        # --entrypoint equal to the image's: the image CMD is gone, so the entrypoint is explicit
        (
            {"Cmd": None, "Entrypoint": ["e.sh"]},
            {"Cmd": ["redis-server"], "Entrypoint": ["e.sh"]},
            (None, ["e.sh"]),
        ),
    ],
)
def test_command_and_entrypoint_only_when_they_differ_from_the_image(
    config: dict[str, Any], image: dict[str, Any], expected: tuple[Any, Any]
) -> None:
    assert command_and_entrypoint(config, image) == expected


def test_env_overrides_drop_the_image_entries_and_keep_overrides() -> None:
    image = ["PATH=/bin", "PGDATA=/var/lib/postgresql/data", "LANG=C"]
    container = ["POSTGRES_USER=postgres", "PATH=/bin", "PGDATA=/data", "LANG=C", "BARE"]
    assert env_overrides(container, image) == [
        ("POSTGRES_USER", "postgres"),
        ("PGDATA", "/data"),
        ("BARE", None),
    ]


def test_labels_drop_the_image_labels_and_compose_bookkeeping() -> None:
    labels = {"a": "1", "img": "same", "img2": "changed", "com.docker.compose.project": "shop"}
    assert label_overrides(labels, {"img": "same", "img2": "orig"}) == {"a": "1", "img2": "changed"}


@pytest.mark.parametrize(
    ("port", "text"),
    [
        (Port(80, published=True, host_port=5423), "5423:80"),
        (Port(80, published=True, host_ip="127.0.0.1"), "127.0.0.1::80"),
        (Port(53, "udp", published=True, host_port=5353), "5353:53/udp"),
        (Port(80, published=True), "80"),
        (Port(80, published=True, host_port=8080, host_ip="::1"), "[::1]:8080:80"),
    ],
)
def test_publish_text_is_valid_docker_syntax(port: Port, text: str) -> None:
    assert publish_text(port) == text


def test_saved_seed_db_payload_keeps_only_what_the_user_set() -> None:
    payload, image = saved("seed-db")
    container, volumes, notes = container_from_inspect(payload, image)
    assert (container.name, container.image) == ("db", "postgres:15-alpine")
    assert env(container) == {"POSTGRES_PASSWORD": "postgres", "POSTGRES_USER": "postgres"}
    assert container.command is None and container.entrypoint is None
    assert container.stop_signal == "" and container.hostname == "" and container.labels == {}
    assert ports(container) == {(5432, "tcp", False, None, "")}
    assert mounts(container) == {("volume", "/var/lib/postgresql/data", "", False)}
    assert volumes == {} and notes == []
    assert (
        "POSTGRES_PASSWORD=<redacted>" in container.origin.text
        and "POSTGRES_PASSWORD=postgres" not in container.origin.text
    )
    assert container.origin.file == "container db"
    assert any("5432/tcp from the image's EXPOSE" in note for note in container.learned)


def test_saved_many_flags_payload_carries_each_fact() -> None:
    payload, image = saved("many-flags")
    container, volumes, _ = container_from_inspect(payload, image)
    assert container.command == ["sh", "-c", "sleep 3600"] and container.entrypoint is None
    assert env(container) == {"APP_MODE": "prod"} and container.labels == {"tier": "web"}
    assert ports(container) == {
        (53, "udp", True, 45353, ""),
        (80, "tcp", True, None, "127.0.0.1"),
        (6379, "tcp", False, None, ""),
    }
    assert container.networks == [NetworkAttachment("mf-net", (), container.networks[0].origin)]
    assert container.network_aliases == ["mf-alias"]  # not its short id, name or hostname
    assert mounts(container) == {
        ("volume", "/data", "mf-vol", False),
        ("volume", "/cache", "", False),
        ("volume", "/anon2", "", False),
        ("bind", "/hosttmp", "/tmp", True),
        ("tmpfs", "/scratch", "", False),
        ("tmpfs", "/run", "", False),
    }
    assert volumes == {"mf-vol": "local"}
    assert container.healthcheck == Healthcheck(
        ("CMD-SHELL", "wget -q -O- localhost || exit 1"), interval=5.0, retries=3
    )
    assert (container.user, container.workdir, container.hostname) == ("1000:1000", "/srv", "mfhost")
    assert (container.cap_add, container.cap_drop) == (["NET_ADMIN"], ["MKNOD"])
    assert (container.memory, container.nano_cpus, container.shm_size) == (64 << 20, 500_000_000, 128 << 20)
    assert (container.restart, container.restart_max_retries) == ("on-failure", 3)
    assert container.read_only and container.init and container.tty and container.stdin_open
    assert container.add_hosts == [("db.local", "10.0.0.5")]
    assert (container.dns, container.dns_search, container.dns_options) == (
        ["10.0.0.53"],
        ["example.com"],
        ["ndots:2"],
    )
    assert container.sysctls == {"net.core.somaxconn": "1024"}
    assert container.security_opts == ["no-new-privileges=true"] and container.stop_timeout == 20
    assert [m.options for m in container.mounts if m.target == "/run"] == [("size=64k", "mode=1777")]
    assert flags(container)["--log-driver none"] is Fate.NOT_CARRIED
    assert flags(container)["--init"] is Fate.NOT_CARRIED


def _row(name: str, state: str = "running", **labels: str) -> Listed:
    return Listed(f"{name:0<64}"[:64], name, state, "sha256:img", labels)


def test_select_explains_an_empty_engine_and_stopped_containers() -> None:
    with pytest.raises(EngineError, match="no container matches on the Docker engine at unix:///x"):
        select([], names=None, include_stopped=False, project=None, address="unix:///x")
    with pytest.raises(EngineError, match=r"no running container .*\(1 stopped\).*--all"):
        select([_row("a", "exited")], names=None, include_stopped=False, project=None, address="x")
    with pytest.raises(EngineError, match="not running: a \\(exited\\).*--all"):
        select([_row("a", "exited")], names=["a"], include_stopped=False, project=None, address="x")
    with pytest.raises(EngineError, match="no container named 'b'"):
        select([_row("a")], names=["b"], include_stopped=False, project=None, address="x")
    rows = [_row("a"), _row("b", "exited")]
    assert select(rows, names=None, include_stopped=False, project=None, address="x") == (
        [rows[0]],
        [rows[1]],
    )


def test_engine_error_names_the_cause_and_the_remedy() -> None:
    try:
        try:
            raise FileNotFoundError(2, "No such file or directory")
        except OSError as inner:
            raise ConnectionError("Connection aborted.", inner) from inner
    except ConnectionError as exc:
        message = str(engine_error(exc, "unix:///nowhere.sock"))
    assert "unix:///nowhere.sock" in message and "DOCKER_HOST" in message and "\n" not in message
    assert "permission denied" in str(
        engine_error(ConnectionError("x", PermissionError(13, "denied")), "unix:///s")
    )
    assert "is it running?" in str(engine_error(ConnectionRefusedError(111, "refused"), "tcp://h:2375"))


def test_unreachable_engine_is_an_engine_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "no-engine" / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{missing}")
    for variable in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(EngineError) as caught:
        read_engine()
    assert str(missing) in str(caught.value) and "DOCKER_HOST" in str(caught.value)


def test_reader_imports_docker_lazily() -> None:
    source = Path(reader.__file__).read_text()
    assert "\nimport docker" not in source and "\nfrom docker" not in source


# --------------------------------------------------------------------------- a real engine


@pytest.mark.engine
def test_seed_lines_read_back_without_image_defaults(engine: Any, made: Any, docker_cli: str) -> None:
    taken = {c["Names"][0].lstrip("/") for c in engine.containers(all=True)} & {
        "redis",
        "db",
        "vote",
        "result",
        "worker",
    }
    if taken:
        pytest.fail(
            f"containers {sorted(taken)} already exist on the test engine: remove them first", pytrace=False
        )
    for line in SEED:
        made.run(line)
    result = read_engine(["redis", "db", "vote", "result", "worker"], client=engine)
    by_name = {c.name: c for c in result.containers}
    assert [c.name for c in result.containers] == ["redis", "db", "vote", "result", "worker"]
    expected_images = {
        "redis": "redis",
        "db": "postgres:15-alpine",
        "vote": "dockersamples/examplevotingapp_vote",
        "result": "dockersamples/examplevotingapp_result",
        "worker": "dockersamples/examplevotingapp_worker",
    }
    assert {name: c.image for name, c in by_name.items()} == expected_images
    for container in result.containers:
        assert container.command is None and container.entrypoint is None, container.name
        assert container.labels == {} and container.workdir == "" and container.user == "", container.name
        assert container.hostname == "" and container.stop_signal == "" and container.healthcheck is None
        assert container.networks == [] and container.network_mode == "" and container.restart == ""
        assert container.shm_size is None and container.ipc_mode == "" and container.runtime == ""
        assert container.replicas == 1 and container.origin.file == f"container {container.name}"
    assert env(by_name["db"]) == {"POSTGRES_PASSWORD": "postgres", "POSTGRES_USER": "postgres"}
    assert all(env(by_name[n]) == {} for n in ("redis", "vote", "result", "worker"))
    assert ports(by_name["redis"]) == {(6379, "tcp", False, None, "")}
    assert ports(by_name["db"]) == {(5432, "tcp", False, None, "")}
    assert ports(by_name["vote"]) == {(80, "tcp", True, 5423, "")}
    assert ports(by_name["result"]) == {(80, "tcp", True, 4141, "")}
    assert ports(by_name["worker"]) == set()
    assert links(by_name["vote"]) == {("redis", "redis")}
    assert links(by_name["result"]) == {("db", "db")}
    assert links(by_name["worker"]) == {("redis", "redis"), ("db", "db")}
    assert mounts(by_name["redis"]) == {("volume", "/data", "", False)}
    assert mounts(by_name["db"]) == {("volume", "/var/lib/postgresql/data", "", False)}
    assert by_name["vote"].links == [Link("redis", "redis", by_name["vote"].links[0].origin)]
    assert by_name["vote"].origin.text == (
        "docker run -d --name vote --publish 5423:80 --link redis:redis dockersamples/examplevotingapp_vote"
    )
    assert result.networks == {} and result.volumes == {} and result.diagnostics == []
    assert result.api_calls == 1 + 5 + 5


@pytest.mark.engine
def test_many_flags_each_fact_carried(engine: Any, made: Any) -> None:
    p = made.prefix
    made.network(f"{p}-net")
    made.volume(f"{p}-vol")
    udp = _free_port(socket.SOCK_DGRAM)
    made.run(
        f"docker run -d --name {p}-many --network {p}-net --network-alias {p}-alias"
        " --health-cmd 'wget -q -O- http://127.0.0.1/ || exit 1' --health-interval 5s --health-retries 4"
        " --user 1000:1000 --workdir /srv --cap-add NET_ADMIN --cap-drop MKNOD --memory 64m --cpus 0.5"
        " --tmpfs /run:size=64k --add-host db.local:10.0.0.5 --dns 10.0.0.53 --dns-search example.com"
        f" --restart on-failure:3 --read-only -v {p}-vol:/data -v /cache -p {udp}:53/udp -p 127.0.0.1::80"
        " -e APP_MODE=prod --label tier=web --stop-timeout 20 redis sh -c 'exec stand-in'"
    )
    result = read_engine([f"{p}-many"], client=engine)
    (container,) = result.containers
    assert container.command == ["sh", "-c", "exec stand-in"] and container.entrypoint is None
    assert env(container) == {"APP_MODE": "prod"} and container.labels == {"tier": "web"}
    assert container.networks == [NetworkAttachment(f"{p}-net", (), container.networks[0].origin)]
    assert container.network_aliases == [f"{p}-alias"]
    assert container.network_mode == ""
    assert container.healthcheck == Healthcheck(
        ("CMD-SHELL", "wget -q -O- http://127.0.0.1/ || exit 1"), interval=5.0, retries=4
    )
    assert (container.user, container.workdir) == ("1000:1000", "/srv")
    assert (container.cap_add, container.cap_drop) == (["NET_ADMIN"], ["MKNOD"])
    assert (container.memory, container.nano_cpus) == (64 * 1024 * 1024, 500_000_000)
    assert [
        (m.target, m.size_limit, m.origin and m.origin.text) for m in container.mounts if m.type == "tmpfs"
    ] == [("/run", 64 * 1024, "--tmpfs /run:size=64k")]
    assert container.add_hosts == [("db.local", "10.0.0.5")]
    assert (container.dns, container.dns_search) == (["10.0.0.53"], ["example.com"])
    assert (container.restart, container.restart_max_retries) == ("on-failure", 3)
    assert container.read_only and container.stop_timeout == 20
    assert mounts(container) == {
        ("volume", "/data", f"{p}-vol", False),
        ("volume", "/cache", "", False),
        ("tmpfs", "/run", "", False),
    }
    assert ports(container) == {
        (53, "udp", True, udp, ""),
        (80, "tcp", True, None, "127.0.0.1"),
        (6379, "tcp", False, None, ""),
    }
    assert "--publish 127.0.0.1::80" in flags(container)
    assert set(result.networks) == {f"{p}-net"}
    assert set(result.volumes) == {f"{p}-vol"} and result.volumes[f"{p}-vol"].driver == "local"
    assert not any(len(m.source) == 64 for m in container.mounts)  # never a volume named after its id


@pytest.mark.engine
def test_image_defaults_are_dropped_and_overrides_kept(engine: Any, made: Any) -> None:
    p = made.prefix
    made.run(f"docker create --name {p}-plain --label d2k.test={p} d2k-test/defaults:1")
    made.run(
        f"docker create --name {p}-over --label d2k.test={p} --user 0 --workdir /tmp --health-interval 10s"
        " --stop-signal SIGTERM --label org.example.team=other -e APP_HOME=/opt d2k-test/defaults:1"
    )
    made.run(f"docker create --name {p}-nohc --label d2k.test={p} --no-healthcheck d2k-test/defaults:1")
    result = read_engine(all=True, filters={"label": [f"d2k.test={p}"]}, client=engine)
    by_name = {c.name: c for c in result.containers}
    plain, over, nohc = by_name[f"{p}-plain"], by_name[f"{p}-over"], by_name[f"{p}-nohc"]
    assert env(plain) == {} and plain.labels == {"d2k.test": p}
    assert (plain.user, plain.workdir, plain.stop_signal, plain.healthcheck) == ("", "", "", None)
    assert plain.command is None and not plain.no_healthcheck
    assert ports(plain) == {(8080, "tcp", False, None, ""), (9090, "udp", False, None, "")}
    assert mounts(plain) == {("volume", "/srv/cache", "", False)}
    assert any("8080/tcp, 9090/udp from the image's EXPOSE" in note for note in plain.learned)
    assert any("was not running (created) when read" in note for note in plain.learned)
    assert env(over) == {"APP_HOME": "/opt"}
    assert over.labels == {"d2k.test": p, "org.example.team": "other"}
    assert (over.user, over.workdir, over.stop_signal) == ("0", "/tmp", "SIGTERM")
    # a partial --health-* override runs merged with the image's test
    assert over.healthcheck == Healthcheck(
        ("CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"),
        interval=10.0,
        timeout=3.0,
        retries=3,
    )
    assert "--health-interval 10s" in flags(over) and not any(
        f.startswith("--health-cmd") for f in flags(over)
    )
    assert nohc.no_healthcheck and nohc.healthcheck is None


@pytest.mark.engine
def test_network_modes_namespaces_and_flags_not_carried(engine: Any, made: Any) -> None:
    p = made.prefix
    made.network(f"{p}-n1")
    made.network(f"{p}-n2")
    made.run(f"docker create --name {p}-a --network {p}-n1 --network-alias {p}-a1 redis")
    made.docker(f"docker network connect --alias {p}-a2 {p}-n2 {p}-a")
    made.run(
        f"docker create --name {p}-b --network container:{p}-a --pid container:{p}-a --ipc container:{p}-a redis"
    )
    made.run(f"docker create --name {p}-host --network host redis")
    made.run(f"docker create --name {p}-none --network none redis")
    made.run(
        f"docker create --name {p}-odd --entrypoint sh --privileged --volumes-from {p}-a:ro"
        " --ulimit nofile=1024:2048 --log-opt max-size=10m --pids-limit 100 --memory-swap -1 -m 64m"
        " --stop-signal SIGUSR1 --group-add audio --security-opt seccomp=unconfined redis -c 'exec stand-in'"
    )
    names = [f"{p}-{n}" for n in ("a", "b", "host", "none", "odd")]
    result = read_engine(names, all=True, client=engine)
    a, b, host, none, odd = result.containers
    assert [(n.name, n.aliases) for n in a.networks] == [(f"{p}-n1", (f"{p}-a1",)), (f"{p}-n2", (f"{p}-a2",))]
    assert a.network_aliases == [] and set(result.networks) == {f"{p}-n1", f"{p}-n2"}
    assert (b.network_mode, b.pid_mode, b.ipc_mode) == (f"container:{p}-a",) * 3
    assert b.networks == []
    assert (host.network_mode, host.hostname) == ("host", "")
    assert any("with --network host" in note for note in host.learned)
    assert none.network_mode == "none" and flags(none)["--network none"] is Fate.NOT_CARRIED
    assert (odd.entrypoint, odd.command) == (["sh"], ["-c", "exec stand-in"])
    assert odd.privileged and odd.security_opts == ["seccomp=unconfined"]  # not the engine's label=disable
    assert odd.volumes_from == [(f"{p}-a", "ro")] and odd.mounts == []  # /data comes from {p}-a
    assert odd.stop_signal == "SIGUSR1" and odd.group_add == ["audio"] and odd.memory == 64 << 20
    odd_flags = flags(odd)
    for text in (
        "--ulimit nofile=1024:2048",
        "--log-opt max-size=10m",
        "--pids-limit 100",
        "--memory-swap -1",
        "--stop-signal SIGUSR1",
        "--group-add audio",
    ):
        assert odd_flags[text] is Fate.NOT_CARRIED, text
    assert odd_flags[f"--volumes-from {p}-a:ro"] is Fate.APPROXIMATED


@pytest.mark.engine
def test_hundred_containers_cost_one_list_one_inspect_each_and_one_per_image(engine: Any, made: Any) -> None:
    import docker

    p = made.prefix
    for i in range(100):
        made.create("redis", f"{p}-{i:03d}", labels={"d2k.test": p})
    counted = docker.APIClient(version=engine.api_version, timeout=120, **docker.utils.kwargs_from_env())
    requests: list[tuple[str, str]] = []
    lock = threading.Lock()
    send = counted.send

    def counting_send(request: Any, **kwargs: Any) -> Any:
        with lock:
            requests.append((request.method, request.path_url))
        return send(request, **kwargs)

    counted.send = counting_send  # every HTTP request goes through Session.send
    seen: list[tuple[str, int, int]] = []
    try:
        result = read_engine(
            all=True,
            filters={"label": [f"d2k.test={p}"]},
            client=counted,
            progress=lambda k, d, t: seen.append((k, d, t)),
        )
    finally:
        counted.close()
    assert len(result.containers) == 100
    assert len(requests) == 1 + 100 + 1 == result.api_calls
    assert {method for method, _ in requests} == {"GET"}  # read-only
    assert sum("/containers/json" in path for _, path in requests) == 1
    assert sum(path.endswith("/json") and "/images/" in path for _, path in requests) == 1
    assert [s for s in seen if s[0] == "containers"] == [("containers", i, 100) for i in range(1, 101)]
    assert [s for s in seen if s[0] == "images"] == [("images", 1, 1)] and len(seen) == 101
    assert [c.name for c in result.containers] == [f"{p}-{i:03d}" for i in range(100)]


@pytest.mark.engine
def test_stopped_containers_only_with_all(engine: Any, made: Any) -> None:
    p = made.prefix
    running = made.run(f"docker run -d --name {p}-up --label d2k.test={p} redis")
    stopped = made.run(f"docker run -d --name {p}-down --label d2k.test={p} redis")
    made.docker(f"docker stop -t 5 {stopped}")
    selector = {"label": [f"d2k.test={p}"]}
    only_running = read_engine(filters=selector, client=engine)
    assert [c.name for c in only_running.containers] == [f"{p}-up"]
    assert [d.code for d in only_running.diagnostics] == ["engine-stopped-skipped"]
    assert f"{p}-down" in only_running.diagnostics[0].message
    both = read_engine(all=True, filters=selector, client=engine)
    assert [c.name for c in both.containers] == [f"{p}-up", f"{p}-down"]
    assert any("was not running (exited) when read" in note for note in both.containers[1].learned)
    with pytest.raises(EngineError, match="--all"):
        read_engine([f"{p}-down"], client=engine)
    assert read_engine([stopped[:12]], all=True, client=engine).containers[0].name == f"{p}-down"
    assert engine.inspect_container(running)["State"]["Running"]  # reading changed nothing


@pytest.mark.engine
def test_compose_replicas_become_one_container(engine: Any, made: Any) -> None:
    p = made.prefix
    for number in (1, 2, 3):
        made.create(
            "dockersamples/examplevotingapp_vote",
            f"{p}-shop-web-{number}",
            environment=["MODE=shop"],
            labels={
                "d2k.test": p,
                "com.docker.compose.project": "shop",
                "com.docker.compose.service": "web",
                "com.docker.compose.container-number": str(number),
            },
        )
    made.create(
        "redis",
        f"{p}-other-web-1",
        labels={
            "d2k.test": p,
            "com.docker.compose.project": "other",
            "com.docker.compose.service": "web",
        },
    )
    selector = {"label": [f"d2k.test={p}"]}
    result = read_engine(all=True, filters=selector, project="shop", client=engine)
    (web,) = result.containers
    assert (web.name, web.replicas, web.image) == ("web", 3, "dockersamples/examplevotingapp_vote")
    assert web.labels == {"d2k.test": p} and env(web) == {"MODE": "shop"}
    assert any("replicas=3" in note for note in web.learned)
    both = read_engine(all=True, filters=selector, client=engine)
    assert sorted((c.name, c.replicas) for c in both.containers) == [("other-web", 1), ("shop-web", 3)]
    assert {d.code for d in both.diagnostics} == {"engine-name-clash"}
    by_service = read_engine(["web"], all=True, filters=selector, project="shop", client=engine)
    assert [c.replicas for c in by_service.containers] == [3]


@pytest.mark.engine
def test_no_matching_container_is_an_engine_error(engine: Any, made: Any) -> None:
    # An empty engine answers the list call with []; a label nobody carries gets the same answer.
    with pytest.raises(EngineError, match="no container matches on the Docker engine"):
        read_engine(all=True, filters={"label": [f"d2k.none={made.prefix}"]}, client=engine)
    with pytest.raises(EngineError, match=f"no container named '{made.prefix}-absent'"):
        read_engine([f"{made.prefix}-absent"], all=True, client=engine)


@pytest.mark.engine
def test_read_engine_finds_the_engine_from_docker_host(engine: Any, made: Any) -> None:
    assert os.environ.get("DOCKER_HOST")
    p = made.prefix
    made.create("redis", f"{p}-env", labels={"d2k.test": p})
    result = read_engine(all=True, filters={"label": [f"d2k.test={p}"]})
    assert [c.name for c in result.containers] == [f"{p}-env"]
    assert result.api_calls == 1 + 1 + 1 + 1  # version negotiation, list, container, image


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_saved_payload_auto_remove_is_read_as_rm_and_the_container_as_detached() -> None:
    """AutoRemove (--rm) decides run-once Jobs (d2k.workloads); the engine cannot say how the client attached."""
    payload, image = saved("seed-db")
    payload = {**payload, "HostConfig": {**payload["HostConfig"], "AutoRemove": True}}
    container, _, _ = container_from_inspect(payload, image)
    assert container.auto_remove and container.detach
    assert "--rm" in flags(container) and "--rm" in container.origin.text
    plain, _, _ = container_from_inspect(*saved("seed-db"))
    assert not plain.auto_remove and "--rm" not in flags(plain)
