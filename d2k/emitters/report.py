"""The report as people read it (text on stderr) and as programs read it (JSON with --report).

Per container: every flag as written, where it was, and its fate; then what inference
decided. Credential values never get here: flag texts and edge origins are redacted
where they are recorded, and messages never quote env values.
"""

from __future__ import annotations

import json
from typing import Any

from d2k.model import Fate, Graph, protocol_suffix
from d2k.report import Diagnostic, Report, Severity, fate_severity

_MARK = {Severity.INFO: "info", Severity.APPROXIMATED: "approximated", Severity.NOT_CARRIED: "not carried"}


def _container_diagnostics(report: Report, graph: Graph) -> tuple[dict[str, list[Diagnostic]], list[Diagnostic]]:
    per: dict[str, list[Diagnostic]] = {name: [] for name in graph.containers}
    general: list[Diagnostic] = []
    for d in dict.fromkeys(report.diagnostics):  # one line for a diagnostic reported twice
        (per[d.container] if d.container in per else general).append(d)
    return per, general


def render_text(report: Report, graph: Graph, objects: list[dict[str, Any]]) -> str:
    """What did not make it, per container, with file:line; then a count of what was made."""
    per, general = _container_diagnostics(report, graph)
    lines: list[str] = []
    for d in general:
        lines.append(f"  {_MARK[d.severity]:<13} {d.render()}")
    for name, c in graph.containers.items():
        items = [
            f"  {_MARK[sev]:<13} {f.origin.where()}: {f.text}: {f.note}"
            for f in c.flags
            if (sev := fate_severity(f.fate)) is not None
        ]
        items += [f"  {_MARK[d.severity]:<13} {d.render()}" for d in per[name]]
        items += [f"  {'learned':<13} {c.origin.where()}: {fact}" for fact in c.learned]
        if items:
            lines.append(f"{name} ({c.origin.where()})")
            lines.extend(items)
    kinds: dict[str, int] = {}
    for obj in objects:
        kinds[obj["kind"]] = kinds.get(obj["kind"], 0) + 1
    made = ", ".join(counted(n, k) for k, n in kinds.items())
    lines.append(f"d2k: {counted(len(graph.containers), 'container')} -> {made or 'no objects'}")
    return "\n".join(lines) + "\n"


def counted(n: int, noun: str) -> str:
    """`1 container`, `2 containers`, `3 NetworkPolicies`."""
    if n == 1:
        return f"{n} {noun}"
    if noun.endswith("s"):
        return f"{n} {noun}es"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{n} {noun}s"


def render_reach(objects: list[dict[str, Any]]) -> str:
    """"How to reach it" for each external Service and Ingress host, with the commands for minikube, kind, a cloud."""
    lines: list[str] = []
    hosts = _ingress_hosts(objects)
    for obj in objects:
        if obj["kind"] != "Service":
            continue
        name, spec = obj["metadata"]["name"], obj["spec"]
        ns = f" -n {obj['metadata']['namespace']}" if obj["metadata"].get("namespace") else ""
        for port in spec["ports"]:
            if (name, port["port"]) in hosts:
                lines.append(f"  {name}: Ingress, {hosts[name, port['port']]} (point the host at the Ingress "
                             f"controller's address: kubectl{ns} get ingress)")
            tcp = port.get("protocol", "TCP") == "TCP"
            shown = f"{port['port']}{protocol_suffix(port.get('protocol', 'TCP'))}"
            if spec["type"] == "NodePort":
                node_port = port.get("nodePort")
                how = ((f"http://<node-ip>:{node_port}" if tcp else f"<node-ip>:{node_port} ({port['protocol']})")
                       if node_port else
                       f"the node port the cluster picked: kubectl{ns} get service {name} "
                       "-o jsonpath='{.spec.ports[*].nodePort}'")
                lines.append(f"  {name}: NodePort, port {shown} -> {how}")
            elif spec["type"] == "LoadBalancer":
                lines.append(f"  {name}: LoadBalancer, port {shown} -> kubectl{ns} get service {name} "
                             "(EXTERNAL-IP)")
        if spec["type"] in ("NodePort", "LoadBalancer"):
            lines.extend(_cluster_hints(name, ns, spec))
    return ("how to reach it:\n" + "\n".join(lines) + "\n") if lines else ""


def _ingress_hosts(objects: list[dict[str, Any]]) -> dict[tuple[str, int], str]:
    """(Service, port) -> the URL an Ingress serves it at."""
    hosts: dict[tuple[str, int], str] = {}
    for obj in objects:
        if obj["kind"] != "Ingress":
            continue
        secured = {h for tls in obj["spec"].get("tls", []) for h in tls.get("hosts", [])}
        for rule in obj["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                service = path["backend"].get("service", {})
                scheme = "https" if rule.get("host") in secured else "http"
                hosts[service["name"], service["port"].get("number", 0)] = \
                    f"{scheme}://{rule.get('host', '<ingress-address>')}{path.get('path', '/')}"
    return hosts


def _cluster_hints(name: str, ns: str, spec: dict[str, Any]) -> list[str]:
    """The commands that reach an external Service on minikube, on kind (no node ports on the host) and a cloud."""
    forwards, other = port_forwards(spec["ports"])
    cloud = (f"kubectl{ns} get service {name}: its EXTERNAL-IP, once the cloud has assigned one"
             if spec["type"] == "LoadBalancer" else
             "a node's EXTERNAL-IP (kubectl get nodes -o wide) and the node port, opened in the firewall")
    unforwarded = (f"{', '.join(other)}: kubectl port-forward carries TCP only; map the node port with "
                   "extraPortMappings in the kind cluster's config")
    if forwards:
        first = forwards[0].split(":", 1)[0]
        kind = f"kubectl{ns} port-forward service/{name} {' '.join(forwards)}, then localhost:{first}"
        kind += f" ({unforwarded})" if other else ""
    else:
        kind = unforwarded
    return [f"    minikube: minikube service {name}{ns} --url",
            f"    kind:     {kind}",
            f"    cloud:    {cloud}"]


def port_forwards(ports: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """`local:port` for each TCP port of a Service, for kubectl port-forward, and the ports it cannot carry (UDP,
    SCTP: `53/udp`). A port from 1024 up keeps its number on this machine; a lower one, which only root may
    listen on, becomes 8000 + port, moved on past any local port already taken (80 and 8080 both forwarded)."""
    tcp = [p["port"] for p in ports if p.get("protocol", "TCP") == "TCP"]
    other = [f"{p['port']}{protocol_suffix(p['protocol'])}" for p in ports if p.get("protocol", "TCP") != "TCP"]
    taken = {port for port in tcp if port >= 1024}
    forwards = []
    for port in tcp:
        local = port
        if port < 1024:
            local = 8000 + port
            while local in taken:
                local += 1
            taken.add(local)
        forwards.append(f"{local}:{port}")
    return forwards, other


def to_json(report: Report, graph: Graph, objects: list[dict[str, Any]], inputs: list[str]) -> str:
    per, general = _container_diagnostics(report, graph)
    containers = []
    for name, c in graph.containers.items():
        containers.append(
            {
                "name": name,
                "workload": graph.workload_names.get(name, ""),
                "image": c.image,
                "file": c.origin.file,
                "line": c.origin.line,
                "replicas": c.replicas,
                "flags": [
                    {"flag": f.flag, "text": f.text, "file": f.origin.file, "line": f.origin.line,
                     "fate": f.fate.value, "note": f.note}
                    for f in c.flags
                ],
                "learned": list(c.learned),
                "diagnostics": [_diagnostic(d) for d in per[name]],
            }
        )
    document = {
        "version": 1,
        "inputs": inputs,
        "containers": containers,
        "diagnostics": [_diagnostic(d) for d in general],
        "edges": [
            {"from": e.consumer, "to": e.provider, "host": e.host, "reason": e.reason, "port": e.port,
             "file": e.origin.file if e.origin else None, "line": e.origin.line if e.origin else None,
             "text": e.origin.text if e.origin else None}
            for e in graph.edges
        ],
        "services": [
            {"name": s.name, "container": s.container, "type": s.type, "reason": s.reason,
             "ports": [{"port": p.port, "targetPort": p.target_port, "protocol": p.protocol, "nodePort": p.node_port}
                       for p in s.ports]}
            for s in graph.services
        ],
        "objects": [{"kind": o["kind"], "name": o["metadata"]["name"]} for o in objects],
        "not_carried": sum(
            1 for c in graph.containers.values() for f in c.flags if f.fate is Fate.NOT_CARRIED
        ) + sum(1 for d in report.diagnostics if d.severity is Severity.NOT_CARRIED),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "severity": d.severity.value, "message": d.message,
            "file": d.origin.file if d.origin else None, "line": d.origin.line if d.origin else None}  # fmt: skip


def anything_not_carried(report: Report, graph: Graph) -> bool:
    return report.has_not_carried() or any(
        f.fate is Fate.NOT_CARRIED for c in graph.containers.values() for f in c.flags
    )


def strict_failures(report: Report, graph: Graph) -> list[str]:
    """What makes --strict fail, one short item each (`file:line: --ulimit`): every flag not carried over,
    and every blocking diagnostic (not carried, or a placeholder left to fill: Diagnostic.blocking)."""
    items = [f"{f.origin.where()}: {f.flag} not carried"
             for c in graph.containers.values() for f in c.flags if f.fate is Fate.NOT_CARRIED]
    items += [f"{d.origin.where() + ': ' if d.origin else ''}{d.code}"
              for d in dict.fromkeys(report.diagnostics) if d.blocking]
    return list(dict.fromkeys(items))
