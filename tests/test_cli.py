"""The command line as users meet it: `python -m d2k` in a subprocess, its exit codes, streams and files.

Also: byte-identical output across PYTHONHASHSEED values. What --out may write, and what a killed
write leaves behind: tests/test_writer.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from d2k import __version__

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
VOTING = ROOT / "samples" / "voting-app.md"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def d2k(*args: str, cwd: Path = ROOT, stdin: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, cwd=cwd,
                          input=stdin, env=env or ENV, timeout=120)


# ---- version, help, commands


def test_version() -> None:
    done = d2k("--version")
    assert done.returncode == 0 and done.stdout == f"d2k {__version__}\n"


def test_help_lists_the_working_commands_and_examples_unwrapped() -> None:
    done = d2k("--help")
    assert done.returncode == 0
    commands = re.findall(r"^  (\S+)  ", done.stdout.split("Commands:")[1], re.M)
    assert commands == ["from-commands", "from-running", "from-compose", "graph", "validate", "flags", "compose-keys"]
    examples = [line.strip() for line in done.stdout.split("Examples:")[1].split("Options:")[0].splitlines()
                if line.strip()]
    assert "d2k from-commands run.sh --out k8s/ --report r.json" in examples
    assert all(line.startswith("d2k ") for line in examples)  # one example a line, not re-wrapped
    assert {line.split()[1] for line in examples} <= set(commands)
    for command in commands:
        assert d2k(command, "--help").returncode == 0
    assert "Examples:" in d2k("from-commands", "--help").stdout


def test_no_arguments_prints_help() -> None:
    done = d2k()
    assert "Usage:" in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_flags_reference() -> None:
    done = d2k("flags")
    assert done.returncode == 0 and "--publish" in done.stdout


# ---- exit codes and streams


def test_a_sample_converts_with_exit_0_manifests_on_stdout_report_on_stderr() -> None:
    done = d2k("from-commands", "samples/voting-app.md")
    assert done.returncode == 0
    kinds = [doc["kind"] for doc in yaml.safe_load_all(done.stdout)]
    assert kinds.count("Deployment") == 5
    assert "d2k: 5 containers -> " in done.stderr and "apiVersion:" not in done.stderr  # no manifest on stderr
    assert d2k("from-commands", "samples/voting-app.md", "-q").stderr == ""


def test_strict_exits_1_when_something_is_not_carried(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    path.write_text("docker run -d --name web --ulimit nofile=1024 nginx\n", encoding="utf-8")
    assert d2k("from-commands", str(path), "-q").returncode == 0
    strict = d2k("from-commands", str(path), "--strict")
    assert strict.returncode == 1 and "not carried" in strict.stderr and "--ulimit" in strict.stderr
    assert "kind: Deployment" in strict.stdout  # --strict still writes the manifests
    assert d2k("from-commands", "samples/voting-app.md", "--strict", "-q").returncode == 0


@pytest.mark.parametrize(("content", "line", "message"), [
    ("docker run -d nginx\ndocker run --bogus nginx\n", 2, "unknown flag: --bogus"),
    ("docker run -e 'X=1 nginx\n", 1, "unbalanced single quote"),
    ("docker run -d --name web\n", 1, "docker run needs an image"),
])
def test_bad_input_is_one_line_file_line_and_exit_2(tmp_path: Path, content: str, line: int, message: str) -> None:
    path = tmp_path / "in.txt"
    path.write_text(content, encoding="utf-8")
    done = d2k("from-commands", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"d2k: {path}:{line}: {message}") and done.stderr.count("\n") == 1
    assert "Traceback" not in d2k("from-commands", str(path), "--debug").stderr


@pytest.mark.parametrize("args", [
    ["from-commands", "no-such-file.txt"],
    ["from-commands", "samples"],
    ["from-commands", "samples/voting-app.md", "--namespace", "Bad_NS"],
    ["from-commands", "samples/voting-app.md", "--k8s-version", "1.2"],
    ["from-commands", "samples/voting-app.md", "--port", "db"],
    ["from-commands", "samples/voting-app.md", "--storage-size", "lots"],
    ["from-commands", "samples/voting-app.md", "--report", "no-such-dir/r.json"],
    ["from-commands", "samples/voting-app.md", "--out", "README.md/k8s"],
])
def test_bad_options_and_paths_are_one_line_and_exit_2(args: list[str]) -> None:
    done = d2k(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("d2k: ") and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


INVALID_OUTPUT = """
import sys
import d2k.emitters.kubernetes as emitter

made = emitter.service

def bad_service(*args, **kwargs):
    service = made(*args, **kwargs)
    service["metadata"]["name"] = "BAD"
    return service

emitter.service = bad_service
sys.argv = ["d2k", *sys.argv[1:]]
from d2k.cli import main
main()
"""


@pytest.mark.parametrize("debug", [False, True])
def test_invalid_own_output_is_an_internal_error_exit_3(debug: bool) -> None:
    args = ["from-commands", "samples/voting-app.md", *(["--debug"] if debug else [])]
    done = subprocess.run([sys.executable, "-c", INVALID_OUTPUT, *args], capture_output=True, text=True, cwd=ROOT,
                          env=ENV, timeout=120)
    assert done.returncode == 3 and done.stdout == ""
    last = done.stderr.splitlines()[-1]
    assert last.startswith("d2k: internal error: d2k produced an invalid object: Service/BAD") and "report" in last
    assert ("Traceback" in done.stderr) is debug


def test_stdin_is_read_with_a_dash() -> None:
    text = VOTING.read_text(encoding="utf-8")
    piped = d2k("from-commands", "-", "--part-of", "x", "-q", stdin=text)
    assert piped.returncode == 0
    assert piped.stdout == d2k("from-commands", str(VOTING), "--part-of", "x", "-q").stdout
    bad = d2k("from-commands", "-", stdin="docker run --bogus nginx\n")
    assert bad.returncode == 2 and bad.stderr.startswith("d2k: <stdin>:1: unknown flag")


def test_json_output_is_a_v1_list() -> None:
    done = d2k("from-commands", "samples/voting-app.md", "-o", "json", "-q")
    document = json.loads(done.stdout)
    assert document["kind"] == "List" and len(document["items"]) == len(list(yaml.safe_load_all(
        d2k("from-commands", "samples/voting-app.md", "-q").stdout)))


def test_report_json_is_written(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    done = d2k("from-commands", "samples/voting-app.md", "--report", str(report), "-q")
    assert done.returncode == 0 and done.stderr == ""
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["version"] == 1 and document["inputs"] == ["samples/voting-app.md"]
    assert [c["name"] for c in document["containers"]] == ["redis", "db", "vote", "result", "worker"]
    assert not list(tmp_path.glob(".*"))  # the temporary file was renamed into place


def test_validate_reads_stdin_a_file_and_an_out_folder(tmp_path: Path) -> None:
    manifests = d2k("from-commands", "samples/voting-app.md", "-q").stdout
    assert d2k("validate", "-", stdin=manifests).returncode == 0
    out = tmp_path / "k8s"
    assert d2k("from-commands", "samples/voting-app.md", "--out", str(out), "-q").returncode == 0
    done = d2k("validate", str(out))
    assert done.returncode == 0 and done.stderr == (
        f"d2k: {out / 'kustomization.yaml'}: skipped: a Kustomize file (kubectl apply -k reads it)\n"
        "d2k: 10 objects checked in 10 files: 0 problems\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: BAD\n", encoding="utf-8")
    done = d2k("validate", str(bad))
    assert done.returncode == 1 and "Service/BAD" in done.stderr


# ---- the same bytes whatever the hash seed

SAME_BYTES = """
import contextlib, hashlib, io, json, pathlib, sys, tempfile
from d2k.cli import app

digests = {}
for sample in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"yaml": [], "json": ["-o", "json"], "out": ["--out", f"{tmp}/k8s"],
                "out-json": ["--out", f"{tmp}/k8s-json", "-o", "json"], "report": ["--report", f"{tmp}/r.json"],
                "kustomize": ["--kustomize", f"{tmp}/kustomize"], "helm": ["--helm", f"{tmp}/chart"]}
        for mode, extra in runs.items():
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = app(["from-commands", sample, *extra], standalone_mode=False)
            files = sorted(pathlib.Path(tmp).rglob("*"))
            data = b"".join(p.name.encode() + p.read_bytes() for p in files if p.is_file())
            whole = stdout.getvalue().encode() + stderr.getvalue().encode() + data + str(code).encode()
            whole = whole.replace(tmp.encode(), b"TMP")  # --helm names the folder it wrote
            digests[f"{sample} {mode}"] = hashlib.sha256(whole).hexdigest()
print(json.dumps(digests, sort_keys=True))
"""


def test_output_bytes_do_not_depend_on_the_hash_seed() -> None:
    samples = [f"samples/{s.name}" for s in SAMPLES]
    seen = {}
    for seed in ("0", "1", "42", "random"):
        done = subprocess.run([sys.executable, "-c", SAME_BYTES, *samples], capture_output=True, text=True, cwd=ROOT,
                              env={**ENV, "PYTHONHASHSEED": seed}, timeout=300)
        assert done.returncode == 0, done.stderr
        seen[seed] = json.loads(done.stdout)
    assert len(seen["0"]) == len(samples) * 7
    assert seen["1"] == seen["0"] and seen["42"] == seen["0"] and seen["random"] == seen["0"]


def test_two_runs_of_the_cli_give_the_same_bytes(tmp_path: Path) -> None:
    runs = [d2k("from-commands", "samples/webshop.sh", "--report", str(tmp_path / f"r{i}.json"),
                env={**ENV, "PYTHONHASHSEED": str(i)}) for i in (3, 7)]
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr
    assert (tmp_path / "r3.json").read_bytes() == (tmp_path / "r7.json").read_bytes()
