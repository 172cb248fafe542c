"""An Ingress for the Services that serve HTTP (`--ingress HOST`).

One rule per Service, by host: `NAME.HOST` routes `/` to Service NAME. Hosts rather than paths
because an app served under `/vote` still writes links and redirects to `/`; a host per
Service keeps every URL the app knows. A Service serves HTTP when a port published with -p on
a public address has a well-known web container port (HTTP_PORTS), or its container is named
with `--http NAME`.
"""

from __future__ import annotations

from typing import Any

from d2k.emitters.common import MANAGED_BY_LABEL, PART_OF_LABEL
from d2k.emitters.kubernetes import EmitOptions
from d2k.emitters.traffic import Entry, protocol, published
from d2k.errors import InputError
from d2k.infer import port_forward_reach
from d2k.model import Graph, ServicePlan, ServicePort
from d2k.records import dataclass
from d2k.report import Report, Severity

# container ports web servers and app frameworks listen on; the first found in this order is routed
HTTP_PORTS = (80, 8080, 8000, 3000, 5000, 4000, 8008, 8081, 8888, 9090, 443, 8443)
TLS_PORTS = (443, 8443)
Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class IngressOptions:
    host: str = ""  # "" = no Ingress
    ingress_class: str = ""
    tls_secret: str = ""
    http: tuple[str, ...] = ()  # containers to route whatever their port


@dataclass(frozen=True, slots=True)
class Route:
    host: str
    plan: ServicePlan
    port: ServicePort


def check_options(options: IngressOptions) -> None:
    """Refuse what the API server would: a host that is not a DNS name, class or secret that are not names."""
    from d2k.validate import dns1123_subdomain

    if not options.host:
        for flag, value in (("--ingress-class", options.ingress_class), ("--tls-secret", options.tls_secret),
                            ("--http", ",".join(options.http))):
            if value:
                raise InputError(f"{flag} needs --ingress HOST (the domain the Ingress serves)")
        return
    for flag, value in (("--ingress", options.host), ("--ingress-class", options.ingress_class),
                        ("--tls-secret", options.tls_secret)):
        if value and dns1123_subdomain(value):
            raise InputError(f"{flag} {value}: not a DNS name (lower-case letters, digits, '-' and '.')")
    if len(options.host) > 253 - 64:
        raise InputError(f"--ingress {options.host}: too long for NAME.{options.host} host names")


def routes(graph: Graph, options: IngressOptions) -> list[Route]:
    """The Services the Ingress routes to: one port each, web ports before TLS ports."""
    if not options.host:
        return []
    unknown = [n for n in options.http if n not in graph.containers]
    if unknown:
        raise InputError(f"--http {unknown[0]}: no container of that name in the input")
    candidates: dict[str, list[ServicePort]] = {}
    for plan, port, _why in published(graph):
        if port.target_port in HTTP_PORTS and port.protocol == "tcp":
            candidates.setdefault(plan.name, []).append(port)
    plans = {s.name: s for s in graph.services}
    for name in options.http:
        own = [s for s in graph.services if graph.pods[s.container] == graph.pods[name]]
        if not own:
            raise InputError(f"--http {name}: {name} has no Service to route to (publish its port with -p)")
        chosen = next((s for s in own if s.name in candidates), own[0])
        candidates.setdefault(chosen.name, [p for p in chosen.ports if p.protocol == "tcp"] or [chosen.ports[0]])
    out = []
    for name in sorted(candidates):
        ports = sorted(candidates[name], key=lambda p: HTTP_PORTS.index(p.target_port)
                       if p.target_port in HTTP_PORTS else len(HTTP_PORTS))
        out.append(Route(f"{name}.{options.host}", plans[name], ports[0]))
    return out


def ingress(graph: Graph, report: Report, options: EmitOptions, ingress_options: IngressOptions) -> list[Obj]:
    """One networking.k8s.io/v1 Ingress with a host rule per HTTP Service (none when nothing serves HTTP)."""
    chosen = routes(graph, ingress_options)
    if not ingress_options.host:
        return []
    if not chosen:
        report.add("ingress-none", Severity.INFO,
                   "--ingress: no Service serves HTTP (a published port 80, 8080, 3000, ...): no Ingress; "
                   "name one with --http NAME")
        return []
    scheme = "https" if ingress_options.tls_secret else "http"
    for r in chosen:
        report.add("ingress", Severity.INFO, f"served by the Ingress at {scheme}://{r.host}/ (Service {r.plan.name} "
                   f"port {r.port.port})", graph.containers[r.plan.container].origin, r.plan.container)
        if r.port.target_port in TLS_PORTS:
            report.add("ingress-https-backend", Severity.APPROXIMATED,
                       f"port {r.port.target_port} likely speaks HTTPS: tell the Ingress controller to use HTTPS "
                       "towards it (ingress-nginx: nginx.ingress.kubernetes.io/backend-protocol: HTTPS)",
                       graph.containers[r.plan.container].origin, r.plan.container)
    spec: Obj = {}
    if ingress_options.ingress_class:
        spec["ingressClassName"] = ingress_options.ingress_class
    if ingress_options.tls_secret:
        spec["tls"] = [{"hosts": [r.host for r in chosen], "secretName": ingress_options.tls_secret}]
    spec["rules"] = [{"host": r.host, "http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": r.plan.name, "port": {"number": r.port.port}}}}]}} for r in chosen]
    meta: Obj = {"name": options.part_of or "d2k"}
    if options.namespace:
        meta["namespace"] = options.namespace
    meta["labels"] = {MANAGED_BY_LABEL: "d2k", **({PART_OF_LABEL: options.part_of} if options.part_of else {})}
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}]


def ingress_entries(graph: Graph, options: IngressOptions) -> list[Entry]:
    """The Ingress controller's traffic, as entry points the NetworkPolicies must let in (from anywhere)."""
    return [Entry(r.plan.container, r.plan.name, r.plan.type, r.port.port,
                  (r.port.target_port, protocol(r.port.protocol)), f"Ingress {r.host}") for r in routes(graph, options)]


def report_unexposed(graph: Graph, report: Report, options: IngressOptions) -> None:
    """--expose-type ClusterIP: a published port outside the Ingress is reachable only by port-forward: say so."""
    routed = {(r.plan.name, r.port.port) for r in routes(graph, options)}
    for plan, port, why in published(graph):
        if plan.type == "ClusterIP" and (plan.name, port.port) not in routed:
            reach = port_forward_reach(plan.name, port.port, port.port, port.protocol)
            report.add("cluster-ip-published", Severity.APPROXIMATED,
                       f"{why}: a ClusterIP Service (--expose-type ClusterIP) and no Ingress rule: {reach}",
                       graph.containers[plan.container].origin, plan.container)
