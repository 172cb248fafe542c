"""d2k against composerize (the npm tool people chain today, which only reaches Compose) on the same lines.

composerize's API, `composerize(text)`, splits its input at each `docker` and deep-merges every
command into one Compose file under a service named after the image (`redis:7` -> `redis`), so a
script of several containers of one image comes out as one service with their ports and env
concatenated. The fair way to drive it is therefore one line per call: one node process reads
the generated file (bench/generate.py, the seed of throughput.py) and converts each line on its
own, keeping every Compose document in memory and writing them to a file at the end. It runs
against one `d2k from-commands FILE --quiet` process writing its objects to a file. Both are timed
as whole processes (wall, start-up included), interleaved, after one warm-up of each on 10 lines;
the figures are medians. Lines composerize throws on, and lines where it drops flags (its
"# ignored options" comment), are counted and shown.

composerize (pinned, with its dependency composeverter pinned too) is installed with npm into
~/.cache/d2k/bench/composerize and reused from there. Without node or npm, or when the install
fails (offline), the composerize half is not measured: one line on stderr says why, and so does
the ratio row (exit 0; --strict exits 1).

    python bench/composerize.py                  # 10,000 lines, 3 runs each
    python bench/composerize.py --lines 100000 --runs 1
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    SEED,
    Run,
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

TARGET_LINES_PER_S = 3000
TARGET_RATIO = 4.0  # composerize's time / d2k's time
PACKAGES = {"composerize": "1.7.6", "composeverter": "1.7.5"}  # composerize asks for composeverter@latest
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "d2k" / "bench" / "composerize"

# node DRIVER_DIR INPUT OUTPUT: converts each non-empty line alone, prints a JSON summary on stdout.
DRIVER = r"""
const fs = require('fs');
const [dir, input, output] = process.argv.slice(-3);
const composerize = require(dir + '/node_modules/composerize');
const docs = [];
let lines = 0, failed = 0, ignored = 0;
for (const line of fs.readFileSync(input, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  lines += 1;
  try {
    const yaml = composerize(line, '', 'latest', 2);
    if (yaml.includes('# ignored options')) ignored += 1;
    docs.push(yaml + '\n');
  } catch (e) {
    failed += 1;
  }
}
fs.writeFileSync(output, docs.join('---\n'));
console.log(JSON.stringify({lines, failed, ignored, documents: docs.length}));
"""


def install(cache: Path = CACHE) -> str:
    """Install the pinned composerize into `cache` unless it is there; '' when ready, else why not."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} absent"
    if all(_version(cache, name) == version for name, version in PACKAGES.items()):
        return ""
    log(f"composerize: installing composerize@{PACKAGES['composerize']} into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    try:
        done = subprocess.run(["npm", "install", "--prefix", str(cache), *specs, "--no-audit", "--no-fund",
                               "--fetch-retries=1"],
                              capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return "npm install timed out (offline?)"
    if done.returncode != 0 or _version(cache, "composerize") is None:
        first = next((line for line in done.stderr.splitlines() if line.startswith("npm error")), "no message")
        return f"npm install failed (offline?): {first}"
    return ""


def _version(cache: Path, package: str) -> str | None:
    manifest = cache / "node_modules" / package / "package.json"
    return str(json.loads(manifest.read_text())["version"]) if manifest.is_file() else None


def _d2k(source: Path, out: Path) -> Run:
    with open(out, "wb") as sink:
        run = run_child([*d2k_command(), "from-commands", str(source), "--quiet"], stdout=sink)
    if run.returncode != 0:
        raise SystemExit(f"bench: d2k failed on {source.name} ({run.returncode}): {run.stderr.strip()[-2000:]}")
    return run


def _composerize(source: Path, out: Path, summary: Path) -> Run:
    with open(summary, "wb") as sink:
        run = run_child(["node", "-e", DRIVER, str(CACHE), str(source), str(out)], stdout=sink)
    if run.returncode != 0:
        raise SystemExit(f"bench: the composerize driver failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
    return run


def bench(lines: int, runs: int, seed: int) -> Table:
    skipped = install()
    if skipped:
        log(f"composerize: not measured: {skipped}")
    table = Table(f"d2k vs composerize: the same {lines:,} generated docker run lines, one process each")
    d2k_runs: list[Run] = []
    cz_runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="d2k-bench-") as tmp:
        work = Path(tmp)
        source, warm = work / "lines.sh", work / "warm.sh"
        write_lines(source, generate(lines, seed))
        write_lines(warm, generate(10, seed))
        manifests, compose, summary = work / "manifests.yaml", work / "compose.yaml", work / "summary.json"
        _d2k(SEED, manifests)  # warm-ups: bytecode cache, page cache of node_modules
        if not skipped:
            _composerize(warm, compose, summary)
        for i in range(runs):
            log(f"composerize: {lines} lines, run {i + 1}/{runs}")
            d2k_runs.append(_d2k(source, manifests))
            if not skipped:
                cz_runs.append(_composerize(source, compose, summary))
        objects = count_in_file(manifests)[0]
        counts = json.loads(summary.read_text()) if not skipped else {}
    d2k_s = median([r.seconds for r in d2k_runs])
    d2k_rate = lines / d2k_s
    table.add(f"{lines:,} lines: d2k from-commands (median wall)", f"{d2k_s:.2f} s ({objects:,} objects)",
              seconds=d2k_s, all=[r.seconds for r in d2k_runs], objects=objects)
    table.add(f"{lines:,} lines: d2k lines per second", f"{d2k_rate:,.0f}", f">= {TARGET_LINES_PER_S:,}/s",
              d2k_rate >= TARGET_LINES_PER_S, lines_per_s=d2k_rate)
    ratio_metric = "composerize time / d2k time"
    if skipped:
        table.add(ratio_metric, f"not measured: {skipped}", f">= {TARGET_RATIO:g}x", None, skipped=skipped)
    else:
        cz_s = median([r.seconds for r in cz_runs])
        name = f"composerize {PACKAGES['composerize']}"
        table.add(f"{lines:,} lines: {name}, one line per call (median wall)",
                  f"{cz_s:.2f} s ({counts['documents']:,} Compose files)",
                  seconds=cz_s, all=[r.seconds for r in cz_runs], documents=counts["documents"])
        table.add(f"{lines:,} lines: composerize lines per second", f"{lines / cz_s:,.0f}", lines_per_s=lines / cz_s)
        table.add(f"{lines:,} lines: composerize failed / dropped flags", f"{counts['failed']:,} / {counts['ignored']:,} lines",
                  failed=counts["failed"], ignored=counts["ignored"], lines=counts["lines"])
        table.add("peak RSS: d2k / composerize", f"{mb(max(r.peak_rss for r in d2k_runs))} / "
                  f"{mb(max(r.peak_rss for r in cz_runs))}")
        d2k_cpu, cz_cpu = median([r.cpu for r in d2k_runs]), median([r.cpu for r in cz_runs])
        table.add("CPU time (user + sys, median): d2k / composerize", f"{d2k_cpu:.2f} s / {cz_cpu:.2f} s "
                  f"({cz_cpu / d2k_cpu:.2f}x)", d2k=d2k_cpu, composerize=cz_cpu)
        ratio = cz_s / d2k_s
        table.add(ratio_metric, f"{ratio:.2f}x", f">= {TARGET_RATIO:g}x", ratio >= TARGET_RATIO, ratio=ratio)
    table.notes.append(f"{runs} interleaved run(s) each after one warm-up, seed {seed}; wall time includes start-up "
                       "(python, node) and writing the output to a file; CPU time counts node's GC threads too, and moves less "
                       "than wall time on a busy machine")
    table.notes.append("composerize converts each line in its own call (its whole-text call merges containers of "
                       "one image into one service); d2k converts the file as one set of objects, validated")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10000, help="generated lines (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=6, help="seed of the generated lines (default 6)")
    args = parser.parse_args(argv)
    if args.lines < 1:
        parser.error("--lines must be positive")
    table = bench(args.lines, max(1, args.runs), args.seed)
    emit([table], args.json)
    measured = not any("skipped" in row.raw for row in table.rows)
    return 1 if args.strict and not (table.passed and measured) else 0


if __name__ == "__main__":
    sys.exit(main())
