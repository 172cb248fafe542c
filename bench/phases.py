"""Phases: where a large conversion spends its time and memory, and how each phase grows with the input.

The same seeded lines as the throughput bench (bench/generate.py) go through d2k's own phases in
a child process per size, each phase timed on its own: lexing (text -> commands), reading the
docker commands (flags -> containers), inference, emitting objects, validation and YAML writing
(to a file). The child reports its phase times and its peak RSS; the table shows each phase's
growth from the smallest to the largest size, which must stay linear (target: <= 1.1x the input
ratio, i.e. 11x time for 10x lines).

    python bench/phases.py                       # 10,000 and 100,000 lines
    python bench/phases.py --lines 100 1000 --json
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Table, base_parser, child_env, emit, log, mb, run_child, write_lines  # noqa: E402
from bench.generate import generate  # noqa: E402

PHASES = ("lex", "read", "infer", "emit", "validate", "write")
TARGET_GROWTH = 1.1  # a phase may take at most 1.1x the input ratio (11x time for 10x lines)


def child(source: str, out: str) -> None:
    """Run the phases of `d2k from-commands` in this process; print their seconds as JSON.

    As in the CLI, each object is settled (d2k.settle) as the emitter makes it: its own checks and its part
    of the set's facts count as validation, its YAML document and where it is kept as writing, the rest of
    emitting as emit; validation ends with the set rules, writing with the output file."""
    import gc

    gc.disable()  # as the CLI does
    from d2k import settle
    from d2k.core import Options, emit_options_of, inference_of
    from d2k.emitters.kubernetes import emit
    from d2k.emitters.output import write_yaml
    from d2k.infer import infer
    from d2k.parsers import docker_run
    from d2k.parsers.text import extract

    text = Path(source).read_text(encoding="utf-8")
    options = Options()
    seconds: dict[str, float] = {}

    def timed(phase: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        value = func(*args, **kwargs)
        seconds[phase] = seconds.get(phase, 0.0) + time.perf_counter() - start
        return value

    def within(phase: str, func):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: timed(phase, func, *args, **kwargs)

    extraction = timed("lex", extract, text, source)
    original = docker_run.extract
    docker_run.extract = lambda *_args, **_kwargs: extraction  # the read phase reuses the lexed commands
    try:
        parsed = timed("read", docker_run.parse_text, text, source, base_dir=str(Path(source).parent))
    finally:
        docker_run.extract = original
    parsed.graph.seal()
    timed("infer", infer, parsed.graph, inference_of(parsed.report, options))
    settle.object_problems = within("validate", settle.object_problems)  # type: ignore[assignment]
    settle.SetView.add = within("validate", settle.SetView.add)  # type: ignore[method-assign]
    settle.document = within("write", settle.document)  # type: ignore[assignment]
    settle.Settler._hold = within("write", settle.Settler._hold)  # type: ignore[method-assign]
    settler = settle.Settler(options.k8s_version, text=True)

    def emit_all():  # type: ignore[no-untyped-def]
        made = emit(parsed.graph, parsed.report, emit_options_of(options), settler)
        settler.finish()  # the last batch
        return made

    objects = timed("emit", emit_all)
    seconds["emit"] -= seconds["validate"] + seconds["write"]  # what settling took inside emit is counted there
    problems = timed("validate", settler.check)
    if problems:
        raise SystemExit(f"invalid output: {problems[0].render()}")
    with open(out, "w", encoding="utf-8") as handle:
        timed("write", write_yaml, objects, handle.write)
    print(json.dumps({"seconds": seconds, "objects": len(objects)}))


def measure(sizes: list[int], seed: int, workdir: Path) -> dict[int, dict]:
    figures: dict[int, dict] = {}
    for size in sizes:
        source = workdir / f"lines-{size}.sh"
        write_lines(source, generate(size, seed))
        log(f"phases: {size} lines")
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", str(source), str(workdir / "out.yaml")]
        with open(workdir / "phases.json", "w+", encoding="utf-8") as result_file:
            run = run_child(argv, stdout=result_file, env=child_env())
            result_file.seek(0)
            printed = result_file.read()
        if run.returncode != 0:
            raise SystemExit(f"bench: the phases child failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
        result = json.loads(printed.strip().splitlines()[-1])
        result["peak_rss"] = run.peak_rss
        figures[size] = result
    return figures


def table(figures: dict[int, dict]) -> Table:
    sizes = sorted(figures)
    small, large = sizes[0], sizes[-1]
    ratio = large / small
    t = Table(f"Phases of from-commands, {small:,} -> {large:,} generated lines (in-process, one child per size)")
    totals = {s: sum(figures[s]["seconds"].values()) for s in sizes}
    limit = TARGET_GROWTH * ratio
    for phase in (*PHASES, "total"):
        values = {s: (totals[s] if phase == "total" else figures[s]["seconds"][phase]) for s in sizes}
        growth = values[large] / max(values[small], 1e-9)
        shown = " / ".join(f"{values[s]:.2f} s ({100 * values[s] / totals[s]:.0f}%)" for s in sizes)
        t.add(f"{phase}: time at {' / '.join(f'{s:,}' for s in sizes)} lines, growth",
              f"{shown}; {growth:.1f}x", f"<= {limit:.0f}x", growth <= limit,
              seconds={str(s): values[s] for s in sizes}, growth=growth)
    t.add("peak RSS", " / ".join(mb(figures[s]["peak_rss"]) for s in sizes),
          peak_rss={str(s): figures[s]["peak_rss"] for s in sizes})
    t.add("lines/s (phases only, no start-up)", " / ".join(f"{s / totals[s]:,.0f}" for s in sizes))
    return t


def bench(sizes: list[int], seed: int = 6) -> Table:
    with tempfile.TemporaryDirectory(prefix="d2k-phases-") as workdir:
        return table(measure(sorted(sizes), seed, Path(workdir)))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return 0
    parser = base_parser(__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    result = bench(args.lines, args.seed)
    emit([result], args.json)
    return 1 if args.strict and not result.passed else 0


if __name__ == "__main__":
    sys.exit(main())
