"""Shared helpers of d2k's benches: child processes with their own peak RSS, the machine, the table.

Only the standard library: a bench must run wherever d2k runs (Linux; peak RSS comes from
wait4(2), so psutil is not needed).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "voting-app.md"


def d2k_command() -> list[str]:
    """How the benches start d2k: this interpreter, `-m d2k` (same code as the `d2k` script)."""
    return [sys.executable, "-m", "d2k"]


_PYCACHE: str | None = None


def bench_pycache() -> str:
    """A bytecode cache of the bench's own, removed at exit: children start as an installed d2k does.

    An installed package has its .pyc files; a checkout run with PYTHONDONTWRITEBYTECODE=1 (as
    some CI images and containers set) would compile every d2k module at every start instead.
    The warm-up runs fill this cache, for d2k and the floor alike, without writing into the tree.
    """
    global _PYCACHE
    if _PYCACHE is None:
        _PYCACHE = tempfile.mkdtemp(prefix="d2k-bench-pycache-")
        atexit.register(shutil.rmtree, _PYCACHE, True)
    return _PYCACHE


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of measured children: d2k importable from this checkout, bytecode cached."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = bench_pycache()
    env.update(extra or {})
    return env


@dataclass(slots=True)
class Run:
    """One child process: wall seconds, its own peak RSS (bytes), its exit code and CPU seconds (user + sys)."""

    seconds: float
    peak_rss: int
    returncode: int
    stderr: str = ""
    cpu: float = 0.0


def run_child(
    argv: Sequence[str],
    *,
    stdin: IO[Any] | None = None,
    stdout: IO[Any] | int | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600.0,
) -> Run:
    """Start argv, wait for it with wait4(2) and return its wall time and its own ru_maxrss.

    getrusage(RUSAGE_CHILDREN) would give the maximum over every child so far; wait4 gives
    exactly this child's peak, which is what a bench needs when it runs several sizes.
    """
    # Linux keeps a process's peak RSS across exec, and a child started by vfork (as subprocess does) starts
    # from the parent's: a child's ru_maxrss is never below the bench's own peak. Hence the bench keeps itself
    # small (it streams generated inputs and outputs), and says so when a child's figure may be its own.
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err_path = _stderr_file()
    with (open(os.devnull, "rb") if stdin is None else contextlib.nullcontext(stdin)) as inp, open(
        err_path, "w+b"
    ) as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=inp, stdout=stdout, stderr=err, env=env or child_env(), cwd=str(cwd or ROOT)
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    os.unlink(err_path)
    if usage.ru_maxrss <= own_peak and own_peak > 64 * 1024:  # KB; a bench of a few tens of MB is no concern
        log(f"warning: the child's peak RSS ({usage.ru_maxrss // 1024} MB) may be the bench's own "
            f"({own_peak // 1024} MB): Linux counts the parent's peak in a child it starts")
    return Run(seconds, usage.ru_maxrss * 1024, proc.returncode, stderr, usage.ru_utime + usage.ru_stime)


def write_lines(path: Path, lines: Sequence[str]) -> None:
    """The generated lines to a file, one at a time: the bench's own memory stays small (see run_child)."""
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")


def count_in_file(path: Path, needle: bytes = b"---\n") -> tuple[int, int]:
    """(occurrences of `needle` at line starts, bytes) of a file, read in chunks (an output can be 160 MB)."""
    count = size = 0
    tail = b""
    with open(path, "rb") as inp:
        while chunk := inp.read(1 << 20):
            size += len(chunk)
            data = tail + chunk
            cut = data.rfind(b"\n") + 1  # count whole lines only; the rest waits for the next chunk
            count += (b"\n" + data[:cut]).count(b"\n" + needle)
            tail = data[cut:]
    return count + (b"\n" + tail).count(b"\n" + needle), size


def _stderr_file() -> str:
    fd, path = tempfile.mkstemp(prefix="d2k-bench-", suffix=".err")
    os.close(fd)
    return path


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in ("model name", "hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


@dataclass(slots=True)
class Row:
    """One line of a result table; target/ok are empty for figures given for information."""

    metric: str
    value: str
    target: str = ""
    ok: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=machine)

    def add(self, metric: str, value: str, target: str = "", ok: bool | None = None, **raw: Any) -> None:
        self.rows.append(Row(metric, value, target, ok, raw))

    @property
    def passed(self) -> bool:
        return all(row.ok is not False for row in self.rows)

    def markdown(self) -> str:
        m = self.machine
        lines = [
            f"### {self.title}",
            "",
            f"Machine: {m['nproc']} CPU ({m['cpu']}), {m['implementation']} {m['python']}, {m['os']}; {m['date']}",
            "",
            "| Metric | Value | Target | Result |",
            "| --- | ---: | --- | --- |",
        ]
        for row in self.rows:
            verdict = "" if row.ok is None else ("pass" if row.ok else "**MISS**")
            lines.append(f"| {row.metric} | {row.value} | {row.target} | {verdict} |")
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "machine": self.machine,
            "passed": self.passed,
            "rows": [asdict(row) for row in self.rows],
            "notes": self.notes,
        }


def emit(tables: list[Table], as_json: bool) -> None:
    if as_json:
        json.dump([t.to_dict() for t in tables], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n".join(t.markdown() for t in tables))
    sys.stdout.flush()


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of Markdown")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (default: report only)"
    )
    return parser


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the table (or the JSON)."""
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()
