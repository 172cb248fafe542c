"""The service graph as a picture: Mermaid text, Graphviz DOT, and SVG/PNG through Graphviz's `dot`.

Nodes are containers with their workload kind and the Services that select them; arrows are the
calls d2k saw, labelled with the Docker words that say so (`--link redis:redis`, `env DB_HOST`,
`network backend`; dashed when only a shared network says the call may happen); `outside` marks
the entry points (ports published with -p). Containers that share a pod are drawn inside one box. The arrows are the ones NetworkPolicies are made from
(d2k.emitters.traffic), so the picture shows what the policies allow.
"""

from __future__ import annotations

import re
from typing import Any

from d2k.emitters.traffic import entries, flows, on_host_network
from d2k.errors import InputError
from d2k.model import Graph, ServicePlan, protocol_suffix
from d2k.records import dataclass

FORMATS = ("mermaid", "dot", "svg", "png")
_WORKLOAD_KINDS = ("Deployment", "Pod", "Job", "StatefulSet", "DaemonSet", "CronJob")
# Mermaid words that cannot be node ids
_MERMAID_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle",
                     "direction", "default"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Node:
    name: str  # the container
    lines: tuple[str, ...]  # the label, a line each
    external: bool  # an entry point from outside the cluster


@dataclass(frozen=True, slots=True)
class Picture:
    """What both notations draw: nodes, pods holding several containers, labelled arrows."""

    title: str
    nodes: tuple[Node, ...]
    pods: tuple[tuple[str, tuple[str, ...]], ...]  # (workload label, containers) for pods of 2+ containers
    # (from, to, label, dashed); from "" is outside; dashed: only a network says the call may happen
    arrows: tuple[tuple[str, str, str, bool], ...]

    def has_outside(self) -> bool:
        return any(arrow[0] == "" for arrow in self.arrows)

    def groups(self) -> list[tuple[int, str, list[Node]]]:
        """The containers alone in their pod (label ""), then each pod of several with its label."""
        in_pod = {name for _label, names in self.pods for name in names}
        out = [(0, "", [n for n in self.nodes if n.name not in in_pod])]
        out += [(k, label, [n for n in self.nodes if n.name in names]) for k, (label, names) in enumerate(self.pods)]
        return out


def picture(graph: Graph, objects: list[dict[str, Any]], title: str = "") -> Picture:
    """The nodes and arrows of the graph, in input order (deterministic)."""
    kinds = {o["metadata"]["name"]: o["kind"] for o in objects if o.get("kind") in _WORKLOAD_KINDS}
    plans: dict[str, list[ServicePlan]] = {}
    for plan in graph.services:
        plans.setdefault(plan.container, []).append(plan)
    outside = entries(graph)
    nodes = []
    for name in graph.containers:
        root = graph.pods.get(name, name)
        workload = graph.workload_names.get(name, name)
        kind = kinds.get(workload, "workload")
        lines = [name, kind if root == name else f"in {kind} {workload}"]
        lines += [_service_line(p) for p in plans.get(name, [])]
        if not plans.get(name) and root == name:
            lines.append("no Service")
        if on_host_network(graph, name) and root == name:
            lines.append("host network")
        nodes.append(Node(name, tuple(lines), any(e.container == name for e in outside)))
    members: dict[str, list[str]] = {}
    for name in graph.containers:
        members.setdefault(graph.pods.get(name, name), []).append(name)
    pods = tuple((f"{kinds.get(graph.workload_names.get(root, root), 'workload')} {graph.workload_names.get(root, root)}",
                  tuple(names)) for root, names in members.items() if len(names) > 1)
    labels: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for e in outside:
        labels.setdefault(("", e.container), []).append((e.why, False))
    for f in flows(graph):
        maybe = f.edge is None or f.edge.reason == "network-alias"
        labels.setdefault((f.consumer, f.provider), []).append((f.why, maybe))
    arrows = tuple((a, b, ", ".join(dict.fromkeys(why for why, _m in whys)), all(m for _w, m in whys))
                   for (a, b), whys in labels.items())
    return Picture(title, tuple(nodes), pods, arrows)


def _service_line(plan: ServicePlan) -> str:
    ports = []
    for p in plan.ports:
        text = str(p.port) if p.port == p.target_port else f"{p.port}→{p.target_port}"
        if p.node_port:
            text += f" (node {p.node_port})"
        ports.append(text + protocol_suffix(p.protocol))
    return f"{plan.type} {plan.name} :{', '.join(ports)}"


def mermaid(pic: Picture) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown between ```mermaid fences)."""
    ids = _mermaid_ids([n.name for n in pic.nodes])
    out = ["flowchart LR"]
    if pic.title:
        out.insert(0, f"---\ntitle: {_mermaid_text(pic.title)}\n---")
    if pic.has_outside():
        out.append('  outside(("outside"))')
    for k, label, nodes in pic.groups():
        indent = "    " if label else "  "
        if label:
            out.append(f'  subgraph pod{k}["{_mermaid_text(label)}"]')
        out += [f"{indent}{_mermaid_node(ids[n.name], n)}" for n in nodes]
        if label:
            out.append("  end")
    for a, b, label, dashed in pic.arrows:
        out.append(f'  {ids[a] if a else "outside"} {"-.->" if dashed else "-->"}|"{_mermaid_text(label)}"| {ids[b]}')
    external = [ids[n.name] for n in pic.nodes if n.external]
    if external:
        out.append("  classDef external stroke-width:3px")
        out.append(f"  class {','.join(external)} external")
    return "\n".join(out) + "\n"


def _mermaid_ids(names: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {"": "outside"}
    taken = {"outside"}
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if base.lower() in _MERMAID_RESERVED or not base[:1].isalpha():
            base = f"c_{base}"
        chosen, n = base, 2
        while chosen in taken:
            chosen, n = f"{base}_{n}", n + 1
        taken.add(chosen)
        ids[name] = chosen
    return ids


def _mermaid_text(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _mermaid_node(node_id: str, node: Node) -> str:
    return f'{node_id}["{"<br/>".join(_mermaid_text(line) for line in node.lines)}"]'


def dot(pic: Picture) -> str:
    """Graphviz DOT: `dot -Tsvg` draws it."""
    out = [f"digraph {_dot_id(pic.title or 'd2k')} {{", "  rankdir=LR;",
           '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
           '  edge [fontname="Helvetica", fontsize=10];']  # fmt: skip
    if pic.has_outside():
        out.append('  "(outside)" [label="outside", shape=circle];')
    for k, label, nodes in pic.groups():
        indent = "    " if label else "  "
        if label:
            out.append(f"  subgraph cluster_{k} {{")
            out.append(f"    label={_dot_id(label)}; style=dashed;")
        out += [f"{indent}{_dot_node(n)}" for n in nodes]
        if label:
            out.append("  }")
    for a, b, label, dashed in pic.arrows:
        style = ", style=dashed" if dashed else ""
        out.append(f"  {_dot_id(a or '(outside)')} -> {_dot_id(b)} [label={_dot_id(label)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_node(node: Node) -> str:
    bold = ", penwidth=2" if node.external else ""
    return f"{_dot_id(node.name)} [label={_dot_id(chr(10).join(node.lines))}{bold}];"


def render(dot_text: str, fmt: str) -> bytes:
    """SVG or PNG from DOT with Graphviz's `dot` (Debian package `graphviz`)."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise InputError(f"--format {fmt} needs Graphviz's dot: install it (apt-get install graphviz), "
                         "or use --format mermaid or --format dot")
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise InputError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return done.stdout


def draw(graph: Graph, objects: list[dict[str, Any]], fmt: str, title: str = "") -> bytes:
    """The picture in one of FORMATS, as bytes ready to write."""
    pic = picture(graph, objects, title)
    if fmt == "mermaid":
        return mermaid(pic).encode("utf-8")
    text = dot(pic)
    return text.encode("utf-8") if fmt == "dot" else render(text, fmt)
