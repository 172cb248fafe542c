"""The core as pure functions with keyword-only options: text or graph in, objects and report out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from d2k.emitters.kubernetes import EmitOptions, emit
from d2k.infer import Inference, infer
from d2k.model import Graph
from d2k.report import Report


@dataclass(frozen=True, slots=True)
class Options:
    workload: str = "auto"  # auto | deployment | job | pod (d2k.workloads)
    expose_type: str = "NodePort"
    namespace: str = ""
    part_of: str = ""
    storage_size: str = "1Gi"
    k8s_version: str = "1.34"
    port_overrides: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    objects: list[dict[str, Any]]
    report: Report
    graph: Graph


def convert_text(text: str, file: str, *, options: Options, base_dir: str | None = None) -> Result:
    """`docker run` lines (plain, script or Markdown) -> Kubernetes objects and the report."""
    from d2k.parsers.docker_run import parse_text

    parsed = parse_text(text, file, base_dir=base_dir if base_dir is not None else os.path.dirname(file) or ".")
    return convert_graph(parsed.graph, report=parsed.report, options=options)


def convert_graph(graph: Graph, *, report: Report, options: Options) -> Result:
    """The shared back half of from-commands and from-running: inference, then emitters."""
    inference = Inference(report, expose_type=options.expose_type, port_overrides=options.port_overrides,
                          workload=options.workload)
    infer(graph, inference)
    emit_options = EmitOptions(
        namespace=options.namespace,
        part_of=options.part_of,
        storage_size=options.storage_size,
        k8s_version=options.k8s_version,
    )
    objects = emit(graph, report, emit_options)
    return Result(objects, report, graph)
