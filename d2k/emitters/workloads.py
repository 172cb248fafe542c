"""The workload object around one pod spec: Deployment, Job or bare Pod, as d2k.workloads chose.

Pure builders: the caller (d2k.emitters.kubernetes) hands in the metadata it made, so the kinds
differ here only in what each kind needs (selector, restartPolicy, backoffLimit).
"""

from __future__ import annotations

from typing import Any

from d2k.model import WorkloadPlan
from d2k.workloads import DEFAULT_BACKOFF_LIMIT

Obj = dict[str, Any]


def workload(plan: WorkloadPlan, meta: Obj, template_meta: Obj, spec: Obj, replicas: int, selector: Obj) -> Obj:
    """The object of `plan.kind`; `template_meta` is the pod's metadata (labels, annotations)."""
    pod_spec = {**spec, "restartPolicy": plan.restart_policy}
    if plan.kind == "Pod":
        return pod(meta, template_meta, pod_spec)
    if plan.kind == "Job":
        return job(meta, template_meta, pod_spec, plan, replicas)
    return deployment(meta, template_meta, pod_spec, replicas, selector)


def deployment(meta: Obj, template_meta: Obj, spec: Obj, replicas: int, selector: Obj) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": replicas, "selector": selector,
                     "template": {"metadata": template_meta, "spec": spec}}}  # fmt: skip


def job(meta: Obj, template_meta: Obj, spec: Obj, plan: WorkloadPlan, replicas: int) -> Obj:
    """A Job runs its Pod to completion; the controller generates the selector (never set one here)."""
    limit = plan.backoff_limit if plan.backoff_limit is not None else DEFAULT_BACKOFF_LIMIT
    job_spec: Obj = {"backoffLimit": limit}
    if replicas > 1:
        job_spec["completions"] = replicas
        job_spec["parallelism"] = replicas
    job_spec["template"] = {"metadata": template_meta, "spec": spec}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": job_spec}


def pod(meta: Obj, template_meta: Obj, spec: Obj) -> Obj:
    """A bare Pod: its metadata carries the labels; the pod annotations join them."""
    merged = dict(meta)
    if template_meta.get("annotations"):
        merged["annotations"] = template_meta["annotations"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": merged, "spec": spec}


def pod_spec_of(obj: Obj) -> Obj | None:
    """The pod spec of a workload object d2k emits (Deployment, Job, Pod), None for any other kind."""
    if obj.get("kind") == "Pod":
        return obj.get("spec")
    if obj.get("kind") in ("Deployment", "Job"):
        return obj.get("spec", {}).get("template", {}).get("spec")
    return None
