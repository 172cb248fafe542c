"""Docker Engine API -> Containers: what `d2k from-running` reads.

The result must be the model `d2k from-commands` builds from the `docker run` lines that made
these containers, so every mapping subtracts what the engine added on its own: the image's
ENV, CMD, ENTRYPOINT, labels, workdir, user, healthcheck and stop signal, the container id used
as hostname and network alias, the default bridge, log driver, runtime, IPC mode and /dev/shm
size. What the image declares and still applies (EXPOSE ports, VOLUME paths) is kept, marked in
`Container.learned`, because Kubernetes must reproduce it.

Reading costs exactly one containers list call, one inspect per selected container and one per
distinct image (plus one version call when d2k opens the connection itself), run concurrently.
The reader never changes anything on the engine. This is the only module that imports `docker`,
and only inside functions, so `import d2k` stays cheap.

Choices worth knowing:
- Origins: `Origin(file="container NAME", line=0, text=...)`. The container's text is the
  `docker run` line that would recreate it (credential values redacted); each fact's text is
  the flag that sets it (`--publish 5423:80`). There is no line number, hence 0.
- Networks mirror the flags: no --network ("default") leaves network_mode ""; an explicit
  `--network bridge` stays "bridge"; `container:ID` becomes `container:NAME`. Aliases lose the
  container's own name, its short id and its hostname (Docker adds those by itself; the name
  always resolves on a user network). On one user network the aliases are `network_aliases`
  (`--network N --network-alias A`); on several they stay on each NetworkAttachment.
- Network drivers are not read (that would cost one call per network): Network.driver stays "bridge".
- A healthcheck is carried when it differs from the image's, merged as the engine runs it (a lone
  `--health-interval` keeps the image's test), so Kubernetes gets a complete probe.
- Security options are spelled as d2k's flag parser spells them (`no-new-privileges=true`);
  `label=disable`, which the engine adds to privileged containers, is dropped.
- Anonymous volumes (the image's VOLUME, `-v /path`, `--mount` without a source) become
  `Mount(type="volume", source="")`, never a volume named after its 64-hex id.
- Capabilities lose Docker's `CAP_` prefix (`NET_ADMIN`), as users and Kubernetes write them.
- Compose containers (labels com.docker.compose.project/.service) of one service become one
  Container named after the service with `replicas` = their count.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from d2k.errors import EngineError
from d2k.model import (
    Container,
    Dependency,
    EnvVar,
    Fate,
    FlagUse,
    Healthcheck,
    Link,
    Mount,
    Network,
    NetworkAttachment,
    Origin,
    Port,
    Volume,
    protocol_suffix,
)
from d2k.parsers.accounts import needed, read_files, resolve_group, resolve_user
from d2k.parsers.flags import SAFE_SYSCTLS, TABLE, dropped_mount_options
from d2k.parsers.storage import resolve_binds, special_bind_note
from d2k.patterns import lazy
from d2k.records import dataclass, field, replace
from d2k.report import Diagnostic, Severity
from d2k.secrets import redact_assignment

Payload = Mapping[str, Any]

COMPOSE_PREFIX = "com.docker.compose."
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NUMBER = "com.docker.compose.container-number"
COMPOSE_ONEOFF = "com.docker.compose.oneoff"
COMPOSE_WORKING_DIR = "com.docker.compose.project.working_dir"
COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on"

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DEFAULT_SHM_SIZE = 64 * 1024 * 1024
DEFAULT_LOG_DRIVER = "json-file"
DEFAULT_RUNTIME = "runc"
DEFAULT_BIND_PROPAGATION = "rprivate"
RUNNING_STATES = frozenset({"running", "paused", "restarting"})  # what `docker ps` lists without -a
NO_NETWORK_ATTACHMENT = frozenset({"bridge", "host", "none", "default"})
PROPAGATIONS = frozenset({"private", "rprivate", "shared", "rshared", "slave", "rslave"})
MAX_WORKERS = 8
_HEX64 = lazy(r"^[0-9a-f]{64}$")
_SIZE = lazy(r"^(\d+)([kmg]?)$", re.IGNORECASE)

@dataclass(slots=True)
class EngineResult:
    """What the engine held, as the model; api_calls counts every request made to read it."""

    containers: list[Container] = field(default_factory=list)
    networks: dict[str, Network] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    api_calls: int = 0


# --------------------------------------------------------------------------- small value helpers


def _list(value: Any) -> list[Any]:
    return list(value) if value else []


def _map(value: Any) -> dict[str, Any]:
    return dict(value) if value else {}


def short_id(container_id: str) -> str:
    return container_id.removeprefix("sha256:")[:12]


def format_bytes(size: int) -> str:
    """Bytes the way `--memory` takes them (binary units): 67108864 -> 64m."""
    for unit, factor in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if size and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def format_duration(nanoseconds: int) -> str:
    """A Go duration as `--health-interval` takes it: 5000000000 -> 5s."""
    if nanoseconds % 1_000_000_000 == 0:
        return f"{nanoseconds // 1_000_000_000}s"
    return f"{nanoseconds // 1_000_000}ms"


def parse_tmpfs_size(value: str) -> int | None:
    """The `size=` of a tmpfs mount option (k/m/g are binary, as the kernel reads them)."""
    match = _SIZE.match(value.strip())
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match.group(2).lower()]


def _seconds(nanoseconds: Any) -> float | None:
    return nanoseconds / 1e9 if nanoseconds else None


def _created_key(created: str) -> tuple[str, str]:
    """Inspect's Created (RFC 3339, nanoseconds with trailing zeros trimmed) as a sortable key."""
    stamp, _, rest = created.partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit())
    return stamp, digits.ljust(9, "0")


# --------------------------------------------------------------------------- flag recording


class Facts:
    """Collects the FlagUse for each fact carried from one inspect payload, and the origins they share."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.flags: list[FlagUse] = []
        self.learned: list[str] = []

    def origin(self, text: str = "") -> Origin:
        return Origin(self.where, 0, text)

    def flag(
        self, flag: str, value: str | None = None, *, fate: Fate | None = None, note: str = ""
    ) -> Origin:
        """Record `flag value` as if the user had written it; returns the origin for the fact."""
        text = flag if value is None else f"{flag} {shlex.quote(value)}"
        row = TABLE.long.get(flag.removeprefix("--"))
        default_fate, default_note = (row.fate, row.doc) if row else (Fate.MAPPED, "")
        origin = self.origin(text)
        self.flags.append(FlagUse(flag, origin, fate or default_fate, note or default_note))
        return origin


# --------------------------------------------------------------------------- pure mappings


def container_name(payload: Payload) -> str:
    return str(payload.get("Name") or "").lstrip("/") or short_id(str(payload.get("Id", "")))


def image_reference(config: Payload, image: Payload) -> str:
    """The image as the user wrote it; an image given by id is shown by its first tag."""
    written = str(config.get("Image") or "")
    tags = _list(image.get("RepoTags"))
    is_id = written.startswith("sha256:") or bool(_HEX64.match(written))
    if (is_id or not written) and tags:
        return str(tags[0])
    return written


def command_and_entrypoint(
    config: Payload, image_config: Payload
) -> tuple[list[str] | None, list[str] | None]:
    """(command, entrypoint) as `docker run` would have set them: only what differs from the image.

    Docker resets the image CMD whenever --entrypoint is given, so an overridden entrypoint takes
    the container's Cmd as its args; an entrypoint equal to the image's but with CMD gone can only
    come from --entrypoint too, so it is kept (Kubernetes then ignores the image CMD as well).
    """
    entrypoint = _list(config.get("Entrypoint"))
    cmd = _list(config.get("Cmd"))
    image_entrypoint = _list(image_config.get("Entrypoint"))
    image_cmd = _list(image_config.get("Cmd"))
    if entrypoint != image_entrypoint:
        return (cmd or None), entrypoint
    if cmd == image_cmd:
        return None, None
    if not cmd and image_cmd:
        return None, entrypoint
    return cmd, None


def env_overrides(env: Iterable[str], image_env: Iterable[str]) -> list[tuple[str, str | None]]:
    """The container's env entries that are not the image's own (PATH etc. drop out)."""
    inherited = set(image_env)
    result: list[tuple[str, str | None]] = []
    for entry in env:
        if entry in inherited:
            continue
        name, sep, value = entry.partition("=")
        result.append((name, value if sep else None))
    return result


def label_overrides(labels: Mapping[str, str], image_labels: Mapping[str, str]) -> dict[str, str]:
    """Labels minus the image's and minus compose's bookkeeping labels (used for grouping)."""
    return {
        key: value
        for key, value in labels.items()
        if not key.startswith(COMPOSE_PREFIX) and image_labels.get(key) != value
    }


def _port_key(spec: str) -> tuple[int, str]:
    number, _, protocol = spec.partition("/")
    return int(number), (protocol or "tcp").lower()


def _host_ip(value: str) -> str:
    return "" if value in ("", "0.0.0.0", "::") else value


def publish_text(port: Port) -> str:
    """`-p` syntax for one binding: [IP:][HOST_PORT:]PORT[/udp]."""
    target = f"{port.container_port}{protocol_suffix(port.protocol)}"
    host = "" if port.host_port is None else str(port.host_port)
    if port.host_ip:
        ip = f"[{port.host_ip}]" if ":" in port.host_ip else port.host_ip
        return f"{ip}:{host}:{target}"
    return f"{host}:{target}" if host else target


def ports_from(host_config: Payload, config: Payload, image_config: Payload, facts: Facts) -> list[Port]:
    """Published bindings first, then exposed ports: the user's --expose, then the image's EXPOSE."""
    ports: list[Port] = []
    published: set[tuple[int, str]] = set()
    for spec, bindings in sorted(
        _map(host_config.get("PortBindings")).items(), key=lambda kv: _port_key(kv[0])
    ):
        number, protocol = _port_key(spec)
        published.add((number, protocol))
        for binding in bindings or [{}]:
            host_port = str((binding or {}).get("HostPort") or "")
            port = Port(
                number,
                protocol,
                published=True,
                host_port=int(host_port) if host_port.isdigit() and int(host_port) else None,
                host_ip=_host_ip(str((binding or {}).get("HostIp") or "")),
            )
            origin = facts.flag("--publish", publish_text(port))
            ports.append(Port(port.container_port, port.protocol, True, port.host_port, port.host_ip, origin))
    image_exposed = {_port_key(spec) for spec in _map(image_config.get("ExposedPorts"))}
    from_image: list[str] = []
    for spec in sorted(_map(config.get("ExposedPorts")), key=_port_key):
        number, protocol = _port_key(spec)
        if (number, protocol) in published:
            continue
        if (number, protocol) in image_exposed:
            text = f"{number}/{protocol}"
            from_image.append(text)
            ports.append(Port(number, protocol, origin=facts.origin(f"EXPOSE {text} (image)")))
        else:
            value = str(number) if protocol == "tcp" else f"{number}/{protocol}"
            ports.append(Port(number, protocol, origin=facts.flag("--expose", value)))
    if from_image:
        facts.learned.append(f"ports {', '.join(from_image)} from the image's EXPOSE")
    return ports


def links_from(host_links: Iterable[str], display: Mapping[str, str], facts: Facts) -> list[Link]:
    """`/redis:/vote/redis` -> Link(target="redis", alias="redis"), sorted (the engine keeps no order)."""
    pairs: set[tuple[str, str]] = set()
    for entry in host_links:
        source, _, inner = entry.partition(":")
        target = source.lstrip("/")
        alias = inner.rsplit("/", 1)[-1] or target
        pairs.add((display.get(target, target), alias))
    return [Link(target, alias, facts.flag("--link", f"{target}:{alias}")) for target, alias in sorted(pairs)]


def _mode_with_names(mode: str, display: Mapping[str, str], diagnostics: list[str]) -> str:
    """`container:<id>` -> `container:<name>`; other modes unchanged."""
    if not mode.startswith("container:"):
        return mode
    ref = mode.partition(":")[2]
    name = display.get(ref)
    if name is None:
        diagnostics.append(f"{mode} names a container that was not listed; kept as container:{short_id(ref)}")
        return f"container:{short_id(ref)}"
    return f"container:{name}"


def networks_from(
    payload: Payload, display: Mapping[str, str], own_names: Iterable[str], facts: Facts, notes: list[str]
) -> tuple[str, list[NetworkAttachment], list[str]]:
    """(network_mode, user-defined networks, network aliases), as the `docker run` flags set them.

    No --network at all ("default") leaves network_mode ""; an explicit bridge/host/none/container:X
    is the mode. Docker's own aliases (short id, the container's name, its hostname) are removed
    so only --network-alias values remain: on a single user network they are the container's
    `network_aliases` (`--network N --network-alias A`), on several they stay per network
    (`--network name=N,alias=A`).
    """
    host_config = _map(payload.get("HostConfig"))
    mode = str(host_config.get("NetworkMode") or "default")
    attached = _map(_map(payload.get("NetworkSettings")).get("Networks"))
    if mode == "bridge":
        facts.flag(
            "--network",
            mode,
            fate=Fate.IRRELEVANT,
            note="the default bridge: every Pod is on the cluster network",
        )
        return mode, [], []
    if mode in ("host", "none") or mode.startswith("container:"):
        network_mode = _mode_with_names(mode, display, notes)
        if mode == "none":
            facts.flag(
                "--network",
                mode,
                fate=Fate.NOT_CARRIED,
                note="a Pod always has a network; a deny-all NetworkPolicy is the nearest thing",
            )
        else:
            facts.flag(
                "--network", network_mode, note="hostNetwork: true" if mode == "host" else "the same Pod"
            )
        return network_mode, [], []
    hostname = str(_map(payload.get("Config")).get("Hostname") or "")
    dropped = {short_id(str(payload.get("Id", ""))), hostname, *own_names}
    order = sorted(attached, key=lambda name: (name != mode, name))
    attachments: list[NetworkAttachment] = []
    flat: list[str] = []
    user_networks = [name for name in order if name not in NO_NETWORK_ATTACHMENT]
    for name in user_networks:
        aliases = tuple(
            dict.fromkeys(a for a in _list(_map(attached[name]).get("Aliases")) if a not in dropped)
        )
        if len(user_networks) == 1:
            attachments.append(NetworkAttachment(name, (), facts.flag("--network", name)))
            for alias in aliases:
                facts.flag("--network-alias", alias)
                flat.append(alias)
        else:
            text = ",".join([f"name={name}", *(f"alias={a}" for a in aliases)])
            attachments.append(NetworkAttachment(name, aliases, facts.flag("--network", text)))
    return "", attachments, flat


def _split_bind(bind: str) -> tuple[str, str, list[str]]:
    parts = bind.split(":")
    if len(parts) == 1:
        return "", parts[0], []
    if len(parts) == 2:
        return parts[0], parts[1], []
    return parts[0], parts[1], [o for o in ":".join(parts[2:]).split(",") if o]


def mounts_from(
    host_config: Payload,
    config: Payload,
    image_config: Payload,
    facts: Facts,
    shared: Iterable[str] = (),
) -> tuple[list[Mount], dict[str, str]]:
    """Mounts the way -v/--mount/--tmpfs wrote them, plus the image's VOLUMEs still in force.

    Read from HostConfig (Binds, Mounts, Tmpfs) and Config.Volumes rather than the runtime
    Mounts list, whose mode and propagation include engine defaults no user wrote. `shared`
    lists the targets --volumes-from brings in (they replace the image's VOLUME there). Returns
    the mounts and the named volumes they use (name -> "" driver, filled in by the caller).
    """
    mounts: list[Mount] = []
    named: dict[str, str] = {}
    covered: set[str] = set(shared)
    for bind in _list(host_config.get("Binds")):
        source, target, options = _split_bind(str(bind))
        covered.add(target)
        read_only = "ro" in options
        propagation = next((o for o in options if o in PROPAGATIONS), "")
        extra = tuple(o for o in options if o not in ("ro", "rw") and o not in PROPAGATIONS)
        kind = "bind" if source.startswith("/") else "volume"
        if kind == "volume" and source:
            named[source] = ""
        fate, note = _mount_fate(kind, source, extra)
        origin = facts.flag("--volume", str(bind), fate=fate, note=note)
        mounts.append(Mount(kind, target, source, read_only, propagation, options=extra, origin=origin))
    for spec in _list(host_config.get("Mounts")):
        spec = _map(spec)
        kind = str(spec.get("Type") or "volume")
        target = str(spec.get("Target") or "")
        source = str(spec.get("Source") or "")
        covered.add(target)
        bind_options = _map(spec.get("BindOptions"))
        volume_options = _map(spec.get("VolumeOptions"))
        tmpfs_options = _map(spec.get("TmpfsOptions"))
        words = [f"type={kind}"] + ([f"source={source}"] if source else []) + [f"target={target}"]
        words += ["readonly"] if spec.get("ReadOnly") else []
        propagation = str(bind_options.get("Propagation") or "")
        words += [f"bind-propagation={propagation}"] if propagation else []
        subpath = str(volume_options.get("Subpath") or "")
        words += [f"volume-subpath={subpath}"] if subpath else []
        kept: tuple[str, ...] = ("volume-nocopy=true",) if volume_options.get("NoCopy") else ()
        size = tmpfs_options.get("SizeBytes") or None
        words += [f"tmpfs-size={size}"] if size else []
        if tmpfs_options.get("Mode"):
            kept += (f"tmpfs-mode={int(tmpfs_options['Mode']):o}",)
        words += list(kept)
        if kind == "volume" and source:
            named[source] = str(_map(volume_options.get("DriverConfig")).get("Name") or "")
        if kind not in ("bind", "volume", "tmpfs"):
            origin = facts.flag(
                "--mount", ",".join(words), fate=Fate.NOT_CARRIED, note=f"Kubernetes has no {kind} mount"
            )
            continue
        fate, note = _mount_fate(kind, source, kept)
        origin = facts.flag("--mount", ",".join(words), fate=fate, note=note)
        mounts.append(
            Mount(kind, target, source, bool(spec.get("ReadOnly")), propagation, subpath, size, kept, origin)
        )
    for target, value in sorted(_map(host_config.get("Tmpfs")).items()):
        covered.add(target)
        opts = tuple(o for o in str(value or "").split(",") if o)
        size = next((parse_tmpfs_size(o[5:]) for o in opts if o.startswith("size=")), None)
        origin = facts.flag("--tmpfs", f"{target}:{value}" if value else target)
        mounts.append(Mount("tmpfs", target, "", "ro" in opts, size_limit=size, options=opts, origin=origin))
    image_volumes = set(_map(image_config.get("Volumes")))
    from_image: list[str] = []
    for target in sorted(_map(config.get("Volumes"))):
        if target in covered:
            continue
        if target in image_volumes:
            from_image.append(target)
            mounts.append(Mount("volume", target, "", origin=facts.origin(f"VOLUME {target} (image)")))
        else:
            mounts.append(Mount("volume", target, "", origin=facts.flag("--volume", target)))
    if from_image:
        facts.learned.append(f"anonymous volume {', '.join(from_image)} from the image's VOLUME (emptyDir)")
    return mounts, named


def _mount_fate(kind: str, source: str, options: tuple[str, ...]) -> tuple[Fate | None, str]:
    """Binds are hostPaths and mount options are dropped: both approximated, as for -v/--mount."""
    if kind == "bind":
        special = special_bind_note(source)
        return (
            Fate.APPROXIMATED,
            f"bind mount of {source}: {special or 'a hostPath volume, the path must exist on the node'}",
        )
    dropped = dropped_mount_options(options)
    if dropped:
        return Fate.APPROXIMATED, "mount options not carried: " + ", ".join(dropped)
    return None, ""


def security_opt(value: str) -> str:
    """The engine's SecurityOpt entry as d2k's flag parser spells it: `no-new-privileges=true`,
    `KEY=VALUE` (Docker also accepts `KEY:VALUE`); a seccomp profile the CLI inlined stays a marker."""
    key, sep, val = value.partition("=")
    if not sep and key != "no-new-privileges":
        key, sep, val = value.partition(":")
    if key == "no-new-privileges":
        return f"{key}={'false' if val.lower() in ('false', '0', 'f') else 'true'}"
    if key == "seccomp" and val.lstrip().startswith("{"):
        return "seccomp=<profile inlined by the docker CLI>"
    return f"{key}={val}" if sep else key


def _healthcheck_dict(value: Any) -> dict[str, Any]:
    check = _map(value)
    return {
        "Test": _list(check.get("Test")),
        "Interval": check.get("Interval") or 0,
        "Timeout": check.get("Timeout") or 0,
        "StartPeriod": check.get("StartPeriod") or 0,
        "StartInterval": check.get("StartInterval") or 0,
        "Retries": check.get("Retries") or 0,
    }


HEALTH_FLAGS = (
    ("Interval", "--health-interval"),
    ("Timeout", "--health-timeout"),
    ("StartPeriod", "--health-start-period"),
    ("StartInterval", "--health-start-interval"),
)


def healthcheck_from(config: Payload, image_config: Payload, facts: Facts) -> tuple[Healthcheck | None, bool]:
    """(healthcheck, no_healthcheck): set only when the container's differs from the image's.

    The engine merges a partial --health-* override with the image's healthcheck, so the merged
    check (what actually runs) is carried, and flags are recorded for the parts that differ.
    """
    mine = _healthcheck_dict(config.get("Healthcheck"))
    image = _healthcheck_dict(image_config.get("Healthcheck"))
    if mine == image or not config.get("Healthcheck"):
        return None, False
    test = mine["Test"]
    if test[:1] == ["NONE"]:
        facts.flag("--no-healthcheck")
        return None, True
    if test != image["Test"] and test:
        if test[0] == "CMD-SHELL":
            facts.flag("--health-cmd", " ".join(test[1:]))
        else:
            facts.flag(
                "--health-cmd",
                shlex.join(test[1:]),
                fate=Fate.MAPPED,
                note="exec form (CMD), as the image wrote it",
            )
    for key, flag in HEALTH_FLAGS:
        if mine[key] != image[key] and mine[key]:
            facts.flag(flag, format_duration(int(mine[key])))
    if mine["Retries"] != image["Retries"] and mine["Retries"]:
        facts.flag("--health-retries", str(mine["Retries"]))
    check = Healthcheck(
        tuple(test),
        interval=_seconds(mine["Interval"]),
        timeout=_seconds(mine["Timeout"]),
        start_period=_seconds(mine["StartPeriod"]),
        start_interval=_seconds(mine["StartInterval"]),
        retries=mine["Retries"] or None,
    )
    return check, False


def gpus_from(device_requests: Iterable[Any]) -> str:
    """DeviceRequests with the gpu capability -> the --gpus value (all, N or device=IDS)."""
    for request in device_requests:
        request = _map(request)
        capabilities = [c for group in _list(request.get("Capabilities")) for c in _list(group)]
        if "gpu" not in capabilities:
            continue
        if request.get("DeviceIDs"):
            return "device=" + ",".join(request["DeviceIDs"])
        count = request.get("Count") or 0
        return "all" if count == -1 else str(count)
    return ""


# HostConfig settings d2k cannot carry to Kubernetes: (key, flag, is-set test, note).
NOT_CARRIED: tuple[tuple[str, str, Callable[[Any, Payload], bool], str], ...] = (
    ("Devices", "--device", lambda v, h: bool(v), "needs a device plugin or a privileged hostPath"),
    (
        "DeviceCgroupRules",
        "--device-cgroup-rule",
        lambda v, h: bool(v),
        "no device cgroup rules in Kubernetes",
    ),
    ("Ulimits", "--ulimit", lambda v, h: bool(v), "no per-container ulimit in Kubernetes"),
    ("PidsLimit", "--pids-limit", lambda v, h: bool(v) and v > 0, "only the kubelet's podPidsLimit"),
    ("OomKillDisable", "--oom-kill-disable", lambda v, h: bool(v), "the QoS class decides OOM kills"),
    ("OomScoreAdj", "--oom-score-adj", lambda v, h: bool(v), "the QoS class decides the OOM score"),
    ("CpusetCpus", "--cpuset-cpus", lambda v, h: bool(v), "only the kubelet's static CPU manager pins CPUs"),
    ("CpusetMems", "--cpuset-mems", lambda v, h: bool(v), "no NUMA pinning per pod"),
    ("BlkioWeight", "--blkio-weight", lambda v, h: bool(v), "no block IO weights in Kubernetes"),
    ("BlkioDeviceReadBps", "--device-read-bps", lambda v, h: bool(v), "no block IO limits in Kubernetes"),
    ("BlkioDeviceWriteBps", "--device-write-bps", lambda v, h: bool(v), "no block IO limits in Kubernetes"),
    ("BlkioDeviceReadIOps", "--device-read-iops", lambda v, h: bool(v), "no block IO limits in Kubernetes"),
    ("BlkioDeviceWriteIOps", "--device-write-iops", lambda v, h: bool(v), "no block IO limits in Kubernetes"),
    ("CpuRealtimePeriod", "--cpu-rt-period", lambda v, h: bool(v), "no realtime scheduling in Kubernetes"),
    ("CpuRealtimeRuntime", "--cpu-rt-runtime", lambda v, h: bool(v), "no realtime scheduling in Kubernetes"),
    ("KernelMemory", "--kernel-memory", lambda v, h: bool(v), "deprecated, no equivalent"),
    (
        "MemorySwappiness",
        "--memory-swappiness",
        lambda v, h: v not in (None, -1),
        "swap is the node's setting",
    ),
    # the engine sets MemorySwap to twice --memory by itself
    (
        "MemorySwap",
        "--memory-swap",
        lambda v, h: bool(v) and v != 2 * (h.get("Memory") or 0),
        "swap is the node's setting",
    ),
    ("CgroupParent", "--cgroup-parent", lambda v, h: bool(v), "the kubelet owns the cgroup tree"),
    ("UsernsMode", "--userns", lambda v, h: bool(v), "user namespaces are the node's setting"),
    ("StorageOpt", "--storage-opt", lambda v, h: bool(v), "closest is an ephemeral-storage limit"),
)


def _not_carried(host_config: Payload, facts: Facts) -> None:
    for key, flag, is_set, note in NOT_CARRIED:
        value = host_config.get(key)
        if is_set(value, host_config):
            for shown in flag_values(value):
                facts.flag(flag, shown, fate=Fate.NOT_CARRIED, note=note)


def flag_values(value: Any) -> list[str]:
    """A HostConfig setting as the flag values that set it: one per list item or map entry."""
    if isinstance(value, Mapping):
        return [f"{k}={v}" for k, v in value.items()]
    if not isinstance(value, list):
        return [str(value)]
    values = []
    for item in value:
        if isinstance(item, Mapping) and "Soft" in item:  # Ulimits: NAME=SOFT:HARD
            values.append(f"{item.get('Name')}={item.get('Soft')}:{item.get('Hard')}")
        elif isinstance(item, Mapping):  # Devices, Blkio*: the fields in flag order
            values.append(":".join(str(v) for v in item.values()))
        else:
            values.append(str(item))
    return values


def _capability(name: str) -> str:
    upper = name.upper()
    return upper.removeprefix("CAP_")


def _add_host(entry: str) -> tuple[str, str]:
    """`db.local:10.0.0.5` (or `db.local=10.0.0.5`) -> ("db.local", "10.0.0.5"); IPv6 keeps its colons."""
    for separator in ("=", ":"):
        host, sep, ip = entry.partition(separator)
        if sep:
            return host, ip.strip("[]")
    return entry, ""


def _ns_mode(value: str, defaults: Iterable[str]) -> str:
    return "" if value in defaults else value


def container_from_inspect(
    payload: Payload,
    image: Payload | None = None,
    *,
    display: Mapping[str, str] | None = None,
    name: str | None = None,
    mount_targets: Mapping[str, Iterable[str]] | None = None,
    accounts: Mapping[str, str] | None = None,
) -> tuple[Container, dict[str, str], list[str]]:
    """One inspect payload (and its image's) -> the Container `docker run` would have described.

    `display` maps container ids and names to the names containers have in the result (compose
    services are renamed after the service); `name` overrides this container's own;
    `mount_targets` maps other containers' names to their mount targets, for --volumes-from.
    `accounts` holds the container's /etc/passwd and /etc/group (d2k.parsers.accounts), read only
    when a user or group is a name. Returns the Container, the named volumes it uses (name -> driver)
    and notes for diagnostics.
    """
    display = display or {}
    image = image or {}
    config = _map(payload.get("Config"))
    host_config = _map(payload.get("HostConfig"))
    image_config = _map(image.get("Config"))
    own = container_name(payload)
    name = name or display.get(own, own)
    facts = Facts(f"container {own}")
    notes: list[str] = []

    command, entrypoint = command_and_entrypoint(config, image_config)
    if entrypoint is not None:
        facts.flag("--entrypoint", shlex.join(entrypoint) if entrypoint else "")

    env = {}
    for key, value in env_overrides(_list(config.get("Env")), _list(image_config.get("Env"))):
        text = key if value is None else redact_assignment(f"{key}={value}")
        env[key] = EnvVar(key, value, facts.flag("--env", text))
    labels = label_overrides(_map(config.get("Labels")), _map(image_config.get("Labels")))
    for key, value in labels.items():
        facts.flag("--label", redact_assignment(f"{key}={value}"))

    ports = ports_from(host_config, config, image_config, facts)
    publish_all = bool(host_config.get("PublishAllPorts"))
    if publish_all:
        facts.flag("--publish-all")
    links = links_from(_list(host_config.get("Links")), display, facts)
    own_names = {own, name}
    network_mode, networks, network_aliases = networks_from(payload, display, own_names, facts, notes)
    shared: set[str] = set()
    for entry in _list(host_config.get("VolumesFrom")):
        source = str(entry).partition(":")[0]
        if mount_targets is not None and source in mount_targets:
            shared.update(mount_targets[source])
        else:
            facts.learned.append(f"--volumes-from {source}: {source} was not read, its mounts are not known")
    mounts, named_volumes = mounts_from(host_config, config, image_config, facts, shared)
    drivers = {
        str(m.get("Name")): str(m.get("Driver") or "local")
        for m in _list(payload.get("Mounts"))
        if _map(m).get("Type") == "volume"
    }
    named_volumes = {
        volume: driver or drivers.get(volume, "local") for volume, driver in named_volumes.items()
    }
    volumes_from: list[tuple[str, str]] = []
    for entry in _list(host_config.get("VolumesFrom")):
        source, _, mode = str(entry).partition(":")
        volumes_from.append((display.get(source, source), mode or "rw"))
        facts.flag("--volumes-from", str(entry))

    workdir = str(config.get("WorkingDir") or "")
    workdir = "" if workdir == (image_config.get("WorkingDir") or "") else workdir
    if workdir:
        facts.flag("--workdir", workdir)
    user = str(config.get("User") or "")
    user = "" if user == (image_config.get("User") or "") else user
    resolved = resolve_user(user, accounts) if user and accounts else None
    if resolved is not None and resolved != user:
        files = " and ".join(sorted(accounts or ()))
        facts.flag("--user", user, note=f"{user} is {resolved} in the container's {files}")
        facts.learned.append(f"user {user} is {resolved} (runAsUser/runAsGroup) in the container's {files}, "
                             "read through the engine's archive endpoint")
        user = resolved
    elif user:
        uid, _, gid = user.partition(":")
        numeric = (uid.isdigit() or uid == "root") and (not gid or gid.isdigit())
        facts.flag(
            "--user",
            user,
            fate=None if numeric else Fate.APPROXIMATED,
            note="" if numeric else "Kubernetes needs numeric user and group ids",
        )
    healthcheck, no_healthcheck = healthcheck_from(config, image_config, facts)

    hostname = str(config.get("Hostname") or "")
    if hostname == short_id(str(payload.get("Id", ""))):
        hostname = ""
    elif hostname and host_config.get("NetworkMode") == "host":
        facts.learned.append(f"hostname {hostname} not carried: with --network host it is the host's name")
        hostname = ""
    if hostname:
        facts.flag("--hostname", hostname)
    domainname = str(config.get("Domainname") or "")
    if domainname:
        facts.flag("--domainname", domainname)

    policy = _map(host_config.get("RestartPolicy"))
    restart = str(policy.get("Name") or "")
    restart = "" if restart == "no" else restart
    retries = int(policy.get("MaximumRetryCount") or 0) if restart == "on-failure" else 0
    if restart:
        facts.flag("--restart", f"{restart}:{retries}" if retries else restart)
    auto_remove = bool(host_config.get("AutoRemove"))
    if auto_remove:
        facts.flag("--rm")

    def resource(key: str, flag: str, render: Callable[[int], str], default: int = 0) -> int | None:
        value = int(host_config.get(key) or 0)
        if value in (0, default):
            return None
        facts.flag(flag, render(value))
        return value

    nano_cpus = resource("NanoCpus", "--cpus", lambda v: f"{v / 1e9:.9f}".rstrip("0").rstrip("."))
    cpu_shares = resource("CpuShares", "--cpu-shares", str)
    cpu_quota = resource("CpuQuota", "--cpu-quota", str)
    cpu_period = resource("CpuPeriod", "--cpu-period", str)
    memory = resource("Memory", "--memory", format_bytes)
    memory_reservation = resource("MemoryReservation", "--memory-reservation", format_bytes)
    shm_size = resource("ShmSize", "--shm-size", format_bytes, DEFAULT_SHM_SIZE)
    gpus = gpus_from(_list(host_config.get("DeviceRequests")))
    if gpus:
        facts.flag("--gpus", gpus)

    privileged = bool(host_config.get("Privileged"))
    if privileged:
        facts.flag("--privileged")
    cap_add = [_capability(c) for c in _list(host_config.get("CapAdd"))]
    cap_drop = [_capability(c) for c in _list(host_config.get("CapDrop"))]
    for cap in cap_add:
        facts.flag("--cap-add", cap)
    for cap in cap_drop:
        facts.flag("--cap-drop", cap)
    read_only = bool(host_config.get("ReadonlyRootfs"))
    if read_only:
        facts.flag("--read-only")
    security_opts = [security_opt(str(o)) for o in _list(host_config.get("SecurityOpt"))]
    if privileged and "label=disable" in security_opts:
        security_opts.remove("label=disable")  # the engine adds it to every privileged container
    if host_config.get("MaskedPaths") == [] and "systempaths=unconfined" not in security_opts:
        security_opts.append("systempaths=unconfined")  # the CLI turns it into empty MaskedPaths
    for opt in security_opts:
        inlined = opt.startswith("seccomp=<")
        facts.flag(
            "--security-opt",
            opt,
            fate=Fate.APPROXIMATED if inlined else None,
            note="a Localhost seccomp profile: the file must be installed on every node" if inlined else "",
        )
    sysctls = {str(k): str(v) for k, v in _map(host_config.get("Sysctls")).items()}
    for key, value in sysctls.items():
        unsafe = key not in SAFE_SYSCTLS
        facts.flag(
            "--sysctl",
            f"{key}={value}",
            fate=Fate.APPROXIMATED if unsafe else None,
            note=f"{key} is an unsafe sysctl: the kubelet must allow it" if unsafe else "",
        )
    add_hosts = [_add_host(str(entry)) for entry in _list(host_config.get("ExtraHosts"))]
    for host, ip in add_hosts:
        facts.flag("--add-host", f"{host}:{ip}")
    dns = [str(v) for v in _list(host_config.get("Dns"))]
    dns_search = [str(v) for v in _list(host_config.get("DnsSearch"))]
    dns_options = [str(v) for v in _list(host_config.get("DnsOptions"))]
    for flag, values in (("--dns", dns), ("--dns-search", dns_search), ("--dns-option", dns_options)):
        for value in values:
            facts.flag(flag, value)
    group_add = [str(g) for g in _list(host_config.get("GroupAdd"))]
    for i, group in enumerate(group_add):
        number = resolve_group(group, accounts) if accounts else None
        if number is not None and number != group:
            facts.flag("--group-add", group, note=f"group {group} is {number} in the container's /etc/group")
            facts.learned.append(f"group {group} is {number} (supplementalGroups) in the container's /etc/group, "
                                 "read through the engine's archive endpoint")
            group_add[i] = number
            continue
        facts.flag(
            "--group-add",
            group,
            fate=None if group.isdigit() else Fate.NOT_CARRIED,
            note="" if group.isdigit() else f"group {group} is a name: supplementalGroups takes numeric ids",
        )

    pid_mode = _mode_with_names(_ns_mode(str(host_config.get("PidMode") or ""), ("",)), display, notes)
    ipc_mode = _mode_with_names(
        _ns_mode(str(host_config.get("IpcMode") or ""), ("", "private", "shareable")), display, notes
    )
    uts_mode = _ns_mode(str(host_config.get("UTSMode") or ""), ("",))
    for flag, value in (("--pid", pid_mode), ("--ipc", ipc_mode), ("--uts", uts_mode)):
        if value:
            facts.flag(flag, value)

    stop_timeout = config.get("StopTimeout")
    if stop_timeout is not None:
        facts.flag("--stop-timeout", str(stop_timeout))
    stop_signal = str(config.get("StopSignal") or "")
    stop_signal = "" if stop_signal == (image_config.get("StopSignal") or "") else stop_signal
    if stop_signal:
        facts.flag("--stop-signal", stop_signal)
    init = bool(host_config.get("Init"))
    if init:
        facts.flag("--init")
    tty = bool(config.get("Tty"))
    if tty:
        facts.flag("--tty")
    stdin_open = bool(config.get("OpenStdin"))
    if stdin_open:
        facts.flag("--interactive")
    runtime = str(host_config.get("Runtime") or "")
    runtime = "" if runtime == DEFAULT_RUNTIME else runtime
    if runtime:
        facts.flag("--runtime", runtime)
    annotations = {str(k): str(v) for k, v in _map(host_config.get("Annotations")).items()}
    for key, value in annotations.items():
        facts.flag(
            "--annotation",
            f"{key}={value}",
            fate=Fate.APPROXIMATED,
            note="pod annotations do not reach the OCI runtime",
        )
    log = _map(host_config.get("LogConfig"))
    if log.get("Type") and log.get("Type") != DEFAULT_LOG_DRIVER:
        facts.flag("--log-driver", str(log["Type"]))
    for key, value in _map(log.get("Config")).items():
        facts.flag("--log-opt", f"{key}={value}")
    if config.get("MacAddress"):
        facts.flag("--mac-address", str(config["MacAddress"]))
    if host_config.get("VolumeDriver"):
        facts.flag("--volume-driver", str(host_config["VolumeDriver"]))
    _not_carried(host_config, facts)

    state = _map(payload.get("State"))
    status = str(state.get("Status") or "")
    if status and status not in RUNNING_STATES:
        facts.learned.append(f"container {own} was not running ({status}) when read")

    image_name = image_reference(config, image)
    container = Container(
        image_inspected=True,
        name=name,
        image=image_name,
        origin=Origin(facts.where, 0, run_line(name, image_name, facts.flags, command)),
        command=command,
        entrypoint=entrypoint,
        env=env,
        ports=ports,
        publish_all=publish_all,
        links=links,
        networks=networks,
        network_aliases=network_aliases,
        network_mode=network_mode,
        mounts=mounts,
        volumes_from=volumes_from,
        workdir=workdir,
        user=user,
        group_add=group_add,
        hostname=hostname,
        domainname=domainname,
        labels=labels,
        annotations=annotations,
        restart=restart,
        restart_max_retries=retries or None,
        healthcheck=healthcheck,
        no_healthcheck=no_healthcheck,
        nano_cpus=nano_cpus,
        cpu_shares=cpu_shares,
        cpu_quota=cpu_quota,
        cpu_period=cpu_period,
        memory=memory,
        memory_reservation=memory_reservation,
        gpus=gpus,
        shm_size=shm_size,
        privileged=privileged,
        cap_add=cap_add,
        cap_drop=cap_drop,
        read_only=read_only,
        security_opts=security_opts,
        sysctls=sysctls,
        add_hosts=add_hosts,
        dns=dns,
        dns_search=dns_search,
        dns_options=dns_options,
        pid_mode=pid_mode,
        ipc_mode=ipc_mode,
        uts_mode=uts_mode,
        stop_timeout=int(stop_timeout) if stop_timeout is not None else None,
        stop_signal=stop_signal,
        init=init,
        tty=tty,
        stdin_open=stdin_open,
        detach=True,  # read as `docker run -d` (run_line): how the client attached is not the workload's
        auto_remove=auto_remove,
        runtime=runtime,
        flags=facts.flags,
        learned=facts.learned,
    )
    return container, named_volumes, notes


def run_line(name: str, image: str, flags: Iterable[FlagUse], command: list[str] | None) -> str:
    """The `docker run` line that would recreate the container (credentials already redacted)."""
    words = ["docker run -d", f"--name {shlex.quote(name)}", *(f.text for f in flags), shlex.quote(image)]
    if command:
        words.append(shlex.join(command))
    return " ".join(words)


# --------------------------------------------------------------------------- selection and grouping


@dataclass(frozen=True, slots=True)
class Listed:
    """One row of the containers list call: enough to select, group and name containers."""

    id: str
    name: str
    state: str
    image_id: str
    labels: Mapping[str, str]

    @property
    def compose(self) -> tuple[str, str] | None:
        project, service = self.labels.get(COMPOSE_PROJECT), self.labels.get(COMPOSE_SERVICE)
        if project and service and self.labels.get(COMPOSE_ONEOFF, "False") != "True":
            return project, service
        return None


def listed_from(row: Payload) -> Listed:
    """A list row; Names also holds link names (`/vote/redis`), so the plain one is picked."""
    names = [str(n).lstrip("/") for n in _list(row.get("Names"))]
    plain = next((n for n in names if "/" not in n), names[0] if names else short_id(str(row.get("Id", ""))))
    return Listed(
        str(row.get("Id", "")),
        plain,
        str(row.get("State") or ""),
        str(row.get("ImageID") or ""),
        _map(row.get("Labels")),
    )


def select(
    rows: list[Listed],
    *,
    names: list[str] | None,
    include_stopped: bool,
    project: str | None,
    address: str,
) -> tuple[list[Listed], list[Listed]]:
    """(selected, stopped ones skipped); EngineError when nothing, or a named container, is missing."""
    if project is not None:
        rows = [r for r in rows if r.labels.get(COMPOSE_PROJECT) == project]
    if names:
        chosen: dict[str, Listed] = {}
        for wanted in names:
            found = [
                r
                for r in rows
                if wanted in (r.name, r.id)
                or (len(wanted) >= 4 and r.id.startswith(wanted))
                or (r.compose is not None and r.compose[1] == wanted)
            ]
            if not found:
                where = f" in compose project {project!r}" if project is not None else ""
                raise EngineError(
                    f"no container named {wanted!r}{where} on the Docker engine at {address}: "
                    "check the name with `docker ps -a`"
                )
            chosen.update((r.id, r) for r in found)
        rows = [r for r in rows if r.id in chosen]
    skipped = [] if include_stopped else [r for r in rows if r.state not in RUNNING_STATES]
    selected = [r for r in rows if r not in skipped]
    if names and skipped:
        listed = ", ".join(f"{r.name} ({r.state})" for r in skipped)
        raise EngineError(f"not running: {listed}: start them, or pass --all to read stopped containers too")
    if not selected:
        what = f" of compose project {project!r}" if project is not None else ""
        if skipped:
            raise EngineError(
                f"no running container{what} on the Docker engine at {address} ({len(skipped)} stopped): "
                "start them, or pass --all to read stopped containers too"
            )
        raise EngineError(
            f"no container{what} matches on the Docker engine at {address}: run your containers first, "
            "or point DOCKER_HOST at the engine that runs them"
        )
    return selected, skipped


def display_names(rows: list[Listed], selected: list[Listed]) -> tuple[dict[str, str], list[str]]:
    """Container id and name -> the name it has in the result: compose replicas take their service's.

    A service name that clashes with another container or service becomes PROJECT-SERVICE.
    """
    groups: dict[tuple[str, str], list[Listed]] = {}
    for row in selected:
        if row.compose:
            groups.setdefault(row.compose, []).append(row)
    taken = [r.name for r in selected if not r.compose] + [service for _, service in groups]
    notes: list[str] = []
    display: dict[str, str] = {}
    for row in rows:
        display[row.id] = display[row.name] = row.name
    for (project, service), members in groups.items():
        chosen = service if taken.count(service) == 1 else f"{project}-{service}"
        if chosen != service:
            notes.append(
                f"compose service {service!r} of project {project!r} is named {chosen!r}: {service!r} is taken"
            )
        for row in members:
            display[row.id] = display[row.name] = chosen
    return display, notes


def _number(row: Listed) -> tuple[int, str]:
    number = row.labels.get(COMPOSE_NUMBER, "")
    return (int(number) if number.isdigit() else 1 << 30), row.name


# --------------------------------------------------------------------------- talking to the engine


class _Counter:
    """Counts API calls; thread-safe because inspects run concurrently."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        return fn(*args, **kwargs)


def _environment_address() -> tuple[str, dict[str, Any]]:
    """The engine address and APIClient kwargs, as the docker CLI finds them.

    DOCKER_HOST (with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) wins; otherwise DOCKER_CONTEXT or the
    CLI's current context; otherwise the default socket. A Podman socket works through DOCKER_HOST.
    """
    import docker

    kwargs: dict[str, Any] = docker.utils.kwargs_from_env()
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"], kwargs
    try:
        from docker.context import ContextAPI

        name = os.environ.get("DOCKER_CONTEXT")
        context = ContextAPI.get_context(name) if name else ContextAPI.get_current_context()
    except Exception:  # a broken CLI config must not hide the default socket
        context = None
    if context is not None and context.Host and context.Name != "default":
        kwargs["base_url"] = context.Host
        if context.TLSConfig:
            kwargs["tls"] = context.TLSConfig
        return str(context.Host), kwargs
    return DEFAULT_SOCKET, kwargs


def _address_of(client: Any) -> str:
    adapter = getattr(client, "_custom_adapter", None)
    socket_path = getattr(adapter, "socket_path", None)
    if socket_path:
        return f"unix://{socket_path}"
    return str(getattr(client, "base_url", "the Docker engine"))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its chain, and exceptions tucked into args (requests/urllib3 wrap them so)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        stack.extend(a for a in current.args if isinstance(a, BaseException))


def engine_error(exc: BaseException, address: str) -> EngineError:
    """One line telling the user what is wrong with reaching the engine and what to do."""
    causes = list(_causes(exc))
    if any(isinstance(c, FileNotFoundError) for c in causes):
        return EngineError(
            f"no Docker engine at {address}: the socket does not exist. Start the engine, or set "
            "DOCKER_HOST to its socket (Podman: unix://$XDG_RUNTIME_DIR/podman/podman.sock)"
        )
    if any(isinstance(c, PermissionError) for c in causes):
        return EngineError(
            f"permission denied on the Docker engine socket {address}: add your user to the docker "
            "group (then log in again), or set DOCKER_HOST to a socket you may use"
        )
    for cause in causes:
        response = getattr(cause, "response", None)
        status = getattr(response, "status_code", None)
        if status is not None:
            explanation = getattr(cause, "explanation", None) or str(cause)
            return EngineError(f"the Docker engine at {address} answered {status}: {explanation}")
    return EngineError(
        f"cannot reach the Docker engine at {address}: is it running? Set DOCKER_HOST "
        f"(and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH for TLS) to point d2k at it ({type(exc).__name__})"
    )


def connect() -> tuple[Any, str]:
    """A client for the engine the environment names: d2k's own on a local unix socket without TLS,
    the SDK's low-level APIClient otherwise (TLS, SSH, contexts); both negotiate the API version."""
    path = _local_socket()
    if path is not None:
        from d2k.parsers.engine_http import SocketClient

        address = f"unix://{path}"
        try:
            return SocketClient(path), address
        except Exception as exc:
            raise engine_error(exc, address) from exc
    import docker

    address = DEFAULT_SOCKET
    try:
        address, kwargs = _environment_address()
        return docker.APIClient(version="auto", **kwargs), address
    except docker.errors.TLSParameterError as exc:
        raise EngineError(f"bad TLS settings for the Docker engine at {address}: {exc}") from exc
    except Exception as exc:
        raise engine_error(exc, address) from exc


def _local_socket() -> str | None:
    """The unix socket path when the engine is a local socket spoken to without TLS, else None.

    DOCKER_HOST=unix://PATH (TLS variables unset), or no DOCKER_HOST and no context other than
    `default` chosen (DOCKER_CONTEXT, or currentContext in the CLI's config.json): the default
    socket. A context or any other address is the SDK's to resolve.
    """
    host = os.environ.get("DOCKER_HOST", "")
    if host:
        if host.startswith("unix://") and not os.environ.get("DOCKER_TLS_VERIFY"):
            return host.removeprefix("unix://") or None
        return None
    context = os.environ.get("DOCKER_CONTEXT", "")
    if not context:
        config_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
        try:
            with open(os.path.join(config_dir, "config.json"), encoding="utf-8") as handle:
                context = str(json.load(handle).get("currentContext") or "")
        except (OSError, ValueError, AttributeError):
            context = ""
    if context and context != "default":
        return None
    return DEFAULT_SOCKET.removeprefix("unix://")


def _is_not_found(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) == 404


def _inspect_all(
    client: Any,
    rows: list[Listed],
    counter: _Counter,
    progress: Callable[[str, int, int], None] | None,
    address: str,
) -> tuple[dict[str, Payload], dict[str, Payload], list[str]]:
    """Inspect every container and every distinct image concurrently; (containers, images, vanished)."""
    containers: dict[str, Payload] = {}
    images: dict[str, Payload] = {}
    vanished: list[str] = []
    image_ids = sorted({r.image_id for r in rows if r.image_id})
    total = {"container": len(rows), "image": len(image_ids)}  # counted apart: a bar says "3/5 containers, 1/2 images"
    done = {"container": 0, "image": 0}

    def finish(future: Future[Any], kind: str, key: str) -> None:
        try:
            payload = future.result()
        except Exception as exc:
            if not _is_not_found(exc):
                raise engine_error(exc, address) from exc
            if kind == "container":
                vanished.append(key)
            else:
                images[key] = {}
        else:
            (containers if kind == "container" else images)[key] = payload
        done[kind] += 1
        if progress is not None:
            progress(kind + "s", done[kind], total[kind])

    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, sum(total.values())))) as pool:
        pending: dict[Future[Any], tuple[str, str]] = {}
        for row in rows:
            pending[pool.submit(counter.call, client.inspect_container, row.id)] = ("container", row.id)
        for image_id in image_ids:
            pending[pool.submit(counter.call, client.inspect_image, image_id)] = ("image", image_id)
        for future in as_completed(pending):
            finish(future, *pending[future])
        # a list row without ImageID (old engines, some Podman versions): images from the inspects
        late = sorted({str(p.get("Image") or "") for p in containers.values()} - set(images) - {""})
        if late:
            total["image"] += len(late)
            futures = {pool.submit(counter.call, client.inspect_image, i): ("image", i) for i in late}
            for future in as_completed(futures):
                finish(future, *futures[future])
    return containers, images, vanished


def _accounts(
    api: Any, counter: _Counter, payloads: Mapping[str, Payload], images: Mapping[str, Payload], address: str
) -> dict[str, dict[str, str]]:
    """/etc/passwd and /etc/group of the containers whose user or added groups are names (one call a file)."""
    out: dict[str, dict[str, str]] = {}
    for container_id, payload in sorted(payloads.items()):
        config = _map(payload.get("Config"))
        image_user = _map(_map(images.get(str(payload.get("Image") or ""))).get("Config")).get("User") or ""
        user = str(config.get("User") or "")
        user = "" if user == image_user else user
        groups = [str(g) for g in _list(_map(payload.get("HostConfig")).get("GroupAdd"))]
        paths = needed(user, groups)
        if paths:
            try:
                out[container_id] = read_files(counter.call, api, container_id, paths)
            except Exception as exc:
                raise engine_error(exc, address) from exc
    return out


def read_engine(
    names: list[str] | None = None,
    *,
    all: bool = False,
    filters: dict[str, list[str]] | None = None,
    project: str | None = None,
    client: object | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> EngineResult:
    """Read containers from a Docker (or Podman) engine into the model `from-commands` builds.

    names: container names, id prefixes or compose service names (default: every container);
    all: include stopped containers; filters: passed to the engine's list call (`docker ps
    --filter`); project: only that compose project; client: a docker.APIClient to use instead of
    the environment's engine (a DockerClient is accepted too); progress(kind, done, total) is
    called as each inspect finishes, kind "containers" or "images", each counted apart. Raises EngineError (one line, what to do) when
    the engine cannot be reached or nothing matches.
    """
    counter = _Counter()
    if client is None:
        client, address = connect()
        counter.calls += 1  # the version negotiation
    else:
        client = getattr(client, "api", client)  # a docker.DockerClient carries its APIClient
        address = _address_of(client)
    api: Any = client
    try:
        rows = [listed_from(row) for row in counter.call(api.containers, all=True, filters=filters or None)]
    except EngineError:
        raise
    except Exception as exc:
        raise engine_error(exc, address) from exc
    # The list always includes stopped containers (one call either way) so that container:ID
    # references resolve to names; `docker ps` without -a would show only running ones.
    include_stopped = all or "status" in (filters or {})
    selected, skipped = select(
        rows, names=names, include_stopped=include_stopped, project=project, address=address
    )
    display, naming_notes = display_names(rows, selected)
    payloads, images, vanished = _inspect_all(api, selected, counter, progress, address)
    accounts = _accounts(api, counter, payloads, images, address)

    result = EngineResult()
    diagnostics = result.diagnostics
    if skipped:
        diagnostics.append(
            Diagnostic(
                "engine-stopped-skipped",
                Severity.INFO,
                f"skipped {len(skipped)} stopped container(s) ({', '.join(r.name for r in skipped)}): pass --all to read them",
            )
        )
    for note in naming_notes:
        diagnostics.append(Diagnostic("engine-name-clash", Severity.INFO, note))
    for container_id in vanished:
        diagnostics.append(
            Diagnostic(
                "engine-container-vanished",
                Severity.INFO,
                f"container {display.get(container_id, short_id(container_id))} was removed while d2k read the engine",
            )
        )
    present = [r for r in selected if r.id in payloads]
    present.sort(key=lambda r: (_created_key(str(payloads[r.id].get("Created") or "")), r.name))

    mount_targets: dict[str, list[str]] = {}
    for row in present:  # for --volumes-from: which targets each container lends
        targets = [str(_map(m).get("Destination") or "") for m in _list(payloads[row.id].get("Mounts"))]
        for key in (row.id, short_id(row.id), row.name):
            mount_targets[key] = targets
    groups: dict[str, list[Listed]] = {}
    for row in present:
        groups.setdefault(display[row.id], []).append(row)
    for result_name, members in groups.items():
        members.sort(key=_number)
        container, volumes = _one_workload(
            result_name, members, payloads, images, display, mount_targets, diagnostics, accounts
        )
        project_dir = members[0].labels.get(COMPOSE_WORKING_DIR, "")
        if project_dir and address.startswith("unix://"):
            # binds beside the Compose project read as from-compose reads them: only on this machine's engine,
            # where that folder is this machine's (a remote engine's paths are the remote host's)
            resolve_binds(container, project_dir)
        result.containers.append(container)
        _collect(container, volumes, result)
    result.api_calls = counter.calls
    return result


def _one_workload(
    result_name: str,
    members: list[Listed],
    payloads: Mapping[str, Payload],
    images: Mapping[str, Payload],
    display: Mapping[str, str],
    mount_targets: Mapping[str, Iterable[str]],
    diagnostics: list[Diagnostic],
    accounts: Mapping[str, Mapping[str, str]],
) -> tuple[Container, dict[str, str]]:
    """Map one container, or the replicas of one compose service (the first one stands for all)."""
    mapped = []
    for row in members:
        payload = payloads[row.id]
        image_id = str(payload.get("Image") or row.image_id)
        image = images.get(image_id)
        container, volumes, notes = container_from_inspect(
            payload, image, display=display, name=result_name, mount_targets=mount_targets,
            accounts=accounts.get(row.id),
        )
        if not image:
            diagnostics.append(
                Diagnostic(
                    "engine-image-missing",
                    Severity.APPROXIMATED,
                    f"image {container.image} of {row.name} is gone from the engine: its ENV, CMD and "
                    "labels cannot be told from the container's own, so all are carried",
                    container.origin,
                    result_name,
                )
            )
        for note in notes:
            diagnostics.append(
                Diagnostic("engine-unknown-container", Severity.INFO, note, container.origin, result_name)
            )
        mapped.append((container, volumes))
    first, volumes = mapped[0]
    if len(members) > 1:
        project, service = members[0].compose or ("", result_name)
        first.replicas = len(members)
        first.learned.append(
            f"compose service {service} of project {project}: {len(members)} containers "
            f"({', '.join(r.name for r in members)}) read as replicas={len(members)}"
        )
        differing = [
            r.name for r, (c, _) in zip(members[1:], mapped[1:], strict=True) if _shape(c) != _shape(first)
        ]
        if differing:
            diagnostics.append(
                Diagnostic(
                    "engine-replicas-differ",
                    Severity.APPROXIMATED,
                    f"replicas {', '.join(differing)} of {result_name} differ from {members[0].name}; "
                    f"{members[0].name} stands for all of them",
                    first.origin,
                    result_name,
                )
            )
    elif members[0].compose:
        project, service = members[0].compose
        first.learned.append(f"compose service {service} of project {project}")
    if members[0].compose:
        volumes = _compose_wiring(first, members[0], volumes)
    return first, volumes


def _compose_wiring(c: Container, row: Listed, volumes: dict[str, str]) -> dict[str, str]:
    """What Compose recorded beside the container: its start order, and the volume names of the file.

    `com.docker.compose.depends_on` is `service:condition:restart,...`; Compose names a project's
    volumes `PROJECT_NAME`, so `PROJECT_` is dropped to give the name the Compose file uses
    (as from-compose does).
    """
    project, _service = row.compose or ("", "")
    for item in str(row.labels.get(COMPOSE_DEPENDS_ON) or "").split(","):
        target, _, rest = item.partition(":")
        if target:
            condition = rest.partition(":")[0] or "service_started"
            c.depends_on.append(Dependency(target, condition, c.origin))
            c.learned.append(f"starts after {target} ({condition}), as Compose recorded")
    prefix = f"{project}_"
    renamed = {name: name.removeprefix(prefix) for name in volumes if name.startswith(prefix) and name != prefix}
    if not renamed:
        return volumes
    c.mounts = [replace(m, source=renamed[m.source]) if m.type == "volume" and m.source in renamed else m
                for m in c.mounts]
    for old, new in sorted(renamed.items()):
        c.learned.append(f"volume {old} is the project's volume {new} (Compose prefixes the project name)")
    return {renamed.get(name, name): driver for name, driver in volumes.items()}


def _shape(container: Container) -> tuple[Any, ...]:
    """What replicas of one service must share for one Container to stand for them."""
    return (
        container.image,
        container.command,
        container.entrypoint,
        sorted((e.name, e.value) for e in container.env.values()),
        sorted((p.container_port, p.protocol, p.published) for p in container.ports),
        sorted((m.type, m.target, m.source) for m in container.mounts),
    )


def _collect(container: Container, volumes: Mapping[str, str], result: EngineResult) -> None:
    """Record the user-defined networks and named volumes (name -> driver) the container uses."""
    for attachment in container.networks:
        result.networks.setdefault(attachment.name, Network(attachment.name, origin=attachment.origin))
    for name, driver in volumes.items():
        origin = next((m.origin for m in container.mounts if m.type == "volume" and m.source == name), None)
        result.volumes.setdefault(name, Volume(name, driver or "local", origin))
