"""Every option checked in the user's words, --strict's "deployable as is", and the small things a user
notices: plurals, file names, Service labels, one line per diagnostic, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from d2k.emitters.output import file_names, to_files
from d2k.emitters.report import render_text
from d2k.model import Graph, Origin
from d2k.report import PLACEHOLDERS, Report, Severity

ROOT = Path(__file__).resolve().parent.parent
VOTING = ROOT / "samples" / "voting-app.md"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def d2k(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, cwd=cwd,
                          env=env or ENV, timeout=120)


def written(tmp: Path, name: str, text: str) -> str:
    (tmp / name).write_text(text, encoding="utf-8")
    return str(tmp / name)


COMPOSE = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"
DOCKERFILE = "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n"


@pytest.mark.parametrize(("args", "message"), [
    (["{voting}", "--port", "nope=80"], "--port nope=...: no container is named nope (the containers: redis, db, "),
    (["{voting}", "--storage-size", "10"], "--storage-size 10: 10 bytes? write 10Gi (or 10Mi)"),
    (["{voting}", "--storage-size", "0Gi"], "--storage-size 0Gi: give a size above 0"),
    (["{voting}", "--part-of", "my app"], "--part-of my app: not a valid label value"),
    (["{voting}", "--part-of", "-x"], "--part-of -x: not a valid label value"),
    (["{voting}", "--k8s-version", "1.24.3"], "--k8s-version 1.24.3: give one of 1.25 to 1.37"),
    (["{bad_flag}"], "bad.sh:1: unknown flag: --nmae: did you mean --name?"),
    (["{far_flag}"], "far.sh:1: unknown flag: --zzzzzz: see `docker run --help`"),
    (["{compose}"], "docker-compose.yml: this looks like a docker-compose file (it has services:): "
                    "convert it with d2k from-compose FILE"),
    (["{dockerfile}"], "Dockerfile: this looks like a Dockerfile (it builds an image, it runs nothing)"),
])
def test_options_and_inputs_are_checked_in_the_users_words(tmp_path: Path, args: list[str], message: str) -> None:
    names = {"voting": str(VOTING),
             "bad_flag": written(tmp_path, "bad.sh", "docker run -d --nmae web nginx\n"),
             "far_flag": written(tmp_path, "far.sh", "docker run -d --zzzzzz web nginx\n"),
             "compose": written(tmp_path, "docker-compose.yml", COMPOSE),
             "dockerfile": written(tmp_path, "Dockerfile", DOCKERFILE)}
    done = d2k("from-commands", *(a.format(**names) for a in args), "--out", str(tmp_path / "k8s"))
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr and not (tmp_path / "k8s").exists()


@pytest.mark.parametrize(("args", "same_as"), [
    (["--k8s-version", "1.30.2"], ["--k8s-version", "1.30"]),
    (["--k8s-version", "v1.30"], ["--k8s-version", "1.30"]),
    (["--expose-type", "loadbalancer"], ["--expose-type", "LoadBalancer"]),
    (["--expose-type", "NODEPORT"], ["--expose-type", "NodePort"]),
    (["-o", "JSON"], ["-o", "json"]),
    (["--workload", "Pod"], ["--workload", "pod"]),
])
def test_equivalent_spellings_give_the_same_output(args: list[str], same_as: list[str]) -> None:
    done, expected = d2k("from-commands", str(VOTING), "-q", *args), d2k("from-commands", str(VOTING), "-q", *same_as)
    assert done.returncode == 0 and done.stdout == expected.stdout != ""


def test_part_of_is_taken_as_written_when_valid() -> None:
    done = d2k("from-commands", str(VOTING), "-q", "--part-of", "Voting_App.v2")
    labels = [doc["metadata"]["labels"]["app.kubernetes.io/part-of"] for doc in yaml.safe_load_all(done.stdout)]
    assert done.returncode == 0 and set(labels) == {"Voting_App.v2"}


# ---- --strict: deployable as is


PLACEHOLDER_INPUT = """\
docker run -d --name my_db -e POSTGRES_PASSWORD postgres
docker run -d --name web -e DB_HOST=my_db -v $(pwd)/site:/site -v $HOME/logs:/logs nginx
"""


def test_strict_fails_on_placeholders_and_names_them_last(tmp_path: Path) -> None:
    path = written(tmp_path, "ph.sh", PLACEHOLDER_INPUT)
    assert d2k("from-commands", path, "-q").returncode == 0
    strict = d2k("from-commands", path, "--strict")
    assert strict.returncode == 1 and "kind: Deployment" in strict.stdout
    last = strict.stderr.splitlines()[-1]
    assert last.startswith("d2k: --strict: not deployable as is: ")
    # ($(pwd) is the input's folder now, so it is no placeholder; $HOME is)
    for item in (f"{path}:1: --env not carried", f"{path}:1: service-renamed", f"{path}:2: unresolved-variable"):
        assert item in last
    assert "no-service" not in last and "catalog-ports" not in last  # info is not a reason


def test_strict_names_a_flag_not_carried(tmp_path: Path) -> None:
    path = written(tmp_path, "run.sh", "docker run -d --name web --ulimit nofile=1024 nginx\n")
    strict = d2k("from-commands", path, "--strict", "-q")
    assert strict.returncode == 1 and strict.stderr == f"d2k: --strict: not deployable as is: {path}:1: --ulimit not carried\n"


def test_placeholder_codes_are_blocking_diagnostics() -> None:
    report = Report()
    for code in sorted(PLACEHOLDERS):
        report.add(code, Severity.APPROXIMATED, "x")
    report.add("renamed", Severity.APPROXIMATED, "x")
    report.add("odd", Severity.NOT_CARRIED, "x")
    assert [d.code for d in report.diagnostics if d.blocking] == [*sorted(PLACEHOLDERS), "odd"]


# ---- the small things


def test_summary_counts_in_the_singular_and_plural(tmp_path: Path) -> None:
    one = d2k("from-commands", written(tmp_path, "one.sh", "docker run -d --name web -p 8080:80 nginx\n"))
    assert "d2k: 1 container -> 1 Service, 1 Deployment" in one.stderr.splitlines()
    assert "d2k: 5 containers -> 1 Secret, 4 Services, 5 Deployments" in d2k("from-commands", str(VOTING)).stderr


def test_a_duplicate_diagnostic_is_printed_once() -> None:
    report = Report()
    for _ in range(2):
        report.add("same", Severity.APPROXIMATED, "said twice", Origin("t.sh", 3))
    assert render_text(report, Graph(), []).count("said twice") == 1


def test_file_names_do_not_double_the_kind_and_stay_unique() -> None:
    def obj(kind: str, name: str) -> dict[str, object]:
        return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}

    assert file_names([obj("Secret", "db-secret"), obj("Deployment", "db"), obj("Service", "db")]) == [
        "db-secret.yaml", "db-deployment.yaml", "db-service.yaml"]
    clash = [obj("Secret", "x"), obj("Secret", "x-secret"), obj("Deployment", "x-secret")]
    assert file_names(clash) == ["x-secret.yaml", "x-secret-secret.yaml", "x-secret-deployment.yaml"]
    assert len(to_files(clash)) == 3


def test_services_carry_their_workloads_app_labels() -> None:
    docs = list(yaml.safe_load_all(d2k("from-commands", str(VOTING), "-q").stdout))
    workloads = {d["metadata"]["name"]: d["metadata"]["labels"] for d in docs if d["kind"] == "Deployment"}
    services = [d for d in docs if d["kind"] == "Service"]
    assert len(services) == 4
    for service in services:
        target = service["spec"]["selector"]["app.kubernetes.io/name"]
        wanted = {k: v for k, v in workloads[target].items() if k.startswith("app.kubernetes.io/")}
        assert service["metadata"]["labels"] == wanted


COMPLETE = "import sys; sys.argv[0] = 'd2k'; from d2k.cli import main; main()"


def test_shell_completion_is_offered_and_completes() -> None:
    assert "--install-completion" in d2k("--help").stdout
    script = subprocess.run([sys.executable, "-c", COMPLETE, "--show-completion", "bash"], capture_output=True,
                            text=True, env=ENV, timeout=60)
    assert script.returncode == 0 and "complete -o default -F _d2k_completion d2k" in script.stdout
    env = {**ENV, "_D2K_COMPLETE": "complete_bash", "COMP_WORDS": "d2k from-commands x --expose", "COMP_CWORD": "3"}
    words = subprocess.run([sys.executable, "-c", COMPLETE], capture_output=True, text=True, env=env, timeout=60)
    assert words.stdout.split() == ["--expose-type"]
