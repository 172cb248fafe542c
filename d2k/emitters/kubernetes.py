"""The service graph -> Kubernetes objects as plain dicts (no client library types).

Builders are named after the kind they build; each is a pure function of the graph.
What cannot be expressed is reported, in the user's Docker words, never dropped silently.
"""

from __future__ import annotations

import math
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from d2k.emitters.workloads import workload
from d2k.model import Container, Graph, Healthcheck, Mount, ServicePlan, WorkloadPlan
from d2k.names import dns1123_label, is_dns1123_label, is_label_key, is_label_value, port_name, unique
from d2k.report import Report, Severity
from d2k.secrets import is_credential, is_credential_name, is_credential_value
from d2k.validate import SELECTS_JOB

NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
KIND_ORDER = ("Namespace", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "Deployment", "Job", "Pod")
_PULL_POLICY = {"always": "Always", "missing": "IfNotPresent", "never": "Never"}
_PROPAGATION = {"rshared": "Bidirectional", "shared": "Bidirectional", "rslave": "HostToContainer",
                "slave": "HostToContainer"}  # fmt: skip
Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EmitOptions:
    namespace: str = ""
    part_of: str = ""
    storage_size: str = "1Gi"
    k8s_version: str = "1.34"


@dataclass(slots=True)
class _Pod:
    """What one workload's pod spec collects from its containers."""

    volumes: dict[str, Obj] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


def emit(graph: Graph, report: Report, options: EmitOptions) -> list[Obj]:
    """All objects for the graph, sorted by kind then name: the order `kubectl apply` is happy with."""
    objects: list[Obj] = []
    claims = _Claims()
    shared = _alias_labels(graph)
    for root, members in _pods(graph).items():
        objects.extend(_workload_objects(graph, root, members, report, options, claims, shared.get(root, {})))
    objects.extend(claims.by_volume.values())
    objects.extend(service(plan, graph, options) for plan in graph.services)
    if options.namespace:
        objects.append(namespace(options))
    return sorted(objects, key=lambda o: (KIND_ORDER.index(o["kind"]), o["metadata"]["name"]))


def _pods(graph: Graph) -> dict[str, list[Container]]:
    pods: dict[str, list[Container]] = {}
    for name, root in graph.pods.items():
        pods.setdefault(root, []).append(graph.containers[name])
    return pods


def alias_label(service: str) -> str:
    """The label of every Pod a shared --network-alias Service selects (the Service name is a DNS label)."""
    return f"alias.d2k.io/{service}"


def _alias_labels(graph: Graph) -> dict[str, dict[str, str]]:
    """Pod -> the labels of the shared-alias Services that select it."""
    labels: dict[str, dict[str, str]] = {}
    for plan in graph.services:
        if plan.also:
            for member in (plan.container, *plan.also):
                labels.setdefault(graph.pods[member], {})[alias_label(plan.name)] = "true"
    return labels


def _metadata(name: str, options: EmitOptions, labels: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if options.namespace:
        meta["namespace"] = options.namespace
    meta["labels"] = {**(labels or {}), **_common_labels(options)}
    return meta


def _common_labels(options: EmitOptions) -> dict[str, str]:
    labels = {MANAGED_BY_LABEL: "d2k"}
    if options.part_of:
        labels[PART_OF_LABEL] = options.part_of
    return labels


def namespace(options: EmitOptions) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": options.namespace, "labels": _common_labels(options)}}  # fmt: skip


def _workload_objects(
    graph: Graph, root: str, members: list[Container], report: Report, options: EmitOptions, claims: _Claims,
    shared: dict[str, str],
) -> list[Obj]:
    name = graph.workload_names[root]
    pod = _Pod()
    out: list[Obj] = []
    containers = []
    taken: set[str] = set()
    for c in members:
        cname = unique(dns1123_label(c.name), taken)
        taken.add(cname)
        env, env_objects = _env(c, name if len(members) == 1 else f"{name}-{cname}", options, report)
        out.extend(env_objects)
        containers.append(container(c, cname, env, pod, graph, report, options, claims))
    spec = pod_spec(members, containers, pod, graph, report, options)
    labels, annotations = _user_labels(members[0], report)
    annotations.update(pod.annotations)
    labels[NAME_LABEL] = name
    labels.update(shared)
    plan = graph.workloads.get(root) or WorkloadPlan("Deployment", "Always")
    template_meta: Obj = {"labels": {**labels, **_common_labels(options)}}
    if annotations:
        template_meta["annotations"] = annotations
    selector = {"matchLabels": {NAME_LABEL: name}}
    out.append(workload(plan, _metadata(name, options, labels), template_meta, spec, members[0].replicas, selector))
    return out


def _user_labels(c: Container, report: Report) -> tuple[dict[str, str], dict[str, str]]:
    labels: dict[str, str] = {}
    annotations: dict[str, str] = dict(sorted(c.annotations.items()))
    for key, value in sorted(c.labels.items()):
        if is_credential_name(key.rpartition("/")[2]) or is_credential_value(value):
            report.add("label-credential", Severity.NOT_CARRIED,
                       f"label {key} looks like a credential: not carried (labels are readable by anyone who can "
                       "list Pods); put it in a Secret", c.origin, c.name)
        elif key.startswith("app.kubernetes.io/"):
            annotations[key] = value
            report.add("label-annotation", Severity.APPROXIMATED,
                       f"label {key} is d2k's to set on workloads: kept as an annotation", c.origin, c.name)
        elif is_label_key(key) and is_label_value(value):
            labels[key] = value
        else:
            annotations[key] = value
            report.add("label-annotation", Severity.APPROXIMATED,
                       f"label {key} is not a valid Kubernetes label: kept as an annotation", c.origin, c.name)
    return labels, annotations


def pod_spec(
    members: list[Container], containers: list[Obj], pod: _Pod, graph: Graph, report: Report, options: EmitOptions
) -> Obj:
    main = members[0]
    spec: Obj = {"containers": containers}
    if main.hostname:
        if is_dns1123_label(main.hostname):
            spec["hostname"] = main.hostname
        else:
            spec["hostname"] = dns1123_label(main.hostname)
            report.add("hostname", Severity.APPROXIMATED,
                       f"hostname {main.hostname} is not a DNS-1123 label: {spec['hostname']}", main.origin, main.name)
    if main.network_mode == "host":
        spec["hostNetwork"] = True
        spec["dnsPolicy"] = "ClusterFirstWithHostNet"
    if any(c.pid_mode == "host" for c in members):
        spec["hostPID"] = True
    if any(c.ipc_mode == "host" for c in members):
        spec["hostIPC"] = True
    if any(c.pid_mode.startswith("container:") for c in members):
        spec["shareProcessNamespace"] = True
    aliases = _host_aliases(members)
    if aliases:
        spec["hostAliases"] = aliases
    dns = _dns_config(members, report)
    if dns:
        spec["dnsConfig"] = dns
    security = _pod_security(members, report)
    if security:
        spec["securityContext"] = security
    grace = max((c.stop_timeout for c in members if c.stop_timeout is not None), default=None)
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    selector = _node_selector(main)
    if selector:
        spec["nodeSelector"] = selector
    if main.runtime and main.runtime != "runc":
        spec["runtimeClassName"] = dns1123_label(main.runtime)
    if pod.volumes:
        spec["volumes"] = [pod.volumes[k] for k in sorted(pod.volumes)]
    return spec


def _host_aliases(members: list[Container]) -> list[Obj]:
    by_ip: dict[str, list[str]] = {}
    for c in members:
        for host, ip in c.add_hosts:
            ip = ip.strip("[]")
            if host not in by_ip.setdefault(ip, []):
                by_ip[ip].append(host)
    return [{"ip": ip, "hostnames": hosts} for ip, hosts in sorted(by_ip.items())]


def _dns_config(members: list[Container], report: Report) -> Obj:
    dns: Obj = {}
    servers = _merged(c.dns for c in members)
    if len(servers) > 3:
        report.add("dns-servers", Severity.NOT_CARRIED,
                   f"a Pod takes 3 DNS servers: {', '.join(servers[3:])} left out", members[0].origin, members[0].name)
    searches = _merged(c.dns_search for c in members)
    options = _merged(c.dns_options for c in members)
    if servers:
        dns["nameservers"] = servers[:3]
    if searches:
        dns["searches"] = searches
    if options:
        dns["options"] = [_dns_option(o) for o in options]
    return dns


def _merged(lists: Any) -> list[str]:
    out: list[str] = []
    for items in lists:
        out.extend(i for i in items if i not in out)
    return out


def _dns_option(option: str) -> Obj:
    name, sep, value = option.partition(":")
    return {"name": name, "value": value} if sep else {"name": name}


def _pod_security(members: list[Container], report: Report) -> Obj:
    security: Obj = {}
    groups = sorted({int(g) for c in members for g in c.group_add if g.isdigit()})
    if groups:
        security["supplementalGroups"] = groups
    sysctls = {k: v for c in members for k, v in c.sysctls.items()}
    if sysctls:
        security["sysctls"] = [{"name": k, "value": v} for k, v in sorted(sysctls.items())]
    return security


def _node_selector(c: Container) -> dict[str, str]:
    if not c.platform:
        return {}
    parts = c.platform.split("/")
    selector = {"kubernetes.io/os": parts[0]}
    if len(parts) > 1:
        selector["kubernetes.io/arch"] = parts[1]
    return selector


def container(
    c: Container, cname: str, env: tuple[list[Obj], list[Obj]], pod: _Pod, graph: Graph, report: Report,
    options: EmitOptions, claims: _Claims,
) -> Obj:
    spec: Obj = {"name": cname, "image": c.image}
    if c.pull:
        spec["imagePullPolicy"] = _PULL_POLICY[c.pull]
    if c.entrypoint is not None:
        spec["command"] = list(c.entrypoint)
    if c.command:
        spec["args"] = list(c.command)
    if c.workdir:
        spec["workingDir"] = c.workdir
    inline, env_from = env
    if inline:
        spec["env"] = inline
    if env_from:
        spec["envFrom"] = env_from
    ports = _container_ports(c, graph)
    if ports:
        spec["ports"] = ports
    resources = _resources(c, report)
    if resources:
        spec["resources"] = resources
    spec.update(_probes(c, report))
    security = _security_context(c, report, options)
    apparmor = security.pop("appArmorProfile", None)
    if apparmor and _version(options.k8s_version) < (1, 30):
        # before 1.30 AppArmor was set by annotation; the field did not exist
        value = "unconfined" if apparmor["type"] == "Unconfined" else "localhost/" + apparmor["localhostProfile"]
        pod.annotations[f"container.apparmor.security.beta.kubernetes.io/{cname}"] = value
    elif apparmor:
        security["appArmorProfile"] = apparmor
    if security:
        spec["securityContext"] = security
    if c.tty:
        spec["tty"] = True
    if c.stdin_open:
        spec["stdin"] = True
    mounts = _volume_mounts(c, cname, pod, graph, report, options, claims)
    if mounts:
        spec["volumeMounts"] = mounts
    return spec


def _container_ports(c: Container, graph: Graph) -> list[Obj]:
    """Every port the container listens on: -p, --expose, the image's EXPOSE (catalog or engine), --port."""
    seen: dict[tuple[int, str], Obj] = {}
    # with hostNetwork the ports are the node's: still listed, as Docker keeps them in ExposedPorts
    for p in [*c.ports, *graph.service_ports.get(c.name, [])]:
        key = (p.container_port, p.protocol)
        if key not in seen:
            entry: Obj = {"name": port_name(p.container_port, p.protocol), "containerPort": p.container_port}
            if p.protocol != "tcp":
                entry["protocol"] = p.protocol.upper()
            seen[key] = entry
    return [seen[k] for k in sorted(seen)]


def _env(c: Container, owner: str, options: EmitOptions, report: Report) -> tuple[tuple[list[Obj], list[Obj]], list[Obj]]:
    """Plain -e values inline; credentials in a Secret; --env-file entries in a ConfigMap (envFrom).

    A name Kubernetes refuses for the target release is reported and left out; a key a Secret or
    ConfigMap cannot hold is stored under a safe key (credentials) or set inline (env-file entries).
    """
    inline: list[Obj] = []
    secret: dict[str, str] = {}
    from_file: dict[str, str] = {}
    secret_name, config_name = f"{owner}-secret", f"{owner}-env"
    for var in sorted(c.env.values(), key=lambda e: e.name):
        value = var.value if var.value is not None else ""
        if not _env_name_ok(var.name, options.k8s_version):
            report.add("env-name", Severity.NOT_CARRIED,
                       f"env {var.name!r} is not a valid variable name for Kubernetes {options.k8s_version}: "
                       "not carried", var.origin, c.name)  # fmt: skip
        elif is_credential(var.name, var.value):
            key = unique(_KEY_CHARS.sub("_", var.name), set(secret), 253)
            secret[key] = value
            inline.append({"name": var.name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}})
            if var.value is None:
                report.add("secret-empty", Severity.APPROXIMATED,
                           f"{var.name} had no value on the command line: fill it in Secret {secret_name}",
                           var.origin, c.name)
        elif var.env_file and _KEY.match(var.name):
            from_file[var.name] = value
        else:
            inline.append({"name": var.name, "value": value})
    objects: list[Obj] = []
    env_from: list[Obj] = []
    if from_file or c.env_files:
        objects.append(config_map(config_name, from_file, c, options))
        env_from.append({"configMapRef": {"name": config_name}})
    if secret:
        objects.append(secret_object(secret_name, secret, options))
    return (inline, env_from), objects


_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")  # ConfigMap and Secret keys
_KEY_CHARS = re.compile(r"[^-._a-zA-Z0-9]")
_ENV_NAME_OLD = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")  # before 1.32 (KEP-4369 relaxed it)
_ENV_NAME = re.compile(r"^[\x21-\x3c\x3e-\x7e][\x20-\x3c\x3e-\x7e]*$")  # printable ASCII but `=`


def _env_name_ok(name: str, k8s_version: str) -> bool:
    pattern = _ENV_NAME if _version(k8s_version) >= (1, 32) else _ENV_NAME_OLD
    return bool(pattern.match(name))


def config_map(name: str, data: dict[str, str], c: Container, options: EmitOptions) -> Obj:
    meta = _metadata(name, options)
    files = [os.path.basename(f) for f in c.env_files if not is_credential_value(f)]
    if files:
        meta["annotations"] = {"d2k.io/env-files": ",".join(files)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": dict(sorted(data.items()))}


def secret_object(name: str, data: dict[str, str], options: EmitOptions) -> Obj:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": _metadata(name, options), "type": "Opaque",
            "stringData": dict(sorted(data.items()))}  # fmt: skip


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor.split(".")[0] or 0)


def _quantity_cpu(cores: float) -> str:
    milli = max(1, math.ceil(round(cores * 1000, 6)))
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def _quantity_bytes(n: int) -> str:
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def _resources(c: Container, report: Report) -> Obj:
    limits: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    if c.nano_cpus:
        limits["cpu"] = _quantity_cpu(c.nano_cpus / 1e9)
    elif c.cpu_quota and c.cpu_quota > 0:
        limits["cpu"] = _quantity_cpu(c.cpu_quota / (c.cpu_period or 100_000))
    if c.cpu_shares:
        requests["cpu"] = _quantity_cpu(c.cpu_shares / 1024)
    if c.memory:
        limits["memory"] = _quantity_bytes(c.memory)
    if c.memory_reservation:
        requests["memory"] = _quantity_bytes(c.memory_reservation)
    if c.gpus:
        limits["nvidia.com/gpu"] = _gpu_count(c.gpus)
    for key in ("cpu", "memory"):
        if key in requests and key in limits and _compare(requests[key], limits[key]) > 0:
            report.add("request-over-limit", Severity.APPROXIMATED,
                       f"{key} request {requests[key]} exceeds the limit {limits[key]}: the request is the limit",
                       c.origin, c.name)
            requests[key] = limits[key]
    out: Obj = {}
    if limits:
        out["limits"] = limits
    if requests:
        out["requests"] = requests
    return out


def _compare(a: str, b: str) -> int:
    from d2k.quantity import parse_quantity

    x, y = parse_quantity(a), parse_quantity(b)
    return (x > y) - (x < y)


def _gpu_count(spec: str) -> int:
    from d2k.parsers.values import parse_gpus

    request = parse_gpus(spec)
    devices = request.get("device_ids") or []
    count = request.get("count")
    if devices:
        return len(devices)
    return count if isinstance(count, int) and count > 0 else 1


def _probes(c: Container, report: Report) -> Obj:
    """Docker's healthcheck as liveness and readiness probes (and a startupProbe for the start period)."""
    check = c.healthcheck
    if c.no_healthcheck or check is None or not check.test or check.test[0] == "NONE":
        return {}

    def probe(period: int, failures: int) -> Obj:
        return {"exec": {"command": _probe_command(check)}, "periodSeconds": period,
                "timeoutSeconds": _seconds(check.timeout, 30), "failureThreshold": failures}  # fmt: skip

    period, failures = _seconds(check.interval, 30), max(1, check.retries or 3)
    probes: Obj = {"livenessProbe": probe(period, failures), "readinessProbe": probe(period, failures)}
    if check.start_period:
        start_period = _seconds(check.start_interval, 5)
        probes["startupProbe"] = probe(start_period, max(1, math.ceil(check.start_period / start_period)))
    elif check.start_interval:
        report.add("health-start-interval", Severity.NOT_CARRIED,
                   "--health-start-interval without --health-start-period: no start period to probe in",
                   c.origin, c.name)
    return probes


def _probe_command(check: Healthcheck) -> list[str]:
    kind, *rest = check.test
    if kind == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(rest)]
    return list(rest)


def _seconds(value: float | None, default: int) -> int:
    if value is None or value == 0:
        return default
    return max(1, math.ceil(value))


def _security_context(c: Container, report: Report, options: EmitOptions) -> Obj:
    sec: Obj = {}
    user, _, group = c.user.partition(":")
    if user.isdigit() or user == "root":
        sec["runAsUser"] = 0 if user == "root" else int(user)
    if group.isdigit():
        sec["runAsGroup"] = int(group)
    if c.privileged:
        sec["privileged"] = True
    caps: Obj = {}
    if c.cap_add:
        caps["add"] = list(dict.fromkeys(c.cap_add))
    if c.cap_drop:
        caps["drop"] = list(dict.fromkeys(c.cap_drop))
    if caps:
        sec["capabilities"] = caps
    if c.read_only:
        sec["readOnlyRootFilesystem"] = True
    for opt in c.security_opts:
        key, _, value = opt.partition("=")
        if key == "no-new-privileges" and value.lower() not in ("false", "0", "f"):
            sec["allowPrivilegeEscalation"] = False
        elif key == "seccomp":
            sec["seccompProfile"] = (
                {"type": "Unconfined"} if value == "unconfined"
                else {"type": "RuntimeDefault"} if value == "builtin"
                else {"type": "Localhost", "localhostProfile": posixpath.basename(value)}
            )  # fmt: skip
        elif key == "apparmor":
            sec["appArmorProfile"] = (
                {"type": "Unconfined"} if value == "unconfined"
                else {"type": "Localhost", "localhostProfile": value}
            )  # fmt: skip
        elif key == "label":
            selinux = sec.setdefault("seLinuxOptions", {})
            part, _, val = value.partition(":")
            if part == "disable":
                selinux["type"] = "spc_t"
            elif part in ("user", "role", "type", "level"):
                selinux[part] = val
        elif key == "systempaths":
            sec["procMount"] = "Unmasked"
    return sec


def _volume_mounts(
    c: Container, cname: str, pod: _Pod, graph: Graph, report: Report, options: EmitOptions, claims: _Claims
) -> list[Obj]:
    mounts: list[Obj] = []
    sources = [(m, c) for m in c.mounts]
    for other, mode in c.volumes_from:
        donor = graph.containers[other]
        for m in donor.mounts:
            sources.append((_as_mode(m, mode), donor))
    if c.shm_size:
        sources.append((Mount("tmpfs", "/dev/shm", size_limit=c.shm_size), c))
    for m, owner in sources:
        volume = _volume(m, owner, cname, pod, report, options, claims)
        entry: Obj = {"name": volume, "mountPath": m.target}
        if m.read_only:
            entry["readOnly"] = True
        if m.subpath:
            entry["subPath"] = m.subpath
        propagation = _PROPAGATION.get(m.propagation)
        if propagation:
            entry["mountPropagation"] = propagation
        if any(e["mountPath"] == m.target for e in mounts):
            continue
        mounts.append(entry)
    return mounts


def _as_mode(m: Mount, mode: str) -> Mount:
    from dataclasses import replace

    return replace(m, read_only=m.read_only or mode == "ro")


def _volume(
    m: Mount, owner: Container, cname: str, pod: _Pod, report: Report, options: EmitOptions, claims: _Claims
) -> str:
    """The pod volume backing a mount (created on first use): PVC, emptyDir or hostPath."""
    if m.type == "volume" and m.source:
        claim = _claim(m.source, owner, claims, report, options)
        name = claim
        source: Obj = {"persistentVolumeClaim": {"claimName": claim}}
    elif m.type == "bind":
        name = "host-" + dns1123_label(m.source, "path")
        name = name[:63].rstrip("-")
        source = {"hostPath": {"path": m.source}}
    elif m.type == "tmpfs":
        name = "tmp-" + dns1123_label(m.target, "root")
        name = name[:63].rstrip("-")
        empty: Obj = {"medium": "Memory"}
        if m.size_limit:
            empty["sizeLimit"] = _quantity_bytes(m.size_limit)
        source = {"emptyDir": empty}
    else:
        name = (dns1123_label(owner.name) + "-" + dns1123_label(m.target, "root"))[:63].rstrip("-")
        source = {"emptyDir": {}}
    existing = pod.volumes.get(name)
    if existing is not None and {k: v for k, v in existing.items() if k != "name"} != source:
        name = unique(name, set(pod.volumes))
    pod.volumes.setdefault(name, {"name": name, **source})
    return name


@dataclass(slots=True)
class _Claims:
    """The PVCs so far: by Docker volume name, and the Kubernetes names taken (one look each, never a scan)."""

    by_volume: dict[str, Obj] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)


def _claim(volume: str, owner: Container, claims: _Claims, report: Report, options: EmitOptions) -> str:
    """The PVC of a Docker volume: one per volume, shared by every Pod that mounts it, names never merged."""
    existing = claims.by_volume.get(volume)
    if existing is not None:
        return str(existing["metadata"]["name"])
    wanted = dns1123_label(volume, "data")
    name = unique(wanted, claims.taken)
    if name != wanted:
        report.add("claim-renamed", Severity.APPROXIMATED,
                   f"volume {volume} becomes claim {name}: {wanted} is another volume's", owner.origin, owner.name)
    claims.taken.add(name)
    claims.by_volume[volume] = persistent_volume_claim(name, volume, options)
    return name


def persistent_volume_claim(name: str, volume: str, options: EmitOptions) -> Obj:
    meta = _metadata(name, options)
    if name != volume:
        meta["annotations"] = {"d2k.io/docker-volume": volume}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": options.storage_size}}}}


def service(plan: ServicePlan, graph: Graph, options: EmitOptions) -> Obj:
    """The Service of one plan; one that selects a Job's Pods says so (they finish and are not replaced)."""
    workload = graph.workload_names[graph.pods[plan.container]]
    ports: list[Obj] = []
    used: set[str] = set()
    for p in plan.ports:
        name = port_name(p.target_port, p.protocol)
        if name in used:
            name = port_name(p.port, p.protocol)
        name = unique(name, used, 15)
        used.add(name)
        entry: Obj = {"name": name, "port": p.port, "targetPort": p.target_port}
        if p.protocol != "tcp":
            entry["protocol"] = p.protocol.upper()
        if p.node_port:
            entry["nodePort"] = p.node_port
        ports.append(entry)
    selector = {alias_label(plan.name): "true"} if plan.also else {NAME_LABEL: workload}
    spec: Obj = {"type": plan.type, "selector": selector, "ports": ports}
    meta = _metadata(plan.name, options)
    chosen = graph.workloads.get(graph.pods[plan.container])
    if chosen is not None and chosen.kind == "Job":
        meta["annotations"] = {SELECTS_JOB: "true"}  # meant to: validation refuses it otherwise
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
