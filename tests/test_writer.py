"""What d2k may write, as users meet it: --out owns only the files it wrote (.d2k-manifest), Secret files are
0600, a failed run writes nothing (no folder, no report, nothing on stdout), and a write killed half-way
leaves the old set or, once the next run completes it, the new set: never a mix (d2k.writer's docstring).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from d2k.cli import write_folder
from d2k.errors import InputError
from d2k.writer import COMMIT, MANIFEST, write_file

ROOT = Path(__file__).resolve().parent.parent
VOTING = ROOT / "samples" / "voting-app.md"
WEBSHOP = ROOT / "samples" / "webshop.sh"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def d2k(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, umask: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "d2k", *args]
    if umask is not None:
        command = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env or ENV, timeout=120)


def tree(path: Path) -> dict[str, bytes]:
    """Every file under `path` (hidden ones too) by relative name."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def fresh_write(sample: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / f"expected-{sample.stem}"
    assert d2k("from-commands", str(sample), "--out", str(out), "-q").returncode == 0
    return tree(out)


# ---- ownership


def test_out_writes_a_manifest_of_its_files_and_their_hashes(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    files = tree(out)
    lines = files.pop(MANIFEST).decode().splitlines()
    assert lines[0].startswith("#") and len(lines) == 1 + len(files)
    check = subprocess.run(["sha256sum", "-c", MANIFEST], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == len(files)
    assert "db-secret.yaml" in files and "db-secret-secret.yaml" not in files


def test_force_replaces_only_d2k_files_and_keeps_a_foreign_one(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    out.mkdir()
    (out / "README.md").write_text("mine too\n", encoding="utf-8")
    (out / "notes").mkdir()
    (out / "notes" / "todo.txt").write_text("mine\n", encoding="utf-8")
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0  # no d2k file yet: no --force
    again = d2k("from-commands", str(WEBSHOP), "--out", str(out), "-q")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == (f"d2k: {out}: holds the files of an earlier d2k run: add --force to replace them "
                            "(d2k replaces only the files it wrote)\n")
    assert d2k("from-commands", str(WEBSHOP), "--out", str(out), "--force", "-q").returncode == 0
    expected = fresh_write(WEBSHOP, tmp_path)
    expected.update({"README.md": b"mine too\n", "notes/todo.txt": b"mine\n"})
    assert tree(out) == expected  # the voting app's files are gone, the user's two are untouched


def test_out_on_the_inputs_folder_is_refused_with_and_without_force(tmp_path: Path) -> None:
    (tmp_path / "app.md").write_bytes(VOTING.read_bytes())
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = tree(tmp_path)
    for force in ([], ["--force"]):
        for out in (str(tmp_path), "."):
            done = d2k("from-commands", "app.md", "--out", out, "-q", *force, cwd=tmp_path)
            assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
            assert "is the folder of the input app.md" in done.stderr
    assert tree(tmp_path) == before


def test_a_foreign_file_in_the_way_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    out.mkdir()
    (out / "db-deployment.yaml").write_text("# my own\n", encoding="utf-8")
    for force in ([], ["--force"]):
        done = d2k("from-commands", str(VOTING), "--out", str(out), "-q", *force)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr == (f"d2k: {out}: db-deployment.yaml is not a file d2k wrote: d2k never overwrites it; "
                               "move it away or give another --out\n")
        assert tree(out) == {"db-deployment.yaml": b"# my own\n"}


def test_an_edited_d2k_file_is_refused_unless_force_which_says_so(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    original = tree(out)
    with (out / "vote-deployment.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# tuned by hand\n")
    edited = tree(out)
    done = d2k("from-commands", str(VOTING), "--out", str(out), "-q")
    assert done.returncode == 2 and "(vote-deployment.yaml edited since)" in done.stderr
    assert tree(out) == edited
    forced = d2k("from-commands", str(VOTING), "--out", str(out), "-q", "--force")
    assert forced.returncode == 0
    assert forced.stderr == f"d2k: {out}: replaced vote-deployment.yaml, edited since d2k wrote it\n"
    assert tree(out) == original


def test_the_current_folder_home_and_root_are_refused(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("x\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    cases = [(tmp_path, ".", "is the current folder and holds other files (home, ...)"),
             (tmp_path, str(home), "is your home folder"),
             (tmp_path, "/", "is the root folder")]
    for cwd, out, message in cases:
        done = d2k("from-commands", str(VOTING), "--out", out, "--force", "-q", cwd=cwd,
                   env={**ENV, "HOME": str(home)})
        assert done.returncode == 2 and done.stdout == "" and message in done.stderr, done.stderr
    assert tree(tmp_path) == {"other.txt": b"x\n"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert d2k("from-commands", str(VOTING), "--out", ".", "-q", cwd=empty).returncode == 0  # an empty one is fine


def test_json_out_is_one_list_and_private_when_it_holds_a_secret(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-o", "json", "-q").returncode == 0
    assert sorted(tree(out)) == [MANIFEST, "kustomization.yaml", "list.json"]
    assert stat.S_IMODE((out / "list.json").stat().st_mode) == 0o600


# ---- file modes


def test_secret_files_are_0600_and_the_rest_follow_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    report = tmp_path / "r.json"
    done = d2k("from-commands", str(VOTING), "--out", str(out), "--report", str(report), "-q", umask=0o027)
    assert done.returncode == 0, done.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes.pop("db-secret.yaml") == 0o600
    assert set(modes.values()) == {0o640} and len(modes) == 11  # 9 objects, kustomization.yaml, the manifest
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert d2k("from-commands", str(VOTING), "--out", str(out), "--force", "-q", umask=0o022).returncode == 0
    assert stat.S_IMODE((out / "db-secret.yaml").stat().st_mode) == 0o600  # replaced files too
    assert stat.S_IMODE((out / "db-service.yaml").stat().st_mode) == 0o644


def test_write_file_private_is_0600_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "secret-values.yaml"
    write_file(path, "password: x\n", private=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text(encoding="utf-8") == "password: x\n"
    write_file(path, "password: y\n", private=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and sorted(os.listdir(tmp_path)) == ["secret-values.yaml"]


def test_write_folder_takes_sub_folders_and_private_names(tmp_path: Path) -> None:
    out = tmp_path / "chart"
    write_folder(out, {"Chart.yaml": "a\n", "templates/x.yaml": "b\n", "secret-values.yaml": "c\n"}, force=False,
                 private={"secret-values.yaml"})
    assert stat.S_IMODE((out / "secret-values.yaml").stat().st_mode) == 0o600
    (out / "templates" / "mine.yaml").write_text("m\n", encoding="utf-8")
    with pytest.raises(InputError, match="earlier d2k run"):
        write_folder(out, {"Chart.yaml": "a\n"}, force=False)
    write_folder(out, {"Chart.yaml": "a2\n"}, force=True)
    assert sorted(p for p in tree(out) if p != MANIFEST) == ["Chart.yaml", "templates/mine.yaml"]
    write_folder(out, {"Chart.yaml": "a3\n", "templates/y.yaml": "y\n"}, force=True)
    with pytest.raises(InputError, match="not a d2k manifest"):
        (out / MANIFEST).write_text("0  ../../etc/passwd\n", encoding="utf-8")
        write_folder(out, {"Chart.yaml": "a\n"}, force=True)
    for bad in ("../x.yaml", "/etc/x", ".d2k-manifest", "a//b"):
        with pytest.raises(InputError, match="cannot write a file named"):
            write_folder(tmp_path / "other", {bad: "x\n"}, force=True)


# ---- nothing written on a failed run


@pytest.mark.parametrize(("args", "message"), [
    (["--report", "missing/r.json"], "missing/r.json: no folder missing: create it first"),
    (["--report", "missing/r.json", "--out", "k8s"], "missing/r.json: no folder missing"),
    (["--report", "app.md"], "app.md: is the input"),
    (["--report", "k8s", "--out", "k8s"], "k8s: exists and is not a folder"),
    (["--out", "app.md/k8s"], "app.md/k8s: cannot create it: app.md is not a folder"),
    (["--out", "k8s", "--report", "sub"], "sub: is a folder"),
    (["--out", "."], "is the folder of the input app.md"),
    (["--storage-size", "10", "--out", "k8s"], "--storage-size 10: 10 bytes? write 10Gi"),
])
def test_a_failed_run_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "app.md").write_bytes(VOTING.read_bytes())
    (tmp_path / "sub").mkdir()
    if args[:2] == ["--report", "k8s"]:
        (tmp_path / "k8s").write_text("a file\n", encoding="utf-8")
    before = tree(tmp_path)
    done = d2k("from-commands", "app.md", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.startswith("d2k: ") and done.stderr.count("\n") == 1 and message in done.stderr
    assert tree(tmp_path) == before and sorted(os.listdir(tmp_path)) == sorted({*before, "sub"})


# ---- pipes and signals


def test_a_closed_stdout_ends_quietly_with_the_sigpipe_status(tmp_path: Path) -> None:
    big = tmp_path / "big.sh"
    big.write_text("".join(f"docker run -d --name web{i} -p {8000 + i}:80 nginx\n" for i in range(1500)),
                   encoding="utf-8")  # far more than a pipe holds
    done = subprocess.run(["bash", "-c", f'{sys.executable} -m d2k from-commands "$1" | head -c 10; '
                                         'echo " ${PIPESTATUS[0]}"', "bash", str(big)],
                          capture_output=True, text=True, env=ENV, timeout=120)
    assert done.stdout == "---\napiVer 141\n" and done.stderr == ""


def _catches(pid: int, signum: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught >> (signum - 1) & 1)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc to see the handler installed")
def test_sigterm_ends_a_run_like_ctrl_c(tmp_path: Path) -> None:
    import time

    child = subprocess.Popen([sys.executable, "-m", "d2k", "from-commands", "-", "--out", str(tmp_path / "k8s")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=ENV)
    deadline = time.monotonic() + 60
    while not _catches(child.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM
    assert stdout == "" and stderr == "d2k: interrupted\n" and list(tmp_path.iterdir()) == []


# ---- interrupted writes: a child stops for good at a chosen point, the parent kills it

INTERRUPTED = """
import os, sys, time
import d2k.writer

where = sys.argv.pop(1)
original_create, original_replace = d2k.writer._create, os.replace
created = moved = 0

def stop():
    sys.__stdout__.write("stopped\\n")
    sys.__stdout__.flush()
    time.sleep(3600)

def create(path, text, private):
    global created
    original_create(path, text, private)
    created += 1
    if where == "staging" and created == 2:
        stop()

def replace(src, dst):
    global moved
    if where == "apply" and os.path.basename(os.path.dirname(src)) == d2k.writer.COMMIT:
        moved += 1
        if moved == 3:
            stop()
    return original_replace(src, dst)

d2k.writer._create = create
os.replace = replace
sys.argv = ["d2k", *sys.argv[1:]]
from d2k.cli import main
main()
"""


def kill_midway(where: str, sample: Path, out: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, where, "from-commands", str(sample), "--out",
                              str(out), "--force", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT, env=ENV)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "stopped\n", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()


def visible(path: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree(path).items() if not name.startswith(".d2k-staging-")}


def test_a_killed_first_write_leaves_no_folder_then_the_next_run_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    kill_midway("staging", VOTING, out)
    assert not out.exists()
    assert [p.name.endswith(".d2k-new") for p in tmp_path.iterdir()] == [True]  # hidden, beside it
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k8s"]
    assert tree(out) == fresh_write(VOTING, tmp_path)


def test_a_replacement_killed_before_its_commit_keeps_the_old_set(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    (out / "mine.txt").write_text("mine\n", encoding="utf-8")
    old = tree(out)
    kill_midway("staging", WEBSHOP, out)
    assert visible(out) == old and not (out / COMMIT).exists()
    assert d2k("from-commands", str(WEBSHOP), "--out", str(out), "--force", "-q").returncode == 0
    expected = fresh_write(WEBSHOP, tmp_path)
    assert tree(out) == {**expected, "mine.txt": b"mine\n"}  # the staging folder is gone too


def test_a_replacement_killed_after_its_commit_is_completed_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    (out / "mine.txt").write_text("mine\n", encoding="utf-8")
    kill_midway("apply", WEBSHOP, out)
    assert (out / COMMIT).is_dir()  # committed, half applied
    assert f"d2k: {out}: holds an interrupted d2k write (.d2k-commit)" in d2k("validate", str(out)).stderr
    done = d2k("from-commands", str(VOTING), "--out", str(out), "-q")  # completes it, then refuses (no --force)
    assert done.returncode == 2 and "earlier d2k run" in done.stderr
    assert tree(out) == {**fresh_write(WEBSHOP, tmp_path), "mine.txt": b"mine\n"}


def test_a_folder_of_d2k_files_only_is_swapped_whole_one_with_others_in_place(tmp_path: Path) -> None:
    """Only d2k's files: the folders are exchanged in one step (a new inode). Others there: d2k's files move."""
    dedicated, shared = tmp_path / "dedicated", tmp_path / "shared"
    for out in (dedicated, shared):
        assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    (shared / "mine.txt").write_text("mine\n", encoding="utf-8")
    before = {out: out.stat().st_ino for out in (dedicated, shared)}
    for out in (dedicated, shared):
        assert d2k("from-commands", str(WEBSHOP), "--out", str(out), "--force", "-q").returncode == 0
    assert dedicated.stat().st_ino != before[dedicated] and shared.stat().st_ino == before[shared]
    expected = fresh_write(WEBSHOP, tmp_path)
    assert tree(dedicated) == expected and tree(shared) == {**expected, "mine.txt": b"mine\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dedicated", "expected-webshop", "shared"]


def test_a_dedicated_folder_killed_while_staging_keeps_the_old_set(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    assert d2k("from-commands", str(VOTING), "--out", str(out), "-q").returncode == 0
    old = tree(out)
    kill_midway("staging", WEBSHOP, out)
    assert tree(out) == old and [p.name.endswith(".d2k-new") for p in tmp_path.iterdir()].count(True) == 1
    assert d2k("from-commands", str(WEBSHOP), "--out", str(out), "--force", "-q").returncode == 0
    assert tree(out) == fresh_write(WEBSHOP, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["expected-webshop", "k8s"]


def test_without_an_exchange_the_journal_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import d2k.writer

    monkeypatch.setattr(d2k.writer, "_exchange", lambda a, b: False)
    out = tmp_path / "k8s"
    write_folder(out, {"a.yaml": "a\n", "b.yaml": "b\n"}, force=False)
    inode = out.stat().st_ino
    write_folder(out, {"c.yaml": "c\n"}, force=True)
    assert sorted(tree(out)) == [MANIFEST, "c.yaml"] and out.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k8s"]
