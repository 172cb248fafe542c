"""Issue 9 items 6 and 7: health, lifecycle, resources and security as Docker had them, and what Docker refuses.

Each test names the Docker behaviour it pins; the engine tests at the end show it on the real engine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text
from d2k.errors import InputError
from d2k.report import Severity
from d2k.validate import validate_objects


def convert(text: str, **options: Any) -> Any:
    result = convert_text(text, "run.sh", options=Options(**options), base_dir=".")
    assert validate_objects(result.objects, options.get("k8s_version", "1.34")) == []
    return result


def workload(result: Any, name: str) -> dict[str, Any]:
    obj = next(o for o in result.objects if o["kind"] in ("Deployment", "Pod") and o["metadata"]["name"] == name)
    return obj["spec"]["template"] if obj["kind"] == "Deployment" else obj


def container(result: Any, name: str) -> dict[str, Any]:
    return dict(workload(result, name)["spec"]["containers"][0])


def codes(result: Any, severity: Severity | None = None) -> list[str]:
    return [d.code for d in result.report.diagnostics if severity is None or d.severity is severity]


# ---- item 6: health ---------------------------------------------------------------------------


def test_healthcheck_is_a_readiness_probe_only() -> None:
    """Docker never restarts a container for failing its healthcheck (engine: test_docker_never_restarts_...)."""
    result = convert("docker run -d --name db --health-cmd pg_isready --health-retries 4 "
                     "--health-start-period 30s postgres:16\n")  # fmt: skip
    spec = container(result, "db")
    assert spec["readinessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "pg_isready"]
    assert spec["readinessProbe"]["failureThreshold"] == 4
    assert "livenessProbe" not in spec and "startupProbe" not in spec  # a startupProbe could only add a kill
    assert "health-readiness" in codes(result, Severity.APPROXIMATED)


@pytest.mark.parametrize(
    ("flags", "start_period", "interval", "retries"),
    [
        ("--health-start-period 30s", 30, 30, 3),
        ("--health-start-period 10s --health-start-interval 2s --health-interval 20s --health-retries 2", 10, 20, 2),
        ("--health-start-period 7s --health-start-interval 3s --health-interval 1s --health-retries 1", 7, 1, 1),
    ],
)
def test_liveness_from_healthcheck_never_kills_before_docker_marks_unhealthy(
    flags: str, start_period: int, interval: int, retries: int
) -> None:
    """--liveness-from-healthcheck: a livenessProbe (reported) and a startupProbe that gives up no earlier than
    Docker marks the container unhealthy: the start period plus `retries` failed checks at the interval."""
    result = convert(f"docker run -d --name db --health-cmd true {flags} postgres:16\n",
                     liveness_from_healthcheck=True)  # fmt: skip
    spec = container(result, "db")
    assert spec["livenessProbe"]["failureThreshold"] == retries
    startup = spec["startupProbe"]
    gives_up = startup["periodSeconds"] * startup["failureThreshold"]
    assert gives_up >= start_period + retries * interval
    assert gives_up < start_period + retries * interval + startup["periodSeconds"]  # and not much later
    assert "health-liveness" in codes(result, Severity.APPROXIMATED)


def test_liveness_option_reaches_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from d2k.cli import app

    (tmp_path / "run.sh").write_text("docker run -d --name db --health-cmd true postgres:16\n")
    out = CliRunner().invoke(app, ["from-commands", str(tmp_path / "run.sh"), "--liveness-from-healthcheck", "-q"])
    assert out.exit_code == 0, out.output
    assert "livenessProbe" in out.stdout


# ---- item 6: lifecycle and resources --------------------------------------------------------------


def test_stop_timeout_forever_is_a_day_not_minus_one() -> None:
    """Docker: --stop-timeout -1 waits forever; Kubernetes would read -1 as 1 s."""
    result = convert("docker run -d --name app --stop-timeout -1 nginx:1\ndocker run -d --name bb --stop-timeout 20 nginx:1\n")
    assert workload(result, "app")["spec"]["terminationGracePeriodSeconds"] == 86400
    assert workload(result, "bb")["spec"]["terminationGracePeriodSeconds"] == 20
    assert [d.container for d in result.report.diagnostics if d.code == "stop-timeout-forever"] == ["app"]


def test_limits_alone_reserve_requests_and_say_so() -> None:
    """Docker reserves nothing for --cpus/-m; Kubernetes reserves requests equal to limits when requests are unset."""
    result = convert("docker run -d --name aa --cpus 2 -m 1g nginx:1\n"
                     "docker run -d --name bb --cpus 2 -m 1g --cpu-shares 512 --memory-reservation 256m nginx:1\n")
    notes = [d for d in result.report.diagnostics if d.code == "requests-from-limits"]
    assert [d.container for d in notes] == ["aa"]
    assert "cpu 2" in notes[0].message and "memory 1Gi" in notes[0].message
    assert notes[0].severity is Severity.APPROXIMATED and notes[0].origin is not None and notes[0].origin.line == 1


def test_tmpfs_defaults_and_percent_size_are_reported() -> None:
    """Docker mounts --tmpfs (and --mount type=tmpfs) noexec,nosuid,nodev (engine: test_docker_tmpfs_...);
    an emptyDir in memory has neither; `size=N%` (of the host's memory) has no sizeLimit form."""
    result = convert("docker run -d --name aa --tmpfs /t --mount type=tmpfs,dst=/m nginx:1\n"
                     "docker run -d --name bb --tmpfs /u:exec,suid,dev nginx:1\n"
                     "docker run -d --name cc --tmpfs /p:size=50% nginx:1\n")  # fmt: skip
    notes = [(d.container, d.message.split(":")[0]) for d in result.report.diagnostics if d.code == "tmpfs-options"]
    assert notes == [("aa", "tmpfs /t"), ("aa", "tmpfs /m"), ("cc", "tmpfs /p")]
    percent = [d for d in result.report.diagnostics if d.code == "tmpfs-size-percent"]
    assert [(d.container, d.severity) for d in percent] == [("cc", Severity.NOT_CARRIED)]


def test_strict_exits_1_on_what_is_not_carried(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from d2k.cli import app

    (tmp_path / "run.sh").write_text("docker run -d --name cc --tmpfs /p:size=50% nginx:1\n")
    out = CliRunner().invoke(app, ["from-commands", str(tmp_path / "run.sh"), "--strict", "-q"])
    assert out.exit_code == 1


# ---- item 6: security and image ----------------------------------------------------------------


def test_docker_default_seccomp_is_runtime_default() -> None:
    """Docker applies its default seccomp profile unless seccomp=unconfined (engine: test_docker_tmpfs_...)."""
    result = convert("docker run -d --name aa nginx:1\n"
                     "docker run -d --name bb --security-opt seccomp=unconfined nginx:1\n")  # fmt: skip
    for name in ("aa", "bb"):
        assert workload(result, name)["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "securityContext" not in container(result, "aa")
    assert container(result, "bb")["securityContext"]["seccompProfile"] == {"type": "Unconfined"}


@pytest.mark.parametrize(("version", "field", "annotation"), [("1.30", {"type": "RuntimeDefault"}, None),
                                                               ("1.29", None, "runtime/default")])  # fmt: skip
def test_apparmor_docker_default_is_runtime_default(version: str, field: Any, annotation: Any) -> None:
    """`apparmor=docker-default` is Docker's own profile: the runtime's default, not a Localhost profile."""
    result = convert("docker run -d --name aa --security-opt apparmor=docker-default nginx:1\n", k8s_version=version)
    assert (container(result, "aa").get("securityContext") or {}).get("appArmorProfile") == field
    key = "container.apparmor.security.beta.kubernetes.io/aa"
    assert (workload(result, "aa")["metadata"].get("annotations") or {}).get(key) == annotation


def test_add_host_twice_keeps_the_first_as_docker_hosts_resolves() -> None:
    """Docker writes both lines to /etc/hosts in order; lookups find the first (engine: test_docker_tmpfs_...)."""
    result = convert("docker run -d --name aa --add-host db:10.0.0.9 --add-host x:10.0.0.1 --add-host db:10.0.0.1 "
                     "--add-host y:10.0.0.9 nginx:1\n")  # fmt: skip
    assert workload(result, "aa")["spec"]["hostAliases"] == [
        {"ip": "10.0.0.9", "hostnames": ["db", "y"]}, {"ip": "10.0.0.1", "hostnames": ["x"]}]
    assert "add-host-twice" in codes(result, Severity.APPROXIMATED)


@pytest.mark.parametrize(
    ("line", "policy", "untagged"),
    [
        ("docker run -d redis", "IfNotPresent", True),
        ("docker run -d redis:latest", "IfNotPresent", False),
        ("docker run -d localhost:5000/app", "IfNotPresent", True),
        ("docker run -d redis@sha256:" + "aa" * 64, "IfNotPresent", False),
        ("docker run -d --pull always redis:7", "Always", False),
        ("docker run -d --pull never redis:7", "Never", False),
    ],
)
def test_pull_policy_is_dockers_missing_unless_told(line: str, policy: str, untagged: bool) -> None:
    """Docker's default is --pull missing; Kubernetes would pull an untagged or :latest image on every start."""
    result = convert(line + "\n")
    assert result.objects[-1]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == policy
    assert ("image-latest" in codes(result, Severity.INFO)) is untagged


# ---- item 7: what Docker refuses ------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--link db:db", "--volumes-from db"])
def test_a_reference_to_a_container_created_later_is_refused(flag: str) -> None:
    """Docker: `could not get container for db: No such container` (rejected.txt, the engine's own words)."""
    with pytest.raises(InputError, match=r"run.sh:1: .*db is created later \(line 2\)"):
        convert_text(f"docker run -d --name web {flag} nginx:1\ndocker run -d --name db postgres:16\n", "run.sh",
                     options=Options())  # fmt: skip
    convert(f"docker run -d --name db postgres:16\ndocker run -d --name web {flag} nginx:1\n")


def test_net_sysctl_with_host_network_is_refused() -> None:
    """runc: `sysctl "net.core.somaxconn" not allowed in host network namespace` (rejected.txt, lenient)."""
    with pytest.raises(InputError, match="not allowed in host network namespace"):
        convert_text("docker run -d --network host --sysctl net.core.somaxconn=1024 nginx:1\n", "run.sh",
                     options=Options())  # fmt: skip
    convert("docker run -d --sysctl net.core.somaxconn=1024 nginx:1\n")
    convert("docker run -d --network host --sysctl kernel.shm_rmid_forced=1 nginx:1\n")


# ---- on the real engine ---------------------------------------------------------------------------


@pytest.mark.engine
def test_docker_tmpfs_hosts_and_seccomp_defaults(made: Any) -> None:
    """What the report and the emitter rely on, as the engine does it: tmpfs mounts noexec,nosuid,nodev unless
    told otherwise, /etc/hosts lists a twice-added host twice in order (lookups take the first), and a
    container runs under a seccomp filter (Seccomp: 2) unless seccomp=unconfined."""
    script = "grep -E ' /(t|u|m) ' /proc/mounts; grep -E '^[0-9.]+\t(a|b)$' /etc/hosts; grep ^Seccomp: /proc/self/status"
    cid = made.run("docker create --pull=never --tmpfs /t --tmpfs /u:exec,suid,dev --mount type=tmpfs,dst=/m "
                   "--add-host a:10.0.0.1 --add-host b:10.0.0.2 --add-host a:10.0.0.3 --entrypoint sh "
                   f"d2k-test/defaults:1 -c \"{script}\"")  # fmt: skip
    out = made.docker(f"docker start -a {cid}").splitlines()
    mounts = {line.split()[1]: set(line.split()[3].split(",")) for line in out if line.startswith("tmpfs ")}
    for target in ("/t", "/m"):
        assert {"noexec", "nosuid", "nodev"} <= mounts[target]
    assert not {"noexec", "nosuid", "nodev"} & mounts["/u"]
    assert [line for line in out if line.endswith(("\ta", "\tb"))] == ["10.0.0.1\ta", "10.0.0.2\tb", "10.0.0.3\ta"]
    assert "Seccomp:\t2" in out
    cid = made.run("docker create --pull=never --security-opt seccomp=unconfined --entrypoint sh d2k-test/defaults:1 "
                   "-c 'grep ^Seccomp: /proc/self/status'")  # fmt: skip
    assert made.docker(f"docker start -a {cid}") == "Seccomp:\t0"


@pytest.mark.engine
def test_docker_never_restarts_an_unhealthy_container(made: Any) -> None:
    """Even with --restart always, an unhealthy container keeps running, never restarted (Docker outside Swarm)."""
    cid = made.run("docker run -d --pull=never --restart always --health-cmd false --health-interval 1s "
                   "--health-retries 1 --entrypoint sh d2k-test/defaults:1 -c 'sleep 300'")  # fmt: skip
    state: dict[str, Any] = {}
    for _ in range(120):  # until the engine has marked it (no assertion on how long that takes)
        state = json.loads(made.docker(f"docker inspect {cid}"))[0]
        if state["State"].get("Health", {}).get("Status") == "unhealthy":
            break
        time.sleep(0.5)
    assert state["State"]["Health"]["Status"] == "unhealthy"
    assert state["State"]["Running"] and state["RestartCount"] == 0


# ---- item 6: user and group names (from-running) --------------------------------------------------

PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1235:app:/home/app:/bin/sh\napp:x:9:9:shadowed::\n"
GROUP = "root:x:0:\naudio:x:63:app\napp:x:1235:\nstaff:x:50:\n"


@pytest.mark.parametrize(
    ("user", "groups", "resolved", "gids"),
    [
        ("app", ["audio"], "1234:1235", ["63"]),
        ("app:staff", [], "1234:50", []),
        ("1234:audio", ["5"], "1234:63", ["5"]),
        ("nobody", ["nogroup"], None, [None]),
    ],
)
def test_accounts_resolve_names_as_docker_does(user: str, groups: list[str], resolved: Any, gids: list[Any]) -> None:
    from d2k.parsers import accounts

    files = {accounts.PASSWD: PASSWD, accounts.GROUP: GROUP}
    assert accounts.resolve_user(user, files) == resolved
    assert [accounts.resolve_group(g, files) for g in groups] == gids
    assert accounts.needed("1000:1000", ["5"]) == () and accounts.needed("root", []) == ()


@pytest.mark.engine
def test_from_running_resolves_user_and_group_names_as_the_engine_did(made: Any, tmp_path: Path) -> None:
    """Docker resolves `-u app --group-add audio` against the container's /etc/passwd and /etc/group when it
    starts it (here: `id` inside the container); from-running reads those files through the archive endpoint,
    one call a file and only for a container that names a user or group, and finds the same numbers."""
    from d2k.parsers.engine import read_engine

    p = made.prefix
    (tmp_path / "passwd").write_text(PASSWD)
    (tmp_path / "group").write_text(GROUP)
    named = made.run(f"docker create --pull=never --name {p}-named --label d2k.test={p} -u app --group-add audio "
                     "--entrypoint sh d2k-test/defaults:1 -c 'id -u; id -g; id -G'")  # fmt: skip
    made.run(f"docker create --pull=never --name {p}-plain --label d2k.test={p} -u 7:7 d2k-test/defaults:1")
    for name in ("passwd", "group"):
        made.docker(f"docker cp {tmp_path / name} {named}:/etc/{name}")
    uid, gid, groups = made.docker(f"docker start -a {named}").splitlines()
    result = read_engine(all=True, filters={"label": [f"d2k.test={p}"]})
    by_name = {c.name: c for c in result.containers}
    assert by_name[f"{p}-named"].user == f"{uid}:{gid}" == "1234:1235"
    assert set(by_name[f"{p}-named"].group_add) <= set(groups.split()) and by_name[f"{p}-named"].group_add == ["63"]
    assert by_name[f"{p}-plain"].user == "7:7"
    assert result.api_calls == 1 + 1 + 2 + 1 + 2  # version, list, 2 containers, 1 image, passwd + group of one
    converted = convert_graph_of(result)
    assert container(converted, f"{p}-named")["securityContext"] == {"runAsUser": 1234, "runAsGroup": 1235}
    assert workload(converted, f"{p}-named")["spec"]["securityContext"]["supplementalGroups"] == [63]


def convert_graph_of(result: Any) -> Any:
    from d2k.core import convert_graph
    from d2k.model import Graph
    from d2k.report import Report

    graph = Graph(containers={c.name: c for c in result.containers})
    return convert_graph(graph, report=Report(), options=Options())
