"""The benches (bench/, issue 6) run on tiny sizes, so they cannot rot. No timing is asserted:
only that each script runs, prints its table, and reports the figures it promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def bench(script: str, *args: str, timeout: float = 300) -> list[dict[str, Any]]:
    """Run bench/SCRIPT with --json; returns its tables."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json"],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=dict(os.environ),
    )
    assert done.returncode == 0, f"bench/{script} failed ({done.returncode}):\n{done.stderr[-3000:]}"
    tables = json.loads(done.stdout)
    for table in tables:
        assert table["rows"], table
        assert {"nproc", "cpu", "python", "date"} <= set(table["machine"])
        assert all(row["ok"] in (True, False, None) for row in table["rows"])
    return tables


def metrics(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["metric"]: row for row in table["rows"]}


def test_generated_lines_are_deterministic_and_convert() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.generate import generate
    finally:
        sys.path.remove(str(ROOT))
    lines = generate(30, seed=6)
    assert lines == generate(30, seed=6) and lines != generate(30, seed=7)
    assert len(lines) == 30 and all(line.startswith("docker run -d --name=svc-") for line in lines)
    flags = " ".join(lines)
    for flag in ("-p ", "-e ", "--link ", "-v ", "--health-cmd ", "--memory "):
        assert flag in flags, flag


def test_cold_start_bench_runs() -> None:
    (table,) = bench("cold_start.py", "--runs", "1", "--warmup", "0")
    ratio = next(row for row in table["rows"] if row["metric"].startswith("ratio"))
    assert ratio["raw"]["ratio"] > 0 and ratio["target"] == "<= 1.5x"


def test_cold_start_markdown_and_profile() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "cold_start.py"), "--runs", "1", "--warmup", "0", "--profile"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| Metric | Value | Target | Result |" in done.stdout
    assert "Machine:" in done.stdout and "import d2k" in done.stdout


def test_throughput_bench_runs() -> None:
    (table,) = bench("throughput.py", "--lines", "20", "50", "--runs", "1", "--memory-lines", "80")
    rows = metrics(table)
    assert rows["80 lines (one run): peak RSS of the child"]["raw"]["bytes"] > 1 << 20
    assert rows["50 lines: lines per second"]["raw"]["lines_per_s"] > 0
    assert rows["50 lines: peak RSS of the child"]["raw"]["bytes"] > 1 << 20
    assert rows["50 lines: output"]["raw"]["documents"] >= 50
    assert "time 50 / time 20 (input x2.5)" in rows


@pytest.mark.engine
def test_engine_bench_runs(engine: Any, stand_in_images: dict[str, str]) -> None:
    before = {c["Id"] for c in engine.containers(all=True)}
    (table,) = bench("engine.py", "--containers", "2", "--runs", "1")
    rows = metrics(table)
    calls = rows["2 containers: API calls on the wire (read_engine's own count)"]
    assert calls["raw"]["read"] == 2
    assert calls["raw"]["wire"] == calls["raw"]["expected"] == 1 + 2 + 2
    assert {c["Id"] for c in engine.containers(all=True)} == before, "the bench left containers behind"


def test_phases_bench_runs() -> None:
    (table,) = bench("phases.py", "--lines", "20", "60")
    rows = metrics(table)
    for phase in ("lex", "read", "infer", "emit", "validate", "write", "total"):
        row = rows[f"{phase}: time at 20 / 60 lines, growth"]
        assert set(row["raw"]["seconds"]) == {"20", "60"} and row["raw"]["growth"] > 0
    assert all(size > 1 << 20 for size in rows["peak RSS"]["raw"]["peak_rss"].values())


def test_generator_keeps_host_ports_valid_at_100000_lines() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.generate import generate
    finally:
        sys.path.remove(str(ROOT))
    import re

    ports = [int(p) for line in generate(100_000) for p in re.findall(r"-p (\d+):", line)]
    assert len(ports) == len(set(ports)) > 40_000 and max(ports) <= 65535


def test_compose_bench_runs() -> None:
    (table,) = bench("compose.py", "--services", "10", "--runs", "1", "--startup-runs", "1")
    rows = metrics(table)
    assert rows["10 services: d2k from-compose (median wall)"]["raw"]["seconds"] > 0
    assert rows["10 services: d2k from-compose (median wall)"]["target"] == "< 2 s"
    assert rows["ratio from-compose / (from-commands + loader)"]["raw"]["ratio"] > 0


def test_generated_compose_project_is_deterministic_and_wired() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.compose import generate
    finally:
        sys.path.remove(str(ROOT))
    project = generate(25)
    assert project == generate(25) and project != generate(25, seed=13)
    services = project["services"]
    assert len(services) == 25
    assert any("depends_on" in s for s in services.values()) and any("ports" in s for s in services.values())


def test_composerize_bench_runs() -> None:
    (table,) = bench("composerize.py", "--lines", "20", "--runs", "1")
    rows = metrics(table)
    assert rows["20 lines: d2k lines per second"]["raw"]["lines_per_s"] > 0
    assert rows["20 lines: d2k from-commands (median wall)"]["raw"]["objects"] >= 20
    ratio = rows["composerize time / d2k time"]
    assert ratio["target"] == ">= 4x"
    if "skipped" in ratio["raw"]:  # no node or npm here, or offline: the bench says so and goes on
        pytest.skip(f"composerize half not measured: {ratio['raw']['skipped']}")
    assert ratio["raw"]["ratio"] > 0
    cpu = rows["CPU time (user + sys, median): d2k / composerize"]["raw"]
    assert cpu["d2k"] > 0 and cpu["composerize"] > 0
    assert rows["20 lines: composerize lines per second"]["raw"]["lines_per_s"] > 0
    assert rows["20 lines: composerize failed / dropped flags"]["raw"] == {"failed": 0, "ignored": 0, "lines": 20}


def test_composerize_bench_without_node_or_npm(tmp_path: Path) -> None:
    """Where npm is absent the ratio row says so, exit 0; --strict turns the gap into exit 1."""
    argv = [sys.executable, str(BENCH / "composerize.py"), "--lines", "5", "--runs", "1", "--json"]
    env = {**os.environ, "PATH": str(tmp_path)}  # neither node nor npm on it; d2k runs as sys.executable
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    (table,) = json.loads(done.stdout)
    ratio = metrics(table)["composerize time / d2k time"]
    assert ratio["value"] == "not measured: node absent" and ratio["ok"] is None
    assert "composerize: not measured: node absent" in done.stderr
    strict = subprocess.run([*argv, "--strict"], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert strict.returncode == 1, strict.stderr[-3000:]
