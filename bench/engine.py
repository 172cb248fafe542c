"""from-running: read N created containers with d2k against one `docker inspect` of the same ids.

The bench works on the engine DOCKER_HOST names; without one it starts a private engine with
tests/engine/engine.sh (its own state file, stopped again at the end). Images are the stand-ins
of tests/engine/images.py (built locally FROM scratch, never pulled). For each size it creates N
containers (`docker create`, never started) with a realistic mix of ports, env, links, named
volumes, a user network, healthchecks and limits, all labelled with this run's id, then measures:

- `d2k from-running --all --filter label=d2k.bench=RUN --quiet` as a child process (the CLI);
- `read_engine(...)` in-process on the client the CLI would pick (`connect()`), its requests counted;
- `docker inspect ID...`: one call with every id, the reference.

Everything the bench made (containers, volumes, the network) is removed by id afterwards.

    python bench/engine.py                            # 10, 50 and 200 containers, 3 runs each
    python bench/engine.py --containers 2 --runs 1 --json
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    Table,
    base_parser,
    child_env,
    d2k_command,
    emit,
    log,
    median,
    ms,
    run_child,
)

ENGINE_SH = ROOT / "tests" / "engine" / "engine.sh"
IMAGES_PY = ROOT / "tests" / "engine" / "images.py"
TARGET_CLI_RATIO = 3.0  # the whole `d2k from-running --all`, start-up included (issue 13)
TARGET_READER_RATIO = 1.5  # read_engine() alone
LABEL = "d2k.bench"

# stand-in tag -> its port (as the real image's EXPOSE)
IMAGE_PORTS = {
    "redis:latest": 6379,
    "postgres:15-alpine": 5432,
    "dockersamples/examplevotingapp_vote:latest": 80,
    "dockersamples/examplevotingapp_result:latest": 80,
    "dockersamples/examplevotingapp_worker:latest": 0,
    "d2k-test/defaults:1": 8080,
}


@contextmanager
def engine_host() -> Iterator[tuple[str, bool]]:
    """(DOCKER_HOST, started here): the given engine, or a private one started and stopped here."""
    host = os.environ.get("DOCKER_HOST", "")
    if host:
        yield host, False
        return
    if not ENGINE_SH.exists():
        raise SystemExit(f"bench: DOCKER_HOST is not set and {ENGINE_SH} is missing")
    state_dir = tempfile.mkdtemp(prefix="d2k-bench-engine-")
    env = dict(os.environ, D2K_ENGINE_STATE=str(Path(state_dir) / "state"))
    log("starting a private engine (tests/engine/engine.sh start)")
    done = subprocess.run(["bash", str(ENGINE_SH), "start"], env=env, capture_output=True, text=True, timeout=180)
    try:
        if done.returncode != 0:
            raise SystemExit(f"bench: engine.sh start failed: {done.stderr.strip()}")
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in done.stdout.splitlines() if "=" in line
        )
        host = exports["DOCKER_HOST"]
        os.environ["DOCKER_HOST"] = host
        try:
            yield host, True
        finally:
            os.environ.pop("DOCKER_HOST", None)
    finally:
        log("stopping the private engine (tests/engine/engine.sh stop)")
        subprocess.run(["bash", str(ENGINE_SH), "stop"], env=env, capture_output=True, timeout=180)
        shutil.rmtree(state_dir, ignore_errors=True)


def load_images() -> ModuleType:
    spec = importlib.util.spec_from_file_location("d2k_bench_images", IMAGES_PY)
    if spec is None or spec.loader is None:
        raise SystemExit(f"bench: cannot load {IMAGES_PY}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class WireCounter:
    """Counts the HTTP requests a client sends from now on: a requests response hook on the SDK's
    APIClient; d2k's own socket client counts each request it writes to the socket."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._hooked = 0
        self._base = getattr(client, "requests", 0)
        self._lock = threading.Lock()
        if hasattr(client, "hooks"):
            client.hooks["response"].append(self._hook)

    @property
    def count(self) -> int:
        return self._hooked + getattr(self._client, "requests", 0) - self._base

    def _hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._hooked += 1
        return response


@dataclass
class Made:
    """What the bench made on the engine, removed by id (never by name or in bulk)."""

    client: Any
    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)

    def cleanup(self) -> list[str]:
        errors: list[str] = []
        steps = (
            [(self.client.remove_container, c, {"force": True, "v": True}) for c in reversed(self.containers)]
            + [(self.client.remove_volume, v, {"force": True}) for v in reversed(self.volumes)]
            + [(self.client.remove_network, n, {}) for n in reversed(self.networks)]
        )
        for remove, ident, kwargs in steps:
            try:
                remove(ident, **kwargs)
            except Exception as exc:  # keep removing the rest; NotFound is fine
                if getattr(getattr(exc, "response", None), "status_code", None) != 404:
                    errors.append(f"{ident}: {exc}")
        self.containers.clear()
        self.volumes.clear()
        self.networks.clear()
        return errors


def create_containers(client: Any, made: Made, count: int, run_id: str) -> int:
    """`count` created (not started) containers of the stand-in images, with a realistic flag mix.

    Returns how many distinct images they use.
    """
    tags = list(IMAGE_PORTS)
    network = f"d2kb-{run_id}-net"
    made.networks.append(str(client.create_network(network, labels={LABEL: run_id})["Id"]))
    linkable: list[str] = []
    for i in range(count):
        image = tags[i % len(tags)]
        port = IMAGE_PORTS[image]
        name = f"d2kb-{run_id}-{i:03d}"
        env = {"LOG_LEVEL": ("debug", "info", "warning")[i % 3], "APP_INSTANCE": str(i)}
        if i % 4 == 1:
            env["DB_PASSWORD"] = f"pw{i:04d}"
        ports: list[int] = []
        host_config: dict[str, Any] = {"restart_policy": {"Name": "unless-stopped"} if i % 2 else None}
        if port and i % 3 != 2:
            ports = [port]
            host_config["port_bindings"] = {port: ("127.0.0.1", 20000 + i)}  # loopback only
        if i % 3 == 0:
            volume = f"d2kb-{run_id}-data-{i:03d}"
            made.volumes.append(str(client.create_volume(volume, labels={LABEL: run_id})["Name"]))
            host_config["binds"] = {volume: {"bind": "/data", "mode": "rw"}}
        if i % 2 == 0:
            host_config["mem_limit"] = ("128m", "256m", "512m")[i % 3]
            host_config["nano_cpus"] = 500_000_000
        on_network = i % 5 == 4
        if linkable and not on_network and i % 4 == 2:
            target = linkable[-1]
            host_config["links"] = {target: f"{target}-alias"}
        healthcheck = None
        if port and i % 4 == 0:
            healthcheck = {
                "test": ["CMD-SHELL", f"nc -z localhost {port} || exit 1"],
                "interval": 10_000_000_000, "timeout": 3_000_000_000, "retries": 3,
            }
        created = client.create_container(
            image,
            name=name,
            environment=env,
            ports=ports or None,
            labels={LABEL: run_id, "tier": ("front", "back")[i % 2]},
            healthcheck=healthcheck,
            host_config=client.create_host_config(**{k: v for k, v in host_config.items() if v is not None}),
            networking_config=client.create_networking_config({network: client.create_endpoint_config()})
            if on_network
            else None,
        )
        made.containers.append(str(created["Id"]))
        if ports and not on_network:
            linkable.append(name)
    return len({tags[i % len(tags)] for i in range(count)})


@dataclass(slots=True)
class SizeFigures:
    containers: int
    images: int
    create_seconds: float
    cli_seconds: float
    reader_seconds: float
    inspect_seconds: float
    wire_calls: int
    reported_calls: int
    read_containers: int


def measure_size(client: Any, docker_cli: str, count: int, runs: int) -> SizeFigures:
    from d2k.parsers.engine import connect, read_engine

    run_id = uuid.uuid4().hex[:8]
    made = Made(client)
    try:
        log(f"from-running: creating {count} containers")
        start = time.perf_counter()
        images = create_containers(client, made, count, run_id)
        create_seconds = time.perf_counter() - start
        ids = list(made.containers)
        cli = [*d2k_command(), "from-running", "--all", "--filter", f"label={LABEL}={run_id}", "--quiet"]
        inspect = [docker_cli, "inspect", *ids]
        env = child_env()
        cli_times: list[float] = []
        inspect_times: list[float] = []
        reader_times: list[float] = []
        wire_calls = reported = read = 0
        for i in range(runs + 1):  # the first round warms caches and is not counted
            log(f"from-running: {count} containers, round {i}/{runs}")
            run = run_child(cli, env=env)
            if run.returncode != 0:
                raise SystemExit(f"bench: d2k from-running failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
            ref = run_child(inspect, env=env)
            if ref.returncode != 0:
                raise SystemExit(f"bench: docker inspect failed ({ref.returncode}): {ref.stderr.strip()}")
            reader_client, _address = connect()  # the client the CLI would use for this engine
            wire = WireCounter(reader_client)  # counts from here: the version negotiation is done
            start = time.perf_counter()
            result = read_engine(all=True, filters={"label": [f"{LABEL}={run_id}"]}, client=reader_client)
            seconds = time.perf_counter() - start
            reader_client.close()
            if i:
                cli_times.append(run.seconds)
                inspect_times.append(ref.seconds)
                reader_times.append(seconds)
            wire_calls, reported, read = wire.count, result.api_calls, len(result.containers)
        return SizeFigures(
            count, images, create_seconds, median(cli_times), median(reader_times), median(inspect_times),
            wire_calls, reported, read,
        )
    finally:
        errors = made.cleanup()
        if errors:
            log("cleanup left: " + "; ".join(errors))


def bench(sizes: list[int], runs: int) -> Table:
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        raise SystemExit("bench: the docker CLI is needed for the `docker inspect` reference")
    try:
        import docker
    except ImportError:
        raise SystemExit("bench: the docker SDK is needed (pip install docker)") from None
    figures: list[SizeFigures] = []
    with engine_host() as (host, started):
        client = docker.APIClient(version="auto", timeout=120, **docker.utils.kwargs_from_env())
        try:
            log("from-running: making sure the stand-in images exist (never pulled)")
            load_images().ensure(client)
            for count in sorted(set(sizes)):
                figures.append(measure_size(client, docker_cli, count, runs))
            version = client.version().get("Version", "?")
        finally:
            client.close()
    table = Table("from-running: d2k vs one `docker inspect` of the same created containers")
    for f in figures:
        expected = 1 + f.containers + f.images
        n = f"{f.containers} containers"
        table.add(f"{n}: `docker inspect ID...` (median)", ms(f.inspect_seconds), seconds=f.inspect_seconds)
        cli_ratio = f.cli_seconds / f.inspect_seconds
        table.add(f"{n}: `d2k from-running --all` CLI (median)", f"{ms(f.cli_seconds)} ({cli_ratio:.1f}x)",
                  f"<= {TARGET_CLI_RATIO:g}x inspect", cli_ratio <= TARGET_CLI_RATIO, seconds=f.cli_seconds,
                  ratio=cli_ratio)
        reader_ratio = f.reader_seconds / f.inspect_seconds
        table.add(f"{n}: read_engine() in-process (median)", f"{ms(f.reader_seconds)} ({reader_ratio:.1f}x)",
                  f"<= {TARGET_READER_RATIO:g}x inspect", reader_ratio <= TARGET_READER_RATIO,
                  seconds=f.reader_seconds, ratio=reader_ratio)
        table.add(f"{n}: API calls on the wire (read_engine's own count)", f"{f.wire_calls} ({f.reported_calls})",
                  f"<= 1 + N + images = {expected}", f.wire_calls <= expected and f.read_containers == f.containers,
                  wire=f.wire_calls, reported=f.reported_calls, expected=expected, read=f.read_containers)
    table.notes.append(
        f"engine {version} at {'a private engine started by the bench' if started else host}; "
        f"{runs} measured round(s) per size after one warm-up round; containers created, never started"
    )
    table.notes.append(
        "the CLI time includes interpreter start-up and the conversion to manifests; read_engine is the reader "
        "alone on a ready client (its version negotiation is not counted on the wire; read_engine's own count "
        "adds 1 for it only when it connects by itself)"
    )
    for f in figures:
        table.notes.append(f"creating {f.containers} containers took {f.create_seconds:.1f} s")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, nargs="+", default=[10, 50, 200],
                        help="sizes (default 10 50 200)")
    parser.add_argument("--runs", type=int, default=3, help="measured rounds per size (default 3)")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.containers):
        parser.error("--containers: sizes must be positive")
    table = bench(args.containers, max(1, args.runs))
    emit([table], args.json)
    return 1 if args.strict and not table.passed else 0


if __name__ == "__main__":
    sys.exit(main())
