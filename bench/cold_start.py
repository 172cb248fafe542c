"""Cold start: `d2k from-commands` on the seed against the floor of its stack, `import typer, yaml`.

Both run as fresh processes on the same interpreter, interleaved so that drift of the machine
hits both alike; the figure is the ratio of the medians (target <= 1.5x).

    python bench/cold_start.py                 # 15 runs each
    python bench/cold_start.py --runs 5 --json
    python bench/cold_start.py --profile       # also: which imports cost what (python -X importtime)
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    SEED,
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

TARGET_RATIO = 1.5
FLOOR = ["-c", "import typer, yaml"]


def measure(runs: int, warmup: int, seed: Path) -> dict[str, list[float]]:
    d2k = [*d2k_command(), "from-commands", str(seed), "--quiet"]
    floor = [sys.executable, *FLOOR]
    times: dict[str, list[float]] = {"d2k": [], "floor": []}
    for i in range(warmup + runs):
        for key, argv in (("floor", floor), ("d2k", d2k)):
            run = run_child(argv)
            if run.returncode != 0:
                raise SystemExit(f"bench: {' '.join(argv)} failed ({run.returncode}): {run.stderr.strip()}")
            if i >= warmup:
                times[key].append(run.seconds)
    return times


def import_profile(seed: Path, top: int = 15) -> list[dict[str, object]]:
    """`python -X importtime` of the same command: cumulative microseconds per top-level package."""
    argv = [*d2k_command(), "from-commands", str(seed), "--quiet"]
    env = child_env({"PYTHONPROFILEIMPORTTIME": "1"})
    run = run_child(argv, env=env)
    totals: dict[str, int] = {}
    for line in run.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if name[1:2] == " ":  # nested: counted in its outermost import's cumulative time
            continue
        root = name.strip().split(".")[0]
        totals[root] = totals.get(root, 0) + int(parts[1])
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [{"package": name, "cumulative_us": us} for name, us in ranked]


def bench(runs: int, warmup: int, seed: Path, profile: bool) -> Table:
    log(f"cold start: {runs} runs (+{warmup} warm-up) of each command")
    times = measure(runs, warmup, seed)
    d2k, floor = median(times["d2k"]), median(times["floor"])
    ratio = d2k / floor
    table = Table("Cold start: d2k from-commands on the seed vs `python -c \"import typer, yaml\"`")
    table.add("floor: python -c \"import typer, yaml\" (median)", ms(floor), seconds=floor, all=times["floor"])
    table.add(f"d2k from-commands {seed.name} --quiet (median)", ms(d2k), seconds=d2k, all=times["d2k"])
    table.add("ratio d2k / floor", f"{ratio:.2f}x", f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO, ratio=ratio)
    table.add("d2k above the floor", ms(d2k - floor), seconds=d2k - floor)
    table.notes.append(f"{runs} runs each, interleaved, after {warmup} warm-up runs; medians of wall time")
    if profile:
        for entry in import_profile(seed):
            us = int(str(entry["cumulative_us"]))
            table.add(f"import {entry['package']} (-X importtime, cumulative)", f"{us / 1000:.1f} ms",
                      package=entry["package"], microseconds=us)
        table.notes.append("import times come from one `-X importtime` run, which inflates them (~1.5-2x)")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each command (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first (default 2)")
    parser.add_argument("--input", type=Path, default=SEED, help="the docker run lines (default: the seed)")
    parser.add_argument("--profile", action="store_true", help="add the import-time breakdown")
    args = parser.parse_args(argv)
    table = bench(max(1, args.runs), max(0, args.warmup), args.input.resolve(), args.profile)
    emit([table], args.json)
    return 1 if args.strict and not table.passed else 0


if __name__ == "__main__":
    sys.exit(main())
