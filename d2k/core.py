"""The core as pure functions with keyword-only options: text or graph in, objects and report out."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from d2k.emitters.kubernetes import EmitOptions, emit
from d2k.infer import Inference, infer
from d2k.model import Graph
from d2k.records import dataclass, field
from d2k.report import Report

Settle = Callable[[dict[str, Any]], dict[str, Any]]

if TYPE_CHECKING:
    from d2k.emitters.ingress import IngressOptions


@dataclass(frozen=True, slots=True)
class Options:
    workload: str = "auto"  # auto | deployment | job | pod (d2k.workloads)
    expose_type: str = "NodePort"
    namespace: str = ""
    part_of: str = ""
    storage_size: str = "1Gi"
    access_mode: str = "ReadWriteOnce"  # of the claims d2k makes
    k8s_version: str = "1.34"
    port_overrides: dict[str, list[int]] = field(default_factory=dict)
    network_policies: str = ""  # "" off | graph | egress | network (d2k.emitters.netpol.MODES)
    ingress: IngressOptions | None = None  # --ingress HOST and its companions
    liveness_from_healthcheck: bool = False
    variables: dict[str, str] = field(default_factory=dict)  # --var: the environment a script starts in


@dataclass(slots=True)
class Result:
    objects: list[dict[str, Any]]
    report: Report
    graph: Graph
    inputs: list[str] = field(default_factory=list)  # the files read, for the JSON report


def convert_text(text: str, file: str, *, options: Options, base_dir: str | None = None,
                 folder: str | None = None, settle: Settle | None = None) -> Result:
    """`docker run` lines (plain, script or Markdown) -> Kubernetes objects and the report.

    `folder`: what `$(pwd)`/`$PWD` name (default: base_dir made absolute, the input's folder); `settle`:
    see convert_graph.
    """
    from d2k.parsers.docker_run import parse_text

    base = base_dir if base_dir is not None else os.path.dirname(file) or "."
    # `$(pwd)` in the input is the folder it sits in (the current folder for stdin): absolute, as a shell has it
    parsed = parse_text(text, file, base_dir=base, variables=options.variables,
                        folder=folder if folder is not None else os.path.abspath(base))
    return convert_graph(parsed.graph, report=parsed.report, options=options, settle=settle)


def convert_compose(request: Any, *, options: Options, settle: Settle | None = None) -> Result:
    """A Compose project (a d2k.parsers.compose_loader Request, or a Loading already started) -> objects, report."""
    from d2k.parsers.compose import parse_compose

    parsed = parse_compose(request)
    if not options.part_of and parsed.project:
        from d2k.names import dns1123_label
        from d2k.records import replace

        options = replace(options, part_of=dns1123_label(parsed.project, "d2k"))
    result = convert_graph(parsed.graph, report=parsed.report, options=options, settle=settle)
    result.inputs = parsed.files
    return result


def convert_graph(graph: Graph, *, report: Report, options: Options, settle: Settle | None = None) -> Result:
    """The shared back half of from-commands and from-running: inference, then emitters.

    `settle` (a d2k.settle.Settler) is given each object once it is final and what it returns is kept in
    the result's objects; without it, the objects are whole and unchecked."""
    graph.seal()
    infer(graph, inference_of(report, options))
    emit_options = emit_options_of(options)
    objects = emit(graph, report, emit_options, settle)
    traffic = _traffic_objects(graph, report, emit_options, options)
    objects += map(settle, traffic) if settle else traffic
    return Result(objects, report, graph)


def inference_of(report: Report, options: Options) -> Inference:
    """What the inference rules are told of the options."""
    return Inference(report, expose_type=options.expose_type, port_overrides=options.port_overrides,
                     workload=options.workload)


def emit_options_of(options: Options) -> EmitOptions:
    """What the Kubernetes emitter is told of the options."""
    return EmitOptions(
        namespace=options.namespace,
        part_of=options.part_of,
        storage_size=options.storage_size,
        access_mode=options.access_mode,
        k8s_version=options.k8s_version,
        liveness_from_healthcheck=options.liveness_from_healthcheck,
    )


def _traffic_objects(graph: Graph, report: Report, emit_options: EmitOptions, options: Options) -> list[dict[str, Any]]:
    """The Ingress and NetworkPolicies the options ask for, after the plain objects (the same graph).

    Imported only when asked for: a plain conversion does not pay for these modules.
    """
    if options.ingress is None and not options.network_policies and options.expose_type != "ClusterIP":
        return []
    from d2k.emitters import ingress as ingress_emitter

    chosen = options.ingress or ingress_emitter.IngressOptions()
    objects = ingress_emitter.ingress(graph, report, emit_options, chosen)
    if options.expose_type == "ClusterIP":
        ingress_emitter.report_unexposed(graph, report, chosen)
    if options.network_policies:
        from d2k.emitters.netpol import network_policies

        extra = ingress_emitter.ingress_entries(graph, chosen)
        objects += network_policies(graph, report, emit_options, options.network_policies, extra)
    return objects
