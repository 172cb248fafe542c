"""Every `docker run` flag of Docker CLI 28, declared once: names, value or not, handler, fate.

A row is one line: the handler reads the value the way Docker does (d2k.parsers.values),
stores it on the Container, and says what becomes of it in Kubernetes. The flags
reference in the docs is generated from this table, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from d2k.errors import HelpRequested
from d2k.model import Container, EnvVar, Fate, Healthcheck, Link, Mount, NetworkAttachment, Origin
from d2k.parsers import values as v
from d2k.records import dataclass, field, replace
from d2k.secrets import redact_url


@dataclass(slots=True)
class FlagContext:
    """What a handler may consult and the fate it reports for the flag it handles."""

    origin: Origin
    flag: str
    read_file: Callable[[str], str | None]
    fate: Fate = Fate.MAPPED
    note: str = ""
    # what docker's CLI finds in its environment (name -> (value, line set)); None: the input cannot tell
    environment: Mapping[str, tuple[str, int]] | None = None
    unexported: frozenset[str] = frozenset()

    def approximated(self, note: str) -> None:
        self.fate, self.note = Fate.APPROXIMATED, note

    def not_carried(self, note: str) -> None:
        self.fate, self.note = Fate.NOT_CARRIED, note

    def irrelevant(self, note: str) -> None:
        self.fate, self.note = Fate.IRRELEVANT, note


Handler = Callable[[Container, str, FlagContext], None]


@dataclass(frozen=True, slots=True)
class Flag:
    names: tuple[str, ...]  # long names first ("--publish", then hidden aliases), then "-p"
    takes_value: bool
    handler: Handler
    fate: Fate  # the fate shown in the flags reference
    doc: str  # the Kubernetes mapping (or the reason it is not carried), for the reference
    run_only: bool = False  # `docker create` rejects it
    hidden: bool = False

    @property
    def long(self) -> str:
        return self.names[0]

    @property
    def short(self) -> str:
        return next((n for n in self.names if len(n) == 2), "")


# ---- handler factories: keep each row one line -------------------------------------------


def _setter(attr: str, parse: Callable[[str], Any]) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        setattr(c, attr, parse(value))

    return handle


def _appender(attr: str, parse: Callable[[str], Any]) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        getattr(c, attr).append(parse(value))

    return handle


def _with_note(handler: Handler, fate: Fate, note: str) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        handler(c, value, ctx)
        if ctx.fate is Fate.MAPPED:
            ctx.fate, ctx.note = fate, note

    return handle


def _checked(parse: Callable[[str], Any], fate: Fate, note: str) -> Handler:
    """A flag Kubernetes has no place for: read (so malformed values are rejected), then report."""

    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        if parse(value) is False and fate is Fate.NOT_CARRIED:  # --oom-kill-disable=false, ...
            ctx.irrelevant("false is Docker's default: nothing to carry")
        else:
            ctx.fate, ctx.note = fate, note

    return handle


def _any(value: str) -> str:
    return value


def _bool(value: str) -> bool:
    return v.parse_bool(value)


def _int(flag: str) -> Callable[[str], int]:
    return lambda value: v.parse_int(value, flag)


def _nonneg_duration(flag: str) -> Callable[[str], float]:
    return lambda value: v.parse_duration(value, flag)


def mapped(*names: str, attr: str, parse: Callable[[str], Any] = _any, doc: str, **kw: Any) -> Flag:
    return Flag(names, True, _setter(attr, parse), Fate.MAPPED, doc, **kw)


def listed(*names: str, attr: str, parse: Callable[[str], Any] = _any, doc: str, **kw: Any) -> Flag:
    return Flag(names, True, _appender(attr, parse), Fate.MAPPED, doc, **kw)


def switch(*names: str, attr: str, doc: str, **kw: Any) -> Flag:
    return Flag(names, False, _setter(attr, _bool), Fate.MAPPED, doc, **kw)


def custom(*names: str, handler: Handler, doc: str, value: bool = True, fate: Fate = Fate.MAPPED, **kw: Any) -> Flag:
    return Flag(names, value, handler, fate, doc, **kw)


def not_carried(*names: str, reason: str, parse: Callable[[str], Any] = _any, value: bool = True, **kw: Any) -> Flag:
    return Flag(names, value, _checked(parse, Fate.NOT_CARRIED, reason), Fate.NOT_CARRIED, reason, **kw)


def irrelevant(*names: str, reason: str, parse: Callable[[str], Any] = _any, value: bool = True, **kw: Any) -> Flag:
    return Flag(names, value, _checked(parse, Fate.IRRELEVANT, reason), Fate.IRRELEVANT, reason, **kw)


# ---- handlers with more to say ----------------------------------------------------------


def _name(c: Container, value: str, ctx: FlagContext) -> None:
    c.name = v.parse_container_name(value)
    c.name_given = True


def _env(c: Container, value: str, ctx: FlagContext) -> None:
    key, val = v.parse_env(value)
    if val is None and ctx.environment is not None:
        found = ctx.environment.get(key)
        if found is None:  # Docker's CLI leaves a bare KEY out of the container when its own environment lacks it
            # the value the user's shell held is what is lost (a password the README says to export): --strict fails
            ctx.not_carried(_bare_unset(key, ctx))
            return
        c.env[key] = EnvVar(key, found[0], ctx.origin)
        ctx.note = f"{key} takes the value " + (f"the script exports (line {found[1]})" if found[1] else "of --var")
        return
    c.env[key] = EnvVar(key, val, ctx.origin)
    if val is None:
        ctx.approximated(f"{key} takes its value from the shell where docker ran; d2k cannot see it: set it")


def _bare_unset(key: str, ctx: FlagContext) -> str:
    """Why a bare KEY is left out, and how to give it a value."""
    why = ("is assigned in the script but not exported, so docker's CLI does not see it"
           if key in ctx.unexported else "is not set by the script before this command")
    return (f"{key} {why}: Docker leaves a bare {key} out of the container when its variable is unset; "
            f"left out, so whatever value your shell held is not carried; export it, or give --var {key}=VALUE")


def _env_file(c: Container, value: str, ctx: FlagContext) -> None:
    c.env_files.append(value)
    text = ctx.read_file(value)
    if text is None:
        shown = redact_url(value)
        ctx.approximated(
            f"env file {shown} is not here: its ConfigMap is emitted empty; fill it with "
            f"kubectl create configmap --from-env-file={shown}"
        )
        return
    left_out: list[str] = []
    for line, key, val in v.parse_env_file(text, value):
        current = c.env.get(key)
        if current is not None and not current.env_file:
            continue  # -e wins over --env-file whatever the order
        if val is None and ctx.environment is not None:
            found = ctx.environment.get(key)
            if found is None:
                left_out.append(f"{key} (line {line})")
                continue
            val = found[0]
        c.env[key] = EnvVar(key, val, Origin(ctx.origin.file, ctx.origin.line, f"{value}:{line}"), value)
    if left_out:
        ctx.approximated(f"bare names in {redact_url(value)} that the script does not set are left out, as Docker "
                         f"does when they are unset where it runs: {', '.join(left_out)}; export them, or give "
                         "--var NAME=VALUE")


def _publish(c: Container, value: str, ctx: FlagContext) -> None:
    c.ports.extend(_located(p, ctx) for p in v.parse_publish(value))


def _expose(c: Container, value: str, ctx: FlagContext) -> None:
    c.ports.extend(_located(p, ctx) for p in v.parse_expose(value))


def _located(obj: Any, ctx: FlagContext) -> Any:
    return replace(obj, origin=ctx.origin)


def _publish_all(c: Container, value: str, ctx: FlagContext) -> None:
    c.publish_all = v.parse_bool(value)
    if c.publish_all:
        ctx.approximated("every exposed port is published on a random host port: an external Service on them")


def _link(c: Container, value: str, ctx: FlagContext) -> None:
    target, alias = v.parse_link(value)
    c.links.append(Link(target, alias, ctx.origin))
    ctx.note = "a Service named after the alias; the legacy ALIAS_PORT_* variables are not reproduced"


def _network(c: Container, value: str, ctx: FlagContext) -> None:
    name, opts = v.parse_network(value)
    if name in ("host", "none", "bridge", "default") or name.startswith("container:"):
        c.network_mode = "bridge" if name == "default" else name
        if name == "none":
            ctx.not_carried("a Pod always has a network; a deny-all NetworkPolicy is the nearest thing")
        elif name in ("bridge", "default"):
            ctx.irrelevant("the default bridge: every Pod is on the cluster network")
        elif name == "host":
            ctx.note = "hostNetwork: true"
        else:
            ctx.note = "the same Pod as " + name.removeprefix("container:")
        return
    c.networks.append(NetworkAttachment(name, tuple(opts.aliases), ctx.origin))
    if opts.ipv4_address or opts.ipv6_address or opts.mac_address or opts.link_local_ips or opts.driver_opts:
        ctx.approximated("addresses and driver options of the network are not carried: the CNI assigns them")
    ctx.note = "Pods of one namespace reach each other; the network itself is not reproduced"


def _network_alias(c: Container, value: str, ctx: FlagContext) -> None:
    c.network_aliases.append(value)
    ctx.note = "a ClusterIP Service of that name"


def _volume(c: Container, value: str, ctx: FlagContext) -> None:
    source, rest = _unexpanded_source(value)
    if source:
        # the shell would have expanded `$(pwd)/x`, `$HOME/x`, `~/x` to an absolute host path: a bind mount
        mount = _located(replace(v.parse_volume("/unexpanded" + rest), source=source), ctx)
        c.mounts.append(mount)
        ctx.approximated(f"bind mount of {source}: the shell expands it where docker ran; a hostPath volume "
                         "needs that absolute path on the node: fill it in")
        return
    mount = _located(v.parse_volume(value), ctx)
    c.mounts.append(mount)
    _note_mount(mount, ctx)


def _unexpanded_source(value: str) -> tuple[str, str]:
    """(`$(pwd)/templates`, `:/templates:ro`) when the source holds an unexpanded shell word, else ("", "")."""
    if not value.startswith(("$", "`", "~")):
        return "", ""
    cut = value.find(":/")
    return (value[:cut], value[cut:]) if cut > 0 else ("", "")


def _mount(c: Container, value: str, ctx: FlagContext) -> None:
    mount = _located(v.parse_mount(value), ctx)
    c.mounts.append(mount)
    _note_mount(mount, ctx)


def _note_mount(mount: Mount, ctx: FlagContext) -> None:
    if mount.type == "bind":
        ctx.approximated(f"bind mount of {mount.source}: a hostPath volume, the path must exist on the node")
    elif mount.type not in ("volume", "tmpfs"):
        ctx.not_carried(f"mount type {mount.type} has no Kubernetes equivalent")
    elif dropped_mount_options(mount.options):
        ctx.approximated("mount options not carried: " + ", ".join(dropped_mount_options(mount.options)))


def dropped_mount_options(options: tuple[str, ...]) -> list[str]:
    """Mount options Kubernetes has no field for; nocopy is carried (no initContainer copies the image's files)."""
    return [o for o in options if o not in ("nocopy", "volume-nocopy=true", "volume-nocopy=false")]


def _tmpfs(c: Container, value: str, ctx: FlagContext) -> None:
    mount = _located(v.parse_tmpfs(value), ctx)
    c.mounts.append(mount)
    ctx.note = "an emptyDir in memory"
    dropped = [o for o in mount.options if o not in ("rw", "ro") and not o.startswith("size=")]
    if dropped:
        ctx.approximated("an emptyDir in memory; mount options not carried: " + ", ".join(dropped))


def _volumes_from(c: Container, value: str, ctx: FlagContext) -> None:
    c.volumes_from.append(v.parse_volumes_from(value))
    ctx.approximated("the same volumes are mounted in both Pods: a shared claim must allow ReadWriteMany (or both "
                     "Pods on one node); anonymous volumes become separate emptyDirs, not shared")


def _restart(c: Container, value: str, ctx: FlagContext) -> None:
    c.restart, c.restart_max_retries = v.parse_restart(value)


def _entrypoint(c: Container, value: str, ctx: FlagContext) -> None:
    c.entrypoint = [value] if value else []
    if not value:
        ctx.note = "the image ENTRYPOINT and CMD are reset: what follows the image is the command"


def _label(c: Container, value: str, ctx: FlagContext) -> None:
    key, val = v.parse_label(value)
    c.labels[key] = val


def _label_file(c: Container, value: str, ctx: FlagContext) -> None:
    text = ctx.read_file(value)
    if text is None:
        ctx.not_carried(f"label file {value} is not here: its labels are not carried")
        return
    for _line, key, val in v.parse_label_file(text, value):
        c.labels[key] = val


def _annotation(c: Container, value: str, ctx: FlagContext) -> None:
    key, val = v.parse_annotation(value)
    c.annotations[key] = val
    ctx.approximated("a Pod annotation; the OCI runtime does not receive it as Docker passes it")


def _user(c: Container, value: str, ctx: FlagContext) -> None:
    user, group = v.parse_user(value)
    c.user = value
    if not _numeric_or_root(user) or (group and not group.isdigit()):
        ctx.approximated("Kubernetes needs numeric ids: names are not carried, set runAsUser/runAsGroup")


def _numeric_or_root(user: str) -> bool:
    return user.isdigit() or user == "root"


def _group_add(c: Container, value: str, ctx: FlagContext) -> None:
    c.group_add.append(value)
    if not value.isdigit():
        ctx.not_carried(f"group {value} is a name: supplementalGroups takes numeric ids")


def _health(attr: str, parse: Callable[[str], Any]) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        current = c.healthcheck or Healthcheck(test=())
        c.healthcheck = replace(current, **{attr: parse(value)})

    return handle


def _health_cmd(value: str) -> tuple[str, ...]:
    return ("CMD-SHELL", value) if value else ()


def _cpus(c: Container, value: str, ctx: FlagContext) -> None:
    c.nano_cpus = v.parse_nano_cpus(value)


def _cpu_shares(c: Container, value: str, ctx: FlagContext) -> None:
    c.cpu_shares = v.parse_int(value, "--cpu-shares")
    ctx.approximated("a relative weight: requests.cpu = shares/1024 cores")


_MIN_MEMORY = 6 * 1024 * 1024  # the engine refuses less, whatever the host: "Minimum memory limit allowed is 6MB"


def _memory_size(flag: str, what: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        size = v.parse_bytes(value, flag)
        if 0 < size < _MIN_MEMORY:
            raise ValueError(f"Minimum {what} allowed is 6MB")
        return size

    return parse


def _memory(attr: str, flag: str, what: str) -> Handler:
    parse = _memory_size(flag, what)

    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        setattr(c, attr, parse(value))

    return handle


def _memory_swap(c: Container, value: str, ctx: FlagContext) -> None:
    c.memory_swap = v.parse_memory_swap(value)
    ctx.not_carried("swap is a node setting in Kubernetes")


def _domainname(c: Container, value: str, ctx: FlagContext) -> None:
    c.domainname = value
    ctx.not_carried("no NIS domain name in Kubernetes (spec.subdomain means something else)")


def _isolation(value: str) -> str:
    if value.lower() not in ("", "default", "process", "hyperv"):
        raise ValueError(f"invalid isolation: {value}: give default, process or hyperv")
    return value


def _gpus(c: Container, value: str, ctx: FlagContext) -> None:
    request = v.parse_gpus(value)
    c.gpus = value
    if request.get("count") in (None, -1) or request.get("device_ids"):
        ctx.approximated("nvidia.com/gpu takes a count: all or a device list becomes 1 GPU per listed device")


def _cap(attr: str) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        getattr(c, attr).append(v.parse_cap(value))

    return handle


def _security_opt(c: Container, value: str, ctx: FlagContext) -> None:
    key, val = v.parse_security_opt(value)
    c.security_opts.append(f"{key}={val}" if val else key)
    if key == "seccomp" and val not in ("unconfined", "builtin"):
        ctx.approximated("a Localhost seccomp profile: the file must be installed on every node")
    elif key == "systempaths":
        ctx.approximated("procMount: Unmasked, which Kubernetes allows only with hostUsers: false")
    elif key == "credentialspec":
        ctx.not_carried("Windows credential specs are not carried")
    elif key == "label" and val == "disable":
        ctx.approximated("SELinux labelling cannot be disabled: seLinuxOptions type spc_t is the nearest")


def _sysctl(c: Container, value: str, ctx: FlagContext) -> None:
    key, val = v.parse_sysctl(value)
    c.sysctls[key] = val
    if key not in SAFE_SYSCTLS:
        ctx.approximated(f"{key} is an unsafe sysctl: the kubelet must allow it (--allowed-unsafe-sysctls)")


SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)


def _add_host(c: Container, value: str, ctx: FlagContext) -> None:
    host, ip = v.parse_add_host(value)
    if ip == "host-gateway":
        ctx.not_carried(f"{host}: host-gateway has no Kubernetes equivalent; give the node's address instead")
        return
    c.add_hosts.append((host, ip))


def _dns(c: Container, value: str, ctx: FlagContext) -> None:
    server = v.parse_ip(value, "--dns")
    if len(c.dns) >= 3 and server not in c.dns:
        ctx.not_carried("dnsConfig takes at most 3 nameservers: this one is left out")
        return
    c.dns.append(server)
    ctx.note = "dnsConfig.nameservers, after the cluster DNS (dnsPolicy ClusterFirst)"


def _namespace_mode(attr: str, host_field: str) -> Handler:
    def handle(c: Container, value: str, ctx: FlagContext) -> None:
        mode = v.parse_namespace_mode(value, "--" + attr.removesuffix("_mode"))
        setattr(c, attr, mode)
        if mode == "host":
            ctx.note = f"{host_field}: true"
        elif mode.startswith("container:") and attr == "pid_mode":
            ctx.approximated(f"the same Pod as {mode.removeprefix('container:')}, with shareProcessNamespace: true; "
                             "its containers see one another's processes, and PID 1 is the Pod's pause process, "
                             "not the first container's (a process that relies on being PID 1 to reap children or "
                             "take signals is not)")
        elif mode.startswith("container:"):
            ctx.note = "the same Pod as " + mode.removeprefix("container:")
        elif mode in ("", "private", "shareable"):
            ctx.irrelevant("each Pod has its own namespace")
        else:
            ctx.not_carried(f"{attr.removesuffix('_mode')} mode {mode} has no Kubernetes equivalent")

    return handle


def _uts(c: Container, value: str, ctx: FlagContext) -> None:
    c.uts_mode = v.parse_namespace_mode(value, "--uts")
    if c.uts_mode == "host":
        ctx.not_carried("no host UTS namespace alone in Kubernetes (hostNetwork: true shares it with the network)")
    else:
        ctx.irrelevant("each Pod has its own UTS namespace")


def _stop_timeout(c: Container, value: str, ctx: FlagContext) -> None:
    c.stop_timeout = v.parse_stop_timeout(value)


def _stop_signal(c: Container, value: str, ctx: FlagContext) -> None:
    c.stop_signal = v.parse_signal(value)
    if c.stop_signal in ("SIGTERM", "15"):
        ctx.irrelevant("Kubernetes sends SIGTERM too")
        return
    ctx.not_carried("Kubernetes always sends SIGTERM (lifecycle.stopSignal is alpha); make the image's STOPSIGNAL do")


def _init(c: Container, value: str, ctx: FlagContext) -> None:
    c.init = v.parse_bool(value)
    if c.init:
        ctx.not_carried("no init process in Kubernetes: add tini (or similar) to the image")
    else:
        ctx.irrelevant("false is Docker's default: nothing to carry")


def _pull(c: Container, value: str, ctx: FlagContext) -> None:
    c.pull = v.parse_pull(value)


def _platform(c: Container, value: str, ctx: FlagContext) -> None:
    c.platform = v.parse_platform(value)
    if c.platform.count("/") >= 2:
        ctx.approximated("the CPU variant is not carried: nodeSelector takes os and arch")


def _runtime(c: Container, value: str, ctx: FlagContext) -> None:
    c.runtime = value
    if value == "runc":
        ctx.irrelevant("runc is the default runtime")
    else:
        ctx.approximated(f"runtimeClassName {value}: a RuntimeClass of that name must exist in the cluster")


def _storage_opt(c: Container, value: str, ctx: FlagContext) -> None:
    key, _val = v.parse_storage_opt(value)
    ctx.not_carried(f"storage option {key}: use resources.limits.ephemeral-storage for a size limit")


# Docker mounts /dev/shm nosuid,nodev,noexec (as the kubelet's default /dev/shm is); an emptyDir takes no
# mount options, so the bigger one d2k mounts lets programs run from it
_SHM_NOTE = ("an emptyDir in memory mounted at /dev/shm with that sizeLimit; Docker mounts /dev/shm noexec, nosuid "
             "and nodev, an emptyDir has no mount options: programs can run from it")


def _shm_size(c: Container, value: str, ctx: FlagContext) -> None:
    c.shm_size = v.parse_bytes(value)
    ctx.approximated(_SHM_NOTE)


def _hostname(c: Container, value: str, ctx: FlagContext) -> None:
    c.hostname = value


def _read_only(c: Container, value: str, ctx: FlagContext) -> None:
    c.read_only = v.parse_bool(value)


def _auto_remove(c: Container, value: str, ctx: FlagContext) -> None:
    c.auto_remove = v.parse_bool(value)
    ctx.note = "run-once: a Job unless something reaches it (the report says which workload it became)"


def _help(c: Container, value: str, ctx: FlagContext) -> None:
    raise HelpRequested()


def _attach(c: Container, value: str, ctx: FlagContext) -> None:
    c.attach.append(v.parse_attach(value))
    ctx.irrelevant("attaching the terminal is a client matter")


def _detach(c: Container, value: str, ctx: FlagContext) -> None:
    c.detach = v.parse_bool(value)
    ctx.irrelevant("workloads always run detached")


_NO_WINDOWS = "a Windows-only setting"
_NO_BLKIO = "no block I/O throttling in Kubernetes"
_NO_DEVICE = "devices need a device plugin or a privileged hostPath: not carried"

FLAGS: tuple[Flag, ...] = (
    custom("--add-host", handler=_add_host, doc="spec.hostAliases (host-gateway not carried)"),
    custom("--annotation", handler=_annotation, fate=Fate.APPROXIMATED, doc="Pod metadata.annotations"),
    custom("--attach", "-a", handler=_attach, fate=Fate.IRRELEVANT, doc="client I/O: not needed"),
    not_carried("--blkio-weight", reason=_NO_BLKIO, parse=v.parse_blkio_weight),
    not_carried("--blkio-weight-device", reason=_NO_BLKIO, parse=v.parse_weight_device),
    custom("--cap-add", handler=_cap("cap_add"), doc="securityContext.capabilities.add"),
    custom("--cap-drop", handler=_cap("cap_drop"), doc="securityContext.capabilities.drop"),
    not_carried("--cgroup-parent", reason="cgroups are the kubelet's to place"),
    not_carried("--cgroupns", reason="no cgroup namespace setting in Kubernetes", parse=v.parse_cgroupns),
    irrelevant("--cidfile", reason="a client-side file of the container id"),
    not_carried("--cpu-count", reason=_NO_WINDOWS, parse=_int("--cpu-count")),
    not_carried("--cpu-percent", reason=_NO_WINDOWS, parse=_int("--cpu-percent")),
    mapped("--cpu-period", attr="cpu_period", parse=_int("--cpu-period"), doc="limits.cpu = quota / period"),
    mapped("--cpu-quota", attr="cpu_quota", parse=_int("--cpu-quota"), doc="limits.cpu = quota / period"),
    not_carried("--cpu-rt-period", reason="no real-time scheduling in Kubernetes", parse=_int("--cpu-rt-period")),
    not_carried("--cpu-rt-runtime", reason="no real-time scheduling in Kubernetes", parse=_int("--cpu-rt-runtime")),
    custom("--cpu-shares", "-c", handler=_cpu_shares, fate=Fate.APPROXIMATED, doc="requests.cpu = shares/1024"),
    custom("--cpus", handler=_cpus, doc="resources.limits.cpu"),
    not_carried("--cpuset-cpus", reason="only the kubelet's static CPU manager pins CPUs", parse=v.parse_cpuset),
    not_carried("--cpuset-mems", reason="only the kubelet's memory manager pins NUMA nodes", parse=v.parse_cpuset),
    custom("--detach", "-d", handler=_detach, value=False, fate=Fate.IRRELEVANT,
           doc="workloads always run detached", run_only=True),
    irrelevant("--detach-keys", reason="a client key sequence", run_only=True),
    not_carried("--device", reason=_NO_DEVICE, parse=v.parse_device),
    not_carried("--device-cgroup-rule", reason=_NO_DEVICE, parse=v.parse_device_cgroup_rule),
    not_carried("--device-read-bps", reason=_NO_BLKIO, parse=v.parse_throttle_bps),
    not_carried("--device-read-iops", reason=_NO_BLKIO, parse=v.parse_throttle_iops),
    not_carried("--device-write-bps", reason=_NO_BLKIO, parse=v.parse_throttle_bps),
    not_carried("--device-write-iops", reason=_NO_BLKIO, parse=v.parse_throttle_iops),
    irrelevant("--disable-content-trust", reason="client-side image verification", parse=_bool, value=False),
    custom("--dns", handler=_dns, doc="spec.dnsConfig.nameservers"),
    listed("--dns-option", "--dns-opt", attr="dns_options", parse=v.parse_dns_option_text,
           doc="spec.dnsConfig.options"),
    listed("--dns-search", attr="dns_search", parse=v.parse_dns_search, doc="spec.dnsConfig.searches"),
    custom("--domainname", handler=_domainname, fate=Fate.NOT_CARRIED, doc="no NIS domain name in Kubernetes"),
    custom("--entrypoint", handler=_entrypoint, doc="containers[].command"),
    custom("--env", "-e", handler=_env, doc="env (credentials from a Secret)"),
    custom("--env-file", handler=_env_file, doc="a ConfigMap and envFrom (credentials in a Secret)"),
    custom("--expose", handler=_expose, doc="containers[].ports; a ClusterIP Service when others reach it"),
    custom("--gpus", handler=_gpus, doc="resources.limits nvidia.com/gpu"),
    custom("--group-add", handler=_group_add, doc="securityContext.supplementalGroups (numeric ids)"),
    custom("--health-cmd", handler=_health("test", _health_cmd), doc="a readinessProbe: sh -c (a livenessProbe too with --liveness-from-healthcheck)"),
    custom("--health-interval", handler=_health("interval", _nonneg_duration("--health-interval")),
           doc="probe periodSeconds"),
    custom("--health-retries", handler=_health("retries", v.parse_health_retries), doc="probe failureThreshold"),
    custom("--health-start-interval", handler=_health("start_interval", _nonneg_duration("--health-start-interval")),
           doc="startupProbe periodSeconds (with --liveness-from-healthcheck)"),
    custom("--health-start-period", handler=_health("start_period", _nonneg_duration("--health-start-period")),
           doc="a startupProbe covering the start period (with --liveness-from-healthcheck)"),
    custom("--health-timeout", handler=_health("timeout", _nonneg_duration("--health-timeout")),
           doc="probe timeoutSeconds"),
    custom("--help", handler=_help, value=False, fate=Fate.IRRELEVANT, doc="prints usage: the line creates nothing"),
    custom("--hostname", "-h", handler=_hostname, doc="spec.hostname"),
    custom("--init", handler=_init, value=False, fate=Fate.NOT_CARRIED, doc="no init process in Kubernetes"),
    switch("--interactive", "-i", attr="stdin_open", doc="containers[].stdin"),
    not_carried("--io-maxbandwidth", reason=_NO_WINDOWS, parse=v.parse_bytes),
    not_carried("--io-maxiops", reason=_NO_WINDOWS, parse=_int("--io-maxiops")),
    not_carried("--ip", reason="the CNI assigns Pod addresses", parse=lambda s: v.parse_ip(s, "--ip")),
    not_carried("--ip6", reason="the CNI assigns Pod addresses", parse=lambda s: v.parse_ip(s, "--ip6")),
    custom("--ipc", handler=_namespace_mode("ipc_mode", "hostIPC"), doc="host: hostIPC; container:X: one Pod"),
    not_carried("--isolation", reason=_NO_WINDOWS, parse=_isolation),
    not_carried("--kernel-memory", reason="deprecated in Docker", parse=_memory_size("--kernel-memory", "kernel memory")),
    custom("--label", "-l", handler=_label, doc="metadata.labels (annotations when not a valid label)"),
    custom("--label-file", handler=_label_file, doc="metadata.labels"),
    custom("--link", handler=_link, doc="a Service named after the alias"),
    not_carried("--link-local-ip", reason="the CNI assigns Pod addresses", parse=lambda s: v.parse_ip(s, "--link-local-ip")),
    not_carried("--log-driver", reason="cluster logging collects stdout and stderr"),
    not_carried("--log-opt", reason="cluster logging collects stdout and stderr", parse=v.parse_log_opt),
    not_carried("--mac-address", reason="the CNI assigns interfaces", parse=v.parse_mac),
    custom("--memory", "-m", handler=_memory("memory", "--memory", "memory limit"), doc="resources.limits.memory (binary units)"),
    custom("--memory-reservation", handler=_memory("memory_reservation", "--memory-reservation", "memory reservation"), doc="resources.requests.memory"),
    custom("--memory-swap", handler=_memory_swap, fate=Fate.NOT_CARRIED, doc="swap is a node setting in Kubernetes"),
    not_carried("--memory-swappiness", reason="swap is a node setting in Kubernetes", parse=v.parse_swappiness),
    custom("--mount", handler=_mount, doc="bind: hostPath; volume: PVC or emptyDir; tmpfs: memory emptyDir"),
    custom("--name", handler=_name, doc="metadata.name (DNS-1123)"),
    custom("--network", "--net", handler=_network, doc="host: hostNetwork; container:X: one Pod; user networks: Services"),
    custom("--network-alias", "--net-alias", handler=_network_alias, doc="a ClusterIP Service of that name"),
    switch("--no-healthcheck", attr="no_healthcheck", doc="no probes"),
    not_carried("--oom-kill-disable", reason="the kubelet decides OOM kills", parse=_bool, value=False),
    not_carried("--oom-score-adj", reason="the QoS class decides the OOM score", parse=v.parse_oom_score_adj),
    custom("--pid", handler=_namespace_mode("pid_mode", "hostPID"),
           doc="host: hostPID; container:X: one Pod with shareProcessNamespace"),
    not_carried("--pids-limit", reason="the PID limit is the kubelet's (podPidsLimit)", parse=_int("--pids-limit")),
    custom("--platform", handler=_platform, doc="nodeSelector kubernetes.io/os and kubernetes.io/arch"),
    switch("--privileged", attr="privileged", doc="securityContext.privileged"),
    custom("--publish", "-p", handler=_publish, doc="containers[].ports and a NodePort/LoadBalancer Service"),
    custom("--publish-all", "-P", handler=_publish_all, value=False, fate=Fate.APPROXIMATED,
           doc="an external Service on every exposed port"),
    custom("--pull", handler=_pull, doc="imagePullPolicy (IfNotPresent when not given, as Docker's missing)"),
    irrelevant("--quiet", "-q", reason="client output", parse=_bool, value=False),
    custom("--read-only", handler=_read_only, value=False, doc="securityContext.readOnlyRootFilesystem"),
    custom("--restart", handler=_restart, doc="restartPolicy within what the workload kind allows"),
    custom("--rm", handler=_auto_remove, value=False,
           doc="run-once: a Job unless something reaches it (published or called)"),
    custom("--runtime", handler=_runtime, fate=Fate.APPROXIMATED, doc="spec.runtimeClassName"),
    custom("--security-opt", handler=_security_opt,
           doc="seLinuxOptions, appArmorProfile, seccompProfile, allowPrivilegeEscalation"),
    custom("--shm-size", handler=_shm_size, fate=Fate.APPROXIMATED,
           doc="a memory emptyDir at /dev/shm with sizeLimit (without Docker's noexec, nosuid, nodev)"),
    irrelevant("--sig-proxy", reason="client signal forwarding", parse=_bool, value=False, run_only=True),
    custom("--stop-signal", handler=_stop_signal, fate=Fate.NOT_CARRIED, doc="Kubernetes sends SIGTERM"),
    custom("--stop-timeout", handler=_stop_timeout,
           doc="terminationGracePeriodSeconds (without it, Docker's 10 s; -1: a day)"),
    custom("--storage-opt", handler=_storage_opt, fate=Fate.NOT_CARRIED,
           doc="no storage driver options in Kubernetes (resources.limits.ephemeral-storage for a size)"),
    custom("--sysctl", handler=_sysctl, doc="spec.securityContext.sysctls"),
    custom("--tmpfs", handler=_tmpfs, doc="an emptyDir in memory"),
    switch("--tty", "-t", attr="tty", doc="containers[].tty"),
    not_carried("--ulimit", reason="no per-container ulimit in Kubernetes", parse=v.parse_ulimit),
    not_carried("--use-api-socket", reason="no Docker API socket in a Pod", parse=_bool, value=False),
    custom("--user", "-u", handler=_user, doc="securityContext.runAsUser/runAsGroup (numeric)"),
    irrelevant("--userns", reason="Pods use the host user namespace by default (spec.hostUsers: true)",
               parse=v.parse_userns),
    custom("--uts", handler=_uts, fate=Fate.NOT_CARRIED,
           doc="no host UTS namespace alone in Kubernetes (hostNetwork: true shares it)"),
    custom("--volume", "-v", handler=_volume, doc="named: PVC; anonymous: emptyDir; bind: hostPath"),
    not_carried("--volume-driver", reason="a StorageClass decides how claims are provisioned"),
    custom("--volumes-from", handler=_volumes_from, fate=Fate.APPROXIMATED, doc="the same volumes in both Pods"),
    mapped("--workdir", "-w", attr="workdir", parse=v.parse_workdir, doc="containers[].workingDir"),
)


def settle(c: Container) -> None:
    """Fates that hang on other flags of the line, known once all are read: a knob with nothing to turn."""
    for k, use in enumerate(c.flags):
        if use.fate is not Fate.MAPPED:
            continue
        if use.flag in _HEALTH_OPTIONS and (c.healthcheck is None or not c.healthcheck.test):
            c.flags[k] = replace(use, fate=Fate.NOT_CARRIED,
                                 note="it tunes the image's HEALTHCHECK, which d2k does not see: no probe without "
                                      "--health-cmd")  # fmt: skip
        elif use.flag == "--cpu-period" and not (c.cpu_quota and c.cpu_quota > 0):
            c.flags[k] = replace(use, fate=Fate.IRRELEVANT, note="without --cpu-quota the period limits nothing")


_HEALTH_OPTIONS = frozenset(
    {"--health-interval", "--health-retries", "--health-start-interval", "--health-start-period", "--health-timeout"}
)


@dataclass(frozen=True, slots=True)
class FlagTable:
    long: dict[str, Flag] = field(default_factory=dict)  # "publish" -> Flag
    short: dict[str, Flag] = field(default_factory=dict)  # "p" -> Flag


def _index(flags: tuple[Flag, ...]) -> FlagTable:
    table = FlagTable()
    for flag in flags:
        for name in flag.names:
            if name.startswith("--"):
                table.long[name[2:]] = flag
            else:
                table.short[name[1:]] = flag
    return table


TABLE = _index(FLAGS)
