"""What actually runs (issue 9 item 1): d2k.runtime's models of the kubelet and of Docker, and every golden
case held to "the process and env Kubernetes starts are the ones Docker started"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from d2k import runtime
from d2k.core import Options, convert_text
from d2k.emitters.kubernetes import EmitOptions, _env_name_ok
from d2k.emitters.workloads import pod_spec_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
# the image configs the comparison is made under: whatever the image declares, the argv must agree
IMAGES = ((None, None), (["ep"], None), (None, ["image-cmd"]), (["ep", "-x"], ["image-cmd", "y"]))


@pytest.mark.parametrize(
    ("text", "env", "expanded"),
    [
        ("$(A)", {"A": "x"}, "x"),
        ("$(MISSING)", {}, "$(MISSING)"),  # an unknown reference stays as written
        ("$$", {}, "$"),
        ("$$(A)", {"A": "x"}, "$(A)"),  # the escaped form of a literal $(A)
        ("$5 a$", {}, "$5 a$"),  # a lone $ is kept
        ("$(A", {"A": "x"}, "$(A"),  # an unclosed reference is kept
        ("$($(A))", {"A": "x", "$(A": "no"}, "no)"),  # the name runs to the first `)`, as the kubelet scans
    ],
)
def test_expand_is_the_kubelets(text: str, env: dict[str, str], expanded: str) -> None:
    assert runtime.expand(text, env) == expanded


@pytest.mark.parametrize("text", ["echo $$", "PRICE=$5", "$(NAME)", "$$(NAME)", "$", "a$(", "${HOME}"])
def test_escaped_text_reaches_the_process_unchanged(text: str) -> None:
    assert runtime.expand(runtime.escape(text), {"NAME": "x", "HOME": "/root"}) == text


def test_docker_argv_follows_the_daemon() -> None:
    """Docker (daemon mergeAndVerifyConfig): --entrypoint drops the image CMD; '' drops the ENTRYPOINT too."""
    assert runtime.docker_argv(None, None, ["ep"], ["cmd"]) == ["ep", "cmd"]
    assert runtime.docker_argv(None, ["a"], ["ep"], ["cmd"]) == ["ep", "a"]
    assert runtime.docker_argv(["x"], None, ["ep"], ["cmd"]) == ["x"]
    assert runtime.docker_argv([], ["bash"], ["ep"], ["cmd"]) == ["bash"]
    assert runtime.docker_argv([], None, ["ep"], ["cmd"]) is None  # "No command specified"


def test_kubernetes_argv_follows_the_kubelet() -> None:
    """An empty command counts as unset (the image ENTRYPOINT runs); a command drops the image CMD."""
    assert runtime.kubernetes_argv({"command": [], "args": ["bash"]}, {}, ["ep"], ["cmd"]) == ["ep", "bash"]
    assert runtime.kubernetes_argv({"command": ["bash"]}, {}, ["ep"], ["cmd"]) == ["bash"]
    assert runtime.kubernetes_argv({}, {}, ["ep"], ["cmd"]) == ["ep", "cmd"]
    assert runtime.kubernetes_argv({"args": ["$(A)"]}, {"A": "x"}, None, None) == ["x"]


def test_kubernetes_env_expands_from_earlier_variables_only() -> None:
    spec = {"env": [{"name": "B", "value": "$(A)-$(C)"}, {"name": "A", "value": "a"}, {"name": "C", "value": "$(A)"}]}
    assert runtime.kubernetes_env(spec, []) == {"B": "$(A)-$(C)", "A": "a", "C": "a"}


def _converted(text: str) -> Any:
    return convert_text(text, "run.sh", options=Options(), base_dir=".")


def _workload_containers(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for obj in objects:
        spec = pod_spec_of(obj)
        if spec is not None:
            for container in spec["containers"]:
                out[(obj["metadata"]["name"], container["name"])] = container
    return out


def _assert_same_process(result: Any, where: str) -> int:
    """Each container of the result: Kubernetes' argv and env equal Docker's; returns how many were checked."""
    graph, objects = result.graph, result.objects
    specs = _workload_containers(objects)
    members: dict[str, list[str]] = {}
    for name, root in graph.pods.items():
        members.setdefault(root, []).append(name)
    checked = 0
    for root, names in members.items():
        workload = graph.workload_names[root]
        pod = [spec for (w, _), spec in specs.items() if w == workload]
        assert len(pod) == len(names), where
        for name, spec in zip(names, pod, strict=True):
            c = graph.containers[name]
            env = runtime.kubernetes_env(spec, objects)
            for entry, cmd in IMAGES:
                docker = runtime.docker_argv(c.entrypoint, c.command, entry, cmd)
                assert runtime.kubernetes_argv(spec, env, entry, cmd) == docker, f"{where}: {name} under {entry} {cmd}"
            if c.healthcheck is not None and c.healthcheck.test and not c.no_healthcheck:
                for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
                    if kind in spec:
                        docker_probe = runtime.docker_health_argv(c.healthcheck.test)
                        assert runtime.probe_argv(spec[kind], spec) == docker_probe, f"{where}: {name} {kind}"
            bare = {v.name for v in c.env.values() if v.value is None}  # the CLI's value: reported, checked elsewhere
            refused = {n for n in c.env if not _env_name_ok(n, EmitOptions().k8s_version)}
            wanted = runtime.docker_env([(v.name, v.value) for v in c.env.values()], {})
            # a credential of the command line reaches it through a variable of its own, which the report names
            moved = {k for k in env if k.startswith("D2K_ARG_") and k not in c.env}
            told = " ".join(d.message for d in result.report.diagnostics
                            if d.code == "credential-argument" and d.container == name)
            assert all(f"$({k})" in told for k in moved), f"{where}: {name} env: {moved} not reported"
            got = {k: v for k, v in env.items() if k not in bare and k not in moved}
            assert got == {k: v for k, v in wanted.items() if k not in refused}, f"{where}: {name} env"
            checked += 1
    return checked


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_every_golden_case_runs_what_docker_ran(sample: Path) -> None:
    result = convert_text(sample.read_text(encoding="utf-8"), f"samples/{sample.name}", options=Options(),
                          base_dir=str(sample.parent))  # fmt: skip
    assert _assert_same_process(result, sample.name) == len(result.graph.containers)


@pytest.mark.parametrize(
    "line",
    [
        "docker run --name app redis sh -c 'echo $$'",
        "docker run --name app -e 'PRICE=$5' -e NAME=x redis echo '$(NAME)'",
        "docker run --name app --entrypoint '' redis bash -c 'exit 0'",
        "docker run --name app --entrypoint= redis bash",
        "docker run --name app --entrypoint '$(NAME)' -e NAME=x -e 'REF=$(NAME)' redis '$$(NAME)'",
        "docker run --name app -e 'API_TOKEN=t$(NAME)' -e NAME=x redis",
        "docker run --name app -e NAME=x --health-cmd 'test $$ -gt 0 && echo $(NAME)' redis",
        "docker run --name app redis redis-server --requirepass 'pa$$(NAME)w' --masterauth=x$y",
        "docker run --name app -e D2K_ARG_REQUIREPASS=mine redis redis-server --requirepass two --requirepass three",
        "docker run --name app --entrypoint psql postgres 'postgres://u:p$w@db/x' --password=$(id)",
        "docker run --name app redis sh -c 'redis-server --requirepass \"s e c\" && echo $(NAME)'",
    ],
)
def test_dollar_and_empty_entrypoint_reach_the_process_as_docker_passed_them(line: str) -> None:
    result = _converted(line)
    assert _assert_same_process(result, line) == 1
    spec = next(iter(_workload_containers(result.objects).values()))
    assert spec.get("command") != [], "an empty command means the image ENTRYPOINT to Kubernetes"


def test_empty_entrypoint_becomes_the_command() -> None:
    """`--entrypoint "" IMAGE bash` runs `bash`: command [bash], no args (Docker: no image ENTRYPOINT nor CMD)."""
    spec = next(iter(_workload_containers(_converted("docker run --entrypoint '' redis bash").objects).values()))
    assert spec["command"] == ["bash"] and "args" not in spec
