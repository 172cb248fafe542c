"""One case per `docker run` flag name: a one-line command in, the Kubernetes field (or the fate) out.

Every name of every row of d2k.parsers.flags.FLAGS (long names, hidden aliases, short forms) has its
own case in CASES, and a test fails when a row has a name without one. Each case is the flag's typical
use, so its fate is the fate the flag table declares (and the flags reference prints). VARIANTS add
the values whose fate differs from the row's (host-gateway, `--gpus all`, a bind mount, ...).

Paths into the output are words separated by spaces: `ctr` is the container under test (the last
`docker run` of the case), `pod` its pod spec, `meta` its pod's metadata, `Kind/name` any object;
a number indexes a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, Result, convert_text
from d2k.docs import flags_reference
from d2k.model import Fate, FlagUse
from d2k.names import dns1123_label
from d2k.parsers.flags import FLAGS, TABLE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "docker-run-reference.md"
FLAGS_DOC = Path(__file__).resolve().parents[1] / "docs" / "flags.md"
MISSING = object()  # what a path resolves to when the field is not there

M, A, N, IR = Fate.MAPPED, Fate.APPROXIMATED, Fate.NOT_CARRIED, Fate.IRRELEVANT


@dataclass(frozen=True)
class Case:
    line: str  # the words after `docker run`, image included (shell text)
    fate: Fate  # the fate of the flag's first use on that line
    expect: dict[str, Any] = field(default_factory=dict)  # path -> value in the emitted objects
    note: str = ""  # a substring of the FlagUse note
    before: str = ""  # lines the case needs first (the container a --link names, a network, ...)
    workload: str = "deployment"


CASES: dict[str, Case] = {
    "--add-host": Case("--add-host db:10.0.0.1 alpine", M, {"pod hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}]}),
    "--annotation": Case("--annotation com.example/team=web alpine", A, {"meta annotations": {"com.example/team": "web"}},
                         note="annotation"),
    "--attach": Case("--attach stdout alpine", IR, {"ctr stdin": MISSING}, note="client"),
    "-a": Case("-a stderr alpine", IR, note="client"),
    "--blkio-weight": Case("--blkio-weight 300 alpine", N, note="block I/O"),
    "--blkio-weight-device": Case("--blkio-weight-device /dev/sda:200 alpine", N, note="block I/O"),
    "--cap-add": Case("--cap-add net_admin alpine", M, {"ctr securityContext capabilities add": ["NET_ADMIN"]}),
    "--cap-drop": Case("--cap-drop CAP_CHOWN alpine", M, {"ctr securityContext capabilities drop": ["CHOWN"]}),
    "--cgroup-parent": Case("--cgroup-parent /docker alpine", N, note="kubelet"),
    "--cgroupns": Case("--cgroupns host alpine", N, note="cgroup namespace"),
    "--cidfile": Case("--cidfile /tmp/app.cid alpine", IR, note="client"),
    "--cpu-count": Case("--cpu-count 2 alpine", N, note="Windows"),
    "--cpu-percent": Case("--cpu-percent 50 alpine", N, note="Windows"),
    "--cpu-period": Case("--cpu-period 50000 --cpu-quota 25000 alpine", M, {"ctr resources limits cpu": "500m"}),
    "--cpu-quota": Case("--cpu-quota 150000 alpine", M, {"ctr resources limits cpu": "1500m"}),
    "--cpu-rt-period": Case("--cpu-rt-period 1000000 alpine", N, note="real-time"),
    "--cpu-rt-runtime": Case("--cpu-rt-runtime 950000 alpine", N, note="real-time"),
    "--cpu-shares": Case("--cpu-shares 512 alpine", A, {"ctr resources requests cpu": "500m"}, note="shares/1024"),
    "-c": Case("-c 2048 alpine", A, {"ctr resources requests cpu": "2"}, note="shares/1024"),
    "--cpus": Case("--cpus 1.5 alpine", M, {"ctr resources limits cpu": "1500m"}),
    "--cpuset-cpus": Case("--cpuset-cpus 0-3 alpine", N, note="CPU manager"),
    "--cpuset-mems": Case("--cpuset-mems 0 alpine", N, note="NUMA"),
    "--detach": Case("--detach alpine", IR, note="detached"),
    "-d": Case("-d alpine", IR, note="detached"),
    "--detach-keys": Case("--detach-keys ctrl-x,x alpine", IR, note="key sequence"),
    "--device": Case("--device /dev/fuse alpine", N, note="device plugin"),
    "--device-cgroup-rule": Case("--device-cgroup-rule 'c 42:* rmw' alpine", N, note="device plugin"),
    "--device-read-bps": Case("--device-read-bps /dev/sda:1mb alpine", N, note="block I/O"),
    "--device-read-iops": Case("--device-read-iops /dev/sda:100 alpine", N, note="block I/O"),
    "--device-write-bps": Case("--device-write-bps /dev/sda:1mb alpine", N, note="block I/O"),
    "--device-write-iops": Case("--device-write-iops /dev/sda:100 alpine", N, note="block I/O"),
    "--disable-content-trust": Case("--disable-content-trust alpine", IR, note="image verification"),
    "--dns": Case("--dns 8.8.8.8 alpine", M, {"pod dnsConfig nameservers": ["8.8.8.8"]}, note="ClusterFirst"),
    "--dns-opt": Case("--dns-opt ndots:2 alpine", M, {"pod dnsConfig options": [{"name": "ndots", "value": "2"}]}),
    "--dns-option": Case("--dns-option edns0 alpine", M, {"pod dnsConfig options": [{"name": "edns0"}]}),
    "--dns-search": Case("--dns-search example.com alpine", M, {"pod dnsConfig searches": ["example.com"]}),
    "--domainname": Case("--domainname example.com alpine", N, note="NIS"),
    "--entrypoint": Case("--entrypoint /bin/sh alpine -c 'echo hi'", M,
                         {"ctr command": ["/bin/sh"], "ctr args": ["-c", "echo hi"]}),
    "--env": Case("--env LOG_LEVEL=debug alpine", M, {"ctr env": [{"name": "LOG_LEVEL", "value": "debug"}]}),
    "-e": Case("-e WORKERS=4 alpine", M, {"ctr env": [{"name": "WORKERS", "value": "4"}]}),
    "--env-file": Case("--env-file app.env alpine", M,
                       {"ConfigMap/alpine-env data": {"LOG_LEVEL": "debug", "WORKERS": "4"},
                        "ctr envFrom": [{"configMapRef": {"name": "alpine-env"}}]}),
    "--expose": Case("--expose 8080 alpine", M, {"ctr ports 0 containerPort": 8080}),
    "--gpus": Case("--gpus 2 alpine", M, {"ctr resources limits nvidia.com/gpu": 2}),
    "--group-add": Case("--group-add 1000 alpine", M, {"pod securityContext supplementalGroups": [1000]}),
    "--health-cmd": Case('--health-cmd "curl -f localhost" alpine', M,
                         {"ctr livenessProbe": MISSING,  # Docker never restarts for health
                          "ctr readinessProbe exec command": ["/bin/sh", "-c", "curl -f localhost"]}),
    "--health-interval": Case("--health-cmd true --health-interval 10s alpine", M,
                              {"ctr readinessProbe periodSeconds": 10}),
    "--health-retries": Case("--health-cmd true --health-retries 5 alpine", M,
                             {"ctr readinessProbe failureThreshold": 5}),
    "--health-start-interval": Case("--health-cmd true --health-start-period 30s --health-start-interval 2s alpine", M,
                                    {"ctr startupProbe": MISSING, "ctr readinessProbe periodSeconds": 30}),
    "--health-start-period": Case("--health-cmd true --health-start-period 30s alpine", M,
                                  {"ctr startupProbe": MISSING, "ctr readinessProbe periodSeconds": 30}),
    "--health-timeout": Case("--health-cmd true --health-timeout 3s alpine", M, {"ctr readinessProbe timeoutSeconds": 3}),
    "--help": Case("--help alpine", IR, before="docker run --name other busybox"),  # checked in its own test
    "--hostname": Case("--hostname web1 alpine", M, {"pod hostname": "web1"}),
    "-h": Case("-h web2 alpine", M, {"pod hostname": "web2"}),
    "--init": Case("--init alpine", N, note="tini"),
    "--interactive": Case("--interactive alpine", M, {"ctr stdin": True}),
    "-i": Case("-i alpine", M, {"ctr stdin": True}),
    "--io-maxbandwidth": Case("--io-maxbandwidth 10m alpine", N, note="Windows"),
    "--io-maxiops": Case("--io-maxiops 100 alpine", N, note="Windows"),
    "--ip": Case("--network backend --ip 172.18.0.5 alpine", N, before="docker network create backend", note="CNI"),
    "--ip6": Case("--network backend --ip6 2001:db8::5 alpine", N, before="docker network create backend", note="CNI"),
    "--ipc": Case("--ipc host alpine", M, {"pod hostIPC": True}),
    "--isolation": Case("--isolation hyperv alpine", N, note="Windows"),
    "--kernel-memory": Case("--kernel-memory 50m alpine", N, note="deprecated"),
    "--label": Case("--label tier=web alpine", M, {"meta labels tier": "web"}),
    "-l": Case("-l tier=db alpine", M, {"meta labels tier": "db"}),
    "--label-file": Case("--label-file labels.txt alpine", M, {"meta labels tier": "backend"}),
    "--link": Case("--link db:database alpine", M,
                   {"Service/database spec selector": {"app.kubernetes.io/name": "db"}},
                   before="docker run -d --name db postgres", note="alias"),
    "--link-local-ip": Case("--link-local-ip 169.254.1.1 alpine", N, note="CNI"),
    "--log-driver": Case("--log-driver syslog alpine", N, note="stdout"),
    "--log-opt": Case("--log-opt max-size=10m alpine", N, note="stdout"),
    "--mac-address": Case("--mac-address 92:d0:c6:0a:29:33 alpine", N, note="CNI"),
    "--memory": Case("--memory 1g alpine", M, {"ctr resources limits memory": "1Gi"}),
    "-m": Case("-m 512m alpine", M, {"ctr resources limits memory": "512Mi"}),
    "--memory-reservation": Case("--memory-reservation 300M alpine", M, {"ctr resources requests memory": "300Mi"}),
    "--memory-swap": Case("--memory-swap -1 alpine", N, note="swap"),
    "--memory-swappiness": Case("--memory-swappiness 10 alpine", N, note="swap"),
    "--mount": Case("--mount type=volume,src=data,dst=/data alpine", M,
                    {"ctr volumeMounts": [{"name": "data", "mountPath": "/data"}],
                     "pod volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                     "PersistentVolumeClaim/data spec accessModes": ["ReadWriteOnce"]}),
    "--name": Case("--name web_1 alpine", M, {"Deployment/web-1 spec template spec containers 0 name": "web-1"}),
    "--net": Case("--net host alpine", M, {"pod hostNetwork": True, "pod dnsPolicy": "ClusterFirstWithHostNet"}),
    "--net-alias": Case("--network backend --net-alias api --name web nginx", M,
                        {"Service/api spec selector": {"app.kubernetes.io/name": "web"},
                         "Service/api spec ports 0 targetPort": 80},
                        before="docker network create backend", note="Service"),
    "--network": Case("--network container:app alpine", M,
                      {"pod containers 0 image": "busybox", "pod containers 1 image": "alpine"},
                      before="docker run --name app busybox", note="the same Pod as app"),
    "--network-alias": Case("--network backend --network-alias cache --name kv redis", M,
                            {"Service/cache spec selector": {"app.kubernetes.io/name": "kv"},
                             "Service/cache spec ports 0 port": 6379},
                            before="docker network create backend", note="Service"),
    "--no-healthcheck": Case("--no-healthcheck alpine", M, {"ctr livenessProbe": MISSING, "ctr readinessProbe": MISSING}),
    "--oom-kill-disable": Case("--oom-kill-disable -m 1g alpine", N, note="OOM"),
    "--oom-score-adj": Case("--oom-score-adj 100 alpine", N, note="QoS"),
    "--pid": Case("--pid host alpine", M, {"pod hostPID": True}),
    "--pids-limit": Case("--pids-limit 100 alpine", N, note="podPidsLimit"),
    "--platform": Case("--platform linux/arm64 alpine", M,
                       {"pod nodeSelector": {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}}),
    "--privileged": Case("--privileged alpine", M, {"ctr securityContext privileged": True}),
    "--publish": Case("--publish 8080:80 alpine", M,
                      {"ctr ports 0 containerPort": 80, "Service/alpine spec type": "NodePort",
                       "Service/alpine spec ports 0 port": 8080, "Service/alpine spec ports 0 targetPort": 80}),
    "-p": Case("-p 30080:80/udp alpine", M,
               {"ctr ports 0 protocol": "UDP", "Service/alpine spec ports 0 nodePort": 30080,
                "Service/alpine spec ports 0 protocol": "UDP"}),
    "--publish-all": Case("--publish-all --expose 9000 alpine", A,
                          {"Service/alpine spec type": "NodePort", "Service/alpine spec ports 0 targetPort": 9000},
                          note="random host port"),
    "-P": Case("-P nginx", A, {"Service/nginx spec type": "NodePort", "Service/nginx spec ports 0 targetPort": 80},
               note="random host port"),
    "--pull": Case("--pull always alpine", M, {"ctr imagePullPolicy": "Always"}),
    "--quiet": Case("--quiet alpine", IR, note="client"),
    "-q": Case("-q alpine", IR, note="client"),
    "--read-only": Case("--read-only alpine", M, {"ctr securityContext readOnlyRootFilesystem": True}),
    "--restart": Case("--restart no alpine", M, {"Pod/alpine spec restartPolicy": "Never"}, workload="pod"),
    "--rm": Case("--rm alpine", M, {"Job/alpine spec backoffLimit": 0, "pod restartPolicy": "Never"}, note="a Job",
                 workload="auto"),
    "--runtime": Case("--runtime runsc alpine", A, {"pod runtimeClassName": "runsc"}, note="RuntimeClass"),
    "--security-opt": Case("--security-opt no-new-privileges alpine", M,
                           {"ctr securityContext allowPrivilegeEscalation": False}),
    "--shm-size": Case("--shm-size 256m alpine", A,
                       {"ctr volumeMounts 0 mountPath": "/dev/shm",
                        "pod volumes 0 emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}),
    "--sig-proxy": Case("--sig-proxy=false alpine", IR, note="signal forwarding"),
    "--stop-signal": Case("--stop-signal SIGINT alpine", N, note="SIGTERM"),
    "--stop-timeout": Case("--stop-timeout 30 alpine", M, {"pod terminationGracePeriodSeconds": 30}),
    "--storage-opt": Case("--storage-opt size=10G alpine", N, note="ephemeral-storage"),
    "--sysctl": Case("--sysctl net.ipv4.tcp_syncookies=1 alpine", M,
                     {"pod securityContext sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}),
    "--tmpfs": Case("--tmpfs /run:size=64m alpine", M,
                    {"ctr volumeMounts 0 mountPath": "/run",
                     "pod volumes 0 emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}),
    "--tty": Case("--tty alpine", M, {"ctr tty": True}),
    "-t": Case("-t alpine", M, {"ctr tty": True}),
    "--ulimit": Case("--ulimit nofile=1024:2048 alpine", N, note="ulimit"),
    "--use-api-socket": Case("--use-api-socket alpine", N, note="API socket"),
    "--user": Case("--user 1000:2000 alpine", M,
                   {"ctr securityContext runAsUser": 1000, "ctr securityContext runAsGroup": 2000}),
    "-u": Case("-u root alpine", M, {"ctr securityContext runAsUser": 0}),
    "--userns": Case("--userns host alpine", IR, {"pod hostUsers": MISSING}, note="hostUsers"),
    "--uts": Case("--uts host alpine", N, note="UTS"),
    "--volume": Case("--volume data:/data alpine", M,
                     {"ctr volumeMounts": [{"name": "data", "mountPath": "/data"}],
                      "PersistentVolumeClaim/data spec resources requests storage": "1Gi"}),
    "-v": Case("-v cache:/cache:ro alpine", M,
               {"ctr volumeMounts": [{"name": "cache", "mountPath": "/cache", "readOnly": True}]}),
    "--volume-driver": Case("--volume-driver local alpine", N, note="StorageClass"),
    "--volumes-from": Case("--volumes-from store:ro --name reader alpine", A,
                           {"ctr volumeMounts": [{"name": "shared", "mountPath": "/shared", "readOnly": True}]},
                           before="docker run --name store -v shared:/shared busybox", note="ReadWriteMany"),
    "--workdir": Case("--workdir /app alpine", M, {"ctr workingDir": "/app"}),
    "-w": Case("-w /srv alpine", M, {"ctr workingDir": "/srv"}),
}  # fmt: skip

# Values whose fate differs from the row's: (flag name, line, fate, note substring, expectations).
VARIANTS: list[tuple[str, str, Fate, str, dict[str, Any]]] = [
    ("--add-host", "--add-host gw:host-gateway alpine", N, "host-gateway", {"pod hostAliases": MISSING}),
    ("--cpu-period", "--cpu-period 50000 alpine", IR, "without --cpu-quota", {"ctr resources": MISSING}),
    ("--dns", "--dns 1.1.1.1 --dns 1.0.0.1 --dns 8.8.8.8 --dns 8.8.4.4 alpine", M, "ClusterFirst",
     {"pod dnsConfig nameservers": ["1.1.1.1", "1.0.0.1", "8.8.8.8"]}),
    ("--entrypoint", "--entrypoint '' alpine sh", M, "reset", {"ctr command": ["sh"], "ctr args": MISSING}),
    # Docker leaves a bare KEY out when the CLI's environment lacks it (tests/test_differential.py shows it)
    ("-e", "-e HOME_DIR alpine", N, "left out", {"ctr env": MISSING}),
    ("--env-file", "--env-file nowhere.env alpine", A, "kubectl create configmap",
     {"ConfigMap/alpine-env data": {}}),
    ("--gpus", "--gpus all alpine", A, "nvidia.com/gpu", {"ctr resources limits nvidia.com/gpu": 1}),
    ("--gpus", "--gpus '\"device=0,2\"' alpine", A, "device", {"ctr resources limits nvidia.com/gpu": 2}),
    ("--group-add", "--group-add audio alpine", N, "numeric", {"pod securityContext supplementalGroups": MISSING}),
    ("--health-interval", "--health-interval 10s alpine", N, "--health-cmd", {"ctr readinessProbe": MISSING}),
    ("--init", "--init=false alpine", IR, "default", {}),
    ("--ipc", "--ipc private alpine", IR, "own namespace", {"pod hostIPC": MISSING}),
    ("--label-file", "--label-file nowhere.txt alpine", N, "not here", {}),
    ("--network", "--network none alpine", N, "NetworkPolicy", {"pod hostNetwork": MISSING}),
    ("--network", "--network bridge alpine", IR, "default bridge", {}),
    ("--oom-kill-disable", "--oom-kill-disable=false alpine", IR, "default", {}),
    ("--platform", "--platform linux/arm/v7 alpine", A, "variant",
     {"pod nodeSelector": {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm"}}),
    ("--runtime", "--runtime runc alpine", IR, "default runtime", {"pod runtimeClassName": MISSING}),
    ("--security-opt", "--security-opt seccomp=/etc/profiles/strict.json alpine", A, "Localhost",
     {"ctr securityContext seccompProfile": {"type": "Localhost", "localhostProfile": "strict.json"}}),
    ("--stop-signal", "--stop-signal SIGTERM alpine", IR, "SIGTERM", {}),
    ("--sysctl", "--sysctl net.core.somaxconn=1024 alpine", A, "unsafe",
     {"pod securityContext sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]}),
    ("--user", "--user nobody alpine", A, "numeric", {"ctr securityContext": MISSING}),
    ("--tmpfs", "--tmpfs /scratch:rw,noexec,nosuid,size=1m,mode=1777 alpine", A, "noexec, nosuid, mode=1777",
     {"pod volumes 0 emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}),
    ("--uts", "--uts= alpine", IR, "own UTS", {}),
    ("-v", "-v /srv/data:/data alpine", A, "hostPath",
     {"pod volumes": [{"name": "host-srv-data", "hostPath": {"path": "/srv/data"}}]}),
    ("-v", "-v /scratch alpine", M, "", {"pod volumes 0 emptyDir": {}}),
]


def convert(line: str, before: str = "", workload: str = "deployment") -> Result:
    text = (before + "\n" if before else "") + f"docker run {line}\n"
    return convert_text(text, "t.txt", options=Options(workload=workload), base_dir=str(FIXTURES / "flags"))


def resolve(result: Result, path: str) -> Any:
    """A space-separated path (see the module docstring) -> the value there, or MISSING."""
    root, *keys = path.split(" ")
    c = list(result.graph.containers.values())[-1]
    workload_name = result.graph.workload_names[c.name]
    workload = next(o for o in result.objects
                    if o["kind"] in ("Deployment", "Job", "Pod") and o["metadata"]["name"] == workload_name)  # fmt: skip
    template = workload if workload["kind"] == "Pod" else workload["spec"]["template"]
    node: Any
    if root == "pod":
        node = template["spec"]
    elif root == "meta":
        node = template["metadata"]
    elif root == "ctr":
        node = next(x for x in template["spec"]["containers"] if x["name"] == dns1123_label(c.name))
    else:
        kind, _, name = root.partition("/")
        found = [o for o in result.objects if o["kind"] == kind and o["metadata"]["name"] == name]
        assert found, f"no {root} among {[(o['kind'], o['metadata']['name']) for o in result.objects]}"
        node = found[0]
    for key in keys:
        if isinstance(node, list):
            node = node[int(key)] if int(key) < len(node) else MISSING
        elif isinstance(node, dict):
            node = node.get(key, MISSING)
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def uses_of(result: Result, long: str) -> list[FlagUse]:
    c = list(result.graph.containers.values())[-1]
    return [use for use in c.flags if use.flag == long]


def check(result: Result, long: str, fate: Fate, note: str, expect: dict[str, Any]) -> None:
    uses = uses_of(result, long)
    assert uses, f"no {long} among {[u.flag for u in list(result.graph.containers.values())[-1].flags]}"
    assert (uses[0].fate, note in uses[0].note) == (fate, True), (uses[0].fate, uses[0].note)
    for path, value in expect.items():
        assert resolve(result, path) == value, path


def _names() -> list[str]:
    return [name for flag in FLAGS for name in flag.names]


def _row(name: str) -> Any:
    return TABLE.long[name[2:]] if name.startswith("--") else TABLE.short[name[1:]]


@pytest.mark.parametrize("name", [n for n in CASES if n != "--help"])
def test_flag(name: str) -> None:
    case = CASES[name]
    result = convert(case.line, case.before, case.workload)
    check(result, _row(name).long, case.fate, case.note, case.expect)
    written = uses_of(result, _row(name).long)[0].text
    assert written.split(" ")[0].split("=")[0] == name, f"{written!r} is not the flag as written"


@pytest.mark.parametrize("name", [n for n in CASES if n != "--help"])
def test_typical_use_has_the_fate_the_table_declares(name: str) -> None:
    """The flags reference prints the row's fate: the typical use must have it."""
    assert CASES[name].fate is _row(name).fate


def test_help_skips_the_line() -> None:
    """`docker run --help IMAGE` prints usage and creates nothing: the line is skipped, with an info."""
    case = CASES["--help"]
    result = convert(case.line, case.before)
    assert list(result.graph.containers) == ["other"]
    assert [d.code for d in result.report.diagnostics if d.code == "skipped-help"] == ["skipped-help"]
    assert _row("--help").fate is case.fate


@pytest.mark.parametrize(("name", "line", "fate", "note", "expect"), VARIANTS,
                         ids=[f"{v[0]} {v[1]}" for v in VARIANTS])  # fmt: skip
def test_flag_variant(name: str, line: str, fate: Fate, note: str, expect: dict[str, Any]) -> None:
    check(convert(line), _row(name).long, fate, note, expect)


def test_every_name_of_every_row_has_a_case() -> None:
    names = _names()
    assert sorted(set(names) - set(CASES)) == [], "add a case to CASES for each new flag name"
    assert sorted(set(CASES) - set(names)) == [], "CASES names a flag the table does not have"
    assert len(names) == len(set(names)), "a name appears in two rows"


def test_table_names_are_the_reference_names() -> None:
    """The 107 long names (hidden aliases included) of the reference's flag table, no more, no fewer."""
    lines = (FIXTURES / "docker-run-flags.txt").read_text(encoding="utf-8").splitlines()
    reference = [n for n in lines if n and not n.startswith("#")]
    assert len(reference) == len(set(reference)) == 107
    assert sorted(n for n in _names() if n.startswith("--")) == sorted(reference)


def test_fixture_is_a_copy_of_the_reference() -> None:
    """The fixture stays a copy of section 1 of /work/shared/docker-run-reference.md (when it is here)."""
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not here: the fixture stands in for it")
    rows = re.findall(r"^\| \d+ \| `(--[a-z0-9-]+)`", REFERENCE.read_text(encoding="utf-8"), re.M)
    lines = (FIXTURES / "docker-run-flags.txt").read_text(encoding="utf-8").splitlines()
    assert [n for n in lines if n and not n.startswith("#")] == rows


def test_short_forms_are_the_reference_shorthands() -> None:
    """Section 2.1 rule 6: `-a -c -d -e -h -i -l -m -p -P -q -t -u -v -w`, each on the row the reference gives."""
    shorts = {flag.short: flag.long for flag in FLAGS if flag.short}
    assert shorts == {
        "-a": "--attach", "-c": "--cpu-shares", "-d": "--detach", "-e": "--env", "-h": "--hostname",
        "-i": "--interactive", "-l": "--label", "-m": "--memory", "-p": "--publish", "-P": "--publish-all",
        "-q": "--quiet", "-t": "--tty", "-u": "--user", "-v": "--volume", "-w": "--workdir",
    }  # fmt: skip
    assert all(len(flag.names) == len(set(flag.names)) for flag in FLAGS)


def test_bool_flags_are_the_reference_bools() -> None:
    """Section 2.1 rule 5: exactly these flags take no separate value word."""
    bools = {flag.long for flag in FLAGS if not flag.takes_value}
    assert bools == {
        "--detach", "--interactive", "--tty", "--publish-all", "--quiet", "--rm", "--init", "--privileged",
        "--read-only", "--no-healthcheck", "--oom-kill-disable", "--sig-proxy", "--disable-content-trust",
        "--use-api-socket", "--help",
    }  # fmt: skip


def test_run_only_flags_are_the_reference_ones() -> None:
    """Section 2.1 rule 1: `docker create` refuses -d/--detach, --sig-proxy and --detach-keys."""
    assert {flag.long for flag in FLAGS if flag.run_only} == {"--detach", "--sig-proxy", "--detach-keys"}


def test_hidden_aliases_share_the_row_of_their_flag() -> None:
    assert TABLE.long["dns-opt"] is TABLE.long["dns-option"]
    assert TABLE.long["net"] is TABLE.long["network"]
    assert TABLE.long["net-alias"] is TABLE.long["network-alias"]


def test_flags_doc_is_the_generated_reference() -> None:
    committed = FLAGS_DOC.read_text(encoding="utf-8") if FLAGS_DOC.exists() else ""
    assert committed == flags_reference(), "docs/flags.md is stale: regenerate it with `python -m d2k flags > docs/flags.md`"


def test_flags_reference_lists_every_row_with_its_fate() -> None:
    rows = [line for line in flags_reference().splitlines() if line.startswith("| `--")]
    assert len(rows) == len(FLAGS)
    for flag, row in zip(sorted(FLAGS, key=lambda f: f.long), rows, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[0].startswith(f"`{flag.long}`")
        assert cells[1] == (f"`{flag.short}`" if flag.short else "")
        assert cells[3] == flag.fate.value.replace("-", " ")


def test_a_fourth_nameserver_is_not_carried() -> None:
    result = convert("--dns 1.1.1.1 --dns 1.0.0.1 --dns 8.8.8.8 --dns 8.8.4.4 alpine")
    fates = [(use.text, use.fate) for use in uses_of(result, "--dns")]
    assert fates == [("--dns 1.1.1.1", M), ("--dns 1.0.0.1", M), ("--dns 8.8.8.8", M), ("--dns 8.8.4.4", N)]
