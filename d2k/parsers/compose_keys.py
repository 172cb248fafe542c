"""Every key of a Compose service, declared once: its fate and how its canonical value lands on a Container.

Compose keys and `docker run` flags mean the same things, so a key that has a flag is handed to
that flag's own handler (d2k.parsers.flags): the values are read and reported the way `docker run`
would. The Compose reference in the docs (`d2k compose-keys`) is generated from this table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from d2k.errors import InputError
from d2k.model import Container, Dependency, EnvVar, Fate, Healthcheck, Mount, NetworkAttachment, Origin, Port
from d2k.parsers import values as v
from d2k.parsers.flags import TABLE, FlagContext
from d2k.records import dataclass, field

_RANK = {Fate.IRRELEVANT: 0, Fate.MAPPED: 1, Fate.APPROXIMATED: 2, Fate.NOT_CARRIED: 3}


@dataclass(slots=True)
class KeyContext:
    """One key of one service: where it was written, the project around it, and the fate it earns."""

    key: str
    origin: Origin
    project: dict[str, Any]
    service: str
    fate: Fate = Fate.MAPPED
    notes: list[str] = field(default_factory=list)

    def say(self, fate: Fate, note: str = "") -> None:
        """Keep the worst fate of everything the key does, and every note once."""
        if _RANK[fate] > _RANK[self.fate] or (self.fate is Fate.MAPPED and fate is Fate.IRRELEVANT and not self.notes):
            self.fate = fate
        if note and note not in self.notes:
            self.notes.append(note)

    def flag(self, c: Container, name: str, value: str) -> None:
        """Apply a docker run flag's own handler to this value: the same reading, the same notes."""
        sub = FlagContext(self.origin, name, lambda _path: None)
        try:
            TABLE.long[name.removeprefix("--")].handler(c, value, sub)
        except ValueError as err:
            raise self.error(str(err)) from None
        self.say(sub.fate, sub.note)

    def error(self, message: str) -> InputError:
        return InputError(f"services.{self.service}.{self.key}: {message}", self.origin.file, self.origin.line)


KeyHandler = Callable[[Container, Any, KeyContext], None]


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    fate: Fate  # the usual fate, for the reference
    doc: str
    handler: KeyHandler


def _items(value: Any) -> list[str]:
    """A list, a mapping (`k=v`) or a scalar as the strings a repeated docker run flag takes."""
    if isinstance(value, dict):
        return [f"{k}={'' if x is None else x}" for k, x in value.items()]
    if isinstance(value, list):
        return [str(x) for x in value]
    return [] if value is None else [_text(value)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def via(flag: str, doc: str, fate: Fate = Fate.MAPPED) -> Key:
    """A key that is a docker run flag (repeated for list and mapping values)."""

    def handle(c: Container, value: Any, ctx: KeyContext) -> None:
        for item in _items(value):
            ctx.flag(c, flag, item)

    return Key("", fate, doc + f" (as `{flag}`)", handle)


def not_carried(reason: str) -> Key:
    return Key("", Fate.NOT_CARRIED, reason, lambda c, value, ctx: ctx.say(Fate.NOT_CARRIED, reason))


def irrelevant(reason: str) -> Key:
    return Key("", Fate.IRRELEVANT, reason, lambda c, value, ctx: ctx.say(Fate.IRRELEVANT, reason))


def custom(handler: KeyHandler, doc: str, fate: Fate = Fate.MAPPED) -> Key:
    return Key("", fate, doc, handler)


# ---- keys with more to say ------------------------------------------------------------------


def _image(c: Container, value: Any, ctx: KeyContext) -> None:
    c.image = str(value)


def _build(c: Container, value: Any, ctx: KeyContext) -> None:
    ctx.say(Fate.APPROXIMATED, f"Compose builds the image; the workload runs {c.image}: push it where the "
                               "cluster pulls from")


def _argv(attr: str) -> KeyHandler:
    def handle(c: Container, value: Any, ctx: KeyContext) -> None:
        if value is None:
            ctx.say(Fate.IRRELEVANT, "null: the image's own")
            return
        setattr(c, attr, [str(x) for x in (value if isinstance(value, list) else [value])])

    return handle


def _environment(c: Container, value: Any, ctx: KeyContext) -> None:
    for name, val in (value or {}).items():
        c.env[name] = EnvVar(name, None if val is None else str(val), ctx.origin)
        if val is None:
            ctx.say(Fate.APPROXIMATED, f"{name} takes its value from the environment Compose runs in, where it "
                                       "was not set: set it")
    ctx.say(Fate.MAPPED, "env (credentials from a Secret)")


def _ports(c: Container, value: Any, ctx: KeyContext) -> None:
    for entry in value or []:
        published = str(entry.get("published") or "")
        try:
            target = v.parse_int(str(entry["target"]), "ports")
            host = int(published.partition("-")[0]) if published else None
        except (ValueError, KeyError):
            raise ctx.error(f"bad port {entry}") from None
        protocol = str(entry.get("protocol") or "tcp").lower()
        c.ports.append(Port(target, protocol, published=True, host_port=host or None,
                            host_ip=str(entry.get("host_ip") or ""), origin=ctx.origin))
        if entry.get("mode") == "host":
            ctx.say(Fate.MAPPED, "mode: host matters to Swarm's routing mesh only; Compose publishes it as -p does")
    ctx.say(Fate.MAPPED, "containers[].ports and a NodePort/LoadBalancer Service")


def _expose(c: Container, value: Any, ctx: KeyContext) -> None:
    for item in _items(value):
        ctx.flag(c, "--expose", item)


def _networks(c: Container, value: Any, ctx: KeyContext) -> None:
    for name, opts in (value or {}).items():
        opts = opts or {}
        c.networks.append(NetworkAttachment(name, tuple(str(a) for a in opts.get("aliases") or ()), ctx.origin))
        if any(opts.get(k) for k in ("ipv4_address", "ipv6_address", "link_local_ips", "mac_address",
                                      "driver_opts", "priority", "gw_priority", "interface_name")):
            ctx.say(Fate.APPROXIMATED, "addresses and driver options of the network are not carried: the CNI "
                                       "assigns them")
    ctx.say(Fate.MAPPED, "every service on a shared network is reached by its name and aliases: Services")


def _network_mode(c: Container, value: Any, ctx: KeyContext) -> None:
    mode = str(value)
    ctx.flag(c, "--network", "container:" + mode.removeprefix("service:") if mode.startswith("service:") else mode)


def _namespace(flag: str) -> KeyHandler:
    def handle(c: Container, value: Any, ctx: KeyContext) -> None:
        mode = str(value)
        ctx.flag(c, flag, "container:" + mode.removeprefix("service:") if mode.startswith("service:") else mode)

    return handle


def _volumes(c: Container, value: Any, ctx: KeyContext) -> None:
    for entry in value or []:
        kind = entry.get("type", "volume")
        parts = [f"type={kind}", f"target={entry['target']}"]
        if entry.get("source"):
            parts.append(f"source={entry['source']}")
        if entry.get("read_only"):
            parts.append("readonly")
        bind, volume, tmpfs = entry.get("bind") or {}, entry.get("volume") or {}, entry.get("tmpfs") or {}
        if bind.get("propagation"):
            parts.append(f"bind-propagation={bind['propagation']}")
        if volume.get("subpath"):
            parts.append(f"volume-subpath={volume['subpath']}")
        if volume.get("nocopy"):
            parts.append("volume-nocopy")
        if tmpfs.get("size"):
            parts.append(f"tmpfs-size={tmpfs['size']}")
        if tmpfs.get("mode"):
            parts.append(f"tmpfs-mode={tmpfs['mode']}")
        if bind.get("selinux"):
            parts.append(f"bind-selinux={bind['selinux']}")  # kept as an option, reported
        ctx.flag(c, "--mount", ",".join(_csv(p) for p in parts))


def _csv(part: str) -> str:
    return f'"{part}"' if "," in part or '"' in part else part


def _files(kind: str) -> KeyHandler:
    """secrets/configs: a file from a Secret (or ConfigMap) at Compose's path and mode."""

    def handle(c: Container, value: Any, ctx: KeyContext) -> None:
        for entry in value or []:
            source = str(entry["source"])
            target = str(entry.get("target") or (f"/run/secrets/{source}" if kind == "secret" else f"/{source}"))
            if not target.startswith("/"):
                target = (f"/run/secrets/{target}" if kind == "secret" else f"/{target}")
            mode = entry.get("mode")
            c.mounts.append(Mount(kind, target, source=source, read_only=True, origin=ctx.origin,
                                  mode=int(str(mode), 8) if mode is not None else None))
            if entry.get("uid") or entry.get("gid"):
                ctx.say(Fate.APPROXIMATED, f"{source}: uid/gid of the file not carried (Kubernetes sets the "
                                           "volume's group with fsGroup)")
        ctx.say(Fate.MAPPED, f"a {'Secret' if kind == 'secret' else 'ConfigMap'} volume, mounted at the same path")

    return handle


def _depends_on(c: Container, value: Any, ctx: KeyContext) -> None:
    svc = (ctx.project.get("services") or {}).get(ctx.service) or {}
    joined = {str(svc.get(k) or "").partition(":")[2] for k in ("network_mode", "pid", "ipc")
              if str(svc.get(k) or "").startswith("service:")}
    for target, opts in (value or {}).items():
        condition = str((opts or {}).get("condition") or "service_started")
        c.depends_on.append(Dependency(target, condition, ctx.origin))
        if target in joined:
            ctx.say(Fate.IRRELEVANT, f"{target}: Compose starts it first because this service joins its "
                                     "namespaces; in Kubernetes both are containers of one Pod")
        elif condition == "service_healthy":
            ctx.say(Fate.MAPPED, f"{target}: an initContainer waits until the Service of {target} answers "
                                 "(see start-order)")
        elif condition == "service_completed_successfully":
            ctx.say(Fate.NOT_CARRIED, f"{target}: waiting for it to finish has no Kubernetes form for Deployments "
                                      "(run it as a Job, or an initContainer of this Pod)")
        else:
            ctx.say(Fate.APPROXIMATED, f"{target}: Kubernetes starts every Pod at once; an edge to {target}, "
                                       "the app must retry until it answers")


def _healthcheck(c: Container, value: Any, ctx: KeyContext) -> None:
    value = value or {}
    if value.get("disable"):
        ctx.flag(c, "--no-healthcheck", "true")
        return
    test = value.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    test = [str(t) for t in test or []]
    if test and test[0] == "NONE":
        ctx.flag(c, "--no-healthcheck", "true")
        return

    def seconds(key: str) -> float | None:
        raw = value.get(key)
        try:
            return None if raw is None else v.parse_health_duration(str(raw), "--health-" + key.replace("_", "-"))
        except ValueError as err:
            raise ctx.error(str(err)) from None

    retries = value.get("retries")
    c.healthcheck = Healthcheck(tuple(test), seconds("interval"), seconds("timeout"), seconds("start_period"),
                                seconds("start_interval"), int(retries) if retries is not None else None)
    if not test:
        ctx.say(Fate.NOT_CARRIED, "it tunes the image's HEALTHCHECK, which d2k does not see: no probe without test")
    else:
        ctx.say(Fate.MAPPED, "liveness and readiness probes")


def _stop_grace_period(c: Container, value: Any, ctx: KeyContext) -> None:
    try:
        c.stop_timeout = int(v.parse_duration(str(value), "stop_grace_period"))
    except ValueError as err:
        raise ctx.error(str(err)) from None


def _replicas(c: Container, value: Any, ctx: KeyContext) -> None:
    c.replicas = int(value)


def _deploy(c: Container, value: Any, ctx: KeyContext) -> None:
    value = value or {}
    if value.get("replicas") is not None:
        c.replicas = int(value["replicas"])
    if value.get("mode") in ("global", "global-job", "replicated-job"):
        ctx.say(Fate.NOT_CARRIED, f"mode {value['mode']}: a DaemonSet or Job, which d2k does not emit")
    resources = value.get("resources") or {}
    limits, reservations = resources.get("limits") or {}, resources.get("reservations") or {}
    if limits.get("cpus") is not None:
        ctx.flag(c, "--cpus", str(limits["cpus"]))
    if limits.get("memory") is not None:
        ctx.flag(c, "--memory", str(limits["memory"]))
    if limits.get("pids") is not None:
        ctx.say(Fate.NOT_CARRIED, "limits.pids: the PID limit is the kubelet's (podPidsLimit)")
    if reservations.get("memory") is not None:
        ctx.flag(c, "--memory-reservation", str(reservations["memory"]))
    if reservations.get("cpus") is not None:
        c.cpu_shares = max(2, round(float(reservations["cpus"]) * 1024))
        ctx.say(Fate.MAPPED, "reservations.cpus: requests.cpu")
    if reservations.get("devices") or reservations.get("generic_resources"):
        c.gpus = "all"
        ctx.say(Fate.APPROXIMATED, "reserved devices: 1 nvidia.com/gpu; other device kinds need a device plugin")
    restart = value.get("restart_policy") or {}
    if restart.get("condition"):
        policy = {"none": "no", "on-failure": "on-failure", "any": "always"}.get(str(restart["condition"]), "always")
        c.restart, c.restart_max_retries = policy, restart.get("max_attempts")
    if restart.get("delay") or restart.get("window"):
        ctx.say(Fate.NOT_CARRIED, "restart_policy delay/window: Kubernetes backs off on its own")
    dropped = [k for k in ("placement", "update_config", "rollback_config", "endpoint_mode", "labels")
               if value.get(k)]
    if dropped:
        ctx.say(Fate.NOT_CARRIED, f"{', '.join(dropped)}: Swarm settings with no workload equivalent here")
    ctx.say(Fate.MAPPED, "replicas and resources")


def _links(c: Container, value: Any, ctx: KeyContext) -> None:
    for item in _items(value):
        ctx.flag(c, "--link", item)


def _volumes_from(c: Container, value: Any, ctx: KeyContext) -> None:
    for item in _items(value):
        ctx.flag(c, "--volumes-from", item.removeprefix("container:"))


def _pull_policy(c: Container, value: Any, ctx: KeyContext) -> None:
    policy = {"if_not_present": "missing", "missing": "missing", "always": "always", "never": "never"}.get(str(value))
    if policy is None:
        ctx.say(Fate.APPROXIMATED, f"pull_policy {value}: the image is pulled if missing (IfNotPresent)")
        policy = "missing"
    c.pull = policy


def _container_name(c: Container, value: Any, ctx: KeyContext) -> None:
    if str(value) != c.name:
        ctx.say(Fate.APPROXIMATED, f"the workload is named after the service ({c.name}); the name {value} is "
                                   "not a host name in Kubernetes")
    else:
        ctx.say(Fate.IRRELEVANT, "the service's own name")


def _gpus(c: Container, value: Any, ctx: KeyContext) -> None:
    requests: list[dict[str, Any]] = value if isinstance(value, list) else [{"count": -1}]
    counts = [int(r.get("count") or len(list(r.get("device_ids") or [])) or 1) for r in requests]
    c.gpus = "all" if -1 in counts or value == "all" else str(sum(counts))
    ctx.say(Fate.APPROXIMATED, "nvidia.com/gpu takes a count: all becomes 1 GPU")


def _stdin(c: Container, value: Any, ctx: KeyContext) -> None:
    c.stdin_open = bool(value)


def _tty(c: Container, value: Any, ctx: KeyContext) -> None:
    c.tty = bool(value)


def _memory(flag: str) -> KeyHandler:
    def handle(c: Container, value: Any, ctx: KeyContext) -> None:
        ctx.flag(c, flag, str(value))

    return handle


_NO_BLKIO = "no block I/O throttling in Kubernetes"
_NO_DEVICE = "devices need a device plugin or a privileged hostPath: not carried"
_NO_WINDOWS = "a Windows-only setting"

_KEYS: dict[str, Key] = {
    "annotations": via("--annotation", "Pod metadata.annotations", Fate.APPROXIMATED),
    "attach": irrelevant("attaching the terminal is a client matter"),
    "blkio_config": not_carried(_NO_BLKIO),
    "build": custom(_build, "the image Compose builds: push it, the workload runs `image`", Fate.APPROXIMATED),
    "cap_add": via("--cap-add", "securityContext.capabilities.add"),
    "cap_drop": via("--cap-drop", "securityContext.capabilities.drop"),
    "cgroup": not_carried("no cgroup namespace setting in Kubernetes"),
    "cgroup_parent": not_carried("cgroups are the kubelet's to place"),
    "command": custom(_argv("command"), "containers[].args"),
    "configs": custom(_files("config"), "a ConfigMap volume at the same path (default /NAME), with its mode"),
    "container_name": custom(_container_name, "the workload is named after the service", Fate.APPROXIMATED),
    "cpu_count": not_carried(_NO_WINDOWS),
    "cpu_percent": not_carried(_NO_WINDOWS),
    "cpu_period": via("--cpu-period", "limits.cpu = quota / period"),
    "cpu_quota": via("--cpu-quota", "limits.cpu = quota / period"),
    "cpu_rt_period": not_carried("no real-time scheduling in Kubernetes"),
    "cpu_rt_runtime": not_carried("no real-time scheduling in Kubernetes"),
    "cpu_shares": via("--cpu-shares", "requests.cpu = shares/1024", Fate.APPROXIMATED),
    "cpus": via("--cpus", "resources.limits.cpu"),
    "cpuset": not_carried("only the kubelet's static CPU manager pins CPUs"),
    "credential_spec": not_carried(_NO_WINDOWS),
    "depends_on": custom(_depends_on, "edges; service_healthy: an initContainer waiting for the Service",
                         Fate.APPROXIMATED),
    "deploy": custom(_deploy, "replicas, resources.limits/reservations, restart_policy; Swarm placement not carried"),
    "develop": irrelevant("compose watch is a development loop"),
    "device_cgroup_rules": not_carried(_NO_DEVICE),
    "devices": not_carried(_NO_DEVICE),
    "dns": via("--dns", "spec.dnsConfig.nameservers"),
    "dns_opt": via("--dns-option", "spec.dnsConfig.options"),
    "dns_search": via("--dns-search", "spec.dnsConfig.searches"),
    "domainname": via("--domainname", "no NIS domain name in Kubernetes", Fate.NOT_CARRIED),
    "entrypoint": custom(_argv("entrypoint"), "containers[].command"),
    "env_file": irrelevant("Compose reads the file: its entries are in `environment`"),
    "environment": custom(_environment, "env (credentials from a Secret)"),
    "expose": custom(_expose, "containers[].ports; a ClusterIP Service when others reach it"),
    "extends": irrelevant("Compose merges the extended service: its keys are reported where they were written"),
    "external_links": not_carried("a container outside the project: give it a Service (ExternalName) yourself"),
    "extra_hosts": via("--add-host", "spec.hostAliases (host-gateway not carried)"),
    "gpus": custom(_gpus, "resources.limits nvidia.com/gpu", Fate.APPROXIMATED),
    "group_add": via("--group-add", "securityContext.supplementalGroups (numeric ids)"),
    "healthcheck": custom(_healthcheck, "liveness and readiness probes"),
    "hostname": via("--hostname", "spec.hostname"),
    "image": custom(_image, "containers[].image"),
    "init": via("--init", "no init process in Kubernetes", Fate.NOT_CARRIED),
    "ipc": custom(_namespace("--ipc"), "host: hostIPC; service:X: one Pod"),
    "isolation": not_carried(_NO_WINDOWS),
    "label_file": irrelevant("Compose reads the file: its labels are in `labels`"),
    "labels": via("--label", "metadata.labels (annotations when not a valid label)"),
    "links": custom(_links, "a Service named after the alias"),
    "logging": not_carried("cluster logging collects stdout and stderr"),
    "mac_address": via("--mac-address", "the CNI assigns interfaces", Fate.NOT_CARRIED),
    "mem_limit": custom(_memory("--memory"), "resources.limits.memory"),
    "mem_reservation": custom(_memory("--memory-reservation"), "resources.requests.memory"),
    "mem_swappiness": via("--memory-swappiness", "swap is a node setting in Kubernetes", Fate.NOT_CARRIED),
    "memswap_limit": custom(_memory("--memory-swap"), "swap is a node setting in Kubernetes", Fate.NOT_CARRIED),
    "models": not_carried("Compose AI models have no Kubernetes equivalent here"),
    "network_mode": custom(_network_mode, "host: hostNetwork; service:X/container:X: X's Pod; none: not carried"),
    "networks": custom(_networks, "Services by name and alias for every service of a shared network"),
    "oom_kill_disable": via("--oom-kill-disable", "the kubelet decides OOM kills", Fate.NOT_CARRIED),
    "oom_score_adj": via("--oom-score-adj", "the QoS class decides the OOM score", Fate.NOT_CARRIED),
    "pid": custom(_namespace("--pid"), "host: hostPID; service:X: one Pod with shareProcessNamespace"),
    "pids_limit": via("--pids-limit", "the PID limit is the kubelet's (podPidsLimit)", Fate.NOT_CARRIED),
    "platform": via("--platform", "nodeSelector kubernetes.io/os and kubernetes.io/arch"),
    "ports": custom(_ports, "containers[].ports and a NodePort/LoadBalancer Service (host_ip as for -p)"),
    "post_start": not_carried("lifecycle hooks with their own user and privileges: lifecycle.postStart is the "
                              "nearest; add it by hand"),
    "pre_stop": not_carried("lifecycle hooks with their own user and privileges: lifecycle.preStop is the "
                            "nearest; add it by hand"),
    "privileged": via("--privileged", "securityContext.privileged"),
    "profiles": irrelevant("Compose selects the services of the active profiles (--profile); d2k converts those"),
    "provider": not_carried("a provider service is run by a Compose plugin, not as a container"),
    "pull_policy": custom(_pull_policy, "imagePullPolicy"),
    "read_only": via("--read-only", "securityContext.readOnlyRootFilesystem"),
    "restart": via("--restart", "restartPolicy within what the workload kind allows"),
    "runtime": via("--runtime", "spec.runtimeClassName", Fate.APPROXIMATED),
    "scale": custom(_replicas, "Deployment replicas"),
    "secrets": custom(_files("secret"), "a Secret volume at the same path (default /run/secrets/NAME), with its mode"),
    "security_opt": via("--security-opt", "seLinuxOptions, appArmorProfile, seccompProfile, allowPrivilegeEscalation"),
    "shm_size": custom(_memory("--shm-size"), "a memory emptyDir at /dev/shm with sizeLimit (without Docker's "
                       "noexec, nosuid, nodev)", Fate.APPROXIMATED),
    "stdin_open": custom(_stdin, "containers[].stdin"),
    "stop_grace_period": custom(_stop_grace_period, "terminationGracePeriodSeconds (without it, Compose's 10 s)"),
    "stop_signal": via("--stop-signal", "Kubernetes sends SIGTERM", Fate.NOT_CARRIED),
    "storage_opt": via("--storage-opt", "no storage driver options in Kubernetes", Fate.NOT_CARRIED),
    "sysctls": via("--sysctl", "spec.securityContext.sysctls"),
    "tmpfs": via("--tmpfs", "an emptyDir in memory"),
    "tty": custom(_tty, "containers[].tty"),
    "ulimits": not_carried("no per-container ulimit in Kubernetes"),
    "use_api_socket": not_carried("no Docker API socket in a Pod"),
    "user": via("--user", "securityContext.runAsUser/runAsGroup (numeric)"),
    "userns_mode": via("--userns", "Pods use the host user namespace by default", Fate.IRRELEVANT),
    "uts": via("--uts", "no host UTS namespace alone in Kubernetes", Fate.NOT_CARRIED),
    "volumes": custom(_volumes, "named: PVC; anonymous: emptyDir; bind: hostPath; tmpfs: memory emptyDir"),
    "volumes_from": custom(_volumes_from, "the same volumes in both Pods", Fate.APPROXIMATED),
    "working_dir": via("--workdir", "containers[].workingDir"),
}

KEYS: dict[str, Key] = {name: Key(name, key.fate, key.doc, key.handler) for name, key in _KEYS.items()}
EXTENSION = irrelevant("an `x-` extension: Compose itself ignores it")
