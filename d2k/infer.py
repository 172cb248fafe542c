"""Inference: ordered, named rules that decide who reaches whom and which Services exist.

Each rule is a small function of (Graph, Inference) that fills in one derived part of the
graph (edges, pods, ports, the Service plan) and says what it could not decide in the
report. Their order is the order of RULES; each has its own test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from d2k import catalog
from d2k.errors import InputError
from d2k.model import Container, Edge, Graph, Mount, Origin, Port, ServicePlan, ServicePort, protocol_suffix
from d2k.names import dns1035_label, dns1123_label, unique
from d2k.patterns import lazy
from d2k.records import dataclass, field
from d2k.report import Report, Severity
from d2k.secrets import REDACTED, is_credential
from d2k.workloads import choose_workloads

NODE_PORT_RANGE = range(30000, 32768)
WAIT_IMAGE = "busybox:1.36"  # the initContainer that waits for a dependency's Service (nc -z)
# env names whose plain value is a host name (DB_HOST=db); URLs are recognised whatever the name
_HOST_ENV = lazy(r"HOST|SERVER|ADDR|ENDPOINT|SERVICE|BROKER|NODE|PEER|URL|URI|DSN|UPSTREAM|BACKEND", re.I)
_HOST_PORT = lazy(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9_.-]*)(?::(?P<port>\d{1,5}))?$")
_EXTERNAL_IPS = ("", "0.0.0.0", "::", "[::]")
_LOOPBACK = lazy(r"^(127\.|::1$|\[::1\]$|localhost$)")


@dataclass(slots=True)
class Inference:
    """Options and output channel shared by the rules."""

    report: Report
    expose_type: str = "NodePort"
    port_overrides: dict[str, list[int]] = field(default_factory=dict)
    # host name -> (container, reason): names callers may use
    hosts: dict[str, tuple[str, str]] = field(default_factory=dict)
    # nodePort -> the container that has it: a node port is opened once per cluster
    node_ports: dict[int, str] = field(default_factory=dict)
    workload: str = "auto"  # auto | deployment | job | pod (d2k.workloads)
    # containers others reach whose ports are unknown: reported once, not again per caller
    unreachable: set[str] = field(default_factory=set)


Rule = Callable[[Graph, Inference], None]


def check_references(graph: Graph, inf: Inference) -> None:
    """--link, --volumes-from and container:X modes name containers of the same input (Docker needs them to exist)."""
    for c in graph.containers.values():
        targets = [(link.target, "--link", link.origin) for link in c.links]
        targets += [(name, "--volumes-from", c.origin) for name, _mode in c.volumes_from]
        targets += [
            (mode.removeprefix("container:"), flag, c.origin)
            for mode, flag in ((c.network_mode, "--network"), (c.pid_mode, "--pid"), (c.ipc_mode, "--ipc"))
            if mode.startswith("container:")
        ]
        for target, flag, origin in targets:
            if target not in graph.containers:
                where = origin or c.origin
                if _from_engine(where):
                    raise InputError(f"{flag} {target}: container {target} is not among the containers read: "
                                     "name it too, or use --all", where.file)
                raise InputError(
                    f"{flag} {target}: no container named {target} in the input: add its docker run line first",
                    where.file,
                    where.line,
                )
            if target == c.name:
                raise InputError(f"{flag} {target}: a container cannot refer to itself", c.origin.file, c.origin.line)


def _from_engine(origin: Origin) -> bool:
    """Containers read from an engine have no input line (`container NAME`, line 0): errors speak of containers."""
    return origin.line == 0


def group_pods(graph: Graph, inf: Inference) -> None:
    """Containers sharing a network namespace (--network container:X) share X's Pod; so do --pid/--ipc container:X."""
    parent: dict[str, str] = {}
    for c in graph.containers.values():
        for mode in (c.network_mode, c.pid_mode, c.ipc_mode):
            if mode.startswith("container:"):
                parent[c.name] = mode.removeprefix("container:")
                break

    def root(name: str) -> str:
        # a loop, not a recursive closure: that would be a reference cycle holding the graph, which the
        # CLI (its cycle collector paused) would keep until exit
        seen: set[str] = set()
        while name in parent:
            if name in seen:
                c = graph.containers[name]
                raise InputError(f"{name} joins a loop of container: namespaces: break it", c.origin.file,
                                 c.origin.line)
            seen.add(name)
            name = parent[name]
        return name

    graph.pods = {name: root(name) for name in graph.containers}
    for name, pod in graph.pods.items():
        if pod == name:
            continue
        c = graph.containers[name]
        # a Pod's containers always share one network and one IPC namespace; under Docker only what was asked
        own = [what for what, mode in (("network namespace (they reach one another on localhost and their ports "
                                        "must not clash)", c.network_mode), ("IPC namespace", c.ipc_mode))
               if not (mode.startswith("container:") and graph.pods.get(mode.removeprefix("container:")) == pod)]
        if own:
            inf.report.add("same-pod", Severity.APPROXIMATED,
                           f"{name} runs in the Pod of {pod}, whose containers share one network and one IPC "
                           f"namespace: under Docker it had its own {' and its own '.join(own)}", c.origin, name)
        else:
            inf.report.add("same-pod", Severity.INFO, f"{name} runs in the Pod of {pod} (shared namespaces)",
                           c.origin, name)


def name_workloads(graph: Graph, inf: Inference) -> None:
    """Each Pod's workload gets a valid DNS-1123 name; a collision gets a suffix, and both are reported."""
    taken: set[str] = set()
    for name, pod in graph.pods.items():
        if name != pod:
            continue
        wanted = dns1123_label(name)
        chosen = unique(wanted, taken)
        taken.add(chosen)
        graph.workload_names[name] = chosen
        if chosen != name:
            inf.report.add("renamed", Severity.APPROXIMATED,
                           f"container {name} becomes workload {chosen} (Kubernetes names are DNS-1123 labels)",
                           graph.containers[name].origin, name)
    for name, pod in graph.pods.items():
        graph.workload_names.setdefault(name, graph.workload_names[pod])


def index_hosts(graph: Graph, inf: Inference) -> None:
    """Every name a container answers to: its own name, its network aliases, and link aliases pointing at it."""
    for c in graph.containers.values():
        inf.hosts.setdefault(c.name, (c.name, "name"))
    for c in graph.containers.values():
        aliases = list(c.network_aliases) + [a for net in c.networks for a in net.aliases]
        for alias in aliases:
            inf.hosts.setdefault(alias, (c.name, "network-alias"))
        for link in c.links:
            inf.hosts.setdefault(link.alias, (link.target, "link"))


def edges_from_links(graph: Graph, inf: Inference) -> None:
    """`--link target:alias`: the consumer reaches target by the alias."""
    for c in graph.containers.values():
        for link in c.links:
            graph.edges.append(Edge(c.name, link.target, link.alias, "link", origin=link.origin))


def edges_from_network_aliases(graph: Graph, inf: Inference) -> None:
    """A --network-alias is a name for the others on that network: every co-member may use it."""
    members: dict[str, list[str]] = {}
    for c in graph.containers.values():
        for net in c.networks:
            members.setdefault(net.name, []).append(c.name)
    for c in graph.containers.values():
        for k, net in enumerate(c.networks):
            # Docker applies --network-alias to the first --network only; alias= to its own network
            for alias in (*net.aliases, *(c.network_aliases if k == 0 else ())):
                consumers = [m for m in members[net.name] if m != c.name] or [c.name]
                graph.edges.append(Edge(consumers[0], c.name, alias, "network-alias", origin=net.origin))


def edges_from_env(graph: Graph, inf: Inference) -> None:
    """Env values that name another container as a host: DB_HOST=db, REDIS_URL=redis://redis:6379."""
    for c in graph.containers.values():
        for env in c.env.values():
            if env.value is None:
                continue
            for host, port in _hosts_in(env.name, env.value):
                target = inf.hosts.get(host)
                if target is None or target[0] == c.name:
                    continue
                shown = f"{env.name}={REDACTED}" if is_credential(env.name, env.value) else f"{env.name}={env.value}"
                origin = Origin(env.origin.file, env.origin.line, shown) if env.origin else None
                graph.edges.append(Edge(c.name, target[0], host, "env", port, origin))


def _hosts_in(name: str, value: str) -> list[tuple[str, int | None]]:
    found: list[tuple[str, int | None]] = []
    for item in re.split(r"[,\s;]+", value):
        if "://" in item:
            try:
                parts = urlsplit(item)
                host, port = parts.hostname, parts.port
            except ValueError:
                continue
            if host:
                found.append((host, port))
        elif _HOST_ENV.search(name):
            m = _HOST_PORT.match(item)
            if m:
                found.append((m["host"], int(m["port"]) if m["port"] and int(m["port"]) < 65536 else None))
    return found


def edges_from_depends_on(graph: Graph, inf: Inference) -> None:
    """`depends_on`: the consumer talks to its dependency by its service name, when that one has a port to call.

    A dependency with no known port is start order only (a migration job, a worker): no edge, no Service.
    """
    for c in graph.containers.values():
        for dep in c.depends_on:
            if dep.target not in graph.containers or dep.target == c.name:
                inf.report.add("depends-on-unknown", Severity.INFO,
                               f"depends on {dep.target}, which is not in the input: no start order",
                               dep.origin or c.origin, c.name)
                continue
            if graph.pods.get(dep.target) == graph.pods.get(c.name):
                continue  # the same Pod: containers of a Pod start together
            if graph.service_ports.get(dep.target):
                graph.edges.append(Edge(c.name, dep.target, dep.target, "depends_on", origin=dep.origin))
            else:
                inf.report.add("depends-on-no-port", Severity.INFO,
                               f"depends on {dep.target}, which has no known port: start order only, no Service "
                               f"(add --port {dep.target}=PORT if {c.name} calls it)", dep.origin or c.origin, c.name)


def plan_waits(graph: Graph, inf: Inference) -> None:
    """`depends_on: condition: service_healthy` -> wait for the dependency's Service before starting.

    Kubernetes has no start order: the nearest form is an initContainer that polls the Service's
    port, which answers only once a ready (healthy) Pod backs it. The report says so, each time.
    """
    by_container: dict[str, list[ServicePlan]] = {}
    for s in graph.services:
        by_container.setdefault(s.container, []).append(s)
    for c in graph.containers.values():
        for dep in c.depends_on:
            if dep.condition != "service_healthy" or dep.target not in graph.containers:
                continue
            if graph.pods.get(dep.target) == graph.pods.get(c.name):
                continue
            plans = sorted(by_container.get(dep.target, []), key=lambda s: (s.name != dns1035_label(dep.target),
                                                                            s.type != "ClusterIP", s.name))
            if not plans:
                inf.report.add("wait-not-carried", Severity.NOT_CARRIED,
                               f"waits for {dep.target} to be healthy, but {dep.target} has no Service to wait for: "
                               "it starts at once", dep.origin or c.origin, c.name)
                continue
            service = plans[0]
            port = next((p.port for p in service.ports if p.protocol == "tcp"), None)
            if port is None:
                inf.report.add("wait-not-carried", Severity.NOT_CARRIED,
                               f"waits for {dep.target} to be healthy, but its Service has no TCP port to poll",
                               dep.origin or c.origin, c.name)
                continue
            pod = graph.pods[c.name]
            if (service.name, port) not in graph.waits.setdefault(pod, []):
                graph.waits[pod].append((service.name, port))
            inf.report.add("start-order", Severity.APPROXIMATED,
                           f"waits for {dep.target} to be healthy: an initContainer ({WAIT_IMAGE}) polls Service "
                           f"{service.name} port {port} (start order is the one Compose behaviour Kubernetes has no native form for; "
                           "the wait happens at Pod start only)", dep.origin or c.origin, c.name)
    for waits in graph.waits.values():
        waits.sort()  # Compose starts dependencies together: the order is the names'


def resolve_ports(graph: Graph, inf: Inference) -> None:
    """Ports others may use: --port overrides, else -p/--expose plus the image's EXPOSE (catalog or engine)."""
    unknown = sorted(set(inf.port_overrides) - set(graph.containers))
    if unknown:
        names = list(graph.containers)
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise InputError(f"--port {unknown[0]}=...: no container is named {unknown[0]} (the containers: {shown})")
    for c in graph.containers.values():
        override = inf.port_overrides.get(c.name)
        if override is not None:
            graph.service_ports[c.name] = [Port(p) for p in override]
            continue
        ports = _unique_ports(c.ports)
        # Docker exposes the image's EXPOSE ports whatever -p/--expose add; from-running read them already
        known = None if c.image_inspected else catalog.image_ports(c.image)
        have = {(p.container_port, p.protocol) for p in ports}
        added = [(p, proto) for p, proto in known or () if (p, proto) not in have]
        if added:
            ports += [Port(p, proto) for p, proto in added]
            inf.report.add("catalog-ports", Severity.INFO,
                           f"ports {', '.join(f'{p}/{proto}' for p, proto in added)} from the image catalog "
                           f"({catalog.normalise_repository(c.image)})", c.origin, c.name)
        graph.service_ports[c.name] = ports


def _unique_ports(ports: list[Port]) -> list[Port]:
    seen: dict[tuple[int, str], Port] = {}
    for p in ports:
        seen.setdefault((p.container_port, p.protocol), Port(p.container_port, p.protocol))
    return list(seen.values())


def image_volumes(graph: Graph, inf: Inference) -> None:
    """The image's VOLUME paths get an emptyDir, as Docker gives them an anonymous volume (catalog images)."""
    for c in graph.containers.values():
        if c.image_inspected:
            continue  # the engine reader already turned the image's VOLUMEs into mounts
        paths = catalog.image_volumes(c.image) or []
        mounted = {m.target.rstrip("/") for m in c.mounts}
        added = [p for p in paths if p.rstrip("/") not in mounted]
        if not added:
            continue
        c.mounts = [*c.mounts, *(Mount("volume", p) for p in added)]  # a sealed Container's lists are shared
        inf.report.add("image-volume", Severity.INFO,
                       f"VOLUME {', '.join(added)} of the image (catalog): an emptyDir, as Docker makes an anonymous "
                       f"volume; mount a named volume there (-v NAME:PATH) to keep the data in a PVC",
                       c.origin, c.name)


def image_content(graph: Graph, inf: Inference) -> None:
    """Docker copies the image's files at a new volume's mount path into it (unless nocopy); Kubernetes
    mounts it empty. Catalogued content -> graph.seeds (an initContainer copies it); unknown images: a note.

    From-running uses the catalog too: an image inspect lists no files, and the container's archive
    endpoint (`GET /containers/{id}/archive?path=`) shows the mounted volume with everything written
    since, not the image's layer, at one more API call and a full download of the path per mount.
    """
    for c in graph.containers.values():
        content = catalog.image_content(c.image)
        fillable = [m for m in c.mounts if m.type == "volume" and not m.subpath and not _nocopy(m)]
        if not fillable:
            continue
        if content is None:
            paths = ", ".join(m.target for m in fillable)
            inf.report.add("image-content-unknown", Severity.INFO,
                           f"volume at {paths}: if the image has files there, Docker copied them into the new volume "
                           "and Kubernetes mounts it empty; d2k knows the content of catalogued images only (check "
                           "with docker run --rm --entrypoint ls IMAGE -A PATH)", c.origin, c.name)
            continue
        seeded = [m.target for m in fillable if catalog.over_content(m.target, content)]
        if seeded:
            graph.seeds[c.name] = seeded
            inf.report.add("image-content", Severity.APPROXIMATED,
                           f"Docker copies the image's files at {', '.join(seeded)} into a new volume: an initContainer "
                           "from the same image copies them on first start, while the volume is empty (it runs sh, "
                           "ls, grep and cp as root; an image without them fails to start: mount with nocopy or "
                           "ship the files another way)", c.origin, c.name)


def _nocopy(m: Mount) -> bool:
    return "nocopy" in m.options or "volume-nocopy=true" in m.options


def plan_services(graph: Graph, inf: Inference) -> None:
    """ClusterIP Services for the names others use; the ports published with -p get their own external one.

    A NodePort/LoadBalancer Service opens every port it lists on every node, so only what Docker
    published on all (or a given non-loopback) address goes in it. Ports published on loopback stay
    ClusterIP (reach them with kubectl port-forward). The external Service is named after the
    container, or `<name>-external` when the ClusterIP Service callers use already has that name;
    when callers use exactly the published ports, on the same numbers, the two are one Service.
    """
    internal = _internal_names(graph, inf)
    plans: dict[str, ServicePlan] = {}
    for c in graph.containers.values():
        own = dns1035_label(c.name)
        for host, reason in internal.get(c.name, []):
            ports = _internal_ports(c, host, reason, graph, inf)
            if ports:
                _add_plan(plans, ServicePlan(_service_name(host, c, inf), c.name, "ClusterIP", ports, reason), graph, inf)
        published = _published(c, graph, inf)
        loopback = _loopback_plan(c, published, graph, inf)
        if loopback:
            _add_plan(plans, loopback, graph, inf)
        current = plans.get(own)
        taken = current is not None and graph.pods[current.container] == graph.pods[c.name]
        external = _external_plan(c, published, external_service_name(own) if taken else own, inf)
        if external and current is not None and taken and _same_ports(current, external):
            # callers use exactly the ports Docker published (on the same numbers): one Service opens nothing more
            plans[own] = ServicePlan(own, current.container, external.type, external.ports, current.reason)
        elif external:
            _add_plan(plans, external, graph, inf)
            if taken:
                inf.report.add("external-service", Severity.INFO,
                               f"published ports are in Service {external.name} ({external.type}); Service {own} "
                               "(ClusterIP) keeps the ports other containers call off the nodes", c.origin, c.name)
        if not external and not loopback and c.name not in internal:
            inf.report.add("no-service", Severity.INFO,
                           "no Service (nothing reaches it and it publishes no port)", c.origin, c.name)
    graph.services = sorted(plans.values(), key=lambda s: s.name)


def _internal_names(graph: Graph, inf: Inference) -> dict[str, list[tuple[str, str]]]:
    names: dict[str, list[tuple[str, str]]] = {}
    for edge in graph.edges:
        entry = (edge.host, edge.reason)
        if entry not in names.setdefault(edge.provider, []):
            names[edge.provider].append(entry)
    by_network: dict[str, list[Container]] = {}
    for c in graph.containers.values():
        for net in c.networks:
            by_network.setdefault(net.name, []).append(c)
    for network, members in by_network.items():
        if len(members) < 2:
            continue
        for c in members:
            known = {h for h, _r in names.get(c.name, [])}
            if c.name in known:
                continue
            if graph.service_ports.get(c.name):
                names.setdefault(c.name, []).append((c.name, "network"))
            else:
                inf.report.add("network-no-ports", Severity.INFO,
                               f"{c.name} shares network {network} but no port is known: no Service "
                               f"(add --port {c.name}=PORT if others call it)", c.origin, c.name)
    return names


def _internal_ports(c: Container, host: str, reason: str, graph: Graph, inf: Inference) -> tuple[ServicePort, ...]:
    ports = graph.service_ports.get(c.name, [])
    if not ports:
        needed = sorted({e.port for e in graph.edges if e.provider == c.name and e.port})
        if needed:
            inf.report.add("ports-from-callers", Severity.APPROXIMATED,
                           f"port {', '.join(map(str, needed))} taken from what its callers name",
                           c.origin, c.name)
            ports = [Port(p) for p in needed]
            graph.service_ports[c.name] = ports
    if not ports:
        # Docker runs it and resolves the name; only the port is missing: convert, report, --strict fails
        inf.unreachable.add(c.name)
        callers = sorted({e.consumer for e in graph.edges
                          if e.provider == c.name and e.host == host and e.reason != "network-alias"})
        how = (f"{', '.join(callers)} call it as {host}" if callers
               else f"it answers to the network alias {host}" if reason == "network-alias"
               else f"others may call it as {host}")
        inf.report.add("unknown-ports", Severity.NOT_CARRIED,
                       f"{how}, but its ports are unknown (none published, exposed or in the image catalog): "
                       f"no Service {dns1035_label(host)}; give them with --port {c.name}=PORT "
                       "(or --expose PORT on its docker run line)", c.origin, c.name)
    return tuple(ServicePort(p.container_port, p.container_port, p.protocol) for p in ports)


def _same_ports(internal: ServicePlan, external: ServicePlan) -> bool:
    def ports(plan: ServicePlan) -> set[tuple[int, int, str]]:
        return {(p.port, p.target_port, p.protocol) for p in plan.ports}

    return ports(internal) == ports(external)


def external_service_name(name: str) -> str:
    """`<name>-external`, kept a DNS-1035 label (63 characters at most)."""
    suffix = "-external"
    return name[: 63 - len(suffix)].rstrip("-") + suffix


def _published(c: Container, graph: Graph, inf: Inference) -> list[Port]:
    """The ports Docker published on the host: -p, and with -P every exposed port (image EXPOSE and --expose)."""
    published = [p for p in c.ports if p.published]
    if c.publish_all:
        exposed = graph.service_ports[c.name]
        published += [Port(p.container_port, p.protocol, published=True, origin=p.origin) for p in exposed
                      if not any(q.container_port == p.container_port and q.protocol == p.protocol for q in published)]
        if not c.image_inspected and catalog.image_ports(c.image) is None and c.name not in inf.port_overrides:
            inf.report.add("publish-all-unknown", Severity.NOT_CARRIED,
                           f"-P publishes every port the image EXPOSEs, and those of {c.image} are unknown (not in "
                           "the image catalog): "
                           + (f"only {', '.join(str(p.container_port) for p in exposed)} published here"
                              if exposed else "no port published here")
                           + f"; add -p PORT or --port {c.name}=PORT", c.origin, c.name)
    if c.network_mode == "host":
        if published:
            inf.report.add("host-network-ports", Severity.APPROXIMATED,
                           "published ports are discarded with --network host (as Docker does): it listens on the "
                           f"node's own port {', '.join(str(p.container_port) for p in _unique_ports(published))}",
                           c.origin, c.name)
        return []
    return published


def port_forward_reach(service: str, local: int, port: int, protocol: str) -> str:
    """How to reach one port of a ClusterIP Service from outside the cluster: kubectl port-forward, for TCP
    (all it carries)."""
    if protocol.lower() == "tcp":
        return f"reach it with kubectl port-forward service/{service} {local}:{port}"
    return f"reach it from a Pod of the cluster (kubectl port-forward carries TCP only, not {protocol.lower()})"


def _loopback_plan(c: Container, published: list[Port], graph: Graph, inf: Inference) -> ServicePlan | None:
    """Ports Docker published on 127.0.0.1/::1 only: reachable from that host alone, so never on a node port."""
    loopback = [p for p in published if _LOOPBACK.match(p.host_ip)]
    name = dns1035_label(c.name)
    for p in loopback:
        reach = port_forward_reach(name, p.host_port or p.container_port, p.container_port, p.protocol)
        inf.report.add("loopback-port", Severity.APPROXIMATED,
                       f"port {p.container_port}{protocol_suffix(p.protocol)} was published on "
                       f"{p.host_ip} only (reachable from that host alone): not on a node port; Service {name} "
                       f"(ClusterIP) has it; {reach}", p.origin or c.origin, c.name)
    if not loopback:
        return None
    ports = tuple(ServicePort(p.container_port, p.container_port, p.protocol) for p in loopback)
    return ServicePlan(name, c.name, "ClusterIP", tuple(_dedupe(list(ports))), "published on loopback")


def _external_plan(c: Container, published: list[Port], name: str, inf: Inference) -> ServicePlan | None:
    """The NodePort/LoadBalancer Service of the ports Docker published on all (or one non-loopback) address."""
    external = [p for p in published if not _LOOPBACK.match(p.host_ip)]
    for p in external:
        if p.host_ip not in _EXTERNAL_IPS:
            inf.report.add("host-ip", Severity.APPROXIMATED,
                           f"port {p.container_port} was published on {p.host_ip} only; the Service listens on "
                           "every node", p.origin or c.origin, c.name)
    if not external:
        return None
    kind = inf.expose_type
    ports: list[ServicePort] = []
    for p in external:
        port = p.host_port or p.container_port
        node_port = None
        if p.host_port:
            holder = inf.node_ports.setdefault(p.host_port, c.name) if p.host_port in NODE_PORT_RANGE else None
            shown = f"{p.host_port}{protocol_suffix(p.protocol)}"
            if holder == c.name:
                node_port = p.host_port
            elif holder is not None:
                inf.report.add("node-port-taken", Severity.APPROXIMATED,
                               f"host port {shown} is already the node port of {holder}: the cluster picks "
                               "another one here", p.origin or c.origin, c.name)
            else:
                inf.report.add("node-port-range", Severity.APPROXIMATED,
                               f"host port {shown} is outside 30000-32767: the cluster picks the "
                               "node port", p.origin or c.origin, c.name)
        ports.append(ServicePort(port, p.container_port, p.protocol, node_port))
    return ServicePlan(name, c.name, kind, tuple(_dedupe(ports)), "published")


def _dedupe(ports: list[ServicePort]) -> list[ServicePort]:
    """One entry per (port, protocol), in port order so merged Services read the same every run."""
    seen: dict[tuple[int, str], ServicePort] = {}
    for p in ports:
        seen.setdefault((p.port, p.protocol), p)
    return [seen[k] for k in sorted(seen)]


def _service_name(host: str, c: Container, inf: Inference) -> str:
    name = dns1035_label(host)
    if name != host:
        inf.report.add("service-renamed", Severity.APPROXIMATED,
                       f"host name {host} is not a valid Service name: the Service is {name}; "
                       f"callers must use {name}", c.origin, c.name)
    return name


def _add_plan(plans: dict[str, ServicePlan], plan: ServicePlan, graph: Graph, inf: Inference) -> None:
    current = plans.get(plan.name)
    if current is None:
        plans[plan.name] = plan
        return
    if graph.pods[current.container] != graph.pods[plan.container]:
        if _shared_alias(current, plan):
            plans[plan.name] = ServicePlan(current.name, current.container, current.type, current.ports,
                                           current.reason, (*current.also, plan.container))
            inf.report.add("shared-alias", Severity.INFO,
                           f"{plan.container} shares the network alias {plan.name} with {current.container}: "
                           f"Service {plan.name} selects both, as Docker's DNS answers with each of them",
                           graph.containers[plan.container].origin, plan.container)
            return
        inf.report.add("service-conflict", Severity.NOT_CARRIED,
                       f"{plan.container} and {current.container} are both reached as {plan.name}: one Service "
                       f"can select only one of them; it selects {current.container}",
                       graph.containers[plan.container].origin, plan.container)
        return
    kind = plan.type if plan.type != "ClusterIP" else current.type
    merged = _dedupe([*current.ports, *plan.ports])
    plans[plan.name] = ServicePlan(plan.name, current.container, kind, tuple(merged), current.reason, current.also)


def _shared_alias(current: ServicePlan, plan: ServicePlan) -> bool:
    """Both declare the alias (not a link or env name) and the newcomer serves every port of the Service."""
    serves = {(p.target_port, p.protocol) for p in plan.ports}
    return (current.reason == plan.reason == "network-alias" and current.type == plan.type == "ClusterIP"
            and all((p.target_port, p.protocol) in serves for p in current.ports))


def check_connectivity(graph: Graph, inf: Inference) -> None:
    """Every name a container uses resolves to a Service of its provider that has the port it needs."""
    by_name = {s.name: s for s in graph.services}
    for edge in graph.edges:
        if edge.provider in inf.unreachable or edge.reason == "network-alias":
            continue  # reported by plan_services; an alias is a name offered, not a call made
        service = by_name.get(dns1035_label(edge.host))
        provider_pod = graph.pods[edge.provider]
        if service is None or provider_pod not in {graph.pods[m] for m in (service.container, *service.also)}:
            inf.report.add("connectivity-gap", Severity.NOT_CARRIED,
                           f"{edge.consumer} reaches {edge.provider} as {edge.host}, but no Service of that name "
                           "selects it", edge.origin, edge.consumer)
        elif edge.port and not any(p.port == edge.port for p in service.ports):
            inf.report.add("connectivity-gap", Severity.NOT_CARRIED,
                           f"{edge.consumer} reaches {edge.host} on port {edge.port}, which Service {service.name} "
                           f"does not expose (it has {', '.join(str(p.port) for p in service.ports)})",
                           edge.origin, edge.consumer)


RULES: tuple[Rule, ...] = (
    check_references,
    group_pods,
    name_workloads,
    index_hosts,
    edges_from_links,
    edges_from_network_aliases,
    edges_from_env,
    resolve_ports,
    edges_from_depends_on,
    image_volumes,
    image_content,
    plan_services,
    plan_waits,
    choose_workloads,
    check_connectivity,
)


def infer(graph: Graph, inf: Inference) -> Graph:
    """Run every rule in order; the graph's derived parts are filled in place and returned."""
    for rule in RULES:
        rule(graph, inf)
    return graph


__all__ = ["RULES", "Inference", "infer"]
