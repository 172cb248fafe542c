"""Storage: Docker's mounts -> pod volumes, volumeMounts and PersistentVolumeClaims.

Named volumes become one claim each, shared by every Pod that mounts them; anonymous volumes
emptyDirs; binds hostPaths; tmpfs memory-backed emptyDirs. Builders are pure and report what
they approximate, in the user's Docker words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from d2k.emitters.common import Obj
from d2k.emitters.common import metadata as _metadata
from d2k.emitters.common import quantity_bytes as _quantity_bytes
from d2k.model import Container, Graph, Mount
from d2k.names import dns1123_label, unique
from d2k.report import Report, Severity

if TYPE_CHECKING:
    from d2k.emitters.kubernetes import EmitOptions, _Pod

_PROPAGATION = {"rshared": "Bidirectional", "shared": "Bidirectional", "rslave": "HostToContainer",
                "slave": "HostToContainer"}  # fmt: skip


def volume_mounts(
    c: Container, cname: str, pod: _Pod, graph: Graph, report: Report, options: EmitOptions, claims: Claims
) -> list[Obj]:
    mounts: list[Obj] = []
    sources = [(m, c) for m in c.mounts]
    for other, mode in c.volumes_from:
        donor = graph.containers[other]
        for m in donor.mounts:
            sources.append((_as_mode(m, mode), donor))
    if c.shm_size:
        sources.append((Mount("tmpfs", "/dev/shm", size_limit=c.shm_size), c))
    for m, owner in sources:
        volume = _volume(m, owner, cname, pod, report, options, claims)
        entry: Obj = {"name": volume, "mountPath": m.target}
        if m.read_only:
            entry["readOnly"] = True
        if m.subpath:
            entry["subPath"] = m.subpath
        propagation = _PROPAGATION.get(m.propagation)
        if propagation:
            entry["mountPropagation"] = propagation
        if any(e["mountPath"] == m.target for e in mounts):
            continue
        mounts.append(entry)
    return mounts


def _as_mode(m: Mount, mode: str) -> Mount:
    from dataclasses import replace

    return replace(m, read_only=m.read_only or mode == "ro")


def _volume(
    m: Mount, owner: Container, cname: str, pod: _Pod, report: Report, options: EmitOptions, claims: Claims
) -> str:
    """The pod volume backing a mount (created on first use): PVC, emptyDir or hostPath."""
    if m.type == "volume" and m.source:
        claim = _claim(m.source, owner, claims, report, options)
        name = claim
        source: Obj = {"persistentVolumeClaim": {"claimName": claim}}
    elif m.type == "bind":
        name = "host-" + dns1123_label(m.source, "path")
        name = name[:63].rstrip("-")
        source = {"hostPath": {"path": m.source}}
    elif m.type == "tmpfs":
        name = "tmp-" + dns1123_label(m.target, "root")
        name = name[:63].rstrip("-")
        empty: Obj = {"medium": "Memory"}
        if m.size_limit:
            empty["sizeLimit"] = _quantity_bytes(m.size_limit)
        source = {"emptyDir": empty}
    else:
        name = (dns1123_label(owner.name) + "-" + dns1123_label(m.target, "root"))[:63].rstrip("-")
        source = {"emptyDir": {}}
    existing = pod.volumes.get(name)
    if existing is not None and {k: v for k, v in existing.items() if k != "name"} != source:
        name = unique(name, set(pod.volumes))
    pod.volumes.setdefault(name, {"name": name, **source})
    return name


@dataclass(slots=True)
class Claims:
    """The PVCs so far: by Docker volume name, and the Kubernetes names taken (one look each, never a scan)."""

    by_volume: dict[str, Obj] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)


def _claim(volume: str, owner: Container, claims: Claims, report: Report, options: EmitOptions) -> str:
    """The PVC of a Docker volume: one per volume, shared by every Pod that mounts it, names never merged."""
    existing = claims.by_volume.get(volume)
    if existing is not None:
        return str(existing["metadata"]["name"])
    wanted = dns1123_label(volume, "data")
    name = unique(wanted, claims.taken)
    if name != wanted:
        report.add("claim-renamed", Severity.APPROXIMATED,
                   f"volume {volume} becomes claim {name}: {wanted} is another volume's", owner.origin, owner.name)
    claims.taken.add(name)
    claims.by_volume[volume] = persistent_volume_claim(name, volume, options)
    return name


def persistent_volume_claim(name: str, volume: str, options: EmitOptions) -> Obj:
    meta = _metadata(name, options)
    if name != volume:
        meta["annotations"] = {"d2k.io/docker-volume": volume}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": options.storage_size}}}}


