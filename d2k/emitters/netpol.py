"""NetworkPolicies from who actually calls whom (`--network-policies`).

Three modes:
- `graph` (the default of the option): each workload accepts only the workloads the graph says
  reach it, on the ports they use, plus anyone on the target ports of its external Services;
- `egress`: the same, and each workload may only send to the workloads it reaches, plus DNS;
- `network`: Docker's own rule, per Docker network: members of one network (the default bridge
  included) accept each other on every port, as Docker lets them.
A default-deny policy selects the migrated pods only (by `app.kubernetes.io/part-of`), so other
apps in the namespace are untouched. Each policy's annotation lists the edges that produced it,
and the report says per workload what Docker allowed that is now denied.
"""

from __future__ import annotations

from typing import Any

from d2k.emitters.common import MANAGED_BY_LABEL, NAME_LABEL, PART_OF_LABEL
from d2k.emitters.kubernetes import EmitOptions
from d2k.emitters.traffic import (
    Entry,
    Flow,
    PortKey,
    docker_networks,
    entries,
    flows,
    on_host_network,
    shares_pod,
)
from d2k.model import Graph
from d2k.report import Report, Severity

MODES = ("graph", "egress", "network")
EDGES_ANNOTATION = "d2k.io/edges"
DNS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}  # fmt: skip
Obj = dict[str, Any]


def network_policies(
    graph: Graph, report: Report, options: EmitOptions, mode: str, extra: list[Entry] | None = None
) -> list[Obj]:
    """A default deny for the migrated pods, then one `<workload>-ingress` policy per workload.

    `extra` are entry points besides external Services (the Ingress controller's backends).
    """
    roots = [name for name, pod in graph.pods.items() if name == pod]
    workloads = [graph.workload_names[r] for r in roots]
    if not workloads:
        return []
    seen = flows(graph)
    outside = entries(graph) + list(extra or [])
    objects = [_default_deny(workloads, options, mode)]
    for root in roots:
        if on_host_network(graph, root):
            report.add("netpol-host-network", Severity.APPROXIMATED,
                       "runs on the host network: NetworkPolicies do not apply to it (its traffic is the node's); "
                       "no policy", graph.containers[root].origin, root)
            continue
        objects.append(_workload_policy(root, graph, seen, outside, report, options, mode))
    return sorted(objects, key=lambda o: o["metadata"]["name"])


def _selector(workload: str, options: EmitOptions) -> Obj:
    labels = {NAME_LABEL: workload}
    if options.part_of:
        labels[PART_OF_LABEL] = options.part_of
    return {"matchLabels": labels}


def _metadata(name: str, options: EmitOptions, annotation: str) -> Obj:
    meta: Obj = {"name": name}
    if options.namespace:
        meta["namespace"] = options.namespace
    meta["labels"] = {MANAGED_BY_LABEL: "d2k", **({PART_OF_LABEL: options.part_of} if options.part_of else {})}
    meta["annotations"] = {EDGES_ANNOTATION: annotation}
    return meta


def _default_deny(workloads: list[str], options: EmitOptions, mode: str) -> Obj:
    """Selects every migrated pod and allows nothing: the per-workload policies add what is allowed."""
    if options.part_of:
        selector: Obj = {"matchLabels": {PART_OF_LABEL: options.part_of}}
    else:
        selector = {"matchExpressions": [{"key": NAME_LABEL, "operator": "In", "values": sorted(workloads)}]}
    name = f"{options.part_of or 'd2k'}-default-deny"
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": _metadata(name, options, "none: denies what no other policy allows"),
            "spec": {"podSelector": selector, "policyTypes": _types(mode)}}  # fmt: skip


def _types(mode: str) -> list[str]:
    return ["Ingress", "Egress"] if mode == "egress" else ["Ingress"]


def _ports(keys: tuple[PortKey, ...] | list[PortKey]) -> list[Obj]:
    return [{"port": port, "protocol": proto} for port, proto in sorted(set(keys))]


def _workload_policy(
    root: str, graph: Graph, seen: list[Flow], outside: list[Entry], report: Report, options: EmitOptions, mode: str
) -> Obj:
    pod = graph.pods
    workload = graph.workload_names[root]
    incoming = [f for f in seen if pod[f.provider] == root and not shares_pod(graph, f.consumer, f.provider)]
    from_host = sorted({f.consumer for f in incoming if on_host_network(graph, f.consumer)})
    for consumer in from_host:
        report.add("netpol-host-caller", Severity.APPROXIMATED,
                   f"{consumer} reaches it from the host network: its traffic comes from the node's address, which "
                   "the policy does not allow (add an ipBlock with your nodes' addresses)",
                   graph.containers[root].origin, root)
    incoming = [f for f in incoming if not on_host_network(graph, f.consumer)]
    public = [e for e in outside if pod[e.container] == root]
    why: list[str] = [f"{_who(graph, f.consumer)}: {f.why}" for f in incoming]
    why += [f"outside: {e.why}" for e in public]
    if mode == "network":
        rules, peers = _network_rules(root, graph, incoming, options, why)
    else:
        rules = _graph_rules(graph, incoming, options)
        peers = {graph.workload_names[f.consumer] for f in incoming}
    if public:
        rules.append({"ports": _ports([e.target for e in public])})
    spec: Obj = {"podSelector": _selector(workload, options), "policyTypes": _types(mode), "ingress": rules}
    if mode == "egress":
        spec["egress"] = _egress(root, graph, seen, options, why, report)
    _report_denied(root, graph, peers, [e.target for e in public], mode, report)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": _metadata(f"{workload}-ingress", options, "; ".join(dict.fromkeys(why)) or
                                  "none: nothing reaches it"),
            "spec": spec}  # fmt: skip


def _who(graph: Graph, name: str) -> str:
    """The workload, and the container when it is a sidecar: `client/scraper`."""
    workload = graph.workload_names[name]
    return workload if graph.pods[name] == name else f"{workload}/{name}"


def _graph_rules(graph: Graph, incoming: list[Flow], options: EmitOptions) -> list[Obj]:
    """One rule per set of ports, listing the workloads that use exactly those ports."""
    ports_of: dict[str, set[PortKey]] = {}
    for f in incoming:
        ports_of.setdefault(graph.workload_names[f.consumer], set()).update(f.ports)
    by_ports: dict[tuple[PortKey, ...], list[str]] = {}
    for workload, keys in sorted(ports_of.items()):
        if keys:
            by_ports.setdefault(tuple(sorted(keys)), []).append(workload)
    return [{"from": [{"podSelector": _selector(w, options)} for w in workloads], "ports": _ports(keys)}
            for keys, workloads in sorted(by_ports.items())]


def _network_rules(
    root: str, graph: Graph, incoming: list[Flow], options: EmitOptions, why: list[str]
) -> tuple[list[Obj], set[str]]:
    """Docker's rule: every member of a network the pod is on, every port (plus the graph's callers)."""
    nets = set(docker_networks(graph.containers[root]))
    peers = {graph.workload_names[f.consumer] for f in incoming}
    for c in graph.containers.values():
        if c.name == graph.pods[c.name] and c.name != root and not on_host_network(graph, c.name):
            shared = sorted(nets & set(docker_networks(c)))
            if shared:
                peers.add(graph.workload_names[c.name])
                why.append(f"{graph.workload_names[c.name]}: network {', '.join(shared)}")
    rules = [{"from": [{"podSelector": _selector(w, options)} for w in sorted(peers)]}] if peers else []
    return rules, peers


def _egress(
    root: str, graph: Graph, seen: list[Flow], options: EmitOptions, why: list[str], report: Report
) -> list[Obj]:
    """To each workload it reaches on the ports it uses, and to the cluster DNS."""
    ports_of: dict[str, set[PortKey]] = {}
    for f in seen:
        if graph.pods[f.consumer] != root or shares_pod(graph, f.consumer, f.provider):
            continue
        if on_host_network(graph, f.provider):
            report.add("netpol-host-target", Severity.APPROXIMATED,
                       f"it calls {f.provider}, which runs on the host network: the egress policy does not allow "
                       "node addresses (add an ipBlock with your nodes' addresses)", graph.containers[root].origin, root)
            continue
        ports_of.setdefault(graph.workload_names[f.provider], set()).update(f.ports)
        why.append(f"to {_who(graph, f.provider)}: {f.why}")
    rules = [{"to": [{"podSelector": _selector(w, options)}], "ports": _ports(tuple(keys))}
             for w, keys in sorted(ports_of.items()) if keys]
    rules.append({"to": [DNS_PEER], "ports": _ports([(53, "UDP"), (53, "TCP")])})
    return rules


def _report_denied(
    root: str, graph: Graph, peers: set[str], public: list[PortKey], mode: str, report: Report
) -> None:
    """What Docker let through that the policy now denies: other containers on its networks, other ports."""
    c = graph.containers[root]
    nets = set(docker_networks(c))
    neighbours = sorted({graph.workload_names[o.name] for o in graph.containers.values()
                         if graph.pods[o.name] != root and nets & set(docker_networks(graph.containers[graph.pods[o.name]]))})
    open_ports = ", ".join(f"{port}/{proto}" for port, proto in sorted(set(public)))
    allowed = [f"{', '.join(sorted(peers))} may reach it on the ports they use"] if peers else []
    allowed += [f"anyone may reach it on {open_ports} (published)"] if public else []
    if mode == "network":
        message = "NetworkPolicy: members of its Docker networks may reach it on any port, as in Docker; " \
                  "pods outside those networks are denied" + (f" but on {open_ports} (published)" if public else "")
    elif not neighbours:
        message = f"NetworkPolicy: {'; '.join(allowed) or 'nothing may reach it'}"
    else:
        denied = [w for w in neighbours if w not in peers]
        limit = f" except on {open_ports}" if public else ""
        message = (f"NetworkPolicy: {'; '.join(allowed) or 'no workload may reach it'}; Docker let every container "
                   f"on {', '.join(sorted(nets))} reach it on any port"
                   + (f" (now denied{limit}: {', '.join(denied)})" if denied else ""))
    if mode == "egress":
        message += "; it may send only to the workloads it calls and to DNS (the internet and other hosts are denied)"
    report.add("netpol", Severity.INFO, message, c.origin, root)
