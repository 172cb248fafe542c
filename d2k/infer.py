"""Inference: ordered, named rules that decide who reaches whom and which Services exist.

Each rule is a small function of (Graph, Inference) that fills in one derived part of the
graph (edges, pods, ports, the Service plan) and says what it could not decide in the
report. Their order is the order of RULES; each has its own test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from d2k import catalog
from d2k.errors import InputError
from d2k.model import Container, Edge, Graph, Mount, Origin, Port, ServicePlan, ServicePort
from d2k.names import dns1035_label, dns1123_label, unique
from d2k.report import Report, Severity
from d2k.secrets import REDACTED, is_credential

NODE_PORT_RANGE = range(30000, 32768)
WAIT_IMAGE = "busybox:1.36"  # the initContainer that waits for a dependency's Service (nc -z)
# env names whose plain value is a host name (DB_HOST=db); URLs are recognised whatever the name
_HOST_ENV = re.compile(r"HOST|SERVER|ADDR|ENDPOINT|SERVICE|BROKER|NODE|PEER|URL|URI|DSN|UPSTREAM|BACKEND", re.I)
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9_.-]*)(?::(?P<port>\d{1,5}))?$")
_EXTERNAL_IPS = ("", "0.0.0.0", "::", "[::]")
_LOOPBACK = re.compile(r"^(127\.|::1$|\[::1\]$|localhost$)")


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

    def root(name: str, seen: frozenset[str] = frozenset()) -> str:
        if name in seen:
            c = graph.containers[name]
            raise InputError(f"{name} joins a loop of container: namespaces: break it", c.origin.file, c.origin.line)
        return root(parent[name], seen | {name}) if name in parent else name

    graph.pods = {name: root(name) for name in graph.containers}
    for name, pod in graph.pods.items():
        if pod != name:
            inf.report.add("same-pod", Severity.INFO, f"{name} runs in the Pod of {pod} (shared namespaces)",
                           graph.containers[name].origin, name)


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
    """Ports others may use: --port overrides, else -p/--expose, else the image catalog (and the engine's EXPOSE)."""
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
        if not ports:
            known = catalog.image_ports(c.image)
            if known:
                ports = [Port(p, proto) for p, proto in known]
                inf.report.add("catalog-ports", Severity.INFO,
                               f"ports {', '.join(f'{p}/{proto}' for p, proto in known)} from the image catalog "
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
        c.mounts.extend(Mount("volume", p) for p in added)
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
    """A ClusterIP Service per name others use; an external one per container published with -p; else none."""
    internal = _internal_names(graph, inf)
    plans: dict[str, ServicePlan] = {}
    for c in graph.containers.values():
        external = _external_plan(c, graph, inf)
        for host, reason in internal.get(c.name, []):
            ports = _internal_ports(c, host, graph, inf)
            if ports:
                _add_plan(plans, ServicePlan(_service_name(host, c, inf), c.name, "ClusterIP", ports, reason), graph, inf)
        if external:
            _add_plan(plans, external, graph, inf)
        if not external and c.name not in internal:
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


def _internal_ports(c: Container, host: str, graph: Graph, inf: Inference) -> tuple[ServicePort, ...]:
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
        callers = sorted({e.consumer for e in graph.edges if e.provider == c.name})
        raise InputError(
            f"{c.name} is reached by {', '.join(callers) or 'others'} as {host} but its ports are unknown: "
            f"add --port {c.name}=PORT"
            + ("" if _from_engine(c.origin) else " (or --expose PORT to its docker run line)"),
            c.origin.file,
            c.origin.line,
        )
    return tuple(ServicePort(p.container_port, p.container_port, p.protocol) for p in ports)


def _external_plan(c: Container, graph: Graph, inf: Inference) -> ServicePlan | None:
    published = [p for p in c.ports if p.published]
    if c.publish_all:
        published += [Port(p.container_port, p.protocol, published=True) for p in graph.service_ports[c.name]
                      if not any(q.container_port == p.container_port and q.protocol == p.protocol for q in published)]
    if c.network_mode == "host":
        if published:
            inf.report.add("host-network-ports", Severity.APPROXIMATED,
                           "published ports are discarded with --network host (as Docker does)",
                           c.origin, c.name)
        return None
    if not published:
        return None
    everywhere = [p for p in published if p.host_ip in _EXTERNAL_IPS]
    loopback = [p for p in published if _LOOPBACK.match(p.host_ip)]
    other = [p for p in published if p not in everywhere and p not in loopback]
    for p in other:
        inf.report.add("host-ip", Severity.APPROXIMATED,
                       f"port {p.container_port} was published on {p.host_ip} only; the Service listens on "
                       "every node", p.origin or c.origin, c.name)
    external = everywhere + other
    for p in loopback:
        inf.report.add("loopback-port", Severity.APPROXIMATED,
                       f"port {p.container_port} was published on {p.host_ip} only: a ClusterIP Service; "
                       f"reach it with kubectl port-forward service/{dns1035_label(c.name)} "
                       f"{p.host_port or p.container_port}:{p.host_port or p.container_port}", p.origin or c.origin, c.name)
    kind = inf.expose_type if external else "ClusterIP"
    ports: list[ServicePort] = []
    for p in external + loopback:
        port = p.host_port or p.container_port
        node_port = None
        if kind != "ClusterIP" and p in external and p.host_port:
            holder = inf.node_ports.setdefault(p.host_port, c.name) if p.host_port in NODE_PORT_RANGE else None
            if holder == c.name:
                node_port = p.host_port
            elif holder is not None:
                inf.report.add("node-port-taken", Severity.APPROXIMATED,
                               f"host port {p.host_port} is already the node port of {holder}: the cluster picks "
                               "another one here", p.origin or c.origin, c.name)
            else:
                inf.report.add("node-port-range", Severity.APPROXIMATED,
                               f"host port {p.host_port} is outside 30000-32767: the cluster picks the "
                               "node port", p.origin or c.origin, c.name)
        ports.append(ServicePort(port, p.container_port, p.protocol, node_port))
    return ServicePlan(_service_name(c.name, c, inf), c.name, kind, tuple(_dedupe(ports)), "published")


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
        inf.report.add("service-conflict", Severity.NOT_CARRIED,
                       f"{plan.container} and {current.container} are both reached as {plan.name}: one Service "
                       f"can select only one of them; it selects {current.container}",
                       graph.containers[plan.container].origin, plan.container)
        return
    kind = plan.type if plan.type != "ClusterIP" else current.type
    merged = _dedupe([*current.ports, *plan.ports])
    plans[plan.name] = ServicePlan(plan.name, current.container, kind, tuple(merged), current.reason)


def check_connectivity(graph: Graph, inf: Inference) -> None:
    """Every name a container uses resolves to a Service of its provider that has the port it needs."""
    by_name = {s.name: s for s in graph.services}
    for edge in graph.edges:
        service = by_name.get(dns1035_label(edge.host))
        provider_pod = graph.pods[edge.provider]
        if service is None or graph.pods[service.container] != provider_pod:
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
    check_connectivity,
)


def infer(graph: Graph, inf: Inference) -> Graph:
    """Run every rule in order; the graph's derived parts are filled in place and returned."""
    for rule in RULES:
        rule(graph, inf)
    return graph


__all__ = ["RULES", "Inference", "infer"]
