"""from-compose: a generated Compose project of N services through the CLI, and the start-up cost on a small one.

Two figures:
- N services (seeded: web apps with ports and env URLs, databases with volumes and healthchecks,
  caches, workers, `depends_on` with conditions, two networks): `d2k from-compose` wall time in a
  child, Compose's own `config --format json` included (target < 2 s at 500 services);
- start-up: `d2k from-compose` on the voting app's Compose file against `d2k from-commands` on the
  seed plus the loader's own run (`compose config --format json` alone): from-compose should cost no
  more than those two together (target ratio <= 1.1).

    python bench/compose.py                      # 500 services, 3 runs; start-up 9 runs each
    python bench/compose.py --services 50 --runs 1 --startup-runs 2 --json
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    SEED,
    Table,
    base_parser,
    d2k_command,
    emit,
    log,
    median,
    ms,
    run_child,
)

TARGET_SECONDS = 2.0
TARGET_RATIO = 1.1
VOTING = ROOT / "tests" / "compose" / "voting-app" / "docker-compose.images.yml"


def generate(services: int, seed: int = 12) -> dict[str, Any]:
    """A deterministic Compose project: every fifth service a database, then caches, web apps, workers."""
    rng = random.Random(seed)
    project: dict[str, Any] = {"name": "bench", "services": {}, "volumes": {}, "networks": {"front": {}, "back": {}}}
    databases: list[str] = []
    caches: list[str] = []
    for n in range(services):
        name = f"svc-{n:04d}"
        kind = ("db", "cache", "web", "web", "worker")[n % 5]
        svc: dict[str, Any] = {"networks": ["back"], "restart": "unless-stopped"}
        if kind == "db":
            svc.update(image="postgres:16", environment={"POSTGRES_PASSWORD": f"pw{n}", "POSTGRES_DB": name},
                       volumes=[f"{name}-data:/var/lib/postgresql/data"],
                       healthcheck={"test": ["CMD-SHELL", "pg_isready"], "interval": "10s"})
            project["volumes"][f"{name}-data"] = {}
            databases.append(name)
        elif kind == "cache":
            svc.update(image="redis:7", command=["redis-server", "--maxmemory", f"{rng.randint(64, 512)}mb"])
            caches.append(name)
        else:
            db, cache = databases[-1], caches[-1] if caches else databases[-1]
            svc["image"] = f"registry.example.com/team/{name}:{rng.randint(1, 9)}.{rng.randint(0, 20)}"
            svc["environment"] = {"DATABASE_URL": f"postgres://app:secret@{db}:5432/{db}",
                                  "CACHE_URL": f"redis://{cache}:6379/0", "LOG_LEVEL": "info"}
            svc["depends_on"] = {db: {"condition": "service_healthy"}, cache: {"condition": "service_started"}}
            svc["deploy"] = {"resources": {"limits": {"cpus": "0.5", "memory": "256M"}}}
            if kind == "web":
                svc["ports"] = [f"{30000 + n}:8080"]
                svc["networks"] = ["front", "back"]
        project["services"][name] = svc
    return project


def write_project(folder: Path, services: int) -> Path:
    import yaml

    path = folder / "compose.yaml"
    path.write_text(yaml.safe_dump(generate(services), sort_keys=False), encoding="utf-8")
    return path


def bench_size(services: int, runs: int, table: Table) -> None:
    from d2k.parsers.compose_loader import compose_command

    with tempfile.TemporaryDirectory(prefix="d2k-bench-compose-") as tmp:
        path = write_project(Path(tmp), services)
        argv = [*d2k_command(), "from-compose", "-f", str(path), "-q", "-o", "json"]
        loader = [*compose_command(), "-f", str(path), "config", "--format", "json"]
        times, loads = [], []
        for _ in range(runs + 1):  # the first run warms the bytecode cache
            run = run_child(argv)
            if run.returncode != 0:
                raise SystemExit(f"bench: from-compose failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
            times.append(run.seconds)
            loads.append(run_child(loader).seconds)
        wall, load = median(times[1:]), median(loads[1:])
    table.add(f"{services} services: d2k from-compose (median wall)", ms(wall), f"< {TARGET_SECONDS:g} s",
              wall < TARGET_SECONDS, seconds=wall, services=services, all=times[1:])
    table.add(f"{services} services: of which Compose's own config run", ms(load), seconds=load)
    table.add(f"{services} services: d2k beyond Compose's run (the two overlap)", ms(wall - load),
              seconds=wall - load)


def bench_startup(runs: int, table: Table) -> None:
    from d2k.parsers.compose_loader import compose_command

    compose = [*d2k_command(), "from-compose", "-f", str(VOTING), "-q"]
    commands = [*d2k_command(), "from-commands", str(SEED), "-q"]
    loader = [*compose_command(), "-f", str(VOTING), "config", "--format", "json"]
    times: dict[str, list[float]] = {"compose": [], "commands": [], "loader": []}
    for i in range(runs + 1):
        for key, argv in (("compose", compose), ("commands", commands), ("loader", loader)):
            run = run_child(argv)
            if run.returncode != 0:
                raise SystemExit(f"bench: {' '.join(argv)} failed: {run.stderr.strip()[-2000:]}")
            if i:
                times[key].append(run.seconds)
    c, f, lo = median(times["compose"]), median(times["commands"]), median(times["loader"])
    ratio = c / (f + lo)
    table.add("start-up: d2k from-compose voting app (median)", ms(c), seconds=c)
    table.add("start-up: d2k from-commands seed (median)", ms(f), seconds=f)
    table.add("start-up: the loader alone, compose config (median)", ms(lo), seconds=lo)
    table.add("ratio from-compose / (from-commands + loader)", f"{ratio:.2f}x", f"<= {TARGET_RATIO}x",
              ratio <= TARGET_RATIO, ratio=ratio)


def bench(services: list[int], runs: int, startup_runs: int) -> Table:
    table = Table("from-compose: a generated project of N services, and the start-up cost")
    for n in services:
        log(f"compose: {n} services, {runs} runs")
        bench_size(n, runs, table)
    log(f"compose: start-up, {startup_runs} runs of each command")
    bench_startup(startup_runs, table)
    table.notes.append("wall times of fresh `python -m d2k` children (Compose's run included), medians after a "
                       "warm-up run")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[500], help="project sizes (default 500)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per size (default 3)")
    parser.add_argument("--startup-runs", type=int, default=9, help="measured start-up runs (default 9)")
    args = parser.parse_args(argv)
    table = bench(args.services, max(1, args.runs), max(1, args.startup_runs))
    emit([table], args.json)
    return 1 if args.strict and not table.passed else 0


if __name__ == "__main__":
    sys.exit(main())
