"""All of d2k's benches in a row, one Markdown table each (or one JSON list with --json).

    python bench/run_all.py                  # full sizes: ~2 minutes, starts a private engine if needed
    python bench/run_all.py --quick          # tiny sizes, to check the benches themselves run
    python bench/run_all.py --skip-engine    # no Docker engine on this machine
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, compose, composerize, engine, phases, throughput  # noqa: E402
from bench.common import SEED, Table, base_parser, emit  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds, not minutes)")
    parser.add_argument("--skip-engine", action="store_true", help="leave out the from-running bench")
    args = parser.parse_args(argv)
    tables: list[Table] = [
        cold_start.bench(runs=2 if args.quick else 15, warmup=1 if args.quick else 2, seed=SEED, profile=False),
        throughput.bench([20, 100] if args.quick else [1000, 10000], runs=1 if args.quick else 3, seed=6,
                         memory_lines=200 if args.quick else 100000),
        composerize.bench(20 if args.quick else 10000, runs=1 if args.quick else 3, seed=6),
        phases.bench([20, 60] if args.quick else [10000, 100000]),
        compose.bench([10] if args.quick else [500], runs=1 if args.quick else 3, startup_runs=1 if args.quick else 9),
    ]
    if not args.skip_engine:
        tables.append(engine.bench([2] if args.quick else [10, 50, 200], runs=1 if args.quick else 3))
    emit(tables, args.json)
    return 1 if args.strict and not all(t.passed for t in tables) else 0


if __name__ == "__main__":
    sys.exit(main())
