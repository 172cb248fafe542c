"""Throughput: generated `docker run` lines -> manifests through the CLI, in a child process.

For each size the same seeded lines (bench/generate.py) go through `d2k from-commands FILE
--quiet` with the manifests written to a file; the figures are lines per second (median wall
time, start-up included, as a user sees it), the child's own peak RSS (wait4's ru_maxrss) and
how the time grows from the smallest to the largest size.

    python bench/throughput.py                          # 1,000 and 10,000 lines, 3 runs each
    python bench/throughput.py --lines 50 --runs 1 --json
    python bench/throughput.py --profile                # cProfile of the largest size, top functions
    python bench/throughput.py --memory-lines 100000    # plus one run at 100,000 lines: peak RSS <= 1 GB
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    SEED,
    Table,
    base_parser,
    count_in_file,
    d2k_command,
    emit,
    log,
    mb,
    median,
    run_child,
    write_lines,
)
from bench.generate import generate  # noqa: E402

TARGET_LINES_PER_S = 3000  # at 10,000 lines
TARGET_PEAK_RSS = 150 * (1 << 20)
TARGET_PEAK_RSS_LARGE = 1 << 30  # at 100,000 lines (--memory-lines)
TARGET_GROWTH = 1.2  # 10x input may take at most 12x time


@dataclass(slots=True)
class Figures:
    seconds: float
    all_seconds: list[float]
    peak_rss: int
    output_bytes: int
    documents: int


def measure(sizes: list[int], runs: int, seed: int, workdir: Path) -> dict[int, Figures]:
    figures: dict[int, Figures] = {}
    warm = run_child([*d2k_command(), "from-commands", str(SEED), "--quiet"])  # fills the bytecode cache
    if warm.returncode != 0:
        raise SystemExit(f"bench: d2k failed on the seed ({warm.returncode}): {warm.stderr.strip()[-2000:]}")
    for size in sizes:
        source = workdir / f"lines-{size}.sh"
        write_lines(source, generate(size, seed))
        out = workdir / f"manifests-{size}.yaml"
        argv = [*d2k_command(), "from-commands", str(source), "--quiet"]
        times: list[float] = []
        peaks: list[int] = []
        for i in range(runs):
            log(f"throughput: {size} lines, run {i + 1}/{runs}")
            with open(out, "wb") as sink:
                run = run_child(argv, stdout=sink)
            if run.returncode != 0:
                raise SystemExit(f"bench: d2k failed on {size} lines ({run.returncode}): {run.stderr.strip()[-2000:]}")
            times.append(run.seconds)
            peaks.append(run.peak_rss)
        documents, size_bytes = count_in_file(out)
        figures[size] = Figures(median(times), times, max(peaks), size_bytes, documents)
    return figures


def bench(sizes: list[int], runs: int, seed: int, memory_lines: int = 0) -> Table:
    """`memory_lines`: one more run at that size, for its peak RSS (target 1 GB) and time."""
    sizes = sorted(set(sizes))
    with tempfile.TemporaryDirectory(prefix="d2k-bench-") as tmp:
        figures = measure(sizes, runs, seed, Path(tmp))
        large = measure([memory_lines], 1, seed, Path(tmp)) if memory_lines else {}
    table = Table("Throughput: generated docker run lines -> manifests (d2k from-commands, child process)")
    largest = sizes[-1]
    for size in sizes:
        f = figures[size]
        seconds = f.seconds
        rate = size / seconds
        rate_target = f">= {TARGET_LINES_PER_S:,}/s" if size == largest else ""
        rate_ok = rate >= TARGET_LINES_PER_S if size == largest else None
        table.add(f"{size:,} lines: wall time (median)", f"{seconds:.2f} s", seconds=seconds, all=f.all_seconds)
        table.add(f"{size:,} lines: lines per second", f"{rate:,.0f}", rate_target, rate_ok, lines_per_s=rate)
        peak = f.peak_rss
        table.add(f"{size:,} lines: peak RSS of the child", mb(peak), f"<= {mb(TARGET_PEAK_RSS)}",
                  peak <= TARGET_PEAK_RSS, bytes=peak)
        table.add(f"{size:,} lines: output", f"{f.documents:,} objects, {mb(f.output_bytes)}",
                  documents=f.documents, bytes=f.output_bytes)
    if len(sizes) > 1:
        small = sizes[0]
        scale = largest / small
        growth = figures[largest].seconds / figures[small].seconds
        limit = scale * TARGET_GROWTH
        table.add(f"time {largest:,} / time {small:,} (input x{scale:g})", f"{growth:.2f}x", f"<= {limit:g}x",
                  growth <= limit, ratio=growth, input_ratio=scale)
    for size, f in large.items():
        table.add(f"{size:,} lines (one run): wall time, lines per second", f"{f.seconds:.1f} s, {size / f.seconds:,.0f}",
                  seconds=f.seconds, lines_per_s=size / f.seconds)
        table.add(f"{size:,} lines (one run): peak RSS of the child", mb(f.peak_rss), f"<= {mb(TARGET_PEAK_RSS_LARGE)}",
                  f.peak_rss <= TARGET_PEAK_RSS_LARGE, bytes=f.peak_rss)
    table.notes.append(f"{runs} run(s) per size after one warm-up run, seed {seed}; wall time includes interpreter start-up and writing the YAML")
    table.notes.append("peak RSS is the child's own ru_maxrss (wait4), the largest over its runs")
    return table


def profile(size: int, seed: int, top: int = 25) -> str:
    """cProfile of the conversion of `size` lines in a child, top functions by cumulative time."""
    with tempfile.TemporaryDirectory(prefix="d2k-bench-") as tmp:
        source = Path(tmp) / "lines.sh"
        source.write_text("\n".join(generate(size, seed)) + "\n", encoding="utf-8")
        stats = Path(tmp) / "profile.out"
        run_child([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "d2k", "from-commands",
                   str(source), "--quiet"])
        import io
        import pstats

        buffer = io.StringIO()
        pstats.Stats(str(stats), stream=buffer).sort_stats("cumulative").print_stats(top)
        buffer.write("\n")
        pstats.Stats(str(stats), stream=buffer).sort_stats("tottime").print_stats(top)
        return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 10000], help="sizes (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument("--seed", type=int, default=6, help="seed of the generated lines (default 6)")
    parser.add_argument("--memory-lines", type=int, default=0,
                        help="one more run at this size for its peak RSS, target 1 GB (e.g. 100000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the largest size on stderr")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.lines) or args.memory_lines < 0:
        parser.error("--lines, --memory-lines: sizes must be positive")
    table = bench(args.lines, max(1, args.runs), args.seed, args.memory_lines)
    emit([table], args.json)
    if args.profile:
        sys.stderr.write(profile(max(args.lines), args.seed))
    return 1 if args.strict and not table.passed else 0


if __name__ == "__main__":
    sys.exit(main())
