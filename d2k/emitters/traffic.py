"""Who reaches whom, on which ports and why: the service graph read as traffic.

NetworkPolicies and the picture both start here, so a policy never allows what the picture does
not show, and the reason on a picture's arrow is the one in the policy's annotation. Ports are
read from the Service plans (the port a caller names is a Service port; a pod accepts its
targetPort), so Services split or added by other rules are followed without change here.
"""

from __future__ import annotations

from d2k.model import Container, Edge, Graph, Port, ServicePlan, ServicePort
from d2k.names import dns1035_label
from d2k.records import dataclass

PortKey = tuple[int, str]  # (container port, protocol in Kubernetes' spelling: TCP | UDP | SCTP)
# host IPs that mean "this machine only": such a published port is not an entry point from outside
_LOOPBACK_IPS = ("127.", "::1", "[::1]", "localhost")


@dataclass(frozen=True, slots=True)
class Flow:
    """`consumer` reaches `provider` (containers) on `ports`; `why` quotes the Docker words that say so."""

    consumer: str
    provider: str
    ports: tuple[PortKey, ...]
    why: str
    edge: Edge | None = None  # None for network co-membership


@dataclass(frozen=True, slots=True)
class Entry:
    """A port reachable from outside the cluster: an external Service's target port on `container`."""

    container: str
    service: str
    type: str  # NodePort | LoadBalancer
    port: int  # the Service port
    target: PortKey
    why: str  # e.g. "-p 5423:80"


def protocol(name: str) -> str:
    return name.upper()


def is_public(host_ip: str) -> bool:
    """A port published on every interface (or a routable address), not only on the loopback."""
    return not host_ip.startswith(_LOOPBACK_IPS)


def shares_pod(graph: Graph, a: str, b: str) -> bool:
    return graph.pods.get(a, a) == graph.pods.get(b, b)


def on_host_network(graph: Graph, name: str) -> bool:
    return graph.containers[graph.pods.get(name, name)].network_mode == "host"


def edge_why(edge: Edge) -> str:
    """`--link redis:redis`, `env DB_HOST`, `network-alias sessions`: the user's own words, no values."""
    text = edge.origin.text if edge.origin else ""
    if edge.reason == "link":
        return text if text.startswith("--link") else f"--link {edge.provider}:{edge.host}"
    if edge.reason == "env":
        return f"env {text.partition('=')[0]}" if text else f"env ({edge.host})"
    return f"{edge.reason} {edge.host}"


def docker_networks(c: Container) -> tuple[str, ...]:
    """The Docker networks a container sits on: its user networks, else the default bridge."""
    if c.networks:
        return tuple(n.name for n in c.networks)
    if c.network_mode in ("", "bridge", "default"):
        return ("bridge",)
    return ()  # host, none, container:X (the pod's root is asked instead)


def flows(graph: Graph) -> list[Flow]:
    """Every call d2k saw (links, env host names); names on a network only where nothing else says.

    A link or an env host name is a call. A network alias or the membership of a user network only
    says who could call: they count for a container only when no link or env name reaches it (d2k
    made its Service because of the network, so the network's members are its callers). Calls
    inside one pod are loopback traffic, outside any policy, and are kept for the picture only
    (shares_pod tells them apart).
    """
    services = {s.name: s for s in graph.services}
    called = {e.provider for e in graph.edges if e.reason in ("link", "env")}
    out: list[Flow] = []
    for edge in graph.edges:
        consumers = [edge.consumer]
        if edge.reason == "network-alias":
            if edge.provider in called:
                continue
            consumers = _alias_members(graph, edge) or consumers  # an alias is a name for the whole network
        ports = _edge_ports(graph, services.get(dns1035_label(edge.host)), edge)
        out.extend(Flow(consumer, edge.provider, ports, edge_why(edge), edge) for consumer in consumers)
    called |= {e.provider for e in graph.edges}
    members: dict[str, list[str]] = {}
    for c in graph.containers.values():
        for net in c.networks:
            members.setdefault(net.name, []).append(c.name)
    for network, names in members.items():
        for provider in names:
            ports = _ports_of(graph, provider)
            if provider in called or not ports:
                continue
            out.extend(Flow(consumer, provider, ports, f"network {network}") for consumer in names
                       if consumer != provider)
    return _unique(out)


def _alias_members(graph: Graph, edge: Edge) -> list[str]:
    provider = graph.containers[edge.provider]
    nets = [n.name for k, n in enumerate(provider.networks)
            if edge.host in n.aliases or (k == 0 and edge.host in provider.network_aliases)]
    return sorted({c.name for c in graph.containers.values() if c.name != edge.provider
                   and any(n.name in nets for n in c.networks)}, key=list(graph.containers).index)


def _edge_ports(graph: Graph, service: ServicePlan | None, edge: Edge) -> tuple[PortKey, ...]:
    """The target ports behind the name the consumer uses (only the one it names, when it names one)."""
    if service is None or not shares_pod(graph, service.container, edge.provider):
        return _ports_of(graph, edge.provider)
    named = [p for p in service.ports if edge.port is None or p.port == edge.port]
    return tuple(dict.fromkeys((p.target_port, protocol(p.protocol)) for p in named or service.ports))


def _ports_of(graph: Graph, name: str) -> tuple[PortKey, ...]:
    return tuple(dict.fromkeys((p.container_port, protocol(p.protocol)) for p in graph.service_ports.get(name, [])))


def _unique(items: list[Flow]) -> list[Flow]:
    seen: dict[tuple[str, str, tuple[PortKey, ...], str], Flow] = {}
    for f in items:
        seen.setdefault((f.consumer, f.provider, f.ports, f.why), f)
    return list(seen.values())


def published(graph: Graph) -> list[tuple[ServicePlan, ServicePort, str]]:
    """Service ports that carry a port published with -p on a public address, with the flag as written."""
    out: list[tuple[ServicePlan, ServicePort, str]] = []
    for plan in graph.services:
        c = graph.containers[plan.container]
        public = [q for q in c.ports if q.published and is_public(q.host_ip)]
        if c.publish_all:
            public += [Port(q.container_port, q.protocol, published=True) for q in graph.service_ports.get(c.name, [])]
        for p in plan.ports:
            match = [q for q in public if q.container_port == p.target_port and q.protocol == p.protocol
                     and (q.host_port or p.port) == p.port]
            if match:
                flag = match[0].origin.text if match[0].origin and match[0].origin.text else ""
                out.append((plan, p, flag or ("-P" if c.publish_all else f"-p {p.port}:{p.target_port}")))
    return out


def entries(graph: Graph) -> list[Entry]:
    """Ports reachable from outside the cluster: every port of a NodePort/LoadBalancer Service, with its -p."""
    flags = {(plan.name, p.port, p.protocol): why for plan, p, why in published(graph)}
    return [Entry(plan.container, plan.name, plan.type, p.port, (p.target_port, protocol(p.protocol)),
                  flags.get((plan.name, p.port, p.protocol), f"{plan.type} Service {plan.name}"))
            for plan in graph.services if plan.type in ("NodePort", "LoadBalancer") for p in plan.ports]
