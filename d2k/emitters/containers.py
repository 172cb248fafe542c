"""The container spec's leaf builders: ports, resources, probes, security contexts.

Split from d2k.emitters.kubernetes (which assembles workloads) so that each family
stays small; every function is pure: the Container in, a plain dict (and report notes) out.
"""

from __future__ import annotations

import math
import posixpath
from typing import TYPE_CHECKING, Any

from d2k.emitters.common import quantity_bytes
from d2k.model import Container, Graph, Origin
from d2k.names import port_name
from d2k.patterns import lazy
from d2k.report import Report, Severity
from d2k.runtime import docker_health_argv, escape
from d2k.secrets import argument_credentials

if TYPE_CHECKING:
    from d2k.emitters.kubernetes import EmitOptions

Obj = dict[str, Any]


def pod_security(members: list[Container], report: Report) -> Obj:
    """Pod-wide security: Docker's default seccomp profile for every container (RuntimeDefault at the pod,
    so init containers get it too; a container's own `seccomp=` overrides it), groups and sysctls."""
    security: Obj = {"seccompProfile": {"type": "RuntimeDefault"}}
    groups = sorted({int(g) for c in members for g in c.group_add if g.isdigit()})
    if groups:
        security["supplementalGroups"] = groups
    sysctls = {k: v for c in members for k, v in c.sysctls.items()}
    if sysctls:
        security["sysctls"] = [{"name": k, "value": v} for k, v in sorted(sysctls.items())]
    return security


def process(c: Container, moved: list[tuple[str, str, str]] | None = None, taken: set[str] | None = None) -> Obj:
    """`command`/`args` that start the process Docker started, every literal `$` escaped for the kubelet.

    `--entrypoint ""` resets the image ENTRYPOINT and CMD: what followed the image is the whole argv,
    so it is the `command` (an empty `command` would mean "the image's ENTRYPOINT" to Kubernetes).
    Docker refuses `--entrypoint ""` with nothing after the image, so that case never reaches here.

    With `moved`, a credential in the command line (d2k.secrets.argument_credentials: `--requirepass X`, a
    URL's password) becomes `$(D2K_ARG_...)`, which the kubelet replaces with the same text from the
    container's environment; `moved` receives (variable, value, what) for the caller's Secret, the
    variable's name not among `taken`.
    """
    def words(argv: list[str]) -> list[str]:
        return _hidden(argv, moved, taken if taken is not None else set()) if moved is not None else \
            [escape(w) for w in argv]

    out: Obj = {}
    if c.entrypoint == []:
        if c.command:
            out["command"] = words(c.command)
        return out
    if c.entrypoint is not None:
        out["command"] = words(c.entrypoint)
    if c.command:
        out["args"] = words(c.command)
    return out


_NOT_NAME = lazy(r"[^A-Za-z0-9_]")


def _hidden(argv: list[str], moved: list[tuple[str, str, str]], taken: set[str]) -> list[str]:
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for i, start, end, what in argument_credentials(argv):
        spans.setdefault(i, []).append((start, end, what))
    out = []
    for i, word in enumerate(argv):
        pieces, at = [], 0
        for start, end, what in sorted(spans.get(i, ())):
            if start < at:
                continue  # overlapping spans: the first one already holds it
            stem = "URL_PASSWORD" if what == "url" else _NOT_NAME.sub("_", what.lstrip("-")).upper()
            var, n = f"D2K_ARG_{stem}", 1
            while var in taken:
                n += 1
                var = f"D2K_ARG_{stem}_{n}"
            taken.add(var)
            moved.append((var, word[start:end], what))
            pieces += [escape(word[at:start]), f"$({var})"]
            at = end
        out.append("".join([*pieces, escape(word[at:])]))
    return out


def container_ports(c: Container, graph: Graph) -> list[Obj]:
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


def version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor.split(".")[0] or 0)


def quantity_cpu(cores: float) -> str:
    milli = max(1, math.ceil(round(cores * 1000, 6)))
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def resources(c: Container, report: Report) -> Obj:
    limits: dict[str, Any] = {}
    requests: dict[str, Any] = {}
    if c.nano_cpus:
        limits["cpu"] = quantity_cpu(c.nano_cpus / 1e9)
    elif c.cpu_quota and c.cpu_quota > 0:
        limits["cpu"] = quantity_cpu(c.cpu_quota / (c.cpu_period or 100_000))
    if c.cpu_shares:
        requests["cpu"] = quantity_cpu(c.cpu_shares / 1024)
    if c.memory:
        limits["memory"] = quantity_bytes(c.memory)
    if c.memory_reservation:
        requests["memory"] = quantity_bytes(c.memory_reservation)
    if c.gpus:
        limits["nvidia.com/gpu"] = _gpu_count(c.gpus)
    for key in ("cpu", "memory"):
        if key in requests and key in limits and _compare(requests[key], limits[key]) > 0:
            report.add("request-over-limit", Severity.APPROXIMATED,
                       f"{key} request {requests[key]} exceeds the limit {limits[key]}: the request is the limit",
                       c.origin, c.name)
            requests[key] = limits[key]
    reserved = [f"{key} {limits[key]}" for key in ("cpu", "memory") if key in limits and key not in requests]
    if reserved:
        report.add("requests-from-limits", Severity.APPROXIMATED,
                   f"limits without requests: Kubernetes reserves {' and '.join(reserved)} on the node (requests "
                   "default to the limits), Docker reserves nothing: add --cpu-shares/--memory-reservation "
                   "(requests) to reserve less", _flag_origin(c, "--cpus", "--cpu-quota", "--memory"), c.name)
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


def probes(c: Container, report: Report, *, liveness: bool = False) -> Obj:
    """Docker's healthcheck as a readinessProbe: Docker never restarts a container for failing it.

    With `liveness` (--liveness-from-healthcheck) a livenessProbe too, and for a start period a
    startupProbe that holds the liveness checks back. The rule for the startupProbe: it gives up (and
    kills) no earlier than Docker would mark the container unhealthy, the start period plus `retries`
    failed checks at the interval; without a livenessProbe there is none, since its only added effect
    would be that kill (readiness already waits for the first success, as Docker's "starting" does).
    """
    check = c.healthcheck
    if c.no_healthcheck or check is None or not check.test or check.test[0] == "NONE":
        return {}

    def probe(period: int, failures: int) -> Obj:
        # the kubelet expands $(X) and $$ in an exec probe too (against the container's literal env values)
        return {"exec": {"command": [escape(w) for w in docker_health_argv(check.test)]}, "periodSeconds": period,
                "timeoutSeconds": _seconds(check.timeout, 30), "failureThreshold": failures}  # fmt: skip

    period, failures = _seconds(check.interval, 30), max(1, check.retries or 3)
    origin = _flag_origin(c, "--health-cmd")
    out: Obj = {"readinessProbe": probe(period, failures)}
    held = sorted({"a URL's password" if what == "url" else what
                   for _i, _a, _b, what in argument_credentials(docker_health_argv(check.test))})
    if held:  # the kubelet expands an exec probe against literal env values only: a Secret's is "" there
        report.add("credential-probe", Severity.APPROXIMATED,
                   f"the healthcheck command holds a credential ({', '.join(held)}): it stays in the probe as "
                   "written, in the manifest, since an exec probe cannot take it from a Secret; have the "
                   "command read it from an environment variable the container gets from one", origin, c.name)
    if not liveness:
        report.add("health-readiness", Severity.APPROXIMATED,
                   f"healthcheck: a readinessProbe; while unhealthy ({failures} failed checks) the Pod gets no "
                   "Service traffic, where Docker only marked it unhealthy; never restarted, as in Docker "
                   "(--liveness-from-healthcheck restarts it)", origin, c.name)  # fmt: skip
        if check.start_interval:
            report.add("health-start-interval", Severity.APPROXIMATED,
                       f"--health-start-interval: the readinessProbe checks every {period}s from the start",
                       origin, c.name)
        return out
    out["livenessProbe"] = probe(period, failures)
    report.add("health-liveness", Severity.APPROXIMATED,
               f"healthcheck: also a livenessProbe (--liveness-from-healthcheck): Kubernetes restarts the container "
               f"after {failures} failed checks, Docker only marked it unhealthy", origin, c.name)
    if check.start_period:
        start_period = _seconds(check.start_interval, 5)
        unhealthy_after = check.start_period + failures * period
        out["startupProbe"] = probe(start_period, max(1, math.ceil(unhealthy_after / start_period)))
    elif check.start_interval:
        report.add("health-start-interval", Severity.NOT_CARRIED,
                   "--health-start-interval without --health-start-period: no start period to probe in",
                   c.origin, c.name)
    return out


def _seconds(value: float | None, default: int) -> int:
    if value is None or value == 0:
        return default
    return max(1, math.ceil(value))


def security_context(c: Container, report: Report, options: EmitOptions) -> Obj:
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
                else {"type": "RuntimeDefault"} if value == "docker-default"  # the runtime's own default profile
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


FOREVER = 86400  # --stop-timeout -1 waits forever; Kubernetes has no unlimited grace period: a day
# `docker stop` (and Compose) sends SIGKILL 10 s after the stop signal unless --stop-timeout says otherwise;
# the kubelet's default is 30 s. A process that ignores SIGTERM (a shell as PID 1) would take three times as
# long to stop on every rollout
DOCKER_STOP_TIMEOUT = 10


def grace_period(members: list[Container], report: Report) -> int:
    """terminationGracePeriodSeconds: Docker's stop timeout of each container (--stop-timeout, else Docker's
    10 s), the longest of the Pod's.

    A negative timeout is Docker's "wait forever"; Kubernetes would read -1 as 1 s: a day instead, reported.
    """
    timeouts = [DOCKER_STOP_TIMEOUT if c.stop_timeout is None else c.stop_timeout for c in members]
    for c in members:
        if c.stop_timeout is not None and c.stop_timeout < 0:
            report.add("stop-timeout-forever", Severity.APPROXIMATED,
                       f"--stop-timeout {c.stop_timeout} waits forever for the container to stop; Kubernetes has no "
                       f"unlimited grace period: terminationGracePeriodSeconds {FOREVER} (a day), set what the app "
                       "needs", _flag_origin(c, "--stop-timeout"), c.name)  # fmt: skip
    return max(FOREVER if t < 0 else t for t in timeouts)


def host_aliases(members: list[Container], report: Report) -> list[Obj]:
    """--add-host as hostAliases, grouped by address in the order given; a name given twice keeps its first
    address, the one Docker's /etc/hosts resolves (it writes both lines, in order)."""
    by_ip: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for c in members:
        for host, ip in c.add_hosts:
            ip = ip.strip("[]")
            first = seen.setdefault(host, ip)
            if first != ip:
                report.add("add-host-twice", Severity.APPROXIMATED,
                           f"--add-host {host}:{ip}: {host} is already {first}, which lookups find first (Docker's "
                           f"/etc/hosts lists both): only {first} is kept", _flag_origin(c, "--add-host"), c.name)
                continue
            if host not in by_ip.setdefault(ip, []):
                by_ip[ip].append(host)
    return [{"ip": ip, "hostnames": hosts} for ip, hosts in by_ip.items()]


_PULL_POLICY = {"always": "Always", "missing": "IfNotPresent", "never": "Never"}


def pull_policy(c: Container, report: Report) -> str:
    """imagePullPolicy from --pull; Docker's default is `missing`, so IfNotPresent (Kubernetes would pull an
    untagged or :latest image on every start). An untagged image is noted: it means :latest."""
    repository = c.image.split("@", 1)[0]
    if "@" not in c.image and ":" not in repository.rsplit("/", 1)[-1] and "$" not in c.image:
        report.add("image-latest", Severity.INFO,
                   f"image {c.image} has no tag: it means {c.image}:latest, which may differ from node to node; "
                   "pin a tag", c.origin, c.name)  # fmt: skip
    return _PULL_POLICY[c.pull or "missing"]


_TMPFS_DEFAULTS = (("noexec", "exec"), ("nosuid", "suid"), ("nodev", "dev"))


def tmpfs_notes(c: Container, report: Report) -> None:
    """What an emptyDir in memory does not carry of a tmpfs: Docker's default noexec,nosuid,nodev and a size
    given in percent (of the host's memory; sizeLimit needs an absolute size)."""
    for m in c.mounts:
        if m.type != "tmpfs":
            continue
        origin = m.origin or c.origin
        lost = [default for default, override in _TMPFS_DEFAULTS if override not in m.options]
        if lost:
            report.add("tmpfs-options", Severity.APPROXIMATED,
                       f"tmpfs {m.target}: an emptyDir in memory, which is mounted without Docker's "
                       f"{','.join(lost)}: programs and device files there work", origin, c.name)
        percent = next((o for o in m.options if o.startswith("size=") and o.endswith("%")), "")
        if percent:
            report.add("tmpfs-size-percent", Severity.NOT_CARRIED,
                       f"tmpfs {m.target}: {percent} of the host's memory has no Kubernetes form (sizeLimit takes an "
                       "absolute size): the emptyDir is unbounded; give size=64m", origin, c.name)


def _flag_origin(c: Container, *flags: str) -> Origin:
    """Where the user wrote the first of `flags` (file:line), else the container's own line."""
    return next((f.origin for f in c.flags if f.flag in flags), c.origin)
