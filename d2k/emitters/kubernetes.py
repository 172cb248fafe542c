"""The service graph -> Kubernetes objects as plain dicts (no client library types).

Builders are named after the kind they build; each is a pure function of the graph.
What cannot be expressed is reported, in the user's Docker words, never dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from d2k.emitters.common import KEY as _KEY
from d2k.emitters.common import KEY_CHARS as _KEY_CHARS
from d2k.emitters.common import NAME_LABEL, Obj, data_key
from d2k.emitters.common import common_labels as _common_labels
from d2k.emitters.common import metadata as _metadata
from d2k.emitters.containers import (
    container_ports,
    grace_period,
    host_aliases,
    pod_security,
    probes,
    process,
    pull_policy,
    resources,
    security_context,
    tmpfs_notes,
    version,
)
from d2k.emitters.storage import (
    RWO,
    Claims,
    match_pull_policy,
    report_shared_claims,
    rollout_strategy,
    storage_plan,
    volume_mounts,
)
from d2k.emitters.workloads import workload
from d2k.infer import WAIT_IMAGE
from d2k.model import Container, DataFile, Graph, ServicePlan, WorkloadPlan
from d2k.names import dns1123_label, is_dns1123_label, is_label_key, is_label_value, port_name, unique
from d2k.patterns import lazy
from d2k.records import dataclass, field
from d2k.report import Report, Severity
from d2k.runtime import escape
from d2k.secrets import is_credential, is_credential_name, is_credential_value
from d2k.validate import SELECTS_JOB

KIND_ORDER = ("Namespace", "ConfigMap", "Secret", "PersistentVolume", "PersistentVolumeClaim", "Service", "Deployment",
              "Job", "Pod")


@dataclass(frozen=True, slots=True)
class EmitOptions:
    namespace: str = ""
    part_of: str = ""
    storage_size: str = "1Gi"
    k8s_version: str = "1.34"
    liveness_from_healthcheck: bool = False  # Docker never restarts for health: readiness only unless asked
    access_mode: str = RWO  # of the claims d2k makes (--access-mode)


Env = tuple[list[Obj], list[Obj], Obj]  # a container's env, envFrom, and command/args (_env)


@dataclass(slots=True)
class _Pod:
    """What one workload's pod spec collects from its containers."""

    volumes: dict[str, Obj] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    init_containers: list[Obj] = field(default_factory=list)


def emit(graph: Graph, report: Report, options: EmitOptions, settle: Callable[[Obj], Obj] | None = None) -> list[Obj]:
    """All objects for the graph, sorted by kind then name: the order `kubectl apply` is happy with.

    `settle` (a d2k.settle.Settler) is given each object once nothing here changes it any more, and what it
    returns is kept: a large conversion then never holds every whole object at once."""
    keep = settle or _as_is
    objects: list[Obj] = []
    claims = storage_plan(graph, report)
    files = sorted(graph.files.items(), key=lambda kv: (kv[1].secret, kv[1].name))
    for key, f in files:
        taken = {n for k, n in claims.data_names.items() if graph.files[k].secret == f.secret}
        claims.data_names[key] = unique(dns1123_label(f.name, "data"), taken)
    shared = _alias_labels(graph)
    held: list[Obj] = []  # workloads whose volumes a Compose secret or config may still rename (_data_objects)
    for root, members in _pods(graph).items():
        made = _workload_objects(graph, root, members, report, options, claims, shared.get(root, {}))
        if files:
            held.extend(made)
        else:
            objects.extend(map(keep, made))
    report_shared_claims(claims, report)
    objects.extend(map(keep, claims.objects()))
    data = _data_objects(files, claims.data_names, [*objects, *held], report, options)
    objects.extend(map(keep, held))
    del held
    objects.extend(map(keep, data))
    objects.extend(keep(service(plan, graph, options)) for plan in graph.services)
    if options.namespace:
        objects.append(keep(namespace(options)))
    return sorted(objects, key=lambda o: (KIND_ORDER.index(o["kind"]), o["metadata"]["name"]))


def _as_is(obj: Obj) -> Obj:
    return obj


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


def namespace(options: EmitOptions) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": options.namespace, "labels": _common_labels(options)}}  # fmt: skip


def _workload_objects(
    graph: Graph, root: str, members: list[Container], report: Report, options: EmitOptions, claims: Claims,
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
    match_pull_policy(pod.init_containers, containers)
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
    if plan.kind == "Deployment":
        strategy = rollout_strategy(spec, claims)  # a ReadWriteOnce claim cannot attach to two Pods at once
        if strategy:
            out[-1]["spec"]["strategy"] = strategy
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
        _pod_wide(members, lambda c: c.pid_mode == "host", "--pid host", "hostPID", "sees the node's processes",
                  report)
    if any(c.ipc_mode == "host" for c in members):
        spec["hostIPC"] = True
        _pod_wide(members, lambda c: c.ipc_mode == "host", "--ipc host", "hostIPC",
                  "shares the node's IPC namespace", report)
    if any(c.pid_mode.startswith("container:") for c in members) and "hostPID" not in spec:
        # with hostPID every container is in the node's process namespace already (and the API refuses both)
        spec["shareProcessNamespace"] = True
        sharing = {c.name for c in members if c.pid_mode.startswith("container:")}
        sharing |= {c.pid_mode.removeprefix("container:") for c in members if c.pid_mode.startswith("container:")}
        _pod_wide(members, lambda c: c.name in sharing, "--pid container:", "shareProcessNamespace",
                  "sees the processes of every container of the Pod", report)
    aliases = host_aliases(members, report)
    if aliases:
        spec["hostAliases"] = aliases
    dns = _dns_config(members, report)
    if dns:
        spec["dnsConfig"] = dns
    security = pod_security(members, report)
    if security:
        spec["securityContext"] = security
    spec["terminationGracePeriodSeconds"] = grace_period(members, report)
    selector = _node_selector(main)
    if selector:
        spec["nodeSelector"] = selector
    if main.runtime and main.runtime != "runc":
        spec["runtimeClassName"] = dns1123_label(main.runtime)
    # seeds fill the volumes with the image's files, then waits hold the start until the dependencies answer
    waits = [wait_container(service, port) for service, port in graph.waits.get(graph.pods[main.name], [])]
    if pod.init_containers or waits:
        spec["initContainers"] = [*pod.init_containers, *waits]
    if pod.volumes:
        spec["volumes"] = [pod.volumes[k] for k in sorted(pod.volumes)]
    return spec


def _pod_wide(members: list[Container], asked: Callable[[Container], bool], flag: str, field: str, effect: str,
              report: Report) -> None:
    """A namespace setting one container of a Pod asked for holds for all of them: say so of the others."""
    askers = [c.name for c in members if asked(c)]
    for c in members:
        if not asked(c):
            report.add("pod-wide-namespace", Severity.APPROXIMATED,
                       f"{flag} of {', '.join(askers)} is Pod-wide in Kubernetes ({field}): {c.name}, in the same "
                       f"Pod, {effect} too, which it did not under Docker", c.origin, c.name)


def wait_container(service: str, port: int) -> Obj:
    """Compose's `condition: service_healthy`: poll the Service until a ready Pod answers behind it."""
    script = f"until nc -z -w 2 {service} {port}; do echo waiting for {service}:{port}; sleep 2; done"
    return {"name": f"wait-for-{service}"[:63].rstrip("-"), "image": WAIT_IMAGE, "command": ["sh", "-c", script]}


def _data_objects(
    files: list[tuple[str, DataFile]], names: dict[str, str], objects: list[Obj], report: Report,
    options: EmitOptions,
) -> list[Obj]:
    """The Secrets and ConfigMaps of Compose's secrets and configs; a name an env Secret/ConfigMap of a
    workload already has is changed (and the Pods' volumes with it), and reported."""
    taken = {(o["kind"], o["metadata"]["name"]) for o in objects}
    out: list[Obj] = []
    for key, f in files:
        kind, name = ("Secret" if f.secret else "ConfigMap"), names[key]
        if (kind, name) in taken:
            new = unique(name, {n for k, n in taken if k == kind} | set(names.values()))
            report.add("data-renamed", Severity.APPROXIMATED,
                       f"{'secret' if f.secret else 'config'} {f.name} becomes {kind} {new}: {name} is taken",
                       f.origin)
            _rename_references(objects, kind, name, new)
            name = new
        taken.add((kind, name))
        out.append(data_object(f, name, options))
    return out


def _rename_references(objects: list[Obj], kind: str, old: str, new: str) -> None:
    for o in objects:
        spec = o["spec"]["template"]["spec"] if o["kind"] in ("Deployment", "Job") else o["spec"] if o["kind"] == "Pod" else {}
        for volume in spec.get("volumes", []):
            ref = volume.get("secret") if kind == "Secret" else volume.get("configMap")
            field = "secretName" if kind == "Secret" else "name"
            if ref is not None and ref.get(field) == old:
                ref[field] = new


def data_object(f: DataFile, name: str, options: EmitOptions) -> Obj:
    """A Compose secret (a Secret) or config (a ConfigMap) holding the one file Compose mounts."""
    data = {data_key(f.name): f.content or ""}
    if f.secret:
        return secret_object(name, data, options)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(name, options), "data": data}


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


def _node_selector(c: Container) -> dict[str, str]:
    if not c.platform:
        return {}
    parts = c.platform.split("/")
    selector = {"kubernetes.io/os": parts[0]}
    if len(parts) > 1:
        selector["kubernetes.io/arch"] = parts[1]
    return selector


def container(
    c: Container, cname: str, env: Env, pod: _Pod, graph: Graph, report: Report,
    options: EmitOptions, claims: Claims,
) -> Obj:
    spec: Obj = {"name": cname, "image": c.image}
    spec["imagePullPolicy"] = pull_policy(c, report)
    inline, env_from, argv = env
    spec.update(argv)
    if c.workdir:
        spec["workingDir"] = c.workdir
    if inline:
        spec["env"] = inline
    if env_from:
        spec["envFrom"] = env_from
    ports = container_ports(c, graph)
    if ports:
        spec["ports"] = ports
    limits = resources(c, report)
    if limits:
        spec["resources"] = limits
    spec.update(probes(c, report, liveness=options.liveness_from_healthcheck))
    tmpfs_notes(c, report)
    security = security_context(c, report, options)
    apparmor = security.pop("appArmorProfile", None)
    if apparmor and version(options.k8s_version) < (1, 30):
        # before 1.30 AppArmor was set by annotation; the field did not exist
        value = {"Unconfined": "unconfined", "RuntimeDefault": "runtime/default"}.get(apparmor["type"]) or (
            "localhost/" + apparmor["localhostProfile"])
        pod.annotations[f"container.apparmor.security.beta.kubernetes.io/{cname}"] = value
    elif apparmor:
        security["appArmorProfile"] = apparmor
    if security:
        spec["securityContext"] = security
    if c.tty:
        spec["tty"] = True
    if c.stdin_open:
        spec["stdin"] = True
    mounts = volume_mounts(c, cname, pod, graph, report, options, claims)
    if mounts:
        spec["volumeMounts"] = mounts
    return spec


def _env(c: Container, owner: str, options: EmitOptions, report: Report) -> tuple[Env, list[Obj]]:
    """Plain -e values inline; credentials in a Secret; --env-file entries in a ConfigMap (envFrom); the
    process (command/args), whose command-line credentials move to the Secret too (containers.process).

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
            inline.append({"name": var.name, "value": escape(value)})  # the kubelet expands $(X) and $$
    moved: list[tuple[str, str, str]] = []
    argv = process(c, moved, {*c.env, *secret})
    for name, value, what in moved:
        secret[name] = value
        inline.append({"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": name}}})
        given = "the password of a URL" if what == "url" else f"the value of {what}"
        report.add("credential-argument", Severity.APPROXIMATED,
                   f"{given} in the command line is a credential: it is in Secret {secret_name} (key {name}) and "
                   f"the argument reads $({name}), which the kubelet replaces with the same text; the container "
                   f"also has {name} in its environment", c.origin, c.name)
    objects: list[Obj] = []
    env_from: list[Obj] = []
    if from_file or c.env_files:
        objects.append(config_map(config_name, from_file, c, options))
        env_from.append({"configMapRef": {"name": config_name}})
    if secret:
        objects.append(secret_object(secret_name, secret, options))
    return (inline, env_from, argv), objects


_ENV_NAME_OLD = lazy(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")  # before 1.32 (KEP-4369 relaxed it)
_ENV_NAME = lazy(r"^[\x21-\x3c\x3e-\x7e][\x20-\x3c\x3e-\x7e]*$")  # printable ASCII but `=`


def _env_name_ok(name: str, k8s_version: str) -> bool:
    pattern = _ENV_NAME if version(k8s_version) >= (1, 32) else _ENV_NAME_OLD
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
    # the workload's own app.kubernetes.io/* labels, so `kubectl get all -l app.kubernetes.io/name=db` finds both
    meta = _metadata(plan.name, options, {NAME_LABEL: workload})
    chosen = graph.workloads.get(graph.pods[plan.container])
    if chosen is not None and chosen.kind == "Job":
        meta["annotations"] = {SELECTS_JOB: "true"}  # meant to: validation refuses it otherwise
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
